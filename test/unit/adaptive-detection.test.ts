/** Adaptive detection: the gap register, its statistics, the suspicion level, and when a device is overdue (fake clock: plain epoch numbers). */
import { describe, expect, it } from 'vitest';
import {
  GAP_REGISTER_SIZE,
  gapStatistics,
  MIN_STD_MS,
  overdueAt,
  phi,
  shiftGaps,
  suspicionDelayMs,
  type SilenceView,
} from '../../lambdas/core/adaptive-detection';
import { classifyForSweep, sweepDeadline } from '../../lambdas/core/alert-outbox';
import { applyBeat, planBeat } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

/** Beats at the given offsets (ms from T0), through the register as the store keeps it. */
function registerAfter(offsets: readonly number[]): { gaps: number[]; lastSeen: number | null } {
  let gaps: number[] = [];
  let lastSeen: number | null = null;
  for (const offset of offsets) {
    gaps = shiftGaps(gaps, lastSeen, T0 + offset);
    lastSeen = T0 + offset;
  }
  return { gaps, lastSeen };
}

describe('shiftGaps', () => {
  it('keeps the newest gaps first, at most the register size, with 0 for the first beat', () => {
    // Act
    const { gaps } = registerAfter([0, 60_000, 120_500, 180_000, 240_100, 300_000]);
    // Assess
    expect(gaps).toEqual([59_900, 60_100, 59_500, 60_500]);
    expect(gaps).toHaveLength(GAP_REGISTER_SIZE);
    expect(registerAfter([0]).gaps).toEqual([0, 0, 0, 0]);
  });
});

describe('gapStatistics', () => {
  it('needs three real gaps, and skips the first beat and raced beats', () => {
    expect(gapStatistics([0, 60_000, 60_000])).toBeNull();
    expect(gapStatistics([60_000, -20, 60_000])).toBeNull();
    expect(gapStatistics([60_000, 61_000, 59_000])).toMatchObject({ meanMs: 60_000, stdMs: 1_200 });
  });
  it('floors the standard deviation of a very regular device', () => {
    expect(gapStatistics([10_000, 10_000, 10_000, 10_000])?.stdMs).toBe(MIN_STD_MS);
    expect(gapStatistics([600_000, 600_000, 600_000])?.stdMs).toBe(12_000); // 2 % of the mean
  });
  it('measures real spread above the floor', () => {
    const stats = gapStatistics([50_000, 70_000, 50_000, 70_000]);
    expect(stats?.meanMs).toBe(60_000);
    expect(stats?.stdMs).toBeCloseTo(11_547, 0);
  });
});

describe('phi', () => {
  const stats = { meanMs: 60_000, stdMs: 1_000 };
  it('is low at the expected arrival and grows with the silence', () => {
    expect(phi(60_000, stats)).toBeCloseTo(Math.log10(2), 5);
    expect(phi(63_000, stats)).toBeGreaterThan(phi(62_000, stats));
    expect(phi(66_000, stats)).toBeGreaterThan(8);
  });
  it('reaches the threshold exactly at suspicionDelayMs', () => {
    for (const threshold of [1, 3, 8, 12]) expect(phi(suspicionDelayMs(stats, threshold), stats)).toBeCloseTo(threshold, 6);
    expect(suspicionDelayMs(stats, 8)).toBeGreaterThan(suspicionDelayMs(stats, 3));
  });
});

describe('overdueAt', () => {
  const steady = registerAfter([0, 60_000, 120_100, 180_000, 240_050]);
  const device = (detection: 'fixed' | 'adaptive', over: Partial<SilenceView> = {}): SilenceView => ({
    lastSeen: steady.lastSeen,
    deadline: (steady.lastSeen as number) + 120_000,
    detection,
    gaps: steady.gaps,
    spanSeconds: 120,
    ...over,
  });

  it('is the fixed deadline for a fixed device', () => {
    expect(overdueAt(device('fixed'), 8)).toBe((steady.lastSeen as number) + 120_000);
  });
  it('comes well before the fixed deadline for a steady adaptive device, a few deviations past the mean', () => {
    // Act
    const at = overdueAt(device('adaptive'), 8) as number;
    // Assess: mean 60,012 ms, std floored at 1,200 ms; phi 8 is about 5.2 deviations past the mean
    const silence = at - (steady.lastSeen as number);
    expect(silence).toBeGreaterThan(60_000 + 5 * 1_200);
    expect(silence).toBeLessThan(60_000 + 5.5 * 1_200);
  });
  it('is never later than the fixed deadline, and the deadline alone while the register fills', () => {
    const jittery = device('adaptive', { gaps: [10_000, 110_000, 10_000, 110_000] });
    expect(overdueAt(jittery, 8)).toBe(jittery.deadline);
    const young = device('adaptive', { gaps: [60_000, 0] });
    expect(overdueAt(young, 8)).toBe(young.deadline);
  });
  it('leaves a device that announced a longer wait (next) to the deadline it gave', () => {
    const sleepy = device('adaptive', { deadline: (steady.lastSeen as number) + 6 * 3_600_000 + 60_000 });
    expect(overdueAt(sleepy, 8)).toBe(sleepy.deadline);
  });
  it('waits longer for a higher threshold', () => {
    expect(overdueAt(device('adaptive'), 12) as number).toBeGreaterThan(overdueAt(device('adaptive'), 4) as number);
  });
  it('says nothing for a device that never beat', () => {
    expect(overdueAt(device('adaptive', { lastSeen: null, deadline: null }), 8)).toBeNull();
  });
});

describe('classifyForSweep with adaptive detection', () => {
  // A device that beat every minute for five minutes (fake clock: each beat at a chosen time).
  const settings = { ...DEFAULT_SETTINGS, adaptivePhi: 8 };
  let record = applyBeat(null, planBeat('a1', {}, T0, settings));
  for (const offset of [60_000, 120_200, 180_000, 240_100]) record = applyBeat(record, planBeat('a1', {}, T0 + offset, settings));
  const lastSeen = T0 + 240_100;

  it('lapses an adaptive device once its silence is improbable, well before its fixed deadline', () => {
    // Prepare
    const adaptive = { ...record, detection: 'adaptive' as const };
    const suspectAt = sweepDeadline(adaptive, lastSeen + 70_000, settings) as number;
    // Assess
    expect(record.deadline).toBe(lastSeen + 120_000);
    expect(suspectAt).toBeLessThan(lastSeen + 70_000);
    expect(classifyForSweep(adaptive, lastSeen + 59_000, settings)).toBe('none');
    expect(classifyForSweep(adaptive, lastSeen + 70_000, settings)).toBe('lapse');
    expect(classifyForSweep(record, lastSeen + 70_000, settings)).toBe('none'); // the same device, fixed
  });
  it('waits longer for a higher threshold, never past the fixed deadline', () => {
    const adaptive = { ...record, detection: 'adaptive' as const };
    expect(classifyForSweep(adaptive, lastSeen + 67_000, { adaptivePhi: 8 })).toBe('lapse');
    expect(classifyForSweep(adaptive, lastSeen + 67_000, { adaptivePhi: 16 })).toBe('none');
    expect(sweepDeadline({ ...adaptive, gaps: [10_000, 110_000, 10_000, 110_000] }, lastSeen, { adaptivePhi: 8 })).toBe(record.deadline);
  });
});
