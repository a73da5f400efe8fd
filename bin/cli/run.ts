/**
 * `heartbeat run <deviceId> -- <command...>`: runs a command (a cron job, a backup, a script), passes
 * its output through untouched, then sends one beat for it: `ok` when it exited 0, `fail` otherwise,
 * with the end of its output as the message and `{exitStatus, durationSeconds}` as the metadata.
 * It exits with the command's own status, so cron and scripts see exactly what they saw before they
 * were wrapped. The beat goes through the shipped Node client (clients/node), with its timeout,
 * retries and backoff.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { Writable } from 'node:stream';
import { isValidDeviceId } from '../../lambdas/core/validation';
import { Heartbeat, HeartbeatError } from '../../clients/node/heartbeat.mjs';
import type { Io } from './commands';
import { CliError } from './errors';
import { deviceBearer, resolveTarget, type DeviceTokenOptions, type TargetOptions } from './target';

/** The contract's limit on a beat's message, in characters (code points). */
export const MESSAGE_LIMIT = 256;

/** How much of the output's end is kept while it streams: far more than a message, far less than a log. */
const KEPT_CODE_UNITS = 16 * 1024;

/** The last `limit` characters of `text`, surrounding whitespace trimmed, counted and cut by code point (never half a surrogate pair). */
export function messageFromOutput(text: string, limit = MESSAGE_LIMIT): string {
  const trimmed = text.trimEnd();
  // Walk back over at most `limit` code points: a low surrogate preceded by a high one is one character.
  let start = trimmed.length;
  for (let taken = 0; taken < limit && start > 0; taken++) {
    const low = trimmed.charCodeAt(start - 1);
    const high = start >= 2 ? trimmed.charCodeAt(start - 2) : 0;
    start -= low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? 2 : 1;
  }
  return trimmed.slice(start).trimStart();
}

/** The end of a command's output, stdout and stderr interleaved as they arrived, decoded as UTF-8 across chunk boundaries. */
export class OutputTail {
  private text = '';

  /** A decoder per stream: a multi-byte character split between two reads is joined, not replaced. */
  decoder(): StringDecoder {
    return new StringDecoder('utf8');
  }

  /** Adds decoded text, keeping only the end. */
  push(text: string): void {
    this.text += text;
    if (this.text.length > 2 * KEPT_CODE_UNITS) this.text = this.text.slice(-KEPT_CODE_UNITS);
  }

  /** The message for the beat: the output's last characters. */
  message(): string {
    return messageFromOutput(this.text);
  }
}

export interface RunOptions extends DeviceTokenOptions, TargetOptions {
  readonly interval?: string;
  readonly grace?: string;
  readonly timeout?: string;
  readonly retries?: string;
}

/** Where the command's own output goes (our standard output and error in the CLI). */
export interface PassThrough {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** How the command ended, as a shell reports it. */
interface Ended {
  /** The exit status to pass on: the command's, 128 + signal number when a signal ended it, 127/126 when it could not start. */
  readonly status: number;
  /** Said in the message when the command printed nothing, or could not start. */
  readonly note: string;
}

function wholeNumber(flag: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) throw new CliError(`${flag} must be a whole number of at least ${min}, got "${raw}".`);
  return Number(raw.trim());
}

function seconds(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) throw new CliError(`${flag} must be a number of seconds above 0, got "${raw}".`);
  return value;
}

/** Runs the command with our standard input, its output copied to `pass` and into `tail`; forwards SIGINT/SIGTERM/SIGHUP. */
function runChild(command: readonly string[], pass: PassThrough, tail: OutputTail): Promise<Ended> {
  const [program, ...args] = command;
  return new Promise((resolve) => {
    const child = spawn(program as string, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const done = (ended: Ended) => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      resolve(ended);
    };
    for (const [stream, target] of [
      [child.stdout, pass.stdout],
      [child.stderr, pass.stderr],
    ] as const) {
      const decoder = tail.decoder();
      stream.on('data', (chunk: Buffer) => {
        target.write(chunk);
        tail.push(decoder.write(chunk));
      });
      stream.on('end', () => tail.push(decoder.end()));
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      const status = error.code === 'ENOENT' ? 127 : 126;
      const why = error.code === 'ENOENT' ? 'command not found' : `cannot run it (${error.code ?? error.message})`;
      pass.stderr.write(`heartbeat: ${program}: ${why}\n`);
      done({ status, note: `${program}: ${why}` });
    });
    // 'close': after the last output was read.
    child.on('close', (code, signal) => {
      if (signal) done({ status: 128 + (constants.signals[signal] ?? 0), note: `killed by ${signal}` });
      else done({ status: code ?? 1, note: `exit status ${code ?? 1}` });
    });
  });
}

/**
 * Runs the command and sends its beat; resolves with the exit status to leave with (the command's).
 * Bad options fail before the command runs, so nothing happens that the person did not mean.
 */
export async function runCommand(deviceId: string, command: readonly string[], options: RunOptions, io: Io, pass: PassThrough): Promise<number> {
  if (!isValidDeviceId(deviceId)) throw new CliError(`Invalid device id "${deviceId}": use 1-128 characters of A-Z a-z 0-9 . _ : -`);
  if (command.length === 0 || !command[0]) throw new CliError('Name the command to run after --, e.g. heartbeat run backup-nightly -- /usr/local/bin/backup.sh');
  const interval = wholeNumber('--interval', options.interval, 0);
  const grace = wholeNumber('--grace', options.grace, 0);
  const timeout = seconds('--timeout', options.timeout) ?? 10;
  const retries = wholeNumber('--retries', options.retries, 0) ?? 5;
  const target = resolveTarget(options, io.env, io.cwd);
  // HEARTBEAT_TOKEN, as the device clients read it: a crontab line then carries no token in ps.
  const token = deviceBearer(deviceId, { ...options, token: options.token ?? io.env.HEARTBEAT_TOKEN }, target, io.env);
  const client = new Heartbeat({
    url: target.base,
    deviceId,
    token,
    ...(interval !== undefined ? { interval } : {}),
    ...(grace !== undefined ? { grace } : {}),
    timeout,
    retries,
    log: io.err,
  });

  const tail = new OutputTail();
  const started = io.now();
  const ended = await runChild(command, pass, tail);
  const message = tail.message() || ended.note;
  // The run's facts, kept as the device's last metadata: what a person looking at a failed job asks first.
  const meta = { exitStatus: ended.status, durationSeconds: Math.round((io.now() - started) / 100) / 10 };
  try {
    await client.beat({ status: ended.status === 0 ? 'ok' : 'fail', message, meta });
  } catch (error) {
    if (!(error instanceof HeartbeatError)) throw error;
    // The command's status still wins: the beat is the monitor's business, not the job's.
    io.err(`heartbeat: beat for ${deviceId} not recorded: ${error.message}`);
  } finally {
    client.close();
  }
  return ended.status;
}
