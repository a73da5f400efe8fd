/** Sub-minute sweeps inside one invocation: the offsets, no overlap, a long sweep delays and never stacks. */
import { describe, expect, it } from 'vitest';
import { sweepRepeatedly } from '../../lambdas/core/sweep-loop';
import { FakeClock } from '../support/fakes';

/** A sweep that takes `durations[i]` ms of fake time, recording when each started and whether two ran at once. */
function fakeSweeps(clock: FakeClock, durations: readonly number[]) {
  const started: number[] = [];
  let running = 0;
  let overlapped = false;
  const t0 = clock.now();
  const sweep = async () => {
    if (running > 0) overlapped = true;
    running++;
    started.push(clock.now() - t0);
    clock.advance(durations[started.length - 1] ?? 100);
    await Promise.resolve();
    running--;
    return started.length;
  };
  const sleep = async (ms: number) => clock.advance(ms);
  return { sweep, sleep, started, overlapped: () => overlapped };
}

describe('sweepRepeatedly', () => {
  it('sweeps at 0, 15, 30 and 45 s of a one-minute window', async () => {
    // Prepare
    const clock = new FakeClock();
    const fake = fakeSweeps(clock, [200, 200, 200, 200]);
    // Act
    const reports = await sweepRepeatedly({ sweep: fake.sweep, sleep: fake.sleep, clock, everyMs: 15_000, windowMs: 60_000 });
    // Assess
    expect(fake.started).toEqual([0, 15_000, 30_000, 45_000]);
    expect(reports).toEqual([1, 2, 3, 4]);
  });

  it('sweeps once when the period is the window', async () => {
    // Prepare
    const clock = new FakeClock();
    const fake = fakeSweeps(clock, [500]);
    // Act
    await sweepRepeatedly({ sweep: fake.sweep, sleep: fake.sleep, clock, everyMs: 60_000, windowMs: 60_000 });
    // Assess
    expect(fake.started).toEqual([0]);
  });

  it('delays the next sweep after a long one instead of stacking, and leaves what falls out of the window', async () => {
    // Prepare: the second sweep takes 40 s
    const clock = new FakeClock();
    const fake = fakeSweeps(clock, [1_000, 40_000, 1_000, 1_000]);
    // Act
    await sweepRepeatedly({ sweep: fake.sweep, sleep: fake.sleep, clock, everyMs: 15_000, windowMs: 60_000 });
    // Assess: 15 s + 40 s = 55 s, so the third starts late at once, and the fourth offset (45 s) is gone
    expect(fake.started).toEqual([0, 15_000, 55_000]);
    expect(fake.overlapped()).toBe(false);
  });

  it('starts no sweep once the window is over', async () => {
    // Prepare: the first sweep runs past the whole window
    const clock = new FakeClock();
    const fake = fakeSweeps(clock, [61_000]);
    // Act
    await sweepRepeatedly({ sweep: fake.sweep, sleep: fake.sleep, clock, everyMs: 10_000, windowMs: 60_000 });
    // Assess
    expect(fake.started).toEqual([0]);
  });

  it('refuses a period that is not positive', async () => {
    // Prepare
    const clock = new FakeClock();
    const fake = fakeSweeps(clock, []);
    // Act
    const run = sweepRepeatedly({ sweep: fake.sweep, sleep: fake.sleep, clock, everyMs: 0, windowMs: 60_000 });
    // Assess
    await expect(run).rejects.toThrow(/positive/);
    expect(fake.started).toEqual([]);
  });
});
