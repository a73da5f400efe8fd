/** The simulator's network model: lost attempts and the shipped clients' retries, from their one declaration. */
import { describe, expect, it } from 'vitest';
import policy from '../../clients/retry-policy.json' with { type: 'json' };
import { SETTINGS } from '../../lambdas/core/settings-catalog';
import { backoffCeilingMs, CLIENT_RETRY_POLICY, sendWithRetries, worstDelayMs } from '../../simulate/network';
import type { Random } from '../../simulate/random';

/** A Random that loses the attempts `lost` says (in order) and draws every backoff wait at `waitShare` of its ceiling. */
function scripted(lost: readonly boolean[], waitShare: number): Random & { readonly waits: number[] } {
  let attempt = 0;
  const waits: number[] = [];
  return {
    waits,
    next: () => 0.5,
    chance: () => lost[attempt++] ?? false,
    between: (min, max) => {
      waits.push(max);
      return min + (max - min) * waitShare;
    },
    logNormal: (median) => median,
  };
}

const T = 1_000_000;

describe('CLIENT_RETRY_POLICY', () => {
  it('is clients/retry-policy.json in milliseconds', () => {
    expect(CLIENT_RETRY_POLICY).toEqual({
      timeoutMs: policy.timeoutSeconds * 1000,
      retries: policy.retries,
      backoffMs: policy.backoffSeconds * 1000,
      backoffCapMs: policy.backoffCapSeconds * 1000,
    });
  });
  it('doubles the backoff ceiling from the base, never past the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffCeilingMs(CLIENT_RETRY_POLICY, n))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(backoffCeilingMs(CLIENT_RETRY_POLICY, 8)).toBe(60_000);
  });
  it('gives the default adaptive pause: the time the retries take to get a beat through three lost attempts', () => {
    expect(worstDelayMs(CLIENT_RETRY_POLICY, 3)).toBe(3 * 10_000 + 1_000 + 2_000 + 4_000);
    expect(SETTINGS.adaptivePauseSeconds.default * 1000).toBe(worstDelayMs(CLIENT_RETRY_POLICY, 3));
  });
});

describe('sendWithRetries', () => {
  it('delivers at once when the first attempt gets through', () => {
    expect(sendWithRetries(scripted([false], 1), CLIENT_RETRY_POLICY, 0.01, T)).toEqual({ deliveredAt: T, doneAt: T, lostAttempts: 0 });
  });
  it('makes the beat late by the timeout and a full-jitter wait for each lost attempt', () => {
    // Prepare: two attempts lost, each backoff wait drawn at its ceiling
    const rng = scripted([true, true, false], 1);
    // Act
    const beat = sendWithRetries(rng, CLIENT_RETRY_POLICY, 0.01, T);
    // Assess: 10 s + up to 1 s, then 10 s + up to 2 s
    expect(rng.waits).toEqual([1_000, 2_000]);
    expect(beat).toEqual({ deliveredAt: T + 23_000, doneAt: T + 23_000, lostAttempts: 2 });
    expect(sendWithRetries(scripted([true, false], 0), CLIENT_RETRY_POLICY, 0.01, T).deliveredAt).toBe(T + 10_000);
  });
  it('loses the beat only when every attempt is lost, after the last timeout', () => {
    // Act
    const beat = sendWithRetries(scripted(new Array(6).fill(true), 1), CLIENT_RETRY_POLICY, 0.1, T);
    // Assess: 6 attempts (5 retries), 6 timeouts and 5 waits
    expect(beat).toEqual({ deliveredAt: null, doneAt: T + worstDelayMs(CLIENT_RETRY_POLICY, 6), lostAttempts: 6 });
    expect(worstDelayMs(CLIENT_RETRY_POLICY, 6)).toBe(91_000);
  });
  it('loses the beat at its first lost attempt with no retry (a plain curl)', () => {
    const raw = { ...CLIENT_RETRY_POLICY, retries: 0 };
    expect(sendWithRetries(scripted([true, false], 1), raw, 0.01, T)).toEqual({ deliveredAt: null, doneAt: T + 10_000, lostAttempts: 1 });
  });
});
