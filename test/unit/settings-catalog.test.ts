/**
 * Proves the settings catalog is consistent with itself (every default in its range, unique flags
 * and variables, a Lambda variable for every core setting), and that every runtime applies the one
 * range it declares: the same retention minimum for the construct, the Lambda config and local mode.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { ConfigError, parseSetting } from '../../lambdas/core/settings';
import { CORE_SETTING_KEYS, SETTINGS, SETTING_KEYS, contextKey, defaultText, settingProblem, settingSpec } from '../../lambdas/core/settings-catalog';
import { lambdaSettings } from '../../lambdas/handlers/lambda-config';
import { parseLocalSettings } from '../../lambdas/local/settings';

describe('SETTINGS', () => {
  it('gives every setting a doc line and a default its own rules accept', () => {
    for (const key of SETTING_KEYS) {
      // Prepare
      const spec = settingSpec(key);
      // Act
      const problem = spec.default === null ? null : settingProblem(spec, key, spec.default);
      // Assess
      expect(spec.doc.length, key).toBeGreaterThan(10);
      expect(spec.doc, key).not.toContain('\n');
      expect(problem, key).toBeNull();
    }
  });

  it('uses each flag and each environment variable once, and never a flag for a secret', () => {
    // Prepare
    const specs = SETTING_KEYS.map(settingSpec);
    // Act
    const flags = specs.flatMap((spec) => (spec.local?.flag === undefined ? [] : [spec.local.flag]));
    const variables = specs.flatMap((spec) => [spec.local?.env, spec.lambda?.env].filter((name) => name !== undefined));
    // Assess
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(variables).size).toBe(variables.length);
    for (const flag of flags) expect(flag).toMatch(/^--[a-z][a-z-]*$/);
    for (const spec of specs.filter((s) => s.kind === 'secret')) expect(spec.local?.flag).toBeUndefined();
  });

  it('makes context keys props, sets Lambda variables only from props, and gives every core setting a Lambda variable', () => {
    for (const key of SETTING_KEYS) {
      const spec = settingSpec(key);
      if (spec.context) expect(spec.prop, `${key}: context needs prop`).toBe(true);
      if ((spec.lambda?.setOn.length ?? 0) > 0) expect(spec.prop, `${key}: setOn needs prop`).toBe(true);
    }
    for (const key of CORE_SETTING_KEYS) expect(settingSpec(key).lambda?.env, key).toMatch(/^[A-Z_]+$/);
  });

  it('keeps a device record longer than the longest deadline a device can have', () => {
    // Prepare
    const longestDeadlineSeconds = SETTINGS.defaultIntervalSeconds.max + SETTINGS.defaultGraceSeconds.max;
    // Act
    const shortestRetentionSeconds = SETTINGS.retentionDays.min * 86_400;
    // Assess
    expect(shortestRetentionSeconds).toBeGreaterThan(longestDeadlineSeconds);
  });

  it('is where DEFAULT_SETTINGS comes from', () => {
    for (const key of CORE_SETTING_KEYS) expect(DEFAULT_SETTINGS[key], key).toBe(SETTINGS[key].default);
  });

  it('states defaults for the help, with words where there is none', () => {
    expect(defaultText(SETTINGS.port)).toBe('8080');
    expect(defaultText(SETTINGS.defaultGraceSeconds)).toBe('equal to the interval');
  });
});

describe('parseSetting', () => {
  it('parses each kind, and gives the default for absent or blank text', () => {
    expect(parseSetting('stormThreshold', ' 7 ', 'X')).toBe(7);
    expect(parseSetting('stormThreshold', '', 'X')).toBe(25);
    expect(parseSetting('defaultGraceSeconds', undefined, 'X')).toBeNull();
    expect(parseSetting('throttleRateLimit', '12.5', 'X')).toBe(12.5);
    expect(parseSetting('reserveConcurrency', 'false', 'X')).toBe(false);
    expect(parseSetting('alertEmail', 'ops@example.com', 'X')).toBe('ops@example.com');
    expect(parseSetting('adminToken', '', 'X')).toBeNull();
  });

  it('names the source of a bad value', () => {
    expect(() => parseSetting('throttleRateLimit', '0', 'RATE')).toThrow(new ConfigError('RATE must be a positive number, got "0".'));
    expect(() => parseSetting('reserveConcurrency', 'yes', 'RESERVE')).toThrow(new ConfigError('RESERVE must be true or false, got "yes".'));
    expect(() => parseSetting('alertEmail', 'ops.example.com', 'EMAIL')).toThrow(/EMAIL must be an email address/);
  });
});

describe('one retention minimum for every runtime', () => {
  it('refuses a retention shorter than the catalog minimum in local mode and in the Lambda config alike', () => {
    // Prepare
    const tooShort = String(SETTINGS.retentionDays.min - 1);
    const message = `must be a whole number from ${SETTINGS.retentionDays.min} to ${SETTINGS.retentionDays.max}`;
    // Act / Assess
    expect(() => parseLocalSettings({ retentionDays: tooShort }, {}, '/')).toThrow(`--retention-days ${message}`);
    expect(() => parseLocalSettings({}, { HEARTBEAT_RETENTION_DAYS: '1' }, '/')).toThrow(`HEARTBEAT_RETENTION_DAYS ${message}`);
    expect(() => lambdaSettings({ RETENTION_DAYS: tooShort })).toThrow(`RETENTION_DAYS ${message}`);
  });

  it('reads every core setting from its catalog variable in the Lambda config', () => {
    // Prepare
    const env = { DEFAULT_INTERVAL_SECONDS: '30', DEFAULT_GRACE_SECONDS: '5', RETENTION_DAYS: '7', STORM_THRESHOLD: '0' };
    // Act
    const settings = lambdaSettings(env);
    // Assess
    expect(settings).toEqual({ defaultIntervalSeconds: 30, defaultGraceSeconds: 5, retentionDays: 7, stormThreshold: 0, repeatEverySeconds: 0, historyDays: 90, defaultFailThreshold: 1, defaultRecoverAfterSeconds: 0, adaptivePhi: 8, adaptivePauseSeconds: 37 });
  });
});

describe('the settings tables of the docs', () => {
  it('list every local flag with its variable (docs/local-mode.md) and every context key (README.md)', async () => {
    // Prepare
    const { readFileSync } = await import('node:fs');
    const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const localMode = read('docs/local-mode.md');
    const readme = read('README.md');
    // Act / Assess
    for (const key of SETTING_KEYS) {
      const spec = settingSpec(key);
      const row = localMode.split('\n').find((line) => line.startsWith('|') && spec.local !== undefined && line.includes(`\`${spec.local.flag ?? spec.local.env}`));
      if (spec.local !== undefined) expect(row, `${key}: a row of docs/local-mode.md`).toBeDefined();
      if (spec.local?.env !== undefined) expect(row, key).toContain(`\`${spec.local.env}\``);
      if (spec.context) expect(readme, key).toContain(`\`${contextKey(key)}\``);
      if (spec.prop) expect(readme, key).toContain(`| \`${key}\` |`);
    }
  });
});
