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
