/**
 * Configuration of the Lambda runtime, read once per container from the environment the stack sets
 * (variable names from the settings catalog). A missing or bad variable fails the cold start with a
 * message naming it.
 */
import type { MonitorSettings } from '../core/model';
import { ConfigError, monitorSettings, parseSetting } from '../core/settings';
import { CORE_SETTING_KEYS, SETTINGS, type CoreSettingKey } from '../core/settings-catalog';

type Env = Record<string, string | undefined>;

/** The value of a variable the stack must set (a resource name or ARN); throws ConfigError naming it when missing. */
export function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`Environment variable ${name} must be set.`);
  return value;
}

/** The core settings from their Lambda environment variables; unset ones take the catalog's defaults. */
export function lambdaSettings(env: Env): MonitorSettings {
  const names = Object.fromEntries(CORE_SETTING_KEYS.map((key) => [key, SETTINGS[key].lambda.env])) as Record<CoreSettingKey, string>;
  const raw = Object.fromEntries(CORE_SETTING_KEYS.map((key) => [key, env[names[key]]]));
  return monitorSettings(raw, names);
}

/** Parallel scan segments of one sweep (SWEEP_SEGMENTS). */
export function sweepSegments(env: Env): number {
  const name = SETTINGS.sweepSegments.lambda.env;
  return parseSetting('sweepSegments', env[name], name);
}

/** Seconds between sweeps as the stack sets them (SWEEP_EVERY_SECONDS), reported by the health route; null when the stack does not say. */
export function sweepEverySeconds(env: Env): number | null {
  const name = SETTINGS.sweepEverySeconds.lambda.env;
  if (env[name] === undefined) return null;
  return parseSetting('sweepEverySeconds', env[name], name);
}
