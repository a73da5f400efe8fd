/**
 * Proves the local sweep schedule: the next sweep starts a full period after the previous one
 * finished (never two at once), a failed sweep is logged and the schedule goes on, and stop waits
 * for the sweep in flight.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../lambdas/core/ports';
import { startSweepTimer } from '../../../lambdas/local/sweep-timer';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const errors: string[] = [];
const logger: Logger = { info() {}, warn() {}, error: (message) => errors.push(message) };

describe('startSweepTimer', () => {
  it('never overlaps sweeps: the next one is scheduled after the previous one finished', async () => {
    // Prepare: each sweep takes 2.5 s, the period is 1 s.
    let running = 0;
    let most = 0;
    const starts: number[] = [];
    const sweep = async () => {
      running++;
      most = Math.max(most, running);
      starts.push(Date.now());
      await new Promise((r) => setTimeout(r, 2500));
      running--;
    };
    const t0 = Date.now();
    // Act
    const timer = startSweepTimer({ sweep, everyMs: 1000, logger, immediately: true });
    await vi.advanceTimersByTimeAsync(10_000);
    await timer.stop();
    // Assess: starts at 0, 3.5, 7 s.
    expect(most).toBe(1);
    expect(starts.map((t) => t - t0)).toEqual([0, 3500, 7000]);
  });

  it('logs a failed sweep and keeps going', async () => {
    errors.length = 0;
    let calls = 0;
    const timer = startSweepTimer({
      sweep: async () => {
        calls++;
        if (calls === 1) throw new Error('DynamoDB Local is restarting');
      },
      everyMs: 1000,
      logger,
    });
    await vi.advanceTimersByTimeAsync(3100);
    await timer.stop();
    expect(calls).toBe(3);
    expect(errors).toEqual(['sweep failed; the next one retries']);
  });

  it('stop waits for the sweep in flight and schedules no more', async () => {
    let finished = false;
    let calls = 0;
    const timer = startSweepTimer({
      sweep: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 500));
        finished = true;
      },
      everyMs: 1000,
      logger,
      immediately: true,
    });
    const stopped = timer.stop();
    await vi.advanceTimersByTimeAsync(500);
    await stopped;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(1);
  });
});
