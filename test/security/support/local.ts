/**
 * One local-mode process per test file: started with the e2e helper (a real `heartbeat start`
 * child), stopped with SIGTERM, and checked for leftovers (DynamoDB Local must go with it).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { deviceToken } from '../../../lambdas/core/tokens';
import { descendants, isRunning, startLocalMode, tempDir, until, type LocalModeProcess, type StartOptions } from '../../e2e/support/local-process';

export { descendants, isRunning, startLocalMode, tempDir, until, type LocalModeProcess };

export interface SecurityServer {
  readonly process: LocalModeProcess;
  readonly port: number;
  readonly adminToken: string;
  readonly dataDir: string;
  /** The signing secret devices' tokens are made with (from the data directory, or the one passed in the environment). */
  readonly secret: string;
  token(deviceId: string): string;
  /** Every process local mode started (sh guard, java, ...), as seen right after start. */
  readonly children: readonly { pid: number; comm: string }[];
}

export interface StartSecurityServerOptions {
  readonly prefix: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  readonly adminToken?: string;
  /** When the secret comes from the environment. */
  readonly secret?: string;
  /** Reuse this data directory (a restart). */
  readonly dataDir?: string;
}

export function signingSecretFile(dataDir: string): { current: string; previous: string } {
  return JSON.parse(readFileSync(join(dataDir, 'signing-secret.json'), 'utf8')) as { current: string; previous: string };
}

export async function startSecurityServer(options: StartSecurityServerOptions): Promise<SecurityServer> {
  const dataDir = options.dataDir ?? tempDir(options.prefix);
  const start: StartOptions = {
    dataDir,
    args: ['--sweep-every', '1', ...(options.args ?? [])],
    ...(options.env ? { env: options.env } : {}),
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
  };
  const proc = await startLocalMode(start);
  const secret = options.secret ?? signingSecretFile(dataDir).current;
  return {
    process: proc,
    port: proc.port,
    adminToken: proc.adminToken,
    dataDir,
    secret,
    token: (deviceId: string) => deviceToken(secret, deviceId),
    children: descendants(proc.pid),
  };
}

/**
 * Stops local mode with SIGTERM (SIGKILL after 12 s) and resolves the processes it left behind
 * (none, when all is well). Removes the data directory unless `keepData`.
 */
export async function stopSecurityServer(server: SecurityServer | undefined, options: { keepData?: boolean } = {}): Promise<{ pid: number; comm: string }[]> {
  if (!server) return [];
  const child = server.process.child;
  const family = [...server.children, ...descendants(server.process.pid)];
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
    await server.process.exited();
    clearTimeout(timer);
  }
  let leftovers: { pid: number; comm: string }[] = [];
  try {
    await until('the processes of local mode to exit', () => family.every((p) => !isRunning(p.pid)), 10_000, 100);
  } catch {
    leftovers = family.filter((p) => isRunning(p.pid));
    // Do not leave them running for the rest of the test run.
    for (const p of leftovers) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  if (!options.keepData) rmSync(server.dataDir, { recursive: true, force: true });
  return leftovers;
}
