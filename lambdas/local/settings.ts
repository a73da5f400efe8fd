/**
 * Settings of local mode: command-line flags first, then environment variables, then defaults, all
 * as the settings catalog declares them (lambdas/core/settings-catalog.ts). Parsed and validated
 * once, at start; a bad value fails with one line naming the flag or the variable the value came
 * from, so the person can fix exactly that.
 */
import { isAbsolute, resolve } from 'node:path';
import type { MonitorSettings } from '../core/model';
import { ConfigError, monitorSettings, parseSetting } from '../core/settings';
import { CORE_SETTING_KEYS, SETTINGS, settingKeys, type CoreSettingKey, type SettingKey, type SettingValue } from '../core/settings-catalog';
import { parseLocalChannels, type LocalChannels } from './channel-settings';

type Env = Readonly<Record<string, string | undefined>>;
type Catalog = typeof SETTINGS;

/** `--min-beat-spacing` -> `minBeatSpacing`, the key under which commander hands a flag's value over. */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
type FlagKey<K extends SettingKey> = Catalog[K] extends { local: { flag: `--${infer Name}` } } ? CamelCase<Name> : never;

/** Flag values as commander hands them over (strings; absent when not given), one per catalog flag. */
export type LocalFlags = { readonly [K in SettingKey as FlagKey<K>]?: string };

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
  /** The settings the core is given. */
  readonly monitor: MonitorSettings;
  /** HEARTBEAT_SIGNING_SECRET / HEARTBEAT_PREVIOUS_SIGNING_SECRET, when set. */
  readonly signingSecretFromEnv: { readonly current: string; readonly previous: string | null } | null;
  /** HEARTBEAT_ADMIN_TOKEN, when set. */
  readonly adminTokenFromEnv: string | null;
  /** Where alerts are delivered besides the console and alerts.jsonl (webhook, Slack, PagerDuty). */
  readonly channels: LocalChannels;
}

/** The settings local mode reads, in catalog order (for the CLI help). */
export const LOCAL_SETTING_KEYS = settingKeys((spec) => spec.local !== undefined);

/** `--data-dir` -> `dataDir`. */
function flagKey(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The raw text of a setting and the name to blame if it is wrong: the flag when given, else the variable. */
function pick(key: SettingKey, flags: LocalFlags, env: Env): { raw: string | undefined; name: string } {
  const local = (SETTINGS[key] as { local?: { flag?: string; env: string } }).local;
  if (local === undefined) return { raw: undefined, name: key };
  if (local.flag !== undefined) {
    const flag = (flags as Readonly<Record<string, string | undefined>>)[flagKey(local.flag)];
    if (flag !== undefined) return { raw: flag, name: local.flag };
  }
  return { raw: env[local.env], name: local.env };
}

/** One setting, from its flag or variable, validated by the catalog. */
function read<K extends SettingKey>(key: K, flags: LocalFlags, env: Env): SettingValue<K> {
  const { raw, name } = pick(key, flags, env);
  return parseSetting(key, raw, name);
}

/** Parses flags and environment into validated settings; throws ConfigError naming the bad setting. */
export function parseLocalSettings(flags: LocalFlags, env: Env, cwd: string): LocalSettings {
  const raw: Partial<Record<CoreSettingKey, string>> = {};
  const names = {} as Record<CoreSettingKey, string>;
  for (const key of CORE_SETTING_KEYS) {
    const picked = pick(key, flags, env);
    if (picked.raw !== undefined) raw[key] = picked.raw;
    names[key] = picked.name;
  }
  const monitor = monitorSettings(raw, names);

  const current = read('signingSecret', flags, env);
  const previous = read('previousSigningSecret', flags, env);
  if (previous !== null && current === null) {
    throw new ConfigError(`${SETTINGS.previousSigningSecret.local.env} is set but ${SETTINGS.signingSecret.local.env} is not; set both for a rotation.`);
  }

  const dir = read('dataDir', flags, env);
  return {
    port: read('port', flags, env),
    dataDir: isAbsolute(dir) ? dir : resolve(cwd, dir),
    sweepSeconds: read('localSweepSeconds', flags, env),
    minBeatSpacingSeconds: read('minBeatSpacingSeconds', flags, env),
    monitor,
    signingSecretFromEnv: current === null ? null : { current, previous },
    adminTokenFromEnv: read('adminToken', flags, env),
    channels: parseLocalChannels(flags, env),
  };
}
