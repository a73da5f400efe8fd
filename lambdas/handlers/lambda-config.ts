/**
 * Configuration of the Lambda runtime, read once per container from the environment the stack sets.
 * A missing or bad variable fails the cold start with a message naming it.
 */
import type { MonitorSettings } from '../core/model';
import { ConfigError, integerSetting, monitorSettings } from '../core/settings';

type Env = Record<string, string | undefined>;

export function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`Environment variable ${name} must be set.`);
  return value;
}

export function lambdaSettings(env: Env): MonitorSettings {
  return monitorSettings(
    {
      defaultIntervalSeconds: env.DEFAULT_INTERVAL_SECONDS,
      defaultGraceSeconds: env.DEFAULT_GRACE_SECONDS,
      retentionDays: env.RETENTION_DAYS,
      stormThreshold: env.STORM_THRESHOLD,
    },
    {
      defaultIntervalSeconds: 'DEFAULT_INTERVAL_SECONDS',
      defaultGraceSeconds: 'DEFAULT_GRACE_SECONDS',
      retentionDays: 'RETENTION_DAYS',
      stormThreshold: 'STORM_THRESHOLD',
    },
  );
}

export function sweepSegments(env: Env): number {
  return integerSetting('SWEEP_SEGMENTS', env.SWEEP_SEGMENTS, { min: 1, max: 1000 }, 4);
}

/** Seconds between sweeps as the stack schedules them, reported by the health route; null when the stack does not say. */
export function sweepEverySeconds(env: Env): number | null {
  if (env.SWEEP_EVERY_SECONDS === undefined) return null;
  return integerSetting('SWEEP_EVERY_SECONDS', env.SWEEP_EVERY_SECONDS, { min: 1, max: 86_400 }, 60);
}
