/**
 * Parsing of settings from text (environment variables, flags, context strings), shared by the
 * Lambda and local composition roots. Pure functions over strings: each runtime reads its own
 * source at its edge and names the source in errors; what is valid comes from the catalog.
 */
import type { MonitorSettings } from './model';
import { CORE_SETTING_KEYS, settingProblem, settingSpec, type CoreSettingKey, type SettingKey, type SettingValue } from './settings-catalog';

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

/**
 * One setting of the catalog from its raw text, `name` being where the text came from (a flag or a
 * variable). Absent text, or blank text for numbers and secrets, gives the catalog's default.
 * Throws ConfigError naming `name`.
 */
export function parseSetting<K extends SettingKey>(key: K, raw: string | undefined, name: string): SettingValue<K> {
  return parseSpec(key, raw, name) as SettingValue<K>;
}

function parseSpec(key: SettingKey, raw: string | undefined, name: string): number | boolean | string | null {
  const spec = settingSpec(key);
  const blank = raw === undefined || raw.trim() === '';
  switch (spec.kind) {
    case 'integer': {
      if (blank) return spec.default;
      const value = integerSetting(name, raw, spec, 0);
      const problem = settingProblem(spec, name, value);
      if (problem !== null) throw new ConfigError(problem.replace(/got .*\.$/, `got "${raw}".`));
      return value;
    }
    case 'choice': {
      if (blank) return spec.default;
      const problem = settingProblem(spec, name, raw.trim());
      if (problem !== null) throw new ConfigError(problem);
      return raw.trim();
    }
    case 'positive': {
      if (blank) return spec.default;
      const value = Number(raw.trim());
      const problem = settingProblem(spec, name, value);
      if (problem !== null) throw new ConfigError(problem.replace(/got .*\.$/, `got "${raw}".`));
      return value;
    }
    case 'boolean':
      if (blank) return spec.default;
      if (raw.trim() === 'true') return true;
      if (raw.trim() === 'false') return false;
      throw new ConfigError(`${name} must be true or false, got "${raw}".`);
    case 'text': {
      if (raw === undefined) return spec.default;
      const problem = settingProblem(spec, name, raw);
      if (problem !== null) throw new ConfigError(problem);
      return raw.trim();
    }
    case 'secret': {
      // An empty variable is "not set", the usual shell idiom for unsetting.
      if (raw === undefined || raw === '') return null;
      const problem = settingProblem(spec, name, raw);
      if (problem !== null) throw new ConfigError(problem);
      return raw;
    }
  }
}

/** Raw setting texts of the core settings, by catalog key; each runtime maps its own names onto these. */
export type RawMonitorSettings = { readonly [K in CoreSettingKey]?: string };

/** Validated core settings; `names` gives the user-facing name of each setting for error messages. */
export function monitorSettings(raw: RawMonitorSettings, names: Record<CoreSettingKey, string>): MonitorSettings {
  return Object.fromEntries(CORE_SETTING_KEYS.map((key) => [key, parseSetting(key, raw[key], names[key])])) as unknown as MonitorSettings;
}
