/**
 * Synthetic fleets: for each device, when its beats reach the service and when it was really down
 * (the ground truth the measures compare the alerts with). Times are virtual epoch milliseconds.
 */
import { CLIENT_RETRY_POLICY, sendWithRetries, type RetryPolicy } from './network';
import { deviceSeed, seededRandom, type Random } from './random';

/** A stretch of time, [start, end) in epoch ms. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** One device's life in a scenario. */
export interface DevicePlan {
  readonly deviceId: string;
  readonly group: string;
  /** Arrival times of the beats that reach the service, ascending. */
  readonly arrivals: Float64Array;
  /** `next` (seconds) carried by the beat of the same index; 0 when none. */
  readonly nextSeconds: Float64Array | null;
  /** 1 where the beat of the same index says `fail`; null when none does. */
  readonly fails: Uint8Array | null;
  /** When the device was really down (crashed, rebooting, cut off): a page in here is right. */
  readonly outages: readonly Interval[];
}

/** A synthetic fleet. */
export interface Scenario {
  readonly name: string;
  /** What the scenario models, for the README. */
  readonly description: string;
  readonly devices: number;
  readonly days: number;
  /** Seconds between beats the devices state (and keep to). */
  readonly intervalSeconds: number;
  /** The plan of device number `index`. */
  plan(index: number, start: number): DevicePlan;
}

/** Virtual time starts here (2026-01-01T00:00:00Z); only differences matter. */
export const SIMULATION_START = Date.UTC(2026, 0, 1);

const DAY_MS = 86_400_000;
/** Devices per group: storm aggregation folds a group's downs in one sweep into fleet.down. */
const GROUP_SIZE = 100;
/** Network delay from device to service: median 80 ms with a long tail (p99 about 0.5 s). */
const DELAY_MEDIAN_MS = 80;
const DELAY_SHAPE = 0.8;
/** A device's timer fires up to this late (busy firmware, a slow clock tick). */
const TIMER_SLACK_MS = 300;

/** A lossy link: each attempt is lost with probability `loss`; the client tries again as `policy` says. */
export interface LossyLink {
  readonly loss: number;
  readonly policy: RetryPolicy;
}

/** One attempt per beat (a plain `curl` with no retry): a lost attempt is a lost beat. */
const NO_RETRY: RetryPolicy = { ...CLIENT_RETRY_POLICY, retries: 0 };

interface Shape {
  /** Lost attempts, and what the client does about them; none: every attempt gets through. */
  readonly link?: LossyLink;
  /** Stretches with no beats sent (the device is down or cut off), and whether they are real outages. */
  readonly silences?: (rng: Random, start: number, end: number) => readonly Interval[];
  /** A sleepy device: awake this long (beats every interval), then one beat with `next` and asleep. */
  readonly sleepy?: { readonly awakeMs: number; readonly sleepMs: number };
  /** Probability that one beat says `fail` (a flaky self-check; the device is fine). */
  readonly flakyFail?: number;
  /** Silences this close together are one real outage (the reboots of one loop). */
  readonly mergeWithinMs?: number;
}

/** Joins intervals whose gap is at most `withinMs` (input ascending). */
export function mergeIntervals(intervals: readonly Interval[], withinMs: number): Interval[] {
  const out: Interval[] = [];
  for (const next of intervals) {
    const last = out[out.length - 1];
    if (last && next.start - last.end <= withinMs) out[out.length - 1] = { start: last.start, end: Math.max(last.end, next.end) };
    else out.push(next);
  }
  return out;
}

/** Beats on a fixed schedule with a random phase, a late timer and network delay; holes where `silences` say. */
function planDevice(seed: number, index: number, start: number, days: number, intervalSeconds: number, shape: Shape): DevicePlan {
  const rng = seededRandom(seed);
  const end = start + days * DAY_MS;
  const intervalMs = intervalSeconds * 1000;
  const silences = shape.silences?.(rng, start, end) ?? [];
  const arrivals: number[] = [];
  const next: number[] = [];
  const fail: number[] = [];
  let silence = 0;
  let send = start + rng.between(0, intervalMs);
  let awakeUntil = shape.sleepy ? start + rng.between(0, shape.sleepy.awakeMs) : Number.POSITIVE_INFINITY;
  while (send < end) {
    while (silence < silences.length && (silences[silence] as Interval).end <= send) silence++;
    const inSilence = silence < silences.length && (silences[silence] as Interval).start <= send;
    if (inSilence) {
      // Back up: the first beat after a reboot or a partition goes out at once.
      send = (silences[silence] as Interval).end + rng.between(0, 2000);
      continue;
    }
    let nextSeconds = 0;
    let gapMs = intervalMs;
    if (shape.sleepy && send >= awakeUntil) {
      nextSeconds = shape.sleepy.sleepMs / 1000;
      gapMs = shape.sleepy.sleepMs;
      awakeUntil = send + gapMs + shape.sleepy.awakeMs;
    }
    const fired = send + rng.between(0, TIMER_SLACK_MS);
    const beat = shape.link ? sendWithRetries(rng, shape.link.policy, shape.link.loss, fired) : { deliveredAt: fired, doneAt: fired };
    if (beat.deliveredAt !== null) {
      arrivals.push(beat.deliveredAt + rng.logNormal(DELAY_MEDIAN_MS, DELAY_SHAPE));
      next.push(nextSeconds);
      fail.push(shape.flakyFail && rng.chance(shape.flakyFail) ? 1 : 0);
    }
    // Fixed rate (the Python, Node and C clients): a beat that outlasted its slot skips the slots already past.
    send += gapMs;
    while (send < beat.doneAt) send += gapMs;
  }
  // Beats a minute apart with sub-second delays arrive in order; sort only the rare device where they did not.
  let inOrder = true;
  for (let i = 1; i < arrivals.length && inOrder; i++) inOrder = (arrivals[i] as number) >= (arrivals[i - 1] as number);
  const order = arrivals.map((_, i) => i);
  if (!inOrder) order.sort((a, b) => (arrivals[a] as number) - (arrivals[b] as number));
  const hasNext = next.some((s) => s > 0);
  return {
    deviceId: `sim-${index.toString().padStart(6, '0')}`,
    group: `g${Math.floor(index / GROUP_SIZE)}`,
    arrivals: inOrder ? Float64Array.from(arrivals) : Float64Array.from(order, (i) => arrivals[i] as number),
    nextSeconds: hasNext ? Float64Array.from(order, (i) => next[i] as number) : null,
    fails: fail.some((f) => f > 0) ? Uint8Array.from(order, (i) => fail[i] as number) : null,
    outages: shape.mergeWithinMs ? mergeIntervals(silences, shape.mergeWithinMs) : silences,
  };
}

interface ScenarioSpec {
  readonly name: string;
  readonly description: string;
  readonly devices: number;
  readonly days: number;
  readonly intervalSeconds?: number;
  readonly seed: number;
  readonly shape: Shape;
}

function scenario(spec: ScenarioSpec): Scenario {
  const intervalSeconds = spec.intervalSeconds ?? 60;
  return {
    name: spec.name,
    description: spec.description,
    devices: spec.devices,
    days: spec.days,
    intervalSeconds,
    plan: (index, start) => planDevice(deviceSeed(spec.seed, index), index, start, spec.days, intervalSeconds, spec.shape),
  };
}

/** Reboot loops: once a day a device reboots `reboots` times in a row, each down `downMs`, up `upMs` in between. One loop is one real outage. */
function rebootLoops(reboots: number, downMs: number, upMs: number) {
  return (rng: Random, start: number, end: number): Interval[] => {
    const out: Interval[] = [];
    const loopMs = reboots * (downMs + upMs);
    for (let day = start; day + DAY_MS <= end; day += DAY_MS) {
      const begin = day + rng.between(0, DAY_MS - loopMs);
      for (let r = 0; r < reboots; r++) out.push({ start: begin + r * (downMs + upMs), end: begin + r * (downMs + upMs) + downMs });
    }
    return out;
  };
}

/**
 * Devices per scenario at scale 1: 10 scenarios x 5 days x 3 modes x 672 devices = 100,800 device-days,
 * the size the simulator must run in under a minute on 2 cores.
 */
const BASE_DEVICES = 672;

const retrySummary = (() => {
  const p = CLIENT_RETRY_POLICY;
  return `timeout ${p.timeoutMs / 1000} s, ${p.retries} retries, backoff ${p.backoffMs / 1000} s doubling, full jitter`;
})();

/** The scenarios of `npm run simulate`, each `scale` times its base size (device-days). */
export function scenarios(scale = 1): Scenario[] {
  const devices = (n: number) => Math.max(1, Math.round(n * scale));
  return [
    scenario({ name: 'steady', description: 'beats every 60 s, network delay (median 80 ms, long tail), timer slack up to 0.3 s', devices: devices(BASE_DEVICES), days: 5, seed: 1, shape: {} }),
    scenario({
      name: 'loss-1%-raw',
      description: 'steady, 1 % of attempts lost, one attempt per beat (a plain curl with no retry): 1 % of beats lost',
      devices: devices(BASE_DEVICES), days: 5, seed: 2, shape: { link: { loss: 0.01, policy: NO_RETRY } },
    }),
    scenario({
      name: 'loss-1%-retry',
      description: `steady, 1 % of attempts lost, the shipped clients' retries (${retrySummary}): a lost attempt makes the beat late`,
      devices: devices(BASE_DEVICES), days: 5, seed: 9, shape: { link: { loss: 0.01, policy: CLIENT_RETRY_POLICY } },
    }),
    scenario({
      name: 'loss-10%-raw',
      description: 'steady, 10 % of attempts lost, one attempt per beat: 10 % of beats lost',
      devices: devices(BASE_DEVICES), days: 5, seed: 3, shape: { link: { loss: 0.1, policy: NO_RETRY } },
    }),
    scenario({
      name: 'loss-10%-retry',
      description: "steady, 10 % of attempts lost, the shipped clients' retries",
      devices: devices(BASE_DEVICES), days: 5, seed: 10, shape: { link: { loss: 0.1, policy: CLIENT_RETRY_POLICY } },
    }),
    scenario({
      name: 'flaky-fail',
      description: 'steady, and 0.5 % of beats say fail (a flaky self-check; the device is fine)',
      devices: devices(BASE_DEVICES), days: 5, seed: 8, shape: { flakyFail: 0.005 },
    }),
    scenario({
      name: 'reboot-loop',
      description: 'once a day: 5 reboots in a row, each 150 s down and 4 min up (one loop = one real outage)',
      devices: devices(BASE_DEVICES), days: 5, seed: 4, shape: { silences: rebootLoops(5, 150_000, 240_000), mergeWithinMs: 240_000 },
    }),
    scenario({
      name: 'sleepy',
      description: 'awake 30 min (beats every 60 s), then one beat with next = 6 h and asleep',
      devices: devices(BASE_DEVICES), days: 5, seed: 5, shape: { sleepy: { awakeMs: 30 * 60_000, sleepMs: 6 * 3_600_000 } },
    }),
    scenario({
      name: 'dying',
      description: 'each device dies once, at a random time, and stays dead',
      devices: devices(BASE_DEVICES), days: 5, seed: 6,
      shape: { silences: (rng, start, end) => [{ start: start + rng.between(0.1, 0.9) * (end - start), end }] },
    }),
    scenario({
      name: 'partition',
      description: 'the whole fleet cut off for 10 min at noon each day (groups of 100 devices: storms fold into fleet.down)',
      devices: devices(BASE_DEVICES), days: 5, seed: 7,
      shape: {
        silences: (_rng, start, end) => {
          const out: Interval[] = [];
          for (let day = start; day + DAY_MS <= end; day += DAY_MS) out.push({ start: day + DAY_MS / 2, end: day + DAY_MS / 2 + 600_000 });
          return out;
        },
      },
    }),
  ];
}
