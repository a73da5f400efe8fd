/**
 * The shipped device clients as the tests run them: one entry per client, each a command line
 * that takes the same flags. The C client is compiled here, into a temporary directory, when a C
 * compiler and the libcurl headers are present.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, childEnv } from '../../e2e/support/local-process';

export interface DeviceClient {
  /** Short name, also the prefix of the device ids its tests use. */
  readonly name: string;
  /** The program and its leading arguments; the flags follow. */
  readonly command: readonly string[];
  /** True when every beat of a loop shares one TCP connection; false where the client documents otherwise. */
  readonly keepsConnection: boolean;
}

export interface ClientRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, ms. */
  readonly ms: number;
  /** performance.now() at spawn. */
  readonly startedAt: number;
}

/**
 * Runs a client to completion (killed after `limitMs`, so a hung client fails its test instead of the
 * run). The default is generous: `heartbeat run` (node loading the TypeScript CLI) took 26 s for one
 * run on a loaded 2-core machine.
 */
export function runClient(client: DeviceClient, flags: readonly string[], options: { env?: Record<string, string>; limitMs?: number } = {}): Promise<ClientRun> {
  const limitMs = options.limitMs ?? 90_000;
  const [program, ...leading] = client.command;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(program as string, [...leading, ...flags], { cwd: REPO_ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr, ms: performance.now() - started, startedAt: started });
    });
  });
}

export const PYTHON_CLIENT: DeviceClient = { name: 'python', command: ['python3', join(REPO_ROOT, 'clients/python/heartbeat.py')], keepsConnection: true };
export const NODE_CLIENT: DeviceClient = { name: 'node', command: [process.execPath, join(REPO_ROOT, 'clients/node/heartbeat.mjs')], keepsConnection: true };

/** Why the C client cannot be built here, or null when it can. */
export function cToolchainMissing(): string | null {
  const compiler = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (compiler.error || compiler.status !== 0) return 'no C compiler (cc) on this machine';
  const headers = spawnSync('cc', ['-E', '-x', 'c', '-'], { input: '#include <curl/curl.h>\n', encoding: 'utf8' });
  if (headers.status !== 0) return 'no libcurl headers (apt-get install libcurl4-openssl-dev; .ci/run does)';
  return null;
}

/** The C client, to be built into `outDir` by buildCClient. */
export function cClient(outDir: string): DeviceClient {
  return { name: 'c', command: [join(outDir, 'heartbeat')], keepsConnection: true };
}

/** Builds the C client with its Makefile into `outDir`; returns what make printed (the compiler's command line). */
export function buildCClient(outDir: string): { status: number | null; output: string } {
  const make = spawnSync('make', ['-C', join(REPO_ROOT, 'clients/c'), `OUT=${join(outDir, 'heartbeat')}`], { encoding: 'utf8' });
  return { status: make.status, output: `${make.stdout}${make.stderr}` };
}

/** One curl per beat, by design (cron, systemd timers): it cannot keep a connection across beats. */
export const SHELL_CLIENT: DeviceClient = { name: 'shell', command: ['sh', join(REPO_ROOT, 'clients/shell/heartbeat.sh')], keepsConnection: false };
