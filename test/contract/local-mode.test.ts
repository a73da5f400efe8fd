/**
 * The contract's section "Local mode", checked as a person meets it: `npm start` itself (npm runs
 * the start script, which must exec its program), configured through the environment variables of
 * the settings table, stopped with SIGINT and with SIGTERM sent to npm; what it prints at start;
 * where it keeps its data; and the command-line tool's help. Two runs share one data directory, so
 * the second also proves that devices survive a restart.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, deviceTokenFor, descendants, isRunning, REPO_ROOT, runCli, tempDir, until, type LocalModeProcess } from '../e2e/support/local-process';
import { serviceOf } from './support/service';

/** A running `npm start`, and what it has printed so far. */
interface NpmStart {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  stdout(): string;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const execFileAsync = promisify(execFile);

const ADMIN_FROM_ENV = 'contract-admin-token-from-the-environment-0123';

/** Runs `npm start` with no flag at all: every setting comes from `env`. Waits for the whole banner. */
async function npmStart(env: Record<string, string>): Promise<NpmStart> {
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: childEnv({ npm_config_update_notifier: 'false', npm_config_fund: 'false', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  const ready = await until(
    'the banner of npm start',
    () => {
      if (exit !== null) throw new Error(`npm start exited (${JSON.stringify(exit)}) before it was ready:\n${stdout}\n${stderr}`);
      if (!stdout.includes('Stop with Ctrl-C.')) return undefined;
      return /Ready in [\d.]+ s: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout) ?? undefined;
    },
    60_000,
    50,
  );
  return { child, pid: child.pid as number, url: ready[1] as string, stdout: () => stdout, exited: () => exited };
}

/** Sends `signal` to npm, and reports how long everything it started took to go away. */
async function stopWith(run: NpmStart, signal: NodeJS.Signals): Promise<{ ms: number; exit: { code: number | null; signal: NodeJS.Signals | null }; tree: { pid: number; comm: string }[] }> {
  const tree = descendants(run.pid);
  const began = Date.now();
  run.child.kill(signal);
  const exit = await run.exited();
  await until('every process npm start started to exit', () => tree.every((p) => !isRunning(p.pid)), 15_000, 50);
  return { ms: Date.now() - began, exit, tree };
}

const dataDir = tempDir('hb-contract-local');
const started: NpmStart[] = [];

afterAll(async () => {
  for (const run of started) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      for (const p of descendants(run.pid)) process.kill(p.pid, 'SIGKILL');
      run.child.kill('SIGKILL');
      await run.exited();
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

// Two runs of one data directory, the second reading what the first left: never shuffled.
describe('Local mode: npm start', { shuffle: false }, () => {
  it('"npm start": the whole service on 127.0.0.1, set through PORT, HEARTBEAT_DATA_DIR and HEARTBEAT_SWEEP_SECONDS; SIGINT to npm stops it within 10 s, leaving no process behind', async () => {
    // Prepare
    const run = await npmStart({ PORT: '0', HEARTBEAT_DATA_DIR: dataDir, HEARTBEAT_SWEEP_SECONDS: '1' });
    started.push(run);
    const adminToken = /admin token\s+(\S+)/.exec(run.stdout())?.[1] as string;
    const live = { url: run.url, dataDir, adminToken } as LocalModeProcess;
    const service = serviceOf(() => live);
    const token = deviceTokenFor(dataDir, 'demo-1');

    // Assess what it printed: the URL, the admin token, a ready curl line, the dashboard link with the token in the fragment.
    expect(run.stdout()).toMatch(new RegExp(`Ready in [\\d.]+ s: ${run.url}\\n`));
    expect(adminToken).toMatch(/^[0-9a-f]{64}$/);
    expect(run.stdout()).toContain(`curl -i -X POST -H 'Authorization: Bearer ${token}' ${run.url}/v1/heartbeats/demo-1`);
    expect(run.stdout()).toContain(`${run.url}/#token=${adminToken}`);
    expect(run.stdout()).not.toContain('?token');

    // ... and it works: the printed curl line, run as printed, records a beat; a sweep runs every second; an alert goes to alerts.jsonl in the data directory.
    const curlLine = (run.stdout().split('\n').find((l) => l.trim().startsWith('curl -i -X POST')) as string).trim();
    const curl = await execFileAsync('sh', ['-c', curlLine]);
    expect(curl.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(curl.stdout).toContain('"deviceId":"demo-1"');
    expect((await service.call('GET', '/v1/health')).body.sweepEverySeconds).toBe(1);
    expect((await service.beat('cl-fails', { status: 'fail', message: 'contract check' })).body.status).toBe('down');
    await until('the device.down in the data directory', () => service.alertsOf('cl-fails', 'device.down').length === 1, 15_000);
    await until('the alert line on standard output', () => /ALERT device\.down DOWN cl-fails: reported fail/.test(run.stdout()), 15_000);
    // The dashboard page is served at / without the token (the page asks for it).
    const page = await service.call('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).not.toContain(adminToken);
    // DynamoDB Local keeps its files under the data directory.
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(true);
    expect(readdirSync(join(dataDir, 'dynamodb')).length).toBeGreaterThan(0);

    // Act
    const stopped = await stopWith(run, 'SIGINT');

    // Assess
    expect(stopped.tree.map((p) => p.comm)).toContain('java');
    expect(stopped.ms).toBeLessThan(10_000);
    expect(run.stdout()).toMatch(/SIGINT received: stopping \.\.\.\n[\s\S]*Stopped in [\d.]+ s\./);
  }, 150_000); // npm, node and Java start on a machine that may be loaded

  it('"the admin token (masked when it came from the environment)", the default sweep period of 60 s, devices kept across a restart; SIGTERM to npm stops it within 10 s, leaving no process behind', async () => {
    // Prepare: the same data directory, no sweep setting, the admin token from the environment.
    const run = await npmStart({ PORT: '0', HEARTBEAT_DATA_DIR: dataDir, HEARTBEAT_ADMIN_TOKEN: ADMIN_FROM_ENV });
    started.push(run);
    const live = { url: run.url, dataDir, adminToken: ADMIN_FROM_ENV } as LocalModeProcess;
    const service = serviceOf(() => live);

    // Assess
    expect(run.stdout()).not.toContain(ADMIN_FROM_ENV);
    expect(run.stdout()).toMatch(/admin token\s+\*+ \(\d+ characters\), from HEARTBEAT_ADMIN_TOKEN/);
    expect(run.stdout()).not.toContain('#token=');
    expect((await service.call('GET', '/v1/health')).body.sweepEverySeconds).toBe(60);
    expect((await service.admin('GET', '/v1/devices/cl-fails')).body).toMatchObject({ deviceId: 'cl-fails', status: 'down', message: 'contract check' });
    expect((await service.admin('GET', '/v1/devices/demo-1')).body).toMatchObject({ status: 'up', beats: 1 });

    // Act
    const stopped = await stopWith(run, 'SIGTERM');

    // Assess
    expect(stopped.tree.map((p) => p.comm)).toContain('java');
    expect(stopped.ms).toBeLessThan(10_000);
    expect(run.stdout()).toMatch(/SIGTERM received: stopping \.\.\.\n[\s\S]*Stopped in [\d.]+ s\./);
  }, 150_000);
});

describe('Local mode: the command-line tool', () => {
  it('"npx heartbeat --help covers at least token, beat, devices and start", and beat takes --every', async () => {
    // Act
    const help = await runCli(['--help']);
    const beat = await runCli(['beat', '--help']);
    // Assess
    expect(help.code).toBe(0);
    for (const command of ['token [options] <deviceId>', 'beat [options] <deviceId>', 'devices [options]', 'start [options]', 'run [options] <deviceId> <command...>']) {
      expect(help.stdout).toContain(command);
    }
    // The value is optional: `--every` alone beats every --interval ("one every interval").
    expect(beat.stdout).toMatch(/--every [[<]seconds[\]>]/);
  });

  it('"start" documents every setting of the table with its flag, variable and default', async () => {
    // Act
    const help = (await runCli(['start', '--help'])).stdout.replace(/\s+/g, ' ');
    // Assess
    const settings: [flag: string, env: string, fallback: string][] = [
      ['--port <n>', 'PORT', '8080'],
      ['--data-dir <dir>', 'HEARTBEAT_DATA_DIR', '.heartbeat'],
      ['--sweep-every <seconds>', 'HEARTBEAT_SWEEP_SECONDS', '60'],
      ['--repeat-every <seconds>', 'HEARTBEAT_REPEAT_SECONDS', '0'],
      ['--fail-threshold <n>', 'HEARTBEAT_FAIL_THRESHOLD', '1'],
      ['--recover-after <seconds>', 'HEARTBEAT_RECOVER_AFTER', '0'],
    ];
    for (const [flag, env, fallback] of settings) {
      expect(help).toMatch(new RegExp(`${flag} [^-]*\\(env ${env}, default ${fallback.replace('.', '\\.')}\\)`));
    }
  });
});
