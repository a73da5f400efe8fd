/**
 * The data directory of local mode: devices (DynamoDB Local files), secrets, the alert log, and a
 * lock so that two servers never share one database file.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/settings';

/** Where each file of the data directory lives. */
export interface DataDirLayout {
  readonly root: string;
  readonly dynamoDb: string;
  readonly alerts: string;
  readonly signingSecret: string;
  readonly adminToken: string;
  readonly lock: string;
  /** `whsec_...` signing key of the webhook channel, created at the first start with `--webhook`. */
  readonly webhookSecret: string;
  /** Deliveries that exhausted their retries, one JSON line each. */
  readonly undelivered: string;
}

/** The paths of the data directory's files (nothing is created). */
export function dataDirLayout(root: string): DataDirLayout {
  return {
    root,
    dynamoDb: join(root, 'dynamodb'),
    alerts: join(root, 'alerts.jsonl'),
    signingSecret: join(root, 'signing-secret.json'),
    adminToken: join(root, 'admin-token'),
    lock: join(root, 'server.pid'),
    webhookSecret: join(root, 'webhook-secret'),
    undelivered: join(root, 'undelivered.jsonl'),
  };
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code ? ` (${code})` : '';
}

/**
 * Creates the directory tree and proves it is writable by writing a probe file: `access(W_OK)`
 * says yes to root on a read-only mount, a real write does not.
 */
export function prepareDataDir(root: string): DataDirLayout {
  const layout = dataDirLayout(root);
  const notWritable = (error: unknown) =>
    new ConfigError(`The data directory ${root} is not writable${reason(error)}; choose another with --data-dir or HEARTBEAT_DATA_DIR.`);
  try {
    mkdirSync(layout.dynamoDb, { recursive: true, mode: 0o700 });
    const probe = join(root, `.write-probe-${process.pid}`);
    writeFileSync(probe, 'ok', { mode: 0o600 });
    rmSync(probe, { force: true });
  } catch (error) {
    throw notWritable(error);
  }
  return layout;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory for this process. A lock left by a process that is gone (killed with
 * SIGKILL, machine crash) is taken over; a live one is an error naming its pid.
 * Returns the release function.
 */
export function lockDataDir(layout: DataDirLayout): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(layout.lock, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(layout.lock, 'utf8').trim() === String(process.pid)) unlinkSync(layout.lock);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(`The data directory ${layout.root} is not writable${reason(error)}; choose another with --data-dir or HEARTBEAT_DATA_DIR.`);
      }
      const owner = Number.parseInt(readFileSync(layout.lock, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new ConfigError(`Another local server (pid ${owner}) is using ${layout.root}; stop it, or pick another --data-dir.`);
      }
      rmSync(layout.lock, { force: true });
    }
  }
  throw new ConfigError(`Could not lock ${layout.lock}; remove it if no local server is running.`);
}
