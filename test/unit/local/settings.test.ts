/**
 * Proves the settings of local mode: flag over environment over default, and one clear error
 * naming the flag or variable the bad value came from.
 */
import { CONTRACT_RETRY_POLICY } from '../../../lambdas/core/delivery';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/core/settings';
import { parseLocalSettings } from '../../../lambdas/local/settings';

const CWD = '/srv/project';

describe('parseLocalSettings', () => {
  it('uses the defaults when nothing is set', () => {
    const settings = parseLocalSettings({}, {}, CWD);
    expect(settings).toEqual({
      port: 8080,
      dataDir: '/srv/project/.heartbeat',
      sweepSeconds: 60,
      minBeatSpacingSeconds: 0,
      monitor: { defaultIntervalSeconds: 60, defaultGraceSeconds: null, retentionDays: 30, stormThreshold: 25, repeatEverySeconds: 0, historyDays: 90, defaultFailThreshold: 1, defaultRecoverAfterSeconds: 0, adaptivePhi: 8, adaptivePauseSeconds: 37 },
      signingSecretFromEnv: null,
      adminTokenFromEnv: null,
      channels: { webhookUrl: null, webhookSecretFromEnv: null, slackUrl: null, pagerDuty: null, retry: CONTRACT_RETRY_POLICY },
    });
  });

  it('keeps history 90 days by default, takes --history-days or HEARTBEAT_HISTORY_DAYS, and refuses less than 90', () => {
    expect(parseLocalSettings({ historyDays: '365' }, {}, CWD).monitor.historyDays).toBe(365);
    expect(parseLocalSettings({}, { HEARTBEAT_HISTORY_DAYS: '120' }, CWD).monitor.historyDays).toBe(120);
    expect(() => parseLocalSettings({ historyDays: '30' }, {}, CWD)).toThrow(/--history-days must be a whole number from 90 to 3650/);
  });

  it('takes reminders from --repeat-every or HEARTBEAT_REPEAT_SECONDS: 0 (off) or at least 300, naming where a bad value came from', () => {
    expect(parseLocalSettings({ repeatEvery: '300' }, {}, CWD).monitor.repeatEverySeconds).toBe(300);
    expect(parseLocalSettings({}, { HEARTBEAT_REPEAT_SECONDS: '600' }, CWD).monitor.repeatEverySeconds).toBe(600);
    expect(parseLocalSettings({ repeatEvery: '0' }, { HEARTBEAT_REPEAT_SECONDS: '600' }, CWD).monitor.repeatEverySeconds).toBe(0);
    expect(() => parseLocalSettings({ repeatEvery: '299' }, {}, CWD)).toThrow(/--repeat-every must be 0 \(off\) or from 300/);
    expect(() => parseLocalSettings({}, { HEARTBEAT_REPEAT_SECONDS: '60' }, CWD)).toThrow(/HEARTBEAT_REPEAT_SECONDS must be 0 \(off\) or from 300/);
  });

  it('reads the environment', () => {
    const settings = parseLocalSettings(
      {},
      {
        PORT: '0',
        HEARTBEAT_DATA_DIR: '/var/lib/hb',
        HEARTBEAT_SWEEP_SECONDS: '5',
        HEARTBEAT_STORM_THRESHOLD: '0',
        HEARTBEAT_DEFAULT_INTERVAL: '30',
        HEARTBEAT_DEFAULT_GRACE: '0',
        HEARTBEAT_MIN_BEAT_SPACING: '10',
        HEARTBEAT_SIGNING_SECRET: 'a-secret-of-16-chars',
        HEARTBEAT_PREVIOUS_SIGNING_SECRET: 'the-old-secret-16+',
        HEARTBEAT_ADMIN_TOKEN: 'admin-token-0123456789',
      },
      CWD,
    );
    expect(settings).toMatchObject({
      port: 0,
      dataDir: '/var/lib/hb',
      sweepSeconds: 5,
      minBeatSpacingSeconds: 10,
      monitor: { stormThreshold: 0, defaultIntervalSeconds: 30, defaultGraceSeconds: 0 },
      signingSecretFromEnv: { current: 'a-secret-of-16-chars', previous: 'the-old-secret-16+' },
      adminTokenFromEnv: 'admin-token-0123456789',
    });
  });

  it('prefers a flag to the environment, and resolves a relative data directory against cwd', () => {
    const settings = parseLocalSettings({ port: '9090', dataDir: 'tmp/data', sweepEvery: '2' }, { PORT: '7070', HEARTBEAT_SWEEP_SECONDS: '9' }, CWD);
    expect(settings).toMatchObject({ port: 9090, dataDir: '/srv/project/tmp/data', sweepSeconds: 2 });
  });

  it.each([
    [{ port: '80a' }, {}, '--port must be a whole number from 0 to 65535, got "80a".'],
    [{}, { PORT: '70000' }, 'PORT must be a whole number from 0 to 65535, got "70000".'],
    [{ sweepEvery: '0' }, {}, '--sweep-every must be a whole number from 1 to 86400, got "0".'],
    [{}, { HEARTBEAT_SWEEP_SECONDS: '1.5' }, 'HEARTBEAT_SWEEP_SECONDS must be a whole number from 1 to 86400, got "1.5".'],
    [{ stormThreshold: '-1' }, {}, '--storm-threshold must be a whole number from 0 to 1000000, got "-1".'],
    [{}, { HEARTBEAT_DEFAULT_INTERVAL: '4' }, 'HEARTBEAT_DEFAULT_INTERVAL must be a whole number from 5 to 86400, got "4".'],
    [{ defaultGrace: 'soon' }, {}, '--default-grace must be a whole number from 0 to 86400, got "soon".'],
    [{ dataDir: ' ' }, {}, '--data-dir must name a directory.'],
    [{ minBeatSpacing: 'x' }, {}, '--min-beat-spacing must be a whole number from 0 to 86400, got "x".'],
  ])('rejects %j %j naming the setting', (flags, env, message) => {
    expect(() => parseLocalSettings(flags, env, CWD)).toThrow(new ConfigError(message));
  });

  it('refuses short secrets, and a previous secret without a current one', () => {
    expect(() => parseLocalSettings({}, { HEARTBEAT_SIGNING_SECRET: 'short' }, CWD)).toThrow(/HEARTBEAT_SIGNING_SECRET must be at least 16 characters/);
    expect(() => parseLocalSettings({}, { HEARTBEAT_ADMIN_TOKEN: 'has a space in it!!' }, CWD)).toThrow(/HEARTBEAT_ADMIN_TOKEN must be at least 16 characters with no spaces/);
    expect(() => parseLocalSettings({}, { HEARTBEAT_PREVIOUS_SIGNING_SECRET: 'the-old-secret-16+' }, CWD)).toThrow(/set both/);
  });

  it('treats an empty variable as unset', () => {
    expect(parseLocalSettings({}, { PORT: '', HEARTBEAT_SIGNING_SECRET: '', HEARTBEAT_ADMIN_TOKEN: '' }, CWD)).toMatchObject({ port: 8080, signingSecretFromEnv: null, adminTokenFromEnv: null });
  });
});
