/** Proves how `heartbeat doctor` judges the last sweep: recent means at most 3 sweep periods ago. */
import { describe, expect, it } from 'vitest';
import { formatAge, judgeSweep } from '../../bin/cli/doctor';

const NOW = Date.parse('2026-11-25T10:10:00.000Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

describe('judgeSweep', () => {
  it('passes up to exactly 3 periods of the period the service reports, and fails just after', () => {
    // Prepare
    const atLimit = { lastSweepAt: ago(180), sweepEverySeconds: 60 };
    const past = { lastSweepAt: ago(181), sweepEverySeconds: 60 };
    // Act
    const results = [judgeSweep(atLimit, NOW, undefined, false), judgeSweep(past, NOW, undefined, false)];
    // Assess
    expect(results.map((r) => r.status)).toEqual(['pass', 'fail']);
    expect(results[1]?.detail).toBe('last sweep 3m 01s ago (at 2026-11-25T10:06:59.000Z; sweep every 60 s, from /v1/health): none for more than 3 periods');
  });

  it('lets --sweep-every override the reported period, and assumes 60 s when neither says', () => {
    // Prepare
    const health = { lastSweepAt: ago(100), sweepEverySeconds: null };
    // Act
    const byDefault = judgeSweep(health, NOW, undefined, false);
    const overridden = judgeSweep({ ...health, sweepEverySeconds: 3600 }, NOW, 10, false);
    // Assess
    expect(byDefault).toMatchObject({ status: 'pass', detail: expect.stringContaining('sweep every 60 s, from the default') });
    expect(overridden).toMatchObject({ status: 'fail', detail: expect.stringContaining('sweep every 10 s, from --sweep-every') });
  });

  it('fails when no sweep ever ran, with the fix of the runtime at hand', () => {
    // Prepare
    const health = { lastSweepAt: null, sweepEverySeconds: 60 };
    // Act
    const local = judgeSweep(health, NOW, undefined, false);
    const remote = judgeSweep(health, NOW, undefined, true);
    // Assess
    expect(local).toMatchObject({ status: 'fail', detail: 'no sweep has run yet', fix: expect.stringContaining('sweep timer of local mode') });
    expect(remote.fix).toContain('SweeperNotInvoked');
  });
});

describe('formatAge', () => {
  it('reads as seconds, minutes and seconds, or hours and minutes', () => {
    // Prepare
    const ages = [0, 59_400, 65_000, 3 * 3_600_000 + 5 * 60_000];
    // Act
    const texts = ages.map(formatAge);
    // Assess
    expect(texts).toEqual(['0s', '59s', '1m 05s', '3h 05m']);
  });
});
