/** The write limiter the alert outbox shares between a sweep's segments. */
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../lambdas/core/concurrency';

describe('Semaphore', () => {
  it('never runs more than its limit at once across concurrent callers, and runs every task', async () => {
    // Prepare: three callers (like three scan segments) of 20 tasks each, limit 4.
    const slots = new Semaphore(4);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running--;
      return 1;
    };

    // Act
    const done = await Promise.all(Array.from({ length: 3 }, () => Promise.all(Array.from({ length: 20 }, () => slots.run(task)))));

    // Assess
    expect(peak).toBe(4);
    expect(done.flat().reduce((a, b) => a + b, 0)).toBe(60);
  });

  it('gives the slot back when a task fails', async () => {
    const slots = new Semaphore(1);
    await expect(slots.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(async () => 'next')).resolves.toBe('next');
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new Semaphore(0)).toThrow(/positive integer/);
  });
});
