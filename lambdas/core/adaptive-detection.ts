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
 * of the register's regular gaps (below) and the suspicion level phi of the silence so far (Hayashibara et al.'s phi
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
 * What a real client does to the gaps. The shipped clients (clients/) retry a lost attempt after
 * its timeout (10 s) and a backoff wait: a beat whose first attempt is lost arrives about 10 s late,
 * and is lost only when every attempt is. So:
 * - an acceptable pause (as Akka's phi accrual detector has: `acceptable-heartbeat-pause`) is added
 *   to the silence the normal model allows: the deployment's `adaptivePauseSeconds`, by default the
 *   time the clients' retries take to get a beat through three lost attempts (3 x 10 s + 1 + 2 + 4 s
 *   of backoff). Phi 8 accepts a 10^-8 chance of a false suspicion per beat; a link that loses 1 %
 *   of attempts loses four in a row with that chance, so the pause covers three;
 * - the statistics are not poisoned by a late or lost beat: the cadence is the register's median,
 *   and a gap far from it (IRREGULAR_MIN_MS, or IRREGULAR_FRACTION of the cadence; a late beat
 *   makes one long gap and one short one, a lost beat a gap of two or more cadences) is not taken
 *   for a slower or more jittery rhythm. It is evidence that the device's link loses attempts or
 *   beats more often than the pause assumes: while such a gap is in the register, the fixed
 *   deadline (whose grace tolerates a whole lost beat) alone decides.
 * A link that loses a beat outright with no retry (a plain `curl` from cron) is silent for two
 * intervals, which only the fixed grace tolerates; such devices are better left on fixed detection.
 * The simulator measures the trade (README, "Detection quality").
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
/** A gap further than this from the cadence is not the device's rhythm (a retried attempt makes a beat about 10 s late)... */
export const IRREGULAR_MIN_MS = 5_000;
/** ...or further than this share of the cadence, for slow devices. */
export const IRREGULAR_FRACTION = 0.1;

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

/** What the register says of a device's rhythm. */
export interface GapStatistics {
  /** Mean and standard deviation (floored) of the regular gaps: those near the cadence. */
  readonly meanMs: number;
  readonly stdMs: number;
  /** Real gaps far from the cadence: a beat came late (a retried attempt) or was lost. */
  readonly irregular: number;
}

/**
 * Statistics of a register's real gaps (positive ones): the cadence is their median; gaps near it
 * give the mean and standard deviation (floored), the others are counted as irregular. Null with
 * fewer than MIN_GAPS real gaps, or fewer than two near the cadence.
 */
export function gapStatistics(gaps: readonly number[]): GapStatistics | null {
  // Loops, not filter/sort/reduce: the sweep (and the simulator, at every beat) asks this of every adaptive device.
  const real: number[] = [];
  for (const g of gaps) {
    if (!(g > 0)) continue;
    let i = real.length;
    real.push(g);
    for (; i > 0 && (real[i - 1] as number) > g; i--) real[i] = real[i - 1] as number; // insertion sort: 4 values
    real[i] = g;
  }
  const n = real.length;
  if (n < MIN_GAPS) return null;
  const mid = n >> 1;
  const cadence = n % 2 === 1 ? (real[mid] as number) : ((real[mid - 1] as number) + (real[mid] as number)) / 2;
  const tolerance = Math.max(IRREGULAR_MIN_MS, IRREGULAR_FRACTION * cadence);
  let regular = 0;
  let sum = 0;
  for (const g of real) {
    if (Math.abs(g - cadence) <= tolerance) {
      regular++;
      sum += g;
    }
  }
  if (regular < 2) return null;
  const meanMs = sum / regular;
  let squares = 0;
  for (const g of real) if (Math.abs(g - cadence) <= tolerance) squares += (g - meanMs) ** 2;
  return { meanMs, stdMs: Math.max(Math.sqrt(squares / (regular - 1)), MIN_STD_FRACTION * meanMs, MIN_STD_MS), irregular: n - regular };
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

/** How the sweep judges an adaptive device's silence (deployment settings). */
export interface SuspicionRule {
  /** The suspicion level (phi) at which the silence is improbable. */
  readonly phi: number;
  /** Silence tolerated on top of the cadence before phi is counted (the clients' retries), ms. */
  readonly pauseMs: number;
}

/**
 * When the device is overdue: its fixed deadline, or for an adaptive device whose register shows a
 * regular rhythm the moment its silence, less the acceptable pause, reaches the suspicion threshold;
 * whichever is first. The sweep lapses a device once this is past.
 */
export function overdueAt(device: SilenceView, rule: SuspicionRule): number | null {
  if (device.deadline === null || device.lastSeen === null || device.detection !== 'adaptive') return device.deadline;
  // The device announced a longer wait (`next`): its register knows nothing of that, so the deadline it gave decides.
  if (device.deadline - device.lastSeen > device.spanSeconds * 1000) return device.deadline;
  const stats = gapStatistics(device.gaps);
  // Too few gaps, or a late or lost beat among them: its link loses more than the pause allows for.
  if (stats === null || stats.irregular > 0) return device.deadline;
  return Math.min(device.deadline, Math.ceil(device.lastSeen + suspicionDelayMs(stats, rule.phi) + rule.pauseMs));
}
