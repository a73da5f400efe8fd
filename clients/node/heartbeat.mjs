#!/usr/bin/env node
/**
 * Heartbeat client for the heartbeat monitor: Node 20+, no dependencies.
 *
 * As a module:
 *
 *     import { Heartbeat } from './heartbeat.mjs';
 *     const hb = new Heartbeat({ url, deviceId: 'sensor-42', token, interval: 60 });
 *     await hb.beat();                                        // ok
 *     await hb.beat({ status: 'fail', message: 'disk full' }); // alive but unhealthy
 *     hb.close();
 *
 * As a command (exit 0 when every beat was recorded):
 *
 *     node heartbeat.mjs --url URL --device ID --token TOKEN [--interval N] [--grace N]
 *                        [--every N] [--count N] [--fail] [--message TEXT]
 *
 * Why it looks the way it does (see README.md): the server owns time (no device clock is sent);
 * one connection is kept across beats with TCP keepalive after 60 s idle, so idle-closing NATs
 * see traffic and a dead path is noticed in about 70 s rather than the kernel's 2 h 11 min;
 * network errors, 429 and 5xx are retried with exponential backoff and full jitter, honouring
 * Retry-After; other 4xx are final and reported with the service's message; and the first beat
 * of a loop waits a random moment so a fleet that reboots together does not beat together.
 */
import http from 'node:http';
import https from 'node:https';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const VERSION = '1.0.0';

/** Seconds of silence before the first TCP keepalive probe (Node then probes every 1 s, 10 times). */
export const KEEPALIVE_IDLE_S = 60;
/** No single backoff wait is longer than this, whatever the attempt number. */
const BACKOFF_CAP_S = 60;
/** A Retry-After beyond this is treated as this: a device keeps trying within its own cadence. */
const RETRY_AFTER_CAP_S = 600;
/** Socket errors that mean "the kept connection was closed by the other side while idle". */
const STALE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** A beat that was not recorded: `status` is the HTTP status (null when no answer came), `code` the service's error code. */
export class HeartbeatError extends Error {
  /**
   * @param {string} message what happened, for a person
   * @param {{ status?: number | null, code?: string | null, retryable?: boolean, retryAfter?: number | null }} [details]
   */
  constructor(message, details = {}) {
    super(message);
    this.name = 'HeartbeatError';
    this.status = details.status ?? null;
    this.code = details.code ?? null;
    this.retryable = details.retryable ?? false;
    this.retryAfter = details.retryAfter ?? null;
  }
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(value, now = Date.now()) {
  if (!value) return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const when = Date.parse(text);
  return Number.isNaN(when) ? null : Math.max(0, (when - now) / 1000);
}

/** The service's {"error": {"code", "message"}} (or API Gateway's {"message"}) as code and one line. */
function serviceError(status, text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (body?.error?.code) return { code: body.error.code, line: `HTTP ${status} ${body.error.code}: ${body.error.message ?? ''}` };
  if (typeof body?.message === 'string') return { code: null, line: `HTTP ${status}: ${body.message}` };
  const trimmed = text.trim().slice(0, 200);
  return { code: null, line: trimmed ? `HTTP ${status}: ${trimmed}` : `HTTP ${status}` };
}

/** A device's heartbeat sender, keeping one connection to the service across beats. */
export class Heartbeat {
  /**
   * @param {object} options
   * @param {string} options.url service base URL (https://host[/stage])
   * @param {string} options.deviceId the device id
   * @param {string} options.token the device token
   * @param {number} [options.interval] seconds between beats the device promises, sent with every beat
   * @param {number} [options.grace] extra seconds of silence tolerated, sent with every beat
   * @param {number} [options.timeout] seconds a whole request may take (default 10)
   * @param {number} [options.retries] extra attempts after a network error, 429 or 5xx (default 5)
   * @param {number} [options.backoff] the first retry waits up to this many seconds, doubling each time (default 1)
   * @param {(line: string) => void} [options.log] one line per retry (default: standard error)
   */
  constructor({ url, deviceId, token, interval, grace, timeout = 10, retries = 5, backoff = 1, log }) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`url must look like https://host[/stage], got "${url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`url must start with http:// or https://, got "${url}"`);
    if (!deviceId) throw new TypeError('deviceId must not be empty');
    if (!token) throw new TypeError('token must not be empty');
    this.deviceId = deviceId;
    this.interval = interval;
    this.grace = grace;
    this.timeout = timeout;
    this.retries = retries;
    this.backoff = backoff;
    this.log = log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#token = token;
    this.#url = new URL(`${parsed.pathname.replace(/\/+$/, '')}/v1/heartbeats/${encodeURIComponent(deviceId)}`, parsed.origin);
    this.#transport = parsed.protocol === 'https:' ? https : http;
    // One socket, kept open between beats; the agent turns on TCP keepalive with this idle time.
    this.#agent = new this.#transport.Agent({ keepAlive: true, keepAliveMsecs: KEEPALIVE_IDLE_S * 1000, maxSockets: 1 });
  }

  #token;
  #url;
  #transport;
  #agent;
  /** Resolves a pending backoff wait early when close() is called. */
  #wake = null;
  #closed = false;

  /** Closes the kept connection; a wait between retries ends at once. */
  close() {
    this.#closed = true;
    this.#agent.destroy();
    this.#wake?.();
  }

  /**
   * Sends one beat; resolves with the service's answer, or rejects with a HeartbeatError.
   * @param {{ status?: 'ok' | 'fail', message?: string, meta?: object }} [beat]
   */
  async beat({ status = 'ok', message, meta } = {}) {
    if (status !== 'ok' && status !== 'fail') throw new TypeError('status must be "ok" or "fail"');
    const body = { status };
    if (this.interval !== undefined) body.interval = this.interval;
    if (this.grace !== undefined) body.grace = this.grace;
    if (message !== undefined) body.message = message;
    if (meta !== undefined) body.meta = meta;
    const payload = Buffer.from(JSON.stringify(body), 'utf8');

    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#sendOnce(payload);
      } catch (error) {
        if (!(error instanceof HeartbeatError) || !error.retryable || this.#closed) throw error;
        if (attempt >= this.retries) {
          if (this.retries === 0) throw error;
          throw new HeartbeatError(`giving up after ${attempt + 1} attempts: ${error.message}`, { status: error.status, code: error.code });
        }
        const ceiling = Math.min(BACKOFF_CAP_S, this.backoff * 2 ** attempt);
        const delay = error.retryAfter !== null ? Math.min(error.retryAfter, RETRY_AFTER_CAP_S) : Math.random() * ceiling; // full jitter
        const why = error.retryAfter !== null ? 'Retry-After' : `backoff cap ${ceiling.toFixed(3)}s`;
        this.log(`heartbeat: retry ${attempt + 1}/${this.retries} in ${delay.toFixed(3)}s (${why}): ${error.message}`);
        await this.#pause(delay * 1000);
        if (this.#closed) throw error;
      }
    }
  }

  #pause(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  /** One request; a kept connection that the server closed while idle is replaced once, at once. */
  async #sendOnce(payload) {
    try {
      return await this.#exchange(payload);
    } catch (error) {
      if (!(error instanceof HeartbeatError) || !error.staleReuse) throw error;
      return await this.#exchange(payload);
    }
  }

  #exchange(payload) {
    return new Promise((resolve, reject) => {
      const request = this.#transport.request(this.#url, {
        method: 'POST',
        agent: this.#agent,
        headers: {
          authorization: `Bearer ${this.#token}`,
          'content-type': 'application/json; charset=utf-8',
          'content-length': payload.length,
          accept: 'application/json',
          'user-agent': `heartbeat-node/${VERSION}`,
        },
      });
      // A deadline for the whole exchange, not only for one silent stretch of the socket.
      const timer = setTimeout(() => request.destroy(new HeartbeatError(`timed out after ${this.timeout}s`, { retryable: true })), this.timeout * 1000);
      const fail = (error) => {
        clearTimeout(timer);
        if (error instanceof HeartbeatError) return reject(error);
        const stale = request.reusedSocket && STALE_CODES.has(error.code);
        const wrapped = new HeartbeatError(`network error: ${error.code ?? error.message}`, { retryable: true });
        wrapped.staleReuse = stale;
        reject(wrapped);
      };
      request.on('error', fail);
      request.on('response', (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', fail);
        // Read to the end, so the socket goes back to the agent for the next beat.
        response.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              return resolve(text ? JSON.parse(text) : {});
            } catch {
              return resolve({});
            }
          }
          const { code, line } = serviceError(status, text);
          reject(new HeartbeatError(line, { status, code, retryable: status === 429 || status >= 500, retryAfter: retryAfterSeconds(response.headers['retry-after']) }));
        });
      });
      request.end(payload);
    });
  }
}

// --- command line ------------------------------------------------------------------------------

const USAGE = `Usage: node heartbeat.mjs --url URL --device ID --token TOKEN [options]

Send heartbeats to the heartbeat monitor. Exit 0 when every beat was recorded.

  --url URL          service base URL (default HEARTBEAT_URL)
  --device ID        device id (default HEARTBEAT_DEVICE_ID)
  --token TOKEN      device token (default HEARTBEAT_TOKEN: keeps it out of the process list)
  --interval N       seconds between beats the device promises (sent with each beat)
  --grace N          extra seconds of silence tolerated (sent with each beat)
  --every N          keep beating every N seconds (until --count beats, or a signal)
  --count N          beats to send (default 1; with --every, until stopped)
  --fail             send status "fail": alive but unhealthy (alerts at once)
  --message TEXT     kept as the device's last message (at most 256 characters)
  --meta JSON        kept as the last metadata: a JSON object
  --timeout S        seconds a request may take (default 10)
  --retries N        retries after a network error, 429 or 5xx (default 5)
  --backoff S        first retry waits up to S seconds, doubling each time (default 1)
  --jitter S         wait a random 0..S seconds before the first beat (default: min(every, 30) with --every, else 0)
  --help             this text`;

class UsageError extends Error {}

function number(flag, text, { integer = false, min = 0, above = false } = {}) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new UsageError(`${flag} must be a ${integer ? 'whole ' : ''}number, got "${text}"`);
  if (above ? value <= min : value < min) throw new UsageError(`${flag} must be ${above ? 'more than' : 'at least'} ${min}, got "${text}"`);
  return value;
}

/** Parses the command's flags; throws UsageError with a line for a person. */
export function parseCommandLine(argv, env = process.env) {
  const options = {
    url: { type: 'string' },
    device: { type: 'string' },
    token: { type: 'string' },
    interval: { type: 'string' },
    grace: { type: 'string' },
    every: { type: 'string' },
    count: { type: 'string' },
    fail: { type: 'boolean' },
    message: { type: 'string' },
    meta: { type: 'string' },
    timeout: { type: 'string' },
    retries: { type: 'string' },
    backoff: { type: 'string' },
    jitter: { type: 'string' },
    help: { type: 'boolean' },
  };
  // "--token -abc" becomes "--token=-abc": a base64url token may start with "-", which parseArgs would read as an option.
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].startsWith('--') ? options[argv[i].slice(2)] : undefined;
    if (flag?.type === 'string' && i + 1 < argv.length && argv[i + 1].startsWith('-')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  let values;
  try {
    ({ values } = parseArgs({ args, options, strict: true }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (values.help) return { help: true };
  const url = values.url ?? env.HEARTBEAT_URL;
  const deviceId = values.device ?? env.HEARTBEAT_DEVICE_ID;
  const token = values.token ?? env.HEARTBEAT_TOKEN;
  if (!url) throw new UsageError('--url is required (or set HEARTBEAT_URL)');
  if (!deviceId) throw new UsageError('--device is required (or set HEARTBEAT_DEVICE_ID)');
  if (!token) throw new UsageError('--token is required (or set HEARTBEAT_TOKEN)');
  const every = number('--every', values.every, { above: true });
  const count = number('--count', values.count, { integer: true, min: 1 });
  if (count !== undefined && count > 1 && every === undefined) throw new UsageError('--count above 1 needs --every');
  let meta;
  if (values.meta !== undefined) {
    try {
      meta = JSON.parse(values.meta);
    } catch {
      meta = undefined;
    }
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new UsageError(`--meta must be a JSON object, e.g. '{"battery": 0.9}'`);
  }
  return {
    help: false,
    url,
    deviceId,
    token,
    interval: number('--interval', values.interval, { integer: true }),
    grace: number('--grace', values.grace, { integer: true }),
    every,
    count: count ?? (every === undefined ? 1 : Infinity),
    status: values.fail ? 'fail' : 'ok',
    message: values.message,
    meta,
    timeout: number('--timeout', values.timeout, { above: true }) ?? 10,
    retries: number('--retries', values.retries, { integer: true }) ?? 5,
    backoff: number('--backoff', values.backoff) ?? 1,
    jitter: number('--jitter', values.jitter) ?? (every === undefined ? 0 : Math.min(every, 30)),
  };
}

/** The command: beats as the flags say; resolves with the exit status (0: every beat recorded). */
export async function main(argv = process.argv.slice(2), env = process.env) {
  let options;
  try {
    options = parseCommandLine(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`heartbeat: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let client;
  try {
    client = new Heartbeat(options);
  } catch (error) {
    process.stderr.write(`heartbeat: ${error.message}\n`);
    return 2;
  }

  let stopped = false;
  let wakeSleep = () => {};
  const stop = () => {
    stopped = true;
    client.close();
    wakeSleep();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const sleep = (ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      wakeSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  let failures = 0;
  let sent = 0;
  const first = Math.random() * options.jitter;
  if (options.jitter > 0) process.stdout.write(`heartbeat: first beat in ${first.toFixed(3)}s (jitter up to ${options.jitter}s)\n`);
  let nextAt = performance.now() + first * 1000;
  while (!stopped && sent < options.count) {
    await sleep(nextAt - performance.now());
    if (stopped) break;
    try {
      const answer = await client.beat({ status: options.status, message: options.message, meta: options.meta });
      process.stdout.write(`200 ${JSON.stringify(answer)}\n`);
    } catch (error) {
      if (!(error instanceof HeartbeatError)) throw error;
      if (stopped) break; // the beat was cut short by the signal, not refused
      failures++;
      process.stderr.write(`heartbeat: ${error.message}\n`);
    }
    sent++;
    if (options.every !== undefined) {
      // Fixed rate: slow beats (retries) do not push the schedule back; slots already past are skipped.
      nextAt += options.every * 1000;
      while (nextAt < performance.now()) nextAt += options.every * 1000;
    }
  }
  client.close();
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  return failures > 0 ? 1 : 0;
}

function invokedDirectly() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = await main();
