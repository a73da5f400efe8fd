/**
 * How a beat crosses the network, in two models the simulator reports side by side:
 * - raw: one attempt, as a plain `curl` from cron sends it. A lost attempt is a lost beat.
 * - client retries: what the shipped clients (clients/python, node, shell, c) do with their default
 *   retry policy, read from clients/retry-policy.json (the one declaration the clients' test holds
 *   each client to). An attempt that is lost (request or answer) is noticed only when its timeout
 *   runs out; retry n then waits a random 0 to min(cap, backoff x 2^(n-1)) s (full jitter) and tries
 *   again. The beat arrives late by the timeouts and waits of the attempts lost before it, and is
 *   lost only when every attempt is. Attempts are lost independently.
 * The Python, Node and C clients keep a fixed rate: a beat that took longer than an interval skips
 * the slots already past (the next beat goes out at the first slot after it ended). The shell client
 * waits an interval after each beat instead; its gaps are the same, but it never skips a slot.
 */
import retryPolicy from '../clients/retry-policy.json' with { type: 'json' };
import type { Random } from './random';

/** The shipped clients' retry defaults, in milliseconds. */
export interface RetryPolicy {
  readonly timeoutMs: number;
  /** Attempts after the first. */
  readonly retries: number;
  readonly backoffMs: number;
  readonly backoffCapMs: number;
}

/** The defaults every shipped client declares (clients/retry-policy.json). */
export const CLIENT_RETRY_POLICY: RetryPolicy = Object.freeze({
  timeoutMs: retryPolicy.timeoutSeconds * 1000,
  retries: retryPolicy.retries,
  backoffMs: retryPolicy.backoffSeconds * 1000,
  backoffCapMs: retryPolicy.backoffCapSeconds * 1000,
});

/** The most retry `n` (1-based) may wait: min(cap, backoff x 2^(n-1)). */
export function backoffCeilingMs(policy: RetryPolicy, n: number): number {
  return Math.min(policy.backoffCapMs, policy.backoffMs * 2 ** (n - 1));
}

/** The longest a beat can take when its first `lost` attempts are lost (their timeouts and the longest waits after them). */
export function worstDelayMs(policy: RetryPolicy, lost: number): number {
  let total = 0;
  for (let n = 1; n <= lost; n++) total += policy.timeoutMs + (n <= policy.retries ? backoffCeilingMs(policy, n) : 0);
  return total;
}

/** How one beat fared: sent at `sentAt` (the first attempt) by a device whose attempts are lost with probability `loss`. */
export interface BeatAttempts {
  /** When the attempt that got through left the device, or null: every attempt was lost. */
  readonly deliveredAt: number | null;
  /** When the client is done with this beat (delivered, or given up after its last timeout). */
  readonly doneAt: number;
  /** Attempts lost before the one that got through (all of them when the beat is lost). */
  readonly lostAttempts: number;
}

/** Plays one beat through the client's retries. `retries: 0` is the raw model (one attempt). */
export function sendWithRetries(rng: Random, policy: RetryPolicy, loss: number, sentAt: number): BeatAttempts {
  let at = sentAt;
  for (let attempt = 0; ; attempt++) {
    if (!rng.chance(loss)) return { deliveredAt: at, doneAt: at, lostAttempts: attempt };
    at += policy.timeoutMs;
    if (attempt >= policy.retries) return { deliveredAt: null, doneAt: at, lostAttempts: attempt + 1 };
    at += rng.between(0, backoffCeilingMs(policy, attempt + 1));
  }
}
