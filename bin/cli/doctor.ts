/**
 * `heartbeat doctor`: checks a running service end to end, in the order a beat travels, with the
 * operator's own credentials. Each check prints one line, and a failing one says what to do. A check
 * that needs an earlier one that failed is skipped rather than failed twice.
 *
 *   1. service      GET /v1/health answers
 *   2. sweep        the last sweep is recent (no sweep for 3 periods fails)
 *   3. canary-beat  a beat of the reserved canary device is accepted (token from the signing secret)
 *   4. management   the management API answers the operator (admin token locally, SigV4 on AWS;
 *                   at --management-url when the stack has one, frontDoor=functionUrl)
 *   5. canary-read  the canary shows up with the beat just sent
 */
import { isAbsolute, relative } from 'node:path';
import { CANARY_DEVICE_ID } from '../../lambdas/core/canary';
import type { DeviceView, HealthView } from '../../lambdas/core/management';
import { deviceToken } from '../../lambdas/core/tokens';
import { dataDirLayout } from '../../lambdas/local/data-dir';
import type { Io } from './commands';
import { CliError } from './errors';
import { callApi, describeFailure, signingService, type ApiResponse, type Auth } from './http-client';
import { localAdminToken, readSigningSecretFile, resolveTarget, type Target, type TargetOptions } from './target';

/** Sweep period assumed when neither --sweep-every nor the health answer says (the stack's schedule). */
export const DEFAULT_SWEEP_SECONDS = 60;
/** A sweep older than this many periods means the sweep has stopped. */
export const STALE_SWEEP_PERIODS = 3;

export type CheckName = 'service' | 'sweep' | 'canary-beat' | 'management' | 'canary-read';

export interface CheckResult {
  readonly check: CheckName;
  readonly status: 'pass' | 'fail' | 'skip';
  /** What was found, in one sentence. */
  readonly detail: string;
  /** What to do about a failure; null when it passed or was skipped. */
  readonly fix: string | null;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly target: string;
  readonly checks: readonly CheckResult[];
}

export interface DoctorOptions extends TargetOptions {
  /** Sweep period in seconds; default: the health answer's, else 60. */
  readonly sweepEvery?: string;
  /** Signing secret to mint the canary's token (default: HEARTBEAT_SIGNING_SECRET, the data directory's, or --secret-arn). */
  readonly secret?: string;
  /** The stack's SigningSecretArn: read the secret from Secrets Manager with the operator's credentials. */
  readonly secretArn?: string;
  readonly json?: boolean;
  /** The stack's ManagementUrl output (frontDoor=functionUrl): management checks go there instead of --url. */
  readonly managementUrl?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const pass = (check: CheckName, detail: string): CheckResult => ({ check, status: 'pass', detail, fix: null });
const fail = (check: CheckName, detail: string, fix: string): CheckResult => ({ check, status: 'fail', detail, fix });
const skip = (check: CheckName, needs: string): CheckResult => ({ check, status: 'skip', detail: `not run: needs ${needs}`, fix: null });

/** "4m 05s" style age. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Decides the sweep check from the health answer: the last sweep must be at most 3 periods old. */
export function judgeSweep(health: Pick<HealthView, 'lastSweepAt' | 'sweepEverySeconds'>, now: number, periodOverride: number | undefined, remote: boolean): CheckResult {
  const period = periodOverride ?? health.sweepEverySeconds ?? DEFAULT_SWEEP_SECONDS;
  const source = periodOverride !== undefined ? '--sweep-every' : health.sweepEverySeconds !== null && health.sweepEverySeconds !== undefined ? '/v1/health' : 'the default';
  const fix = remote
    ? 'the sweeper is not running: check the SweeperNotInvoked and SweeperErrors alarms, that the stack\'s EventBridge rule is enabled, and the sweeper\'s log group; run it once by hand with "aws lambda invoke --function-name <sweeper> /dev/stdout".'
    : 'the sweep timer of local mode is not running: look for "sweep failed" on its standard error, then restart it ("npx heartbeat start" with the same --data-dir).';
  if (!health.lastSweepAt) return fail('sweep', 'no sweep has run yet', fix);
  const age = now - Date.parse(health.lastSweepAt);
  const limit = STALE_SWEEP_PERIODS * period * 1000;
  const what = `last sweep ${formatAge(age)} ago (at ${health.lastSweepAt}; sweep every ${period} s, from ${source})`;
  return age <= limit ? pass('sweep', what) : fail('sweep', `${what}: none for more than ${STALE_SWEEP_PERIODS} periods`, fix);
}

function wholeSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new CliError(`--sweep-every must be a whole number of seconds, at least 1, got "${raw}".`);
  return Number(raw.trim());
}

/** Where the signing secret comes from, in words for the fix line. */
function secretSource(options: DoctorOptions, target: Target, env: Env): string {
  if (options.secret !== undefined) return '--secret';
  if (env.HEARTBEAT_SIGNING_SECRET) return 'HEARTBEAT_SIGNING_SECRET';
  if (options.secretArn !== undefined) return `Secrets Manager (${options.secretArn})`;
  return target.remote ? 'nowhere' : dataDirLayout(target.dataDir).signingSecret;
}

/** The current signing secret, by the CLI's usual rules plus --secret-arn (Secrets Manager, the operator's credentials). */
async function canarySecret(options: DoctorOptions, target: Target, env: Env): Promise<string> {
  if (options.secret !== undefined) {
    if (options.secret === '') throw new CliError('--secret must not be empty.');
    return options.secret;
  }
  if (env.HEARTBEAT_SIGNING_SECRET) return env.HEARTBEAT_SIGNING_SECRET;
  if (options.secretArn !== undefined) return (await readRemoteSecret(options.secretArn, options, env)).current;
  if (target.remote) throw new CliError('no signing secret: pass --secret-arn <SigningSecretArn> (the stack output), or --secret / HEARTBEAT_SIGNING_SECRET.');
  return readSigningSecretFile(dataDirLayout(target.dataDir).signingSecret);
}

async function readRemoteSecret(secretArn: string, options: DoctorOptions, env: Env) {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(secretArn)?.[1];
  if (!region) throw new CliError('Set --region or AWS_REGION (or pass the full secret ARN).');
  // Loaded only here: the Secrets Manager client is a large import that local use never needs.
  const [{ SecretsManagerClient }, { readSecretsManagerSigningSecrets }] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('../../lambdas/adapters/secrets-manager-rotation'),
  ]);
  const client = new SecretsManagerClient({ region });
  try {
    return await readSecretsManagerSigningSecrets(client, secretArn);
  } catch (error) {
    throw new CliError(`Secrets Manager did not give the secret (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}).`);
  } finally {
    client.destroy();
  }
}

/** A path as the person typed it, relative to where they are when it is below it (no machine paths in output they paste). */
function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs the checks in order; never throws for a failed check. */
export async function runDoctor(options: DoctorOptions, io: Io): Promise<DoctorReport> {
  const sweepOverride = wholeSeconds(options.sweepEvery);
  const target = resolveTarget(options, io.env, io.cwd);
  // With frontDoor=functionUrl, operators have their own URL (SigV4 for service lambda).
  const management = options.managementUrl === undefined ? target : resolveTarget({ ...options, url: options.managementUrl }, io.env, io.cwd);
  const where = target.remote ? `--url ${target.base}` : `--port ${new URL(target.base).port} --data-dir ${shown(target.dataDir, io.cwd)}`;
  const checks: CheckResult[] = [];

  // 1. service
  let health: HealthView | null = null;
  try {
    const started = io.now();
    const response = await callApi(target, { method: 'GET', path: '/v1/health', auth: { kind: 'none' } });
    const body = response.json as Partial<HealthView> | undefined;
    if (response.status === 200 && body?.ok === true) {
      health = body as HealthView;
      checks.push(pass('service', `${target.base} answers /v1/health (${io.now() - started} ms)`));
    } else {
      checks.push(
        fail(
          'service',
          `${target.base}/v1/health answered ${describeFailure(response)}`,
          target.remote ? 'read the management function\'s log group; is --url the stack\'s ApiUrl output?' : 'restart local mode and read its standard error.',
        ),
      );
    }
  } catch (error) {
    checks.push(
      fail(
        'service',
        reason(error),
        target.remote
          ? 'check --url against the stack\'s ApiUrl output (aws cloudformation describe-stacks --stack-name HeartbeatMonitor) and that the stack is deployed.'
          : `start local mode: "npx heartbeat start ${where}".`,
      ),
    );
  }

  // 2. sweep
  checks.push(health ? judgeSweep(health, io.now(), sweepOverride, target.remote) : skip('sweep', 'service'));

  // 3. canary-beat
  let sent: { lastSeen: string; message: string } | null = null;
  if (!health) checks.push(skip('canary-beat', 'service'));
  else {
    const source = shown(secretSource(options, target, io.env), io.cwd);
    try {
      const secret = await canarySecret(options, target, io.env);
      const message = `heartbeat doctor ${new Date(io.now()).toISOString()}`;
      const response = await callApi(target, {
        method: 'POST',
        path: `/v1/heartbeats/${CANARY_DEVICE_ID}`,
        auth: { kind: 'bearer', token: deviceToken(secret, CANARY_DEVICE_ID) },
        body: { message },
      });
      const body = response.json as { lastSeen?: string } | undefined;
      if (response.status === 200 && typeof body?.lastSeen === 'string') {
        sent = { lastSeen: body.lastSeen, message };
        checks.push(pass('canary-beat', `beat of ${CANARY_DEVICE_ID} accepted (lastSeen ${body.lastSeen}; token from ${source})`));
      } else if (response.status === 401) {
        checks.push(
          fail(
            'canary-beat',
            `the service refused the canary's token (${describeFailure(response)}); the token was minted from ${source}`,
            target.remote
              ? 'the secret is not the stack\'s: pass its SigningSecretArn output as --secret-arn (same account and region), or unset HEARTBEAT_SIGNING_SECRET.'
              : 'that signing secret is not the one the running service uses: point --data-dir at its data directory, or set HEARTBEAT_SIGNING_SECRET exactly as the service has it (or unset it).',
          ),
        );
      } else {
        checks.push(fail('canary-beat', `the beat was answered ${describeFailure(response)}`, beatFix(target)));
      }
    } catch (error) {
      const fix = target.remote ? 'pass --secret-arn <SigningSecretArn>, with AWS credentials allowed secretsmanager:GetSecretValue on it.' : 'point --data-dir at the running service\'s data directory, or set HEARTBEAT_SIGNING_SECRET.';
      checks.push(fail('canary-beat', `no device token: ${reason(error)}`, fix));
    }
  }

  // 4. management
  let managementOk = false;
  if (!health) checks.push(skip('management', 'service'));
  else {
    try {
      const auth: Auth = management.remote ? { kind: 'sigv4' } : { kind: 'bearer', token: localAdminToken(management, io.env) };
      const response = await callApi(management, { method: 'GET', path: '/v1/devices', query: { limit: '1' }, auth });
      const at = management === target ? '' : ` at ${management.base}`;
      if (response.status === 200) {
        managementOk = true;
        checks.push(pass('management', `GET /v1/devices${at} answers the operator (${management.remote ? 'SigV4' : 'admin token'})`));
      } else {
        checks.push(fail('management', `GET /v1/devices${at} answered ${describeFailure(response)}`, managementFix(management, response, io.env)));
      }
    } catch (error) {
      checks.push(
        fail(
          'management',
          reason(error),
          management.remote ? 'configure AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and --region.' : 'point --data-dir at the running service\'s data directory, or set HEARTBEAT_ADMIN_TOKEN.',
        ),
      );
    }
  }

  // 5. canary-read
  if (!sent || !managementOk) checks.push(skip('canary-read', [!sent ? 'canary-beat' : '', !managementOk ? 'management' : ''].filter(Boolean).join(' and ')));
  else {
    const auth: Auth = management.remote ? { kind: 'sigv4' } : { kind: 'bearer', token: localAdminToken(management, io.env) };
    try {
      const response = await callApi(management, { method: 'GET', path: `/v1/devices/${CANARY_DEVICE_ID}`, auth });
      const device = response.json as DeviceView | undefined;
      if (response.status === 200 && device?.lastSeen && Date.parse(device.lastSeen) >= Date.parse(sent.lastSeen)) {
        checks.push(pass('canary-read', `${CANARY_DEVICE_ID} is ${device.status}, last seen ${device.lastSeen}, ${device.beats} beat${device.beats === 1 ? '' : 's'} so far`));
      } else {
        const found = response.status === 200 ? `it shows lastSeen ${device?.lastSeen ?? 'null'}, not the beat of ${sent.lastSeen}` : `GET answered ${describeFailure(response)}`;
        checks.push(
          fail(
            'canary-read',
            `the beat was acknowledged but the management API does not show it: ${found}`,
            target.remote
              ? 'the ingest and management functions must use the same table: compare their TABLE_NAME with the TableName output, and read their log groups.'
              : 'another local mode may be answering on this port with other data: check --port and --data-dir, and restart local mode.',
          ),
        );
      }
    } catch (error) {
      checks.push(fail('canary-read', reason(error), `run the doctor again; if it repeats, restart the service (${where}).`));
    }
  }

  return { ok: checks.every((c) => c.status === 'pass'), target: target.base, checks };
}

function beatFix(target: Target): string {
  return target.remote
    ? 'read the ingest function\'s log group and the API access log; a 429 means the stage throttle or the reserved concurrency is exhausted.'
    : 'read local mode\'s standard error; a 429 means --min-beat-spacing refused it: run the doctor again later.';
}

function managementFix(target: Target, response: ApiResponse, env: Env): string {
  if (target.remote) {
    if (response.status !== 403) return 'read the management function\'s log group.';
    return signingService(new URL(target.base).hostname) === 'lambda'
      ? 'your AWS principal (aws sts get-caller-identity) needs lambda:InvokeFunctionUrl on the management function, and the request must be signed for the stack\'s region (--region).'
      : 'your AWS principal (aws sts get-caller-identity) needs execute-api:Invoke on the API\'s /v1/devices routes, and the request must be signed for the stack\'s region (--region); with frontDoor=functionUrl pass --management-url <ManagementUrl>.';
  }
  if (response.status === 401) {
    return env.HEARTBEAT_ADMIN_TOKEN
      ? 'HEARTBEAT_ADMIN_TOKEN is not the running service\'s admin token: unset it, or set it to the token local mode printed at start.'
      : `the admin token in ${dataDirLayout(target.dataDir).adminToken} is not the running service's: point --data-dir at its data directory, or set HEARTBEAT_ADMIN_TOKEN.`;
  }
  return 'read local mode\'s standard error.';
}

/** One line per check, then a summary line. */
export function renderReport(report: DoctorReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.check.length));
  const lines = report.checks.map((c) => {
    const head = `${c.status.toUpperCase().padEnd(4)}  ${c.check.padEnd(width)}  ${c.detail.replace(/\.$/, '')}`;
    return c.fix ? `${head}. Fix: ${c.fix}` : head;
  });
  const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.check);
  const skipped = report.checks.filter((c) => c.status === 'skip').length;
  lines.push(
    report.ok
      ? `All ${report.checks.length} checks passed: ${report.target} works end to end.`
      : `${failed.length} check${failed.length === 1 ? '' : 's'} failed (${failed.join(', ')})${skipped ? `, ${skipped} skipped` : ''}.`,
  );
  return lines;
}

/** Runs the doctor and prints its report; resolves true when every check passed. */
export async function doctorCommand(options: DoctorOptions, io: Io): Promise<boolean> {
  const report = await runDoctor(options, io);
  if (options.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of renderReport(report)) io.out(line);
  return report.ok;
}
