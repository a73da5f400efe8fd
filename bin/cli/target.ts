/**
 * Which service a CLI command talks to, and with which credentials.
 * Local mode (the default, or any loopback --url): the admin token and the signing secret come from
 * the environment or the data directory. A deployed stack (--url elsewhere): management calls are
 * SigV4-signed with the caller's AWS credentials, and device tokens come from --token or a secret.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { integerSetting } from '../../lambdas/core/settings';
import { SETTINGS } from '../../lambdas/core/settings-catalog';
import { deviceToken } from '../../lambdas/core/tokens';
import { dataDirLayout } from '../../lambdas/local/data-dir';
import { parseSigningSecretFile, readAdminTokenFile } from '../../lambdas/local/secrets';
import { CliError } from './errors';

type Env = Readonly<Record<string, string | undefined>>;

/** Options every client command accepts. */
export interface TargetOptions {
  readonly url?: string;
  readonly port?: string;
  readonly dataDir?: string;
  readonly region?: string;
}

export interface Target {
  /** Base URL, without a trailing slash. */
  readonly base: string;
  /** A deployed stack: sign management calls with SigV4. */
  readonly remote: boolean;
  /** Absolute data directory of local mode (secrets are read from it). */
  readonly dataDir: string;
  /** AWS region for SigV4 (remote only). */
  readonly region: string | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** The region in an execute-api or function URL host name (`<id>.execute-api.<region>.amazonaws.com`, `<id>.lambda-url.<region>.on.aws`), if it is one. */
export function regionFromHost(hostname: string): string | null {
  return (/\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(hostname) ?? /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(hostname))?.[1] ?? null;
}

/** The data directory of local mode, by the same rule as `start`: --data-dir, HEARTBEAT_DATA_DIR, `.heartbeat`. */
export function localDataDir(dataDirOption: string | undefined, env: Env, cwd: string): string {
  const dir = dataDirOption ?? env[SETTINGS.dataDir.local.env] ?? SETTINGS.dataDir.default;
  return isAbsolute(dir) ? dir : resolve(cwd, dir);
}

/** Local mode on --port unless --url names another host; never reads a secret. */
export function resolveTarget(options: TargetOptions, env: Env, cwd: string): Target {
  const dataDir = localDataDir(options.dataDir, env, cwd);
  if (options.url === undefined) {
    const { local, max, default: fallback } = SETTINGS.port;
    // A client cannot connect to port 0, so its range starts at 1.
    const port = integerSetting(options.port !== undefined ? local.flag : local.env, options.port ?? env[local.env], { min: 1, max }, fallback);
    return { base: `http://127.0.0.1:${port}`, remote: false, dataDir, region: null };
  }
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new CliError(`--url must be a URL such as https://abc123.execute-api.eu-west-1.amazonaws.com, got "${options.url}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--url must start with http:// or https://, got "${options.url}".`);
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (LOOPBACK.has(url.hostname)) return { base, remote: false, dataDir, region: null };
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? regionFromHost(url.hostname);
  return { base, remote: true, dataDir, region: region ?? null };
}

function readOrExplain<T>(path: string, read: () => T, hint: string): T {
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`${path} does not exist; ${hint}`);
    throw error;
  }
}

/** The admin token of local mode: HEARTBEAT_ADMIN_TOKEN, else the data directory's file (never created here). */
export function localAdminToken(target: Target, env: Env): string {
  const fromEnv = env.HEARTBEAT_ADMIN_TOKEN;
  if (fromEnv) return fromEnv;
  const path = dataDirLayout(target.dataDir).adminToken;
  return readOrExplain(path, () => readAdminTokenFile(path), 'start local mode first ("npx heartbeat start"), point --data-dir at its data directory, or set HEARTBEAT_ADMIN_TOKEN.');
}

/** Options naming a device token or the secret to mint one. */
export interface DeviceTokenOptions {
  readonly token?: string;
  readonly secret?: string;
}

/**
 * The signing secret for minting tokens: --secret, else HEARTBEAT_SIGNING_SECRET, else (local mode)
 * the data directory's file. `create`: make that file if it is missing (the `token` command, so a
 * fleet can be provisioned before the first start); otherwise a missing file is an error.
 */
export function signingSecret(options: DeviceTokenOptions, target: Target, env: Env, create: (path: string) => string): string {
  if (options.secret !== undefined) {
    if (options.secret === '') throw new CliError('--secret must not be empty.');
    return options.secret;
  }
  if (env.HEARTBEAT_SIGNING_SECRET) return env.HEARTBEAT_SIGNING_SECRET;
  if (target.remote) throw new CliError('A deployed stack needs --token, or --secret / HEARTBEAT_SIGNING_SECRET (the secret in its SigningSecretArn) to mint one.');
  const path = dataDirLayout(target.dataDir).signingSecret;
  return create(path);
}

/** Reads the data directory's signing secret without creating it. */
export function readSigningSecretFile(path: string): string {
  return readOrExplain(
    path,
    () => parseSigningSecretFile(readFileSync(path, 'utf8'), path).current,
    'start local mode first ("npx heartbeat start"), point --data-dir at its data directory, or set HEARTBEAT_SIGNING_SECRET.',
  );
}

/** The bearer token a device sends: --token as given, else minted from the signing secret. */
export function deviceBearer(deviceId: string, options: DeviceTokenOptions, target: Target, env: Env): string {
  if (options.token !== undefined) {
    if (options.token === '') throw new CliError('--token must not be empty.');
    return options.token;
  }
  return deviceToken(signingSecret(options, target, env, readSigningSecretFile), deviceId);
}
