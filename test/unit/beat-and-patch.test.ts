/** The beat rule and operator changes, as pure functions of the record before. */
import { describe, expect, it } from 'vitest';
import { applyBeat, beatTransition, planBeat } from '../../lambdas/core/heartbeat';
import { applyPatch, deviceView, newDevice } from '../../lambdas/core/management';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';

const T = Date.parse('2026-11-25T10:00:00.000Z');

describe('applyBeat', () => {
  it('sets deadline = lastSeen + interval + grace, the grace following the interval by default', () => {
    const first = applyBeat(null, planBeat('d', {}, T, DEFAULT_SETTINGS));
    expect(first).toMatchObject({ state: 'up', lastSeen: T, deadline: T + 120_000, beats: 1, intervalSeconds: 60, explicitGraceSeconds: null });
    const faster = applyBeat(first, planBeat('d', { interval: 10 }, T + 1000, DEFAULT_SETTINGS));
    expect(faster.deadline).toBe(T + 1000 + 20_000);
    const explicit = applyBeat(faster, planBeat('d', { grace: 5 }, T + 2000, DEFAULT_SETTINGS));
    expect(explicit.deadline).toBe(T + 2000 + 15_000);
    const keeps = applyBeat(explicit, planBeat('d', { interval: 30 }, T + 3000, DEFAULT_SETTINGS));
    expect(keeps.deadline).toBe(T + 3000 + 35_000);
  });

  it('turns the device down on a fail (failThreshold 1), keeps it down through further fails, and an ok recovers the recorded outage', () => {
    // Prepare
    const first = applyBeat(null, planBeat('d', {}, T, DEFAULT_SETTINGS));
    // Act
    const failed = applyBeat(first, planBeat('d', { status: 'fail' }, T + 1000, DEFAULT_SETTINGS));
    // The alert outbox records the outage of the reached run (claimFailRun) from its first fail.
    const recorded = { ...failed, downSince: failed.failingSince, downReason: 'fail' as const };
    const again = applyBeat(recorded, planBeat('d', { status: 'fail' }, T + 2000, DEFAULT_SETTINGS));
    const back = applyBeat(again, planBeat('d', {}, T + 3000, DEFAULT_SETTINGS));
    // Assess
    expect(failed).toMatchObject({ state: 'down', failsLeft: 0, failingSince: T + 1000, downSince: null });
    expect(beatTransition(first, failed)).toBe('failed');
    expect(again).toMatchObject({ state: 'down', failsLeft: -1, failingSince: T + 1000, downSince: T + 1000 });
    expect(beatTransition(recorded, again)).toBe('none');
    expect(back).toMatchObject({ state: 'up', recoveredAt: T + 3000, downSince: T + 1000, failsLeft: null, failingSince: null });
    expect(beatTransition(again, back)).toBe('recovered');
  });

  it('keeps a paused device paused', () => {
    const paused = { ...applyBeat(null, planBeat('d', {}, T, DEFAULT_SETTINGS)), paused: true };
    expect(applyBeat(paused, planBeat('d', { status: 'fail' }, T + 1, DEFAULT_SETTINGS)).paused).toBe(true);
  });

  it('sets the TTL retention days after the beat', () => {
    expect(planBeat('d', {}, T, { ...DEFAULT_SETTINGS, retentionDays: 2 }).expiresAtSeconds).toBe(T / 1000 + 2 * 86_400);
  });
});

describe('applyPatch', () => {
  const beating = applyBeat(null, planBeat('d', {}, T, DEFAULT_SETTINGS));

  it('starts a new deadline from the resume time', () => {
    const paused = applyPatch(beating, { paused: true }, T + 1000, DEFAULT_SETTINGS);
    const resumed = applyPatch(paused, { paused: false }, T + 500_000, DEFAULT_SETTINGS);
    expect(resumed.paused).toBe(false);
    expect(resumed.deadline).toBe(T + 500_000 + 120_000);
  });

  it('re-times from the last beat when interval or grace change', () => {
    expect(applyPatch(beating, { interval: 10 }, T + 5000, DEFAULT_SETTINGS).deadline).toBe(T + 20_000);
    expect(applyPatch(beating, { group: 'g' }, T + 5000, DEFAULT_SETTINGS).deadline).toBe(T + 120_000);
  });

  it('gives a registered device no deadline until it beats', () => {
    const registered = applyPatch(newDevice('n', DEFAULT_SETTINGS), { interval: 30 }, T, DEFAULT_SETTINGS);
    expect(deviceView(registered, DEFAULT_SETTINGS)).toMatchObject({ status: 'new', deadline: null, lastSeen: null, interval: 30, grace: 30 });
  });
});
