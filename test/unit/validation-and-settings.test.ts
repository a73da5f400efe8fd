/** Input validation shared by ingest and management, and parsing of deployment settings. */
import { describe, expect, it } from 'vitest';
import { ConfigError, integerSetting, monitorSettings } from '../../lambdas/core/settings';
import { BEAT_BODY, isValidDeviceId, validateObject } from '../../lambdas/core/validation';

describe('isValidDeviceId', () => {
  it('takes 1-128 characters of the contract alphabet', () => {
    for (const ok of ['a', 'sensor-42', 'A.b_c:d-e', 'x'.repeat(128)]) expect(isValidDeviceId(ok), ok).toBe(true);
    for (const bad of ['', 'x'.repeat(129), 'a b', 'a/b', 'é', 'a\n', '#summary', '../x', 42, null]) expect(isValidDeviceId(bad), String(bad)).toBe(false);
  });
});

describe('validateObject', () => {
  it('keeps valid fields and names the first unknown one', () => {
    expect(validateObject({ interval: 5, status: 'ok' }, BEAT_BODY)).toEqual({ ok: true, value: { interval: 5, status: 'ok' } });
    const unknown = validateObject({ interval: 5, color: 1 }, BEAT_BODY);
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.message).toMatch(/"color"/);
  });
  it('measures meta as the UTF-8 length of its JSON', () => {
    // 3 bytes per character: 340 of them plus the JSON quoting is over 1024 bytes, but under 1024 characters.
    expect(validateObject({ meta: { k: '€'.repeat(340) } }, BEAT_BODY).ok).toBe(false);
    expect(validateObject({ meta: { k: '€'.repeat(300) } }, BEAT_BODY).ok).toBe(true);
  });
});

describe('settings', () => {
  it('parses whole numbers in range and names the setting otherwise', () => {
    expect(integerSetting('X', ' 7 ', { min: 0, max: 10 }, 1)).toBe(7);
    expect(integerSetting('X', undefined, { min: 0, max: 10 }, 1)).toBe(1);
    for (const bad of ['11', '-1', '1.5', 'abc', '1e3']) expect(() => integerSetting('HEARTBEAT_X', bad, { min: 0, max: 10 }, 1)).toThrow(/HEARTBEAT_X/);
  });
  it('builds monitor settings with the contract defaults', () => {
    const names = { defaultIntervalSeconds: 'A', defaultGraceSeconds: 'B', retentionDays: 'C', stormThreshold: 'D', repeatEverySeconds: 'E', historyDays: 'F', defaultFailThreshold: 'G', defaultRecoverAfterSeconds: 'H', adaptivePhi: 'I', adaptivePauseSeconds: 'J' };
    expect(monitorSettings({}, names)).toEqual({ defaultIntervalSeconds: 60, defaultGraceSeconds: null, retentionDays: 30, stormThreshold: 25, repeatEverySeconds: 0, historyDays: 90, defaultFailThreshold: 1, defaultRecoverAfterSeconds: 0, adaptivePhi: 8, adaptivePauseSeconds: 37 });
    expect(() => monitorSettings({ stormThreshold: 'lots' }, names)).toThrow(ConfigError);
  });
  it('takes reminders off (0) or at least 300 s apart, naming the setting otherwise', () => {
    const names = { defaultIntervalSeconds: 'A', defaultGraceSeconds: 'B', retentionDays: 'C', stormThreshold: 'D', repeatEverySeconds: '--repeat-every', historyDays: 'F', defaultFailThreshold: 'G', defaultRecoverAfterSeconds: 'H', adaptivePhi: 'I', adaptivePauseSeconds: 'J' };
    expect(monitorSettings({ repeatEverySeconds: '0' }, names).repeatEverySeconds).toBe(0);
    expect(monitorSettings({ repeatEverySeconds: '300' }, names).repeatEverySeconds).toBe(300);
    expect(() => monitorSettings({ repeatEverySeconds: '299' }, names)).toThrow('--repeat-every must be 0 (off) or from 300 to 604800, got "299".');
    expect(() => monitorSettings({ repeatEverySeconds: '604801' }, names)).toThrow(/--repeat-every must be a whole number from 0 to 604800/);
  });
});
