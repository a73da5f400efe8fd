/**
 * Runs local mode as a real child process (`node bin/heartbeat.mjs start`), the way a person does,
 * and reads what it prints. Shared by the e2e and CLI tests. Linux only where it walks /proc to
 * find every process the server started (to prove none is left behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deviceToken } from '../../../lambdas/core/tokens';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(REPO_ROOT, 'bin', 'heartbeat.mjs');

/** The environment of a child: ours without any HEARTBEAT_* or PORT setting, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('HEARTBEAT_') && key !== 'PORT') env[key] = value;
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True while the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may itself contain spaces).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every live descendant of `root`, with its command name. */
export function descendants(root: number): { pid: number; comm: string }[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // exited while we looked
    }
  }
  const found: { pid: number; comm: string }[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    let comm = '?';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    found.push({ pid, comm });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

export interface LocalModeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  readonly dataDir: string;
  /** Milliseconds from spawn to the end of the start-up banner. */
  readonly startMs: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output has been read (immediately if so). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  readonly dataDir: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Known admin token, for when it comes from HEARTBEAT_ADMIN_TOKEN and is printed masked. */
  readonly adminToken?: string;
}

/** Spawns local mode and waits for its whole start-up banner. */
export async function startLocalMode(options: StartOptions): Promise<LocalModeProcess> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--data-dir', options.dataDir, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close', not 'exit': it comes after the last output has been read from the pipes.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  const ready = await until(
    'the Ready line',
    () => {
      if (exit !== null) throw new Error(`local mode exited (${JSON.stringify(exit)}) before it was ready:\n${stdout}\n${stderr}`);
      // The banner's last line: the lines before it (URL, admin token) have all arrived.
      if (!stdout.includes('Stop with Ctrl-C.')) return undefined;
      return /Ready in [\d.]+ s: (http:\/\/127\.0\.0\.1:(\d+))/.exec(stdout) ?? undefined;
    },
    // Local mode itself waits up to 120 s for DynamoDB Local on a loaded machine.
    150_000,
    50,
  );
  const printedToken = /admin token\s+(\S+)/.exec(stdout)?.[1];
  const adminToken = options.adminToken ?? printedToken;
  if (!adminToken) throw new Error(`no admin token in:\n${stdout}`);
  return {
    child,
    pid: child.pid as number,
    url: ready[1] as string,
    port: Number(ready[2]),
    adminToken,
    dataDir: options.dataDir,
    startMs: Date.now() - started,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: () => exitedPromise,
  };
}

/** A device's token under the signing secret local mode created in its data directory. */
export function deviceTokenFor(dataDir: string, deviceId: string): string {
  const secret = (JSON.parse(readFileSync(join(dataDir, 'signing-secret.json'), 'utf8')) as { current: string }).current;
  return deviceToken(secret, deviceId);
}

/** Stops a server the way an operator does (SIGTERM, then waits), and removes its data directory. */
export async function stopLocalMode(server: LocalModeProcess | undefined, dataDir: string | undefined): Promise<void> {
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited();
  }
  await cleanUp(server, dataDir);
}

/** Kills a server left running by a failed test, and removes its data directory. */
export async function cleanUp(server: LocalModeProcess | undefined, dataDir: string | undefined): Promise<void> {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
    await server.exited();
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

/** What a finished CLI run printed, and its exit code. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/heartbeat.mjs <args>` to completion, as a person would, with `env` added to a clean environment. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One line of `<data dir>/alerts.jsonl`, parsed. */
export interface AlertLine {
  readonly type: string;
  readonly deviceId?: string;
  readonly [key: string]: unknown;
}

/** Every alert local mode has appended to `<data dir>/alerts.jsonl` so far (none before the first). */
export function readAlerts(dataDir: string): AlertLine[] {
  let text = '';
  try {
    text = readFileSync(join(dataDir, 'alerts.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AlertLine);
}
