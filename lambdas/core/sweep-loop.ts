/**
 * Sub-minute sweeps inside one scheduled invocation. EventBridge fires at most once a minute, so the
 * invocation sweeps every `everyMs` for a window of one schedule period: at offsets 0, every, 2 x
 * every, ... below the window. Sweeps of one invocation never overlap: a sweep that runs past the
 * next offset delays the next one (it starts at once), it never stacks, and offsets it overran are
 * skipped rather than caught up; what falls out of the window is left to the next invocation.
 */
import type { Clock } from './ports';

/** Waits; the runtime passes a real timer, tests a fake that moves their clock. */
export type Sleep = (ms: number) => Promise<void>;

export interface SweepLoopOptions<T> {
  /** One full sweep. */
  readonly sweep: () => Promise<T>;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Milliseconds between sweep starts. */
  readonly everyMs: number;
  /** The schedule period this invocation covers: no sweep starts at or after it. */
  readonly windowMs: number;
}

/** Sweeps every `everyMs` until the window is over; resolves with the reports of the sweeps it ran. */
export async function sweepRepeatedly<T>(options: SweepLoopOptions<T>): Promise<T[]> {
  const { sweep, clock, sleep, everyMs, windowMs } = options;
  if (!(everyMs > 0) || !(windowMs > 0)) throw new Error(`everyMs and windowMs must be positive, got ${everyMs} and ${windowMs}`);
  const startedAt = clock.now();
  const reports: T[] = [];
  let offset = 0;
  while (offset < windowMs) {
    const elapsed = clock.now() - startedAt;
    if (elapsed >= windowMs) break;
    if (elapsed < offset) await sleep(offset - elapsed);
    const startedOffset = Math.max(offset, elapsed);
    reports.push(await sweep());
    // The next offset after this sweep's start: offsets a late sweep already covered are skipped, not caught up.
    offset = (Math.floor(startedOffset / everyMs) + 1) * everyMs;
  }
  return reports;
}
