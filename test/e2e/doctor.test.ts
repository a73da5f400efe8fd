/**
 * Proves `heartbeat doctor` as an operator runs it (`node bin/heartbeat.mjs doctor`, real exit codes)
 * against a real local mode: it passes when everything works, and names the failing check with a
 * fix when the service is down, the sweep has stopped, the signing secret is wrong, or the admin
 * token is wrong. The server sweeps once at start and then only every 86400 s, so a doctor told the
 * sweep runs every second sees a stopped sweep after 3 s instead of minutes.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, closedPort, deviceTokenFor, runCli, startLocalMode, tempDir, until, type CliRun, type LocalModeProcess } from './support/local-process';

/** The report line of one check. */
const lineOf = (run: CliRun, check: string) => run.stdout.split('\n').find((line) => new RegExp(`^(PASS|FAIL|SKIP)\\s+${check}\\s`).test(line)) ?? '';

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;
const target = () => ['--port', String(server?.port), '--data-dir', dataDir as string];

beforeAll(async () => {
  dataDir = tempDir('heartbeat-doctor');
  server = await startLocalMode({ dataDir, args: ['--sweep-every', '86400'] });
});
afterAll(async () => {
  await cleanUp(server, dataDir);
});

describe('heartbeat doctor against a working local mode', () => {
  it('passes all five checks in order and exits 0', async () => {
    // Prepare
    const args = ['doctor', ...target()];
    // Act
    const run = await runCli(args);
    // Assess
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(0, 5).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'PASS service',
      'PASS sweep',
      'PASS canary-beat',
      'PASS management',
      'PASS canary-read',
    ]);
    expect(lineOf(run, 'sweep')).toContain('sweep every 86400 s, from /v1/health');
    expect(lines[5]).toMatch(/^All 5 checks passed/);
  });

  it('prints the same report as JSON with --json, and the canary shows the beat it just sent', async () => {
    // Prepare
    const args = ['doctor', ...target(), '--json'];
    // Act
    const run = await runCli(args);
    // Assess
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: { check: string; status: string; fix: string | null }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.check, c.status, c.fix])).toEqual([
      ['service', 'pass', null],
      ['sweep', 'pass', null],
      ['canary-beat', 'pass', null],
      ['management', 'pass', null],
      ['canary-read', 'pass', null],
    ]);
    const device = await fetch(`${server?.url}/v1/devices/heartbeat-doctor-canary`, { headers: { authorization: `Bearer ${server?.adminToken}` } });
    expect(await device.json()).toMatchObject({ deviceId: 'heartbeat-doctor-canary', status: 'up', message: expect.stringMatching(/^heartbeat doctor /) });
  });

  it('keeps the canary out of GET /v1/devices and heartbeat devices unless asked for it', async () => {
    // Prepare: the doctor has beaten the canary (tests above); one real device beats too
    await runCli(['doctor', ...target()]);
    const beat = await fetch(`${server?.url}/v1/heartbeats/doctor-real-1`, { method: 'POST', headers: { authorization: `Bearer ${deviceTokenFor(dataDir as string, 'doctor-real-1')}` } });
    expect(beat.status).toBe(200);
    const list = async (query: string) => {
      const response = await fetch(`${server?.url}/v1/devices${query}`, { headers: { authorization: `Bearer ${server?.adminToken}` } });
      return { status: response.status, body: (await response.json()) as { devices?: { deviceId: string }[]; error?: { code: string } } };
    };
    const ids = (run: CliRun) => (JSON.parse(run.stdout) as { devices: { deviceId: string }[] }).devices.map((d) => d.deviceId);

    // Act
    const byDefault = await list('');
    const asked = await list('?includeCanary=true');
    const refused = await list('?includeCanary=yes');
    const cliDefault = await runCli(['devices', ...target(), '--json']);
    const cliAsked = await runCli(['devices', ...target(), '--json', '--include-canary']);

    // Assess
    expect(byDefault.body.devices?.map((d) => d.deviceId)).toEqual(['doctor-real-1']);
    expect(asked.body.devices?.map((d) => d.deviceId).sort()).toEqual(['doctor-real-1', 'heartbeat-doctor-canary']);
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
    expect(cliDefault.code, cliDefault.stderr).toBe(0);
    expect(ids(cliDefault)).toEqual(['doctor-real-1']);
    expect(ids(cliAsked).sort()).toEqual(['doctor-real-1', 'heartbeat-doctor-canary']);
  });
});

describe('heartbeat doctor failures', () => {
  it('fails the service check with a fix when nothing answers, and skips the rest', async () => {
    // Prepare
    const port = await closedPort();
    // Act
    const run = await runCli(['doctor', '--port', String(port), '--data-dir', dataDir as string]);
    // Assess
    expect(run.code).toBe(1);
    expect(lineOf(run, 'service')).toMatch(/^FAIL\s+service\s+Cannot reach .*connection refused.*Fix: start local mode: "npx heartbeat start --port \d+/);
    for (const check of ['sweep', 'canary-beat', 'management', 'canary-read']) expect(lineOf(run, check), check).toMatch(/^SKIP/);
  });

  it('fails the sweep check with a fix when no sweep ran for 3 periods', async () => {
    // Prepare: the server swept once at start; wait until that is more than 3 s ago.
    const lastSweepAt = await until('the start-up sweep', async () => ((await (await fetch(`${server?.url}/v1/health`)).json()) as { lastSweepAt: string | null }).lastSweepAt ?? undefined, 15_000);
    await until('3 s after the last sweep', () => Date.now() - Date.parse(lastSweepAt) > 3_500, 10_000);
    // Act (the sweep's age reads "1m 02s" once a loaded machine took over a minute to get here)
    const run = await runCli(['doctor', ...target(), '--sweep-every', '1']);
    // Assess
    expect(run.code).toBe(1);
    expect(lineOf(run, 'sweep')).toMatch(/^FAIL\s+sweep\s+last sweep (\d+m )?\d+s ago .*sweep every 1 s, from --sweep-every.*none for more than 3 periods\. Fix: the sweep timer of local mode is not running/);
    expect(lineOf(run, 'service')).toMatch(/^PASS/);
    expect(lineOf(run, 'canary-read')).toMatch(/^PASS/);
    expect(run.stdout).toContain('1 check failed (sweep)');
  });

  it('fails the canary-beat check with a fix when the signing secret is not the service one', async () => {
    // Prepare
    const wrongSecret = 'not-the-service-secret-0123456789';
    // Act
    const run = await runCli(['doctor', ...target()], { HEARTBEAT_SIGNING_SECRET: wrongSecret });
    // Assess
    expect(run.code).toBe(1);
    expect(lineOf(run, 'canary-beat')).toMatch(/^FAIL\s+canary-beat\s+the service refused the canary's token .*minted from HEARTBEAT_SIGNING_SECRET\. Fix: that signing secret is not the one/);
    expect(lineOf(run, 'management')).toMatch(/^PASS/);
    expect(lineOf(run, 'canary-read')).toMatch(/^SKIP\s+canary-read\s+not run: needs canary-beat$/);
  });

  it('fails the management check with a fix when the admin token is wrong', async () => {
    // Prepare
    const wrongToken = 'not-the-admin-token-0123456789abcdef';
    // Act
    const run = await runCli(['doctor', ...target()], { HEARTBEAT_ADMIN_TOKEN: wrongToken });
    // Assess
    expect(run.code).toBe(1);
    expect(lineOf(run, 'management')).toMatch(/^FAIL\s+management\s+GET \/v1\/devices answered HTTP 401 unauthorized.*Fix: HEARTBEAT_ADMIN_TOKEN is not the running service's admin token/);
    expect(lineOf(run, 'canary-beat')).toMatch(/^PASS/);
    expect(lineOf(run, 'canary-read')).toMatch(/^SKIP\s+canary-read\s+not run: needs management$/);
    expect(run.stdout).not.toContain(wrongToken);
  });

  it('fails the canary-beat check with a fix when the data directory has no signing secret', async () => {
    // Prepare
    const empty = tempDir('heartbeat-doctor-empty');
    // Act
    const run = await runCli(['doctor', '--port', String(server?.port), '--data-dir', empty]);
    rmSync(empty, { recursive: true, force: true });
    // Assess
    expect(run.code).toBe(1);
    expect(lineOf(run, 'canary-beat')).toMatch(/^FAIL\s+canary-beat\s+no device token: .*signing-secret\.json does not exist.*Fix: point --data-dir at the running service's data directory/);
    expect(lineOf(run, 'management')).toMatch(/^FAIL\s+management\s+.*admin-token does not exist/);
  });
});
