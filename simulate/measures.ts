/**
 * The Chen-Toueg-Aguilera quality-of-service measures of a failure detector, from what the
 * simulated service published and what really happened:
 * - detection time T_D: from the start of a real outage to its first page;
 * - false alarms: pages while the device was really up (a "mistake"), per device-day;
 * - mistake duration T_M: from a false page to the `device.up` that ends it;
 * - pages per real outage: how many pages one real outage cost on-call (a `fleet.down` is one page
 *   shared by the devices it names).
 * A page is right when a real outage overlaps the silence it reports: from the last beat the
 * record had to the sweep that paged.
 */
import { aggregateStorms } from '../lambdas/core/alert-outbox';
import type { DeviceDownAlert } from '../lambdas/core/alerts';
import { median, p99, round } from '../bench/support/stats';
import type { DeviceOutcome } from './engine';
import type { Interval } from './scenarios';

/** The measures of one scenario in one mode. */
export interface QualityOfService {
  readonly deviceDays: number;
  readonly realOutages: number;
  /** Real outages that were paged at least once. */
  readonly detected: number;
  /** Median and p99 T_D, seconds (null when nothing was detected). */
  readonly detectionMedianSeconds: number | null;
  readonly detectionP99Seconds: number | null;
  readonly falseAlarms: number;
  readonly falseAlarmsPerDeviceDay: number;
  /** Median and mean T_M, seconds (null without false alarms). */
  readonly mistakeMedianSeconds: number | null;
  readonly mistakeMeanSeconds: number | null;
  /** Pages (after storm folding) per real outage (null without real outages). */
  readonly pagesPerRealOutage: number | null;
  /** Every page, right or wrong, after storm folding. */
  readonly pages: number;
}

/** One page of one device after storm folding: `weight` is its share of the page (1, or 1/n of a fleet.down for n devices). */
export interface WeightedPage {
  readonly at: number;
  readonly lastSeen: number;
  readonly weight: number;
}

/** Folds the downs of all devices, sweep by sweep, with the real `aggregateStorms`; returns each device's weighted pages. */
export function foldStorms(outcomes: readonly DeviceOutcome[], stormThreshold: number): Map<string, WeightedPage[]> {
  const bySweep = new Map<number, { alert: DeviceDownAlert; lastSeen: number }[]>();
  for (const outcome of outcomes) {
    for (const page of outcome.pages) {
      if (page.alert.type !== 'device.down') continue;
      const list = bySweep.get(page.at) ?? [];
      list.push({ alert: page.alert, lastSeen: page.lastSeen });
      bySweep.set(page.at, list);
    }
  }
  const out = new Map<string, WeightedPage[]>();
  for (const [at, downs] of bySweep) {
    const lastSeen = new Map(downs.map((d) => [d.alert.deviceId, d.lastSeen]));
    for (const { covers } of aggregateStorms(downs.map((d) => d.alert), stormThreshold, at)) {
      for (const deviceId of covers) {
        const list = out.get(deviceId) ?? [];
        list.push({ at, lastSeen: lastSeen.get(deviceId) as number, weight: 1 / covers.length });
        out.set(deviceId, list);
      }
    }
  }
  return out;
}

/** The real outage a page reports (the first one overlapping the silence from `lastSeen` to the page), or -1: a false alarm. */
export function outageOfPage(page: Pick<WeightedPage, 'at' | 'lastSeen'>, outages: readonly Interval[]): number {
  return outages.findIndex((o) => o.start < page.at && o.end > page.lastSeen);
}

/** Per-device tallies, summed over a fleet by `summarise`. */
export interface DeviceTally {
  readonly realOutages: number;
  readonly detected: number;
  readonly detectionSeconds: readonly number[];
  readonly mistakeSeconds: readonly number[];
  /** Page weight that went to real outages. */
  readonly truePages: number;
  readonly pages: number;
}

/** Scores one device: its pages (folded) against its real outages; `ups` end mistakes; `end` ends the run. */
export function tallyDevice(pages: readonly WeightedPage[], ups: readonly number[], outages: readonly Interval[], end: number): DeviceTally {
  const firstPage = new Array<number>(outages.length).fill(Number.POSITIVE_INFINITY);
  const mistakeSeconds: number[] = [];
  let truePages = 0;
  let weight = 0;
  for (const page of [...pages].sort((a, b) => a.at - b.at)) {
    weight += page.weight;
    const outage = outageOfPage(page, outages);
    if (outage >= 0) {
      truePages += page.weight;
      firstPage[outage] = Math.min(firstPage[outage] as number, page.at);
    } else {
      // A mistake lasts until the device.up that ends it, or to the end of the run.
      const up = ups.find((t) => t >= page.at) ?? end;
      mistakeSeconds.push((up - page.at) / 1000);
    }
  }
  const detectionSeconds: number[] = [];
  outages.forEach((o, i) => {
    const at = firstPage[i] as number;
    if (Number.isFinite(at)) detectionSeconds.push((at - o.start) / 1000);
  });
  return { realOutages: outages.length, detected: detectionSeconds.length, detectionSeconds, mistakeSeconds, truePages, pages: weight };
}

/** The fleet's measures from its device tallies. */
export function summarise(tallies: readonly DeviceTally[], deviceDays: number): QualityOfService {
  const detection = tallies.flatMap((t) => t.detectionSeconds);
  const mistakes = tallies.flatMap((t) => t.mistakeSeconds);
  const realOutages = tallies.reduce((sum, t) => sum + t.realOutages, 0);
  const truePages = tallies.reduce((sum, t) => sum + t.truePages, 0);
  const orNull = (v: number) => (Number.isFinite(v) ? round(v, 1) : null);
  return {
    deviceDays,
    realOutages,
    detected: tallies.reduce((sum, t) => sum + t.detected, 0),
    detectionMedianSeconds: orNull(median(detection)),
    detectionP99Seconds: orNull(p99(detection)),
    falseAlarms: mistakes.length,
    falseAlarmsPerDeviceDay: round(mistakes.length / deviceDays, 4),
    mistakeMedianSeconds: orNull(median(mistakes)),
    mistakeMeanSeconds: mistakes.length === 0 ? null : round(mistakes.reduce((a, b) => a + b, 0) / mistakes.length, 1),
    pagesPerRealOutage: realOutages === 0 ? null : round(truePages / realOutages, 3),
    pages: round(tallies.reduce((sum, t) => sum + t.pages, 0), 3),
  };
}

/** Scores a scenario's outcomes. */
export function measure(outcomes: readonly DeviceOutcome[], stormThreshold: number, deviceDays: number, end: number): QualityOfService {
  const folded = foldStorms(outcomes, stormThreshold);
  return summarise(outcomes.map((o) => tallyDevice(folded.get(o.deviceId) ?? [], o.ups, o.outages, end)), deviceDays);
}
