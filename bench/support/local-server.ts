/**
 * Starts the real local service (`node bin/heartbeat.mjs start --port 0 --data-dir <tmp> ...`) as a
 * child process and reads what it prints: its URL, its DynamoDB Local port, and alert lines as they
 * come. The signing secret is handed over in HEARTBEAT_SIGNING_SECRET, so the bench mints device
 * tokens itself. Stopped with SIGTERM (the contract: gone within 10 s), SIGKILL as a last resort.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Where the CLI and the local runtime live; all must exist before the server can start. */
const REQUIRED_FILES = ['bin/heartbeat.mjs', 'bin/cli.ts', 'lambdas/local/runtime.ts', 'lambdas/local/http-server.ts'];

/** The table local mode keeps its devices in (LOCAL_TABLE_NAME in lambdas/local/runtime.ts). */
export const LOCAL_TABLE_NAME = 'heartbeat-devices';

export interface LocalServerOptions {
  readonly dataDir: string;
  readonly sweepSeconds: number;
  /** Extra flags, e.g. ['--storm-threshold', '0']. */
  readonly flags?: readonly string[];
  readonly startTimeoutMs?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly dynamoDbPort: number | null;
  readonly signingSecret: string;
  readonly startSeconds: number;
  readonly pid: number;
  /** Called with every stdout line and the time (performance.now()) it arrived. */
  onLine(listener: (line: string, at: number) => void): void;
  stop(): Promise<{ exitedWithinMs: number }>;
}

/** Null when the local server is available, else why not (missing files). */
export function localServerMissing(): string | null {
  const missing = REQUIRED_FILES.filter((file) => !existsSync(file));
  return missing.length === 0 ? null : `missing ${missing.join(', ')}`;
}

export async function startLocalServer(options: LocalServerOptions): Promise<RunningServer> {
  const missing = localServerMissing();
  if (missing) throw new Error(`the local server is not there yet: ${missing}`);
  const signingSecret = randomBytes(32).toString('base64url');
  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/heartbeat.mjs', 'start', '--port', '0', '--data-dir', options.dataDir, '--sweep-every', String(options.sweepSeconds), ...(options.flags ?? [])],
    {
      env: { ...process.env, HEARTBEAT_SIGNING_SECRET: signingSecret, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const listeners: ((line: string, at: number) => void)[] = [];
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  if (child.stdout === null) throw new Error('The local server was started without a stdout pipe.');
  createInterface({ input: child.stdout }).on('line', (line) => {
    const at = performance.now();
    lines.push(line);
    for (const listener of listeners) listener(line, at);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const stop = async () => {
    if (gone) return { exitedWithinMs: 0 };
    const asked = performance.now();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    return { exitedWithinMs: performance.now() - asked };
  };

  const deadline = started + (options.startTimeoutMs ?? 60_000);
  let url: string | null = null;
  while (url === null) {
    if (gone) throw new Error(`the local server exited during start-up: ${stderr.trim().slice(-800) || lines.join('\n').slice(-800)}`);
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`the local server printed no URL within ${options.startTimeoutMs ?? 60_000} ms: ${lines.join(' | ').slice(-800)}`);
    }
    url = lines.map((line) => /^Ready in [\d.]+ s: (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1]).find((u) => u !== undefined) ?? null;
    if (url === null) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const portLine = lines.map((line) => /DynamoDB Local ready .*port (\d+)/.exec(line)?.[1]).find((p) => p !== undefined);
  return {
    url,
    dynamoDbPort: portLine ? Number(portLine) : null,
    signingSecret,
    startSeconds: (performance.now() - started) / 1000,
    pid: child.pid ?? -1,
    onLine: (listener) => listeners.push(listener),
    stop,
  };
}
