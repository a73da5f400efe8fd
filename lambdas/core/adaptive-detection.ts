/**
 * Adaptive detection (opt-in per device, `detection: "adaptive"`): learn the device's real beat
 * cadence and declare it down as soon as its silence is improbable, never later than its fixed deadline.
 *
 * What is stored: a shift register of the last GAP_REGISTER_SIZE gaps between beats, written by
 * the beat itself in its one write with no read. DynamoDB allows one + or - per SET action and
 * every right-hand side sees the OLD item, so the beat writes
 *   SET g3 = g2, g2 = g1, g1 = g0, g0 = :now - if_not_exists(ls, :now)
 * (`shiftGaps` is the same rule for the core). The first beat's gap is 0 and a raced beat's is
 * negative: neither is a gap, and the statistics skip them.
 *
 * What is computed: the sweep (which reads the record anyway) takes the mean and standard deviation
 * of the register and the suspicion level phi of the silence so far (Hayashibara et al.'s phi
 * accrual detector): phi(t) = -log10 P(a gap longer than t). The model is the normal distribution:
 * beats come from a timer, so gaps cluster tightly around the interval and a silence a few standard
 * deviations past the mean is improbable. (An exponential model suits memoryless arrivals: there
 * phi(t) = t / (mean ln 10), so a threshold of 8 waits 18 means, far past the fixed deadline of
 * two intervals; it would never fire first.) The standard deviation has a floor (MIN_STD_FRACTION
 * of the mean, at least MIN_STD_MS): four gaps of a very regular device can agree to the
 * millisecond, and network delay still varies.
 *
 * A beat with `next` (one longer wait) moves the deadline past interval + grace: then the deadline
 * alone decides, since the register has never seen such a wait.
 *
 * What it does not tolerate: a lost beat. A periodic device that loses one beat is silent for two
 * intervals, which the normal model calls improbable; the fixed grace (equal to the interval by
 * default) tolerates one. Adaptive detection is for devices on reliable links that must be caught
 * fast; the simulator measures the trade (README, "Detection quality").
 */

/** Gaps the beat keeps (g0 newest). Each costs about 6 bytes of item (a 2-byte name, a 5-digit number). */
export const GAP_REGISTER_SIZE = 4;
/** The register of a device that has not beaten twice yet. */
export const EMPTY_GAPS: readonly number[] = Object.freeze(new Array<number>(GAP_REGISTER_SIZE).fill(0));
/** Gaps needed before the statistics are trusted; until then the fixed deadline alone decides. */
export const MIN_GAPS = 3;
/** Floor of the standard deviation, as a share of the mean gap. */
export const MIN_STD_FRACTION = 0.02;
/** Floor of the standard deviation in milliseconds (network delay varies by this much even on good links). */
export const MIN_STD_MS = 500;

/** How a device is judged silent: by its fixed deadline, or also by the suspicion level of its silence. */
export type Detection = 'fixed' | 'adaptive';

/** The register after a beat at `now`, from the register and last beat before it (the store's SET, as a function). */
export function shiftGaps(gaps: readonly number[], lastSeen: number | null, now: number): number[] {
  // Always GAP_REGISTER_SIZE entries: the store writes `if_not_exists(i<k>, 0)` into each slot.
  const next = new Array<number>(GAP_REGISTER_SIZE);
  next[0] = now - (lastSeen ?? now);
  for (let k = 1; k < GAP_REGISTER_SIZE; k++) next[k] = gaps[k - 1] ?? 0;
  return next;
}

/** Mean and standard deviation of a register's real gaps (positive ones), floored; null with fewer than MIN_GAPS. */
export function gapStatistics(gaps: readonly number[]): { readonly meanMs: number; readonly stdMs: number } | null {
  const real = gaps.filter((g) => g > 0);
  if (real.length < MIN_GAPS) return null;
  const meanMs = real.reduce((a, b) => a + b, 0) / real.length;
  const variance = real.reduce((sum, g) => sum + (g - meanMs) ** 2, 0) / (real.length - 1);
  return { meanMs, stdMs: Math.max(Math.sqrt(variance), MIN_STD_FRACTION * meanMs, MIN_STD_MS) };
}

/**
 * The logistic approximation of the normal tail that Akka's phi accrual detector uses:
 * P(Z > y) ~ e / (1 + e), e = exp(-y (1.5976 + 0.070566 y^2)); within 0.01 % over the range that matters.
 */
function tail(y: number): number {
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return e / (1 + e);
}

/** The suspicion level of a silence of `elapsedMs` since the last beat, under the register's statistics. */
export function phi(elapsedMs: number, stats: { readonly meanMs: number; readonly stdMs: number }): number {
  return -Math.log10(tail((elapsedMs - stats.meanMs) / stats.stdMs));
}

/** The silence (ms after the last beat) at which phi reaches `threshold`: the mean plus y standard deviations, y solved by Newton's method. */
export function suspicionDelayMs(stats: { readonly meanMs: number; readonly stdMs: number }, threshold: number): number {
  return stats.meanMs + deviationsAt(threshold) * stats.stdMs;
}

/** Standard deviations past the mean where phi reaches `threshold` (solved once per threshold: the sweep asks for every device). */
const deviationsByThreshold = new Map<number, number>();
function deviationsAt(threshold: number): number {
  const known = deviationsByThreshold.get(threshold);
  if (known !== undefined) return known;
  // tail(y) = 10^-threshold  <=>  y (1.5976 + 0.070566 y^2) = ln((1 - p) / p)
  const p = 10 ** -threshold;
  const target = Math.log((1 - p) / p);
  let y = target / 1.5976;
  for (let i = 0; i < 20; i++) {
    const f = y * (1.5976 + 0.070566 * y * y) - target;
    y -= f / (1.5976 + 3 * 0.070566 * y * y);
  }
  deviationsByThreshold.set(threshold, y);
  return y;
}

/** What the sweep needs of a device record to judge it. */
export interface SilenceView {
  readonly lastSeen: number | null;
  /** The fixed deadline: last beat + interval (or `next`) + grace. */
  readonly deadline: number | null;
  readonly detection: Detection;
  readonly gaps: readonly number[];
  /** The usual wait: interval plus grace, seconds. A deadline further out means the last beat said `next`. */
  readonly spanSeconds: number;
}

/**
 * When the device is overdue: its fixed deadline, or for an adaptive device the moment its silence
 * reaches the suspicion threshold, whichever is first. The sweep lapses a device once this is past.
 */
export function overdueAt(device: SilenceView, phiThreshold: number): number | null {
  if (device.deadline === null || device.lastSeen === null || device.detection !== 'adaptive') return device.deadline;
  // The device announced a longer wait (`next`): its register knows nothing of that, so the deadline it gave decides.
  if (device.deadline - device.lastSeen > device.spanSeconds * 1000) return device.deadline;
  const stats = gapStatistics(device.gaps);
  if (stats === null) return device.deadline;
  return Math.min(device.deadline, Math.ceil(device.lastSeen + suspicionDelayMs(stats, phiThreshold)));
}
