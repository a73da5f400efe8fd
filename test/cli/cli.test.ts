/**
 * Proves the `heartbeat` command line as a person runs it (`node bin/heartbeat.mjs ...`, real exit
 * codes and output) against one real local-mode server shared by this file.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, childEnv, cleanUp, closedPort, descendants, runCli, startLocalMode, tempDir, until, type LocalModeProcess } from '../e2e/support/local-process';

/** Runs the CLI to completion. */
const cli = runCli;

/** The contract's formula, computed here independently of the service's code. */
const hmacToken = (secret: string, deviceId: string) => createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(deviceId, 'utf8')).digest('base64url');

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;
const target = () => ['--port', String(server?.port), '--data-dir', dataDir as string];

beforeAll(async () => {
  dataDir = tempDir('heartbeat-cli');
  server = await startLocalMode({ dataDir });
});
afterAll(async () => {
  await cleanUp(server, dataDir);
});

describe('heartbeat token', () => {
  it('prints base64url(HMAC-SHA256(secret, deviceId)) for --secret and for HEARTBEAT_SIGNING_SECRET', async () => {
    const secret = 'provisioning-secret-0123456789';
    const byFlag = await cli(['token', 'sensor-42', '--secret', secret]);
    expect(byFlag).toEqual({ code: 0, stdout: `${hmacToken(secret, 'sensor-42')}\n`, stderr: '' });
    const byEnv = await cli(['token', 'plant:a.7_x-y'], { HEARTBEAT_SIGNING_SECRET: secret });
    expect(byEnv.stdout.trim()).toBe(hmacToken(secret, 'plant:a.7_x-y'));
  });

  it("uses the data directory's secret, creating it once (mode 0600) when missing", async () => {
    const dir = tempDir('heartbeat-token');
    try {
      const first = await cli(['token', 'sensor-1', '--data-dir', dir]);
      expect(first.code).toBe(0);
      const file = join(dir, 'signing-secret.json');
      const { current } = JSON.parse(readFileSync(file, 'utf8')) as { current: string };
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(first.stdout.trim()).toBe(hmacToken(current, 'sensor-1'));
      expect((await cli(['token', 'sensor-1', '--data-dir', dir])).stdout).toBe(first.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with one line and exit code 1 for a bad device id', async () => {
    const result = await cli(['token', 'bad id!', '--secret', 'provisioning-secret-0123456789']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: Invalid device id "bad id!": use 1-128 characters of A-Z a-z 0-9 . _ : -\n');
  });
});

describe('heartbeat beat', () => {
  it('sends one beat, prints the 200 answer, and the beat is recorded', async () => {
    const result = await cli(['beat', 'cli-1', '--interval', '3600', '--message', 'hello from the cli', ...target()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [status, json] = [result.stdout.slice(0, 4), result.stdout.slice(4)];
    expect(status).toBe('200 ');
    expect(JSON.parse(json)).toMatchObject({ deviceId: 'cli-1', status: 'up', lastSeen: expect.any(String), deadline: expect.any(String) });
    const device = await fetch(`${server?.url}/v1/devices/cli-1`, { headers: { authorization: `Bearer ${server?.adminToken}` } });
    expect(await device.json()).toMatchObject({ deviceId: 'cli-1', beats: 1, interval: 3600, message: 'hello from the cli' });
  });

  it('beats every N seconds until Ctrl-C, then exits 0', async () => {
    const child = spawn(process.execPath, [CLI, 'beat', 'cli-every', '--every', '1', ...target()], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until('two beats', () => (stdout.match(/ 200 \{/g) ?? []).length >= 2, 45_000);
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    const device = await fetch(`${server?.url}/v1/devices/cli-every`, { headers: { authorization: `Bearer ${server?.adminToken}` } });
    expect(((await device.json()) as { beats: number }).beats).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('with --every and no value, beats at the --interval the device promises ("one every interval")', async () => {
    // Act
    const child = spawn(process.execPath, [CLI, 'beat', 'cli-every-interval', '--interval', '7', '--every', ...target()], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until('the first beat', () => / 200 \{/.test(stdout), 45_000);
    child.kill('SIGINT');
    // Assess
    expect(await closed).toBe(0);
    expect(stdout).toMatch(/^Beating cli-every-interval every 7 s at /);
    const device = await fetch(`${server?.url}/v1/devices/cli-every-interval`, { headers: { authorization: `Bearer ${server?.adminToken}` } });
    const seen = (await device.json()) as { interval: number; beats: number };
    expect(seen.interval).toBe(7);
    expect(seen.beats).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('prints the contract error as one line and exits 1 when the server refuses the beat', async () => {
    const result = await cli(['beat', 'cli-1', '--token', 'not-a-valid-token', ...target()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: HTTP 401 unauthorized: .+\n$/);
  });

  it('fails with one line and exit code 1 when the URL is unreachable', async () => {
    const port = await closedPort();
    const result = await cli(['beat', 'cli-1', '--url', `http://127.0.0.1:${port}`, '--token', 'x'.repeat(43)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: Cannot reach http://127.0.0.1:${port} (connection refused); is local mode running? Start it with "npx heartbeat start", or pass its --port / --url.\n`);
  });
});

describe('heartbeat devices, pause, resume', () => {
  it('prints the raw JSON of every device with --json, following the cursor across pages', async () => {
    for (const id of ['cli-a', 'cli-b', 'cli-c']) expect((await cli(['beat', id, ...target()])).code).toBe(0);
    const result = await cli(['devices', '--json', '--page-size', '1', ...target()]);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { devices: { deviceId: string }[]; cursor: null };
    expect(body.cursor).toBeNull();
    const ids = body.devices.map((d) => d.deviceId);
    expect(ids).toEqual(expect.arrayContaining(['cli-a', 'cli-b', 'cli-c']));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('prints a table, one row per device, and honours --status', async () => {
    // An hour-long interval: still up when the table is printed, however slow a loaded machine is.
    expect((await cli(['beat', 'cli-table', '--interval', '3600', '--message', 'hello from the cli', ...target()])).code).toBe(0);
    const result = await cli(['devices', ...target()]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^DEVICE\s+STATUS\s+GROUP\s+INTERVAL\s+GRACE\s+LAST SEEN\s+DEADLINE\s+BEATS\s+MESSAGE$/);
    expect(lines.find((l) => l.startsWith('cli-table '))).toMatch(/^cli-table\s+up\s+-\s+3600s\s+3600s\s+(\d+m )?\d+s ago\s+in \S+.*\s1\s+hello from the cli$/);
    expect(result.stdout).toMatch(/\d+ devices: \d+ up/);
    const paused = await cli(['devices', '--status', 'paused', ...target()]);
    expect(paused.stdout).toMatch(/^No devices yet/);
  });

  it('pauses and resumes a device, and refuses an unknown one', async () => {
    expect((await cli(['beat', 'cli-pause', ...target()])).code).toBe(0);
    const paused = await cli(['pause', 'cli-pause', ...target()]);
    expect(paused).toMatchObject({ code: 0, stdout: 'cli-pause is paused: beats are recorded, nothing alerts.\n' });
    const table = await cli(['devices', '--status', 'paused', ...target()]);
    expect(table.stdout).toMatch(/^cli-pause\s+paused/m);
    const resumed = await cli(['resume', 'cli-pause', ...target()]);
    expect(resumed.stdout).toBe('cli-pause is up; its deadline starts again from now.\n');
    const unknown = await cli(['pause', 'no-such-device', ...target()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: No device "no-such-device"; check the id with "npx heartbeat devices".\n');
  });

  it('fails with one line when local mode is not running there', async () => {
    const port = await closedPort();
    const result = await cli(['devices', '--port', String(port), '--data-dir', dataDir as string]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Cannot reach http:\/\/127\.0\.0\.1:\d+ \(connection refused\); is local mode running\?.*\n$/);
  });
});

describe('heartbeat secret rotate / finish', () => {
  const beatWith = async (token: string) =>
    (await fetch(`${server?.url}/v1/heartbeats/cli-rot`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status;

  it('rotates the running server\'s signing secret in two steps with no restart and no device locked out', async () => {
    // Prepare
    const oldToken = (await cli(['token', 'cli-rot', '--data-dir', dataDir as string])).stdout.trim();
    expect(await beatWith(oldToken)).toBe(200);

    // Act 1: start the rotation.
    const rotated = await cli(['secret', 'rotate', '--data-dir', dataDir as string]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^Rotation started in .*signing-secret\.json/);
    const newToken = (await cli(['token', 'cli-rot', '--data-dir', dataDir as string])).stdout.trim();
    expect(newToken).not.toBe(oldToken);
    // Assess: the server takes the new secret within about a second and still takes the old one.
    await until('the new token to be accepted', async () => (await beatWith(newToken)) === 200, 30_000, 200);
    expect(await beatWith(oldToken)).toBe(200);

    // Act 2: finish it.
    expect((await cli(['secret', 'finish', '--data-dir', dataDir as string])).code).toBe(0);
    // Assess: the old token stops working, the new one keeps working.
    await until('the old token to be refused', async () => (await beatWith(oldToken)) === 401, 30_000, 200);
    expect(await beatWith(newToken)).toBe(200);
    const again = await cli(['secret', 'finish', '--data-dir', dataDir as string]);
    expect(again).toMatchObject({ code: 1, stderr: 'error: No rotation is in progress: there is no previous secret to drop.\n' });
  }, 120_000);
});

describe('heartbeat start, when DynamoDB Local dies under it', () => {
  let doomed: LocalModeProcess | undefined;
  let doomedDir: string | undefined;
  afterAll(() => cleanUp(doomed, doomedDir));

  it('says so in one line and exits 1 instead of answering 500s', async () => {
    // Prepare: a server of its own (killing the shared one would leave the other tests a dead port).
    doomedDir = tempDir('heartbeat-cli-doomed');
    doomed = await startLocalMode({ dataDir: doomedDir });
    const running = doomed;
    const java = descendants(running.pid).find((p) => p.comm === 'java');
    expect(java).toBeDefined();
    process.kill(java?.pid as number, 'SIGKILL');
    const exit = await running.exited();
    expect(exit.code).toBe(1);
    expect(running.stderr()).toContain('error: DynamoDB Local exited unexpectedly; stopping. Start again to continue (the data is kept).\n');
    expect(running.stdout()).toMatch(/Stopped in [\d.]+ s\.\n$/);
  }, 240_000); // starts local mode (Java) of its own
});

