/** Runs async work with at most `limit` tasks in flight; `drain` waits for all and rethrows the first failure. */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private firstError: unknown = null;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`TaskPool limit must be a positive integer, got ${limit}`);
  }

  /** Starts `task` once a slot is free; resolves when it has started (back-pressure for the producer). */
  async run(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const promise: Promise<void> = task()
      .catch((error: unknown) => {
        this.firstError ??= error;
      })
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  /** Waits for every started task. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
    if (this.firstError !== null) throw this.firstError;
  }
}


/**
 * At most `limit` tasks in flight across every caller that shares it (a TaskPool bounds one loop; this
 * bounds several concurrent loops together, such as the segments of a sweep and its publishing).
 */
export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`Semaphore limit must be a positive integer, got ${limit}`);
    this.free = limit;
  }

  /** Runs `task` once a slot is free and gives the slot back when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or return it.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
