/** Adaptive detection: the gap register, its statistics, the suspicion level, and when a device is overdue (fake clock: plain epoch numbers). */
import fc from 'fast-check';
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
import { DEFAULT_SETTINGS, type DeviceRecord } from '../../lambdas/core/model';

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
    expect(gapStatistics([60_000, 61_000, 59_000])).toMatchObject({ meanMs: 60_000, stdMs: 1_200, irregular: 0 });
  });
  it('floors the standard deviation of a very regular device', () => {
    expect(gapStatistics([10_000, 10_000, 10_000, 10_000])?.stdMs).toBe(MIN_STD_MS);
    expect(gapStatistics([600_000, 600_000, 600_000])?.stdMs).toBe(12_000); // 2 % of the mean
  });
  it('measures real spread above the floor', () => {
    const stats = gapStatistics([57_000, 63_000, 57_000, 63_000]);
    expect(stats?.meanMs).toBe(60_000);
    expect(stats?.stdMs).toBeCloseTo(3_464, 0);
    expect(stats?.irregular).toBe(0);
  });
  it('counts a late beat (one long gap, one short) as irregular, not as a slower or jittery rhythm', () => {
    // Prepare: the beat between the two middle gaps was retried once: 10.6 s late
    const gaps = [60_100, 49_500, 70_600, 59_900];
    // Act
    const stats = gapStatistics(gaps);
    // Assess: the statistics are those of the two regular gaps
    expect(stats).toMatchObject({ meanMs: 60_000, stdMs: 1_200, irregular: 2 });
  });
  it('counts a lost beat (a gap of two cadences) as irregular, not as a slower rhythm', () => {
    expect(gapStatistics([60_000, 120_300, 60_200, 59_800])).toMatchObject({ meanMs: 60_000, irregular: 1 });
  });
  it('scales the tolerance with the cadence for slow devices', () => {
    // 600 s cadence: 20 s off is within 10 % (60 s); on a 60 s cadence the tolerance is 6 s, so 7 s off is irregular
    expect(gapStatistics([620_000, 580_000, 600_000, 600_000])?.irregular).toBe(0);
    expect(gapStatistics([67_000, 53_000, 60_000, 60_000])?.irregular).toBe(2);
  });
  it('says nothing when fewer than two gaps are near the cadence', () => {
    expect(gapStatistics([10_000, 110_000, 10_000, 110_000])).toBeNull();
  });
  it('equals the plain definition (median cadence, mean and sample deviation of the gaps near it) for any register', () => {
    const plain = (gaps: readonly number[]) => {
      const real = gaps.filter((g) => g > 0).sort((a, b) => a - b);
      if (real.length < 3) return null;
      const m = real.length >> 1;
      const cadence = real.length % 2 ? (real[m] as number) : ((real[m - 1] as number) + (real[m] as number)) / 2;
      const near = real.filter((g) => Math.abs(g - cadence) <= Math.max(5_000, 0.1 * cadence));
      if (near.length < 2) return null;
      const mean = near.reduce((a, b) => a + b, 0) / near.length;
      const std = Math.sqrt(near.reduce((a, g) => a + (g - mean) ** 2, 0) / (near.length - 1));
      return { meanMs: mean, stdMs: Math.max(std, 0.02 * mean, 500), irregular: real.length - near.length };
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1_000, max: 200_000 }), { minLength: 4, maxLength: 4 }), (gaps) => {
        const got = gapStatistics(gaps);
        const want = plain(gaps);
        if (want === null) return got === null;
        return got !== null && got.irregular === want.irregular && Math.abs(got.meanMs - want.meanMs) < 1e-6 && Math.abs(got.stdMs - want.stdMs) < 1e-6;
      }),
      { numRuns: 2_000 },
    );
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
  const rule = { phi: 8, pauseMs: 0 };
  const device = (detection: 'fixed' | 'adaptive', over: Partial<SilenceView> = {}): SilenceView => ({
    lastSeen: steady.lastSeen,
    deadline: (steady.lastSeen as number) + 120_000,
    detection,
    gaps: steady.gaps,
    spanSeconds: 120,
    ...over,
  });

  it('is the fixed deadline for a fixed device', () => {
    expect(overdueAt(device('fixed'), rule)).toBe((steady.lastSeen as number) + 120_000);
  });
  it('comes well before the fixed deadline for a steady adaptive device, a few deviations past the mean', () => {
    // Act
    const at = overdueAt(device('adaptive'), rule) as number;
    // Assess: mean 60,012 ms, std floored at 1,200 ms; phi 8 is about 5.2 deviations past the mean
    const silence = at - (steady.lastSeen as number);
    expect(silence).toBeGreaterThan(60_000 + 5 * 1_200);
    expect(silence).toBeLessThan(60_000 + 5.5 * 1_200);
  });
  it('adds the acceptable pause to the silence it allows', () => {
    // Act
    const without = overdueAt(device('adaptive'), rule) as number;
    const withPause = overdueAt(device('adaptive'), { phi: 8, pauseMs: 37_000 }) as number;
    // Assess: a beat 37 s late (three lost attempts, retried) is not yet overdue; still before the fixed deadline
    expect(withPause - without).toBe(37_000);
    expect(withPause).toBeLessThan((steady.lastSeen as number) + 120_000);
  });
  it('is never later than the fixed deadline, and the deadline alone while the register fills', () => {
    const jittery = device('adaptive', { gaps: [10_000, 110_000, 10_000, 110_000] });
    expect(overdueAt(jittery, rule)).toBe(jittery.deadline);
    const young = device('adaptive', { gaps: [60_000, 0] });
    expect(overdueAt(young, rule)).toBe(young.deadline);
    expect(overdueAt(device('adaptive'), { phi: 8, pauseMs: 3_600_000 })).toBe((steady.lastSeen as number) + 120_000);
  });
  it('leaves a device whose register shows a late or lost beat to its fixed deadline (its link loses more than the pause allows for)', () => {
    const retried = device('adaptive', { gaps: [60_100, 49_500, 70_600, 59_900] });
    expect(overdueAt(retried, { phi: 8, pauseMs: 37_000 })).toBe(retried.deadline);
    const lost = device('adaptive', { gaps: [120_300, 60_200, 59_800, 60_000] });
    expect(overdueAt(lost, { phi: 8, pauseMs: 37_000 })).toBe(lost.deadline);
  });
  it('leaves a device that announced a longer wait (next) to the deadline it gave', () => {
    const sleepy = device('adaptive', { deadline: (steady.lastSeen as number) + 6 * 3_600_000 + 60_000 });
    expect(overdueAt(sleepy, rule)).toBe(sleepy.deadline);
  });
  it('waits longer for a higher threshold', () => {
    expect(overdueAt(device('adaptive'), { phi: 12, pauseMs: 0 }) as number).toBeGreaterThan(overdueAt(device('adaptive'), { phi: 4, pauseMs: 0 }) as number);
  });
  it('says nothing for a device that never beat', () => {
    expect(overdueAt(device('adaptive', { lastSeen: null, deadline: null }), rule)).toBeNull();
  });
});

describe('classifyForSweep with adaptive detection', () => {
  // A device that beat every minute for five minutes (fake clock: each beat at a chosen time).
  const settings = { ...DEFAULT_SETTINGS, adaptivePhi: 8 };
  let record = applyBeat(null, planBeat('a1', {}, T0, settings));
  for (const offset of [60_000, 120_200, 180_000, 240_100]) record = applyBeat(record, planBeat('a1', {}, T0 + offset, settings));
  const lastSeen = T0 + 240_100;

  it('lapses an adaptive device once its silence is improbable past the acceptable pause, well before its fixed deadline', () => {
    // Prepare: the defaults (phi 8, a pause of 37 s: the clients' retries through three lost attempts)
    const adaptive = { ...record, detection: 'adaptive' as const };
    const suspectAt = sweepDeadline(adaptive, lastSeen + 105_000, settings) as number;
    // Assess
    expect(settings.adaptivePauseSeconds).toBe(37);
    expect(record.deadline).toBe(lastSeen + 120_000);
    expect(suspectAt).toBeLessThan(lastSeen + 105_000);
    expect(classifyForSweep(adaptive, lastSeen + 97_000, settings)).toBe('none'); // a beat retried after three lost attempts is still on its way
    expect(classifyForSweep(adaptive, lastSeen + 105_000, settings)).toBe('lapse');
    expect(classifyForSweep(record, lastSeen + 105_000, settings)).toBe('none'); // the same device, fixed
  });
  it('takes the pause from the deployment settings', () => {
    const adaptive = { ...record, detection: 'adaptive' as const };
    expect(classifyForSweep(adaptive, lastSeen + 70_000, { adaptivePhi: 8, adaptivePauseSeconds: 0 })).toBe('lapse');
    expect(classifyForSweep(adaptive, lastSeen + 70_000, { adaptivePhi: 8, adaptivePauseSeconds: 10 })).toBe('none');
    expect(classifyForSweep(adaptive, lastSeen + 80_000, { adaptivePhi: 8, adaptivePauseSeconds: 10 })).toBe('lapse');
  });
  it('waits longer for a higher threshold, never past the fixed deadline', () => {
    const adaptive = { ...record, detection: 'adaptive' as const };
    expect(classifyForSweep(adaptive, lastSeen + 67_000, { adaptivePhi: 8, adaptivePauseSeconds: 0 })).toBe('lapse');
    expect(classifyForSweep(adaptive, lastSeen + 67_000, { adaptivePhi: 16, adaptivePauseSeconds: 0 })).toBe('none');
    expect(sweepDeadline({ ...adaptive, gaps: [10_000, 110_000, 10_000, 110_000] }, lastSeen, { adaptivePhi: 8 })).toBe(record.deadline);
  });
  it('waits for the fixed deadline after a beat that came late through retries, until it leaves the register', () => {
    // Prepare: the next beat was retried (11 s late), then the device goes on on time
    let late: DeviceRecord = { ...record, detection: 'adaptive' };
    late = applyBeat(late, planBeat('a1', {}, lastSeen + 71_000, settings));
    const lateSeen = lastSeen + 71_000;
    // Act / Assess: silent for 110 s after it: not yet down, the register shows a late beat
    expect(classifyForSweep(late, lateSeen + 110_000, settings)).toBe('none');
    expect(classifyForSweep(late, lateSeen + 121_000, settings)).toBe('lapse');
    // Five more beats on time push the late gap (and the short one after it) out of the register: fast again
    let recovered = late;
    for (let k = 1; k <= 5; k++) recovered = applyBeat(recovered, planBeat('a1', {}, lateSeen - 11_000 + k * 60_000, settings));
    const recoveredSeen = lateSeen - 11_000 + 5 * 60_000;
    expect(classifyForSweep(recovered, recoveredSeen + 105_000, settings)).toBe('lapse');
  });
});
