/**
 * The client commands: token, beat, devices, pause, resume. Each validates its input before any
 * request, so a typo fails with one line and nothing sent.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeviceView } from '../../lambdas/core/management';
import { deviceToken } from '../../lambdas/core/tokens';
import { SETTINGS } from '../../lambdas/core/settings-catalog';
import { isValidDeviceId } from '../../lambdas/core/validation';
import { readOrCreateSigningSecretFile } from '../../lambdas/local/secrets';
import { CliError } from './errors';
import { callApi, describeFailure, expectOk, type Auth } from './http-client';
import { deviceTable } from './table';
import { deviceBearer, localAdminToken, localDataDir, resolveTarget, signingSecret, type DeviceTokenOptions, type Target, type TargetOptions } from './target';

type Env = Readonly<Record<string, string | undefined>>;

/** Where a command writes; injected so tests and the real CLI share the code. */
export interface Io {
  readonly out: (line: string) => void;
  /** Standard error, for lines that are not the command's result. */
  readonly err: (line: string) => void;
  readonly env: Env;
  readonly cwd: string;
  readonly now: () => number;
}

function requireDeviceId(deviceId: string): string {
  if (!isValidDeviceId(deviceId)) throw new CliError(`Invalid device id "${deviceId}": use 1-128 characters of A-Z a-z 0-9 . _ : -`);
  return deviceId;
}

/** A whole number option, or undefined when not given. The server checks the range and names the field. */
function wholeNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new CliError(`${flag} must be a whole number, got "${raw}".`);
  return Number(raw.trim());
}

/** The credential of the management routes: SigV4 for a deployed stack, the admin token locally. */
export function managementAuth(target: Target, env: Env): Auth {
  return target.remote ? { kind: 'sigv4' } : { kind: 'bearer', token: localAdminToken(target, env) };
}

// --- token -------------------------------------------------------------------------------------

export interface TokenOptions extends DeviceTokenOptions {
  readonly dataDir?: string;
}

/** Prints the device's token: only the token, so `$(npx heartbeat token x)` works. */
export async function tokenCommand(deviceId: string, options: TokenOptions, io: Io): Promise<void> {
  requireDeviceId(deviceId);
  const target: Target = { base: '', remote: false, dataDir: localDataDir(options.dataDir, io.env, io.cwd), region: null };
  // Creating the secret file here is deliberate: a fleet can be provisioned before the first start.
  const secret = signingSecret(options, target, io.env, (path) => {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return readOrCreateSigningSecretFile(path).current;
  });
  io.out(deviceToken(secret, deviceId));
}

// --- beat --------------------------------------------------------------------------------------

export interface BeatOptions extends DeviceTokenOptions, TargetOptions {
  /** Seconds between beats; `true` (the flag without a value): the device's --interval, else the default interval. */
  readonly every?: string | true;
  readonly interval?: string;
  readonly grace?: string;
  readonly status?: string;
  readonly message?: string;
  readonly meta?: string;
}

function beatBody(options: BeatOptions): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = {};
  const interval = wholeNumber('--interval', options.interval);
  const grace = wholeNumber('--grace', options.grace);
  if (interval !== undefined) body.interval = interval;
  if (grace !== undefined) body.grace = grace;
  if (options.status !== undefined) {
    if (options.status !== 'ok' && options.status !== 'fail') throw new CliError(`--status must be ok or fail, got "${options.status}".`);
    body.status = options.status;
  }
  if (options.message !== undefined) body.message = options.message;
  if (options.meta !== undefined) {
    try {
      body.meta = JSON.parse(options.meta);
    } catch {
      throw new CliError(`--meta must be a JSON object, e.g. '{"battery": 0.9}'.`);
    }
  }
  // No field: no body at all, the smallest beat there is.
  return Object.keys(body).length > 0 ? body : undefined;
}

/** Sends one beat; returns the answer line, or throws a CliError with the failure line. */
async function sendBeat(target: Target, deviceId: string, token: string, body: Record<string, unknown> | undefined): Promise<string> {
  const response = await callApi(target, {
    method: 'POST',
    path: `/v1/heartbeats/${encodeURIComponent(deviceId)}`,
    auth: { kind: 'bearer', token },
    ...(body !== undefined ? { body } : {}),
  });
  expectOk(response);
  return `${response.status} ${response.text}`;
}

/** Resolves after `ms`, or at once when `stop` fires. */
function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    }
    stop.addEventListener('abort', done);
  });
}

/** One beat, or (with --every) one every N seconds until `stop` fires (Ctrl-C). */
export async function beatCommand(deviceId: string, options: BeatOptions, io: Io, stop: AbortSignal): Promise<void> {
  requireDeviceId(deviceId);
  const body = beatBody(options);
  // `--every` alone beats at the cadence the device promises (the contract: "one every interval").
  const every = options.every === true ? ((body?.interval as number | undefined) ?? SETTINGS.defaultIntervalSeconds.default) : wholeNumber('--every', options.every);
  if (every !== undefined && every < 1) throw new CliError('--every must be at least 1 second.');
  const target = resolveTarget(options, io.env, io.cwd);
  const token = deviceBearer(deviceId, options, target, io.env);
  if (every === undefined) {
    io.out(await sendBeat(target, deviceId, token, body));
    return;
  }
  io.out(`Beating ${deviceId} every ${every} s at ${target.base}; Ctrl-C stops.`);
  while (!stop.aborted) {
    const at = new Date(io.now()).toISOString();
    try {
      io.out(`${at} ${await sendBeat(target, deviceId, token, body)}`);
    } catch (error) {
      // A device keeps beating through a failed beat; so does this loop.
      io.err(`${at} error: ${error instanceof Error ? error.message : String(error)}`);
    }
    await pause(every * 1000, stop);
  }
}

// --- devices -----------------------------------------------------------------------------------

export interface DevicesOptions extends TargetOptions {
  readonly status?: string;
  readonly group?: string;
  readonly json?: boolean;
  /** Devices per request (the API allows up to 1000). */
  readonly pageSize?: string;
  /** List the doctor's canary device too (hidden by default). */
  readonly includeCanary?: boolean;
}

/** Every device matching the filters: follows the cursor to the last page. */
async function listAll(target: Target, auth: Auth, filters: { status?: string; group?: string; includeCanary?: string }, pageSize: number): Promise<DeviceView[]> {
  const devices: DeviceView[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const query = { ...filters, limit: String(pageSize), cursor };
    const response = expectOk(await callApi(target, { method: 'GET', path: '/v1/devices', query, auth }));
    const body = response.json as { devices?: DeviceView[]; cursor?: string | null } | undefined;
    devices.push(...(body?.devices ?? []));
    if (!body?.cursor) return devices;
    cursor = body.cursor;
  }
  throw new CliError('The device list did not end after 10,000 pages; narrow it with --status or --group.');
}

/** Prints every device matching the filters, as a table or as JSON. */
export async function devicesCommand(options: DevicesOptions, io: Io): Promise<void> {
  const pageSize = wholeNumber('--page-size', options.pageSize) ?? 1000;
  if (pageSize < 1 || pageSize > 1000) throw new CliError('--page-size must be from 1 to 1000.');
  const target = resolveTarget(options, io.env, io.cwd);
  const filters = { status: options.status, group: options.group, ...(options.includeCanary ? { includeCanary: 'true' } : {}) };
  const devices = await listAll(target, managementAuth(target, io.env), filters, pageSize);
  if (options.json) {
    io.out(JSON.stringify({ devices, cursor: null }, null, 2));
    return;
  }
  for (const line of deviceTable(devices, io.now())) io.out(line);
}

// --- pause / resume ----------------------------------------------------------------------------

/** Pauses or resumes a known device. An unknown id is an error, not a new paused device: that is usually a typo. */
export async function setPausedCommand(deviceId: string, paused: boolean, options: TargetOptions, io: Io): Promise<void> {
  requireDeviceId(deviceId);
  const target = resolveTarget(options, io.env, io.cwd);
  const auth = managementAuth(target, io.env);
  const path = `/v1/devices/${encodeURIComponent(deviceId)}`;
  const existing = await callApi(target, { method: 'GET', path, auth });
  if (existing.status === 404) throw new CliError(`No device "${deviceId}"; check the id with "npx heartbeat devices".`);
  expectOk(existing);
  const response = await callApi(target, { method: 'PUT', path, body: { paused }, auth });
  if (response.status !== 200 && response.status !== 201) throw new CliError(describeFailure(response));
  const device = response.json as DeviceView;
  io.out(`${device.deviceId} is ${device.status}${paused ? ': beats are recorded, nothing alerts' : '; its deadline starts again from now'}.`);
}
