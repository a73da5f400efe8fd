/** The optional local throttle: one accepted beat per device per spacing, with a Retry-After. */
import { describe, expect, it } from 'vitest';
import { minSpacingThrottle } from '../../lambdas/adapters/min-spacing-throttle';
import { FakeClock } from '../support/fakes';

describe('minSpacingThrottle', () => {
  it('accepts the first beat, throttles the next within the spacing, and says when to retry', () => {
    const clock = new FakeClock(0);
    const throttle = minSpacingThrottle(10, clock);
    expect(throttle('a')).toBe(0);
    clock.advance(2_500);
    expect(throttle('a')).toBe(8);
    expect(throttle('b')).toBe(0);
    clock.advance(7_500);
    expect(throttle('a')).toBe(0);
  });
  it('is off at 0', () => {
    const throttle = minSpacingThrottle(0, new FakeClock(0));
    expect([throttle('a'), throttle('a'), throttle('a')]).toEqual([0, 0, 0]);
  });
  it('keeps memory bounded', () => {
    const clock = new FakeClock(0);
    const throttle = minSpacingThrottle(60, clock, 3);
    for (const id of ['a', 'b', 'c', 'd']) expect(throttle(id)).toBe(0);
    // 'a' was the oldest and was forgotten to make room; the others are still throttled.
    expect(throttle('a')).toBe(0);
    expect(throttle('d')).toBeGreaterThan(0);
  });
});
