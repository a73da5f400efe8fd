/** Progress lines on stdout, one per step: `[sweep] N=10000 K=4 ... 0.41 s`. */

export type Progress = (message: string) => void;

/** A progress printer for one section of the bench. */
export function progress(section: string): Progress {
  return (message) => process.stdout.write(`[${section}] ${message}\n`);
}

/** `1234.5` -> `1.23 s`; `12.3` -> `12.3 ms`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

/** How often a long step says it is still going. */
export const TICK_MS = 10_000;

/**
 * Runs `work` and, while it runs, prints `label ... still running after N s` every `everyMs`
 * (with `status()` appended when given), so that a long step never looks like a hang.
 */
export async function withTicks<T>(log: Progress, label: string, work: () => Promise<T>, status?: () => string, everyMs = TICK_MS): Promise<T> {
  const start = performance.now();
  const timer = setInterval(() => {
    const extra = status ? `: ${status()}` : '';
    log(`${label} ... still running after ${Math.round((performance.now() - start) / 1000)} s${extra}`);
  }, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
