/**
 * Parsing of deployment settings, shared by the Lambda and local composition roots.
 * Pure functions over strings: each runtime reads its own source (environment, flags) at its edge.
 */
import { DEFAULT_SETTINGS, LIMITS, type MonitorSettings } from './model';

/** A configuration problem, named so that the person starting the service can fix it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** An integer setting from its raw text; `fallback` when absent or empty. Throws ConfigError naming the setting. */
export function integerSetting(name: string, raw: string | undefined, range: { min: number; max: number }, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const text = raw.trim();
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(`${name} must be a whole number from ${range.min} to ${range.max}, got "${raw}".`);
  }
  return value;
}

/** Raw setting texts, by meaning; each runtime maps its own names onto these. */
export interface RawMonitorSettings {
  readonly defaultIntervalSeconds?: string;
  readonly defaultGraceSeconds?: string;
  readonly retentionDays?: string;
  readonly stormThreshold?: string;
}

/** Validated settings; `names` gives the user-facing name of each setting for error messages. */
export function monitorSettings(raw: RawMonitorSettings, names: Record<keyof RawMonitorSettings, string>): MonitorSettings {
  const grace = raw.defaultGraceSeconds;
  return {
    defaultIntervalSeconds: integerSetting(
      names.defaultIntervalSeconds,
      raw.defaultIntervalSeconds,
      { min: LIMITS.minIntervalSeconds, max: LIMITS.maxIntervalSeconds },
      DEFAULT_SETTINGS.defaultIntervalSeconds,
    ),
    defaultGraceSeconds:
      grace === undefined || grace.trim() === ''
        ? null
        : integerSetting(names.defaultGraceSeconds, grace, { min: LIMITS.minGraceSeconds, max: LIMITS.maxGraceSeconds }, 0),
    retentionDays: integerSetting(names.retentionDays, raw.retentionDays, { min: LIMITS.minRetentionDays, max: LIMITS.maxRetentionDays }, DEFAULT_SETTINGS.retentionDays),
    stormThreshold: integerSetting(names.stormThreshold, raw.stormThreshold, { min: 0, max: 1_000_000 }, DEFAULT_SETTINGS.stormThreshold),
  };
}
