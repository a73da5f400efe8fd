/**
 * Proves that `heartbeat start` fails fast with one clear line (no stack trace) and exit code 1
 * when it cannot run: a bad setting, the port taken, the data directory not writable, Java missing.
 * None of these gets as far as starting DynamoDB Local, so the file runs in a few seconds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, childEnv } from '../e2e/support/local-process';

function start(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'start', ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
let blocker: Server;
let takenPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heartbeat-start-errors-'));
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  takenPort = (blocker.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => blocker.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('heartbeat start, when it cannot run', () => {
  it('names the flag of a bad setting', async () => {
    const result = await start(['--sweep-every', '0', '--data-dir', join(dir, 'a')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: --sweep-every must be a whole number from 1 to 86400, got "0".\n');
  });

  it('names the environment variable of a bad setting', async () => {
    const result = await start(['--data-dir', join(dir, 'b')], { HEARTBEAT_STORM_THRESHOLD: 'lots' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: HEARTBEAT_STORM_THRESHOLD must be a whole number from 0 to 1000000, got "lots".\n');
  });

  it.each([
    [['--webhook', 'hooks.example.com/x'], {}, 'error: --webhook must be an absolute URL such as https://example.com/hook, got "hooks.example.com/x".\n'],
    [['--slack-webhook', 'ftp://hooks.example.com/x'], {}, 'error: --slack-webhook must be an http or https URL, got "ftp://hooks.example.com/x".\n'],
    [['--pagerduty-url', 'https://pd.example.com/'], {}, 'error: --pagerduty-url needs --pagerduty-routing-key (or HEARTBEAT_PAGERDUTY_ROUTING_KEY) as well.\n'],
    [['--webhook', 'https://hooks.example.com/x'], { HEARTBEAT_WEBHOOK_SECRET: 'whsec_short' }, 'error: HEARTBEAT_WEBHOOK_SECRET must be a webhook secret "whsec_" followed by 24 to 64 bytes in base64.\n'],
  ])('names the delivery setting at fault (%j) before starting anything', async (args, env, message) => {
    const result = await start([...args, '--data-dir', join(dir, 'channels')], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(message);
  });

  it('names the port and the flag when the port is in use', async () => {
    const result = await start(['--port', String(takenPort), '--data-dir', join(dir, 'c')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: Port ${takenPort} on 127.0.0.1 is in use; stop the program using it or choose another with --port (or PORT; 0 picks a free one).\n`);
  });

  it('names the data directory when it cannot be written', async () => {
    // A directory below a regular file can never be created, even by root.
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const result = await start(['--port', '0', '--data-dir', join(file, 'data')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: The data directory ${join(file, 'data')} is not writable (ENOTDIR); choose another with --data-dir or HEARTBEAT_DATA_DIR.\n`);
  });

  it('names the package to install when Java is missing', async () => {
    // An empty PATH: no java (node itself is started by absolute path).
    const result = await start(['--port', '0', '--data-dir', join(dir, 'd')], { PATH: join(dir, 'empty-path') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Java 17 or newer is needed to run DynamoDB Local\. Install it \(Debian\/Ubuntu: "sudo apt-get install -y openjdk-17-jre-headless"\) and try again\.\n$/);
  });
});
