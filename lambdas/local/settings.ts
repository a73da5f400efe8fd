/**
 * Settings of local mode: command-line flags first, then environment variables, then defaults.
 * Parsed and validated once, at start; a bad value fails with one line naming the flag or the
 * variable the value came from, so the person can fix exactly that.
 */
import { MIN_SIGNING_SECRET_CHARS } from '../core/signing-secrets';
import { isAbsolute, resolve } from 'node:path';
import type { MonitorSettings } from '../core/model';
import { ConfigError, integerSetting, monitorSettings, type RawMonitorSettings } from '../core/settings';
import { parseLocalChannels, type LocalChannelFlags, type LocalChannels } from './channel-settings';

type Env = Readonly<Record<string, string | undefined>>;

/** Flag values as commander hands them over (strings; absent when not given). */
export interface LocalFlags extends LocalChannelFlags {
  readonly port?: string;
  readonly dataDir?: string;
  readonly sweepEvery?: string;
  readonly stormThreshold?: string;
  readonly defaultInterval?: string;
  readonly defaultGrace?: string;
  readonly retentionDays?: string;
  readonly minBeatSpacing?: string;
}

/** Validated settings of one local-mode run. */
export interface LocalSettings {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Absolute path of the data directory. */
  readonly dataDir: string;
  /** Seconds between the end of one sweep and the start of the next. */
  readonly sweepSeconds: number;
  /** Local throttle: at most one accepted beat per device this often (429 otherwise); 0 is off. */
  readonly minBeatSpacingSeconds: number;
  readonly monitor: MonitorSettings;
  /** HEARTBEAT_SIGNING_SECRET / HEARTBEAT_PREVIOUS_SIGNING_SECRET, when set. */
  readonly signingSecretFromEnv: { readonly current: string; readonly previous: string | null } | null;
  /** HEARTBEAT_ADMIN_TOKEN, when set. */
  readonly adminTokenFromEnv: string | null;
  /** Where alerts are delivered besides the console and alerts.jsonl (webhook, Slack, PagerDuty). */
  readonly channels: LocalChannels;
}

/** One setting: its flag, its environment variable and its default, in the order the docs list them. */
export const SETTING_NAMES = {
  port: { flag: '--port', env: 'PORT' },
  dataDir: { flag: '--data-dir', env: 'HEARTBEAT_DATA_DIR' },
  sweepEvery: { flag: '--sweep-every', env: 'HEARTBEAT_SWEEP_SECONDS' },
  stormThreshold: { flag: '--storm-threshold', env: 'HEARTBEAT_STORM_THRESHOLD' },
  defaultInterval: { flag: '--default-interval', env: 'HEARTBEAT_DEFAULT_INTERVAL' },
  defaultGrace: { flag: '--default-grace', env: 'HEARTBEAT_DEFAULT_GRACE' },
  retentionDays: { flag: '--retention-days', env: 'HEARTBEAT_RETENTION_DAYS' },
  minBeatSpacing: { flag: '--min-beat-spacing', env: 'HEARTBEAT_MIN_BEAT_SPACING' },
} as const;

/** Defaults of the contract's local settings. */
export const DEFAULT_PORT = 8080;
export const DEFAULT_DATA_DIR = '.heartbeat';
export const DEFAULT_SWEEP_SECONDS = 60;

/** Secrets shorter than this are refused: the AWS runtime refuses them too (see parseSigningSecrets). */
export const MIN_SECRET_CHARS = MIN_SIGNING_SECRET_CHARS;

/** The raw text of a setting and the name to blame if it is wrong: the flag when given, else the variable. */
function pick(key: keyof typeof SETTING_NAMES, flags: LocalFlags, env: Env): { raw: string | undefined; name: string } {
  const names = SETTING_NAMES[key];
  const flag = flags[key];
  if (flag !== undefined) return { raw: flag, name: names.flag };
  const fromEnv = env[names.env];
  return { raw: fromEnv, name: names.env };
}

/** A secret from the environment: unset or empty is "not set"; otherwise it must be long enough and one word. */
function secretFromEnv(env: Env, name: string): string | null {
  const value = env[name];
  if (value === undefined || value === '') return null;
  if (value.length < MIN_SECRET_CHARS || /\s/.test(value)) {
    throw new ConfigError(`${name} must be at least ${MIN_SECRET_CHARS} characters with no spaces (or unset it to use a generated one).`);
  }
  return value;
}

/** Parses flags and environment into validated settings; throws ConfigError naming the bad setting. */
export function parseLocalSettings(flags: LocalFlags, env: Env, cwd: string): LocalSettings {
  const port = pick('port', flags, env);
  const sweep = pick('sweepEvery', flags, env);
  const spacing = pick('minBeatSpacing', flags, env);
  const dataDir = pick('dataDir', flags, env);
  if (dataDir.raw !== undefined && dataDir.raw.trim() === '') throw new ConfigError(`${dataDir.name} must name a directory.`);

  const interval = pick('defaultInterval', flags, env);
  const grace = pick('defaultGrace', flags, env);
  const storm = pick('stormThreshold', flags, env);
  const retention = pick('retentionDays', flags, env);
  const raw: RawMonitorSettings = {
    ...(interval.raw !== undefined ? { defaultIntervalSeconds: interval.raw } : {}),
    ...(grace.raw !== undefined ? { defaultGraceSeconds: grace.raw } : {}),
    ...(storm.raw !== undefined ? { stormThreshold: storm.raw } : {}),
    ...(retention.raw !== undefined ? { retentionDays: retention.raw } : {}),
  };
  const monitor = monitorSettings(raw, {
    defaultIntervalSeconds: interval.name,
    defaultGraceSeconds: grace.name,
    stormThreshold: storm.name,
    retentionDays: retention.name,
  });

  const current = secretFromEnv(env, 'HEARTBEAT_SIGNING_SECRET');
  const previous = secretFromEnv(env, 'HEARTBEAT_PREVIOUS_SIGNING_SECRET');
  if (previous !== null && current === null) {
    throw new ConfigError('HEARTBEAT_PREVIOUS_SIGNING_SECRET is set but HEARTBEAT_SIGNING_SECRET is not; set both for a rotation.');
  }

  const dir = dataDir.raw?.trim() ?? DEFAULT_DATA_DIR;
  return {
    port: integerSetting(port.name, port.raw, { min: 0, max: 65_535 }, DEFAULT_PORT),
    dataDir: isAbsolute(dir) ? dir : resolve(cwd, dir),
    sweepSeconds: integerSetting(sweep.name, sweep.raw, { min: 1, max: 86_400 }, DEFAULT_SWEEP_SECONDS),
    // Off by default, as the contract says; on AWS the stage throttling plays this part.
    minBeatSpacingSeconds: integerSetting(spacing.name, spacing.raw, { min: 0, max: 86_400 }, 0),
    monitor,
    signingSecretFromEnv: current === null ? null : { current, previous },
    adminTokenFromEnv: secretFromEnv(env, 'HEARTBEAT_ADMIN_TOKEN'),
    channels: parseLocalChannels(flags, env),
  };
}
