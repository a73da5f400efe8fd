/**
 * The simulation engine: one device at a time on a virtual clock, through the real core. Beats are
 * events (`planBeat` + `applyBeat`, what a beat does in every runtime); sweeps run at the sweep
 * period, but only at the sweeps where `classifyForSweep` can act on the device (the first sweep
 * after its deadline, and each sweep while an outage is open and not yet settled), so a quiet
 * device costs one step per beat. At those sweeps the real `AlertOutbox` claims, publishes and
 * settles through an in-memory store with the DynamoDB store's conditions (sim-store.ts).
 * Devices do not interact, except that a group's downs in one sweep fold into `fleet.down`: the
 * engine returns each device's downs with their sweep time, and measures.ts folds them with the
 * real `aggregateStorms`.
 */
import { AlertOutbox, classifyForSweep, sweepDeadline } from '../lambdas/core/alert-outbox';
import type { Alert } from '../lambdas/core/alerts';
import { applyBeat, planBeat } from '../lambdas/core/heartbeat';
import type { DeviceRecord, MonitorSettings } from '../lambdas/core/model';
import { silentLogger, type AlertPublisher } from '../lambdas/core/ports';
import type { BeatBody } from '../lambdas/core/validation';
import type { DevicePlan, Interval } from './scenarios';
import { SimDeviceStore } from './sim-store';
import { NO_OUTAGE_HISTORY } from '../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../lambdas/core/maintenance';

/** How the devices of a run are monitored. */
export interface Mode {
  readonly name: string;
  /** What the mode sets, for the README. */
  readonly description: string;
  readonly settings: MonitorSettings;
  /** Fields every beat of the device carries (per-device rules). */
  readonly beatFields: Readonly<Record<string, unknown>>;
  /** Changes made to the device record before its first beat (what `PUT /v1/devices/{id}` would set). */
  readonly configure?: (record: DeviceRecord) => DeviceRecord;
}

/** A page: a `device.down` the outbox published for one device (before storms fold them). */
export interface Page {
  /** The sweep that published it. */
  readonly at: number;
  /** The last beat before the outage, as the record said. */
  readonly lastSeen: number;
  readonly group: string | null;
  readonly alert: Alert;
}

/** What happened to one device. */
export interface DeviceOutcome {
  readonly deviceId: string;
  readonly pages: readonly Page[];
  /** When each `device.up` was published. */
  readonly ups: readonly number[];
  /** The ground truth: when it was really down. */
  readonly outages: readonly Interval[];
}

/** The sweep schedule: sweeps at `phase + k * everyMs`. */
export interface SweepSchedule {
  readonly phase: number;
  readonly everyMs: number;
}

/** The first sweep strictly after `t`. */
export function sweepAfter(schedule: SweepSchedule, t: number): number {
  return schedule.phase + (Math.floor((t - schedule.phase) / schedule.everyMs) + 1) * schedule.everyMs;
}

/** The next sweep after `after` at which the sweep may act on `record`, or Infinity (nothing until a beat). */
function nextActionAt(record: DeviceRecord | null, after: number, schedule: SweepSchedule, settings: MonitorSettings): number {
  if (record === null) return Number.POSITIVE_INFINITY;
  // The common case, kept cheap: up, no outage, on time. The first sweep after its deadline is the first
  // that can lapse it (the outbox's classifyForSweep makes the decision there).
  // (For an adaptive device that is the core's sweepDeadline: its deadline, or earlier once its silence is improbable.)
  if (record.state === 'up' && record.downSince === null && record.deadline !== null && !record.paused) {
    const deadline = record.detection === 'adaptive' ? (sweepDeadline(record, after, settings) as number) : record.deadline;
    return sweepAfter(schedule, Math.max(deadline, after));
  }
  const next = sweepAfter(schedule, after);
  if (classifyForSweep(record, next, settings) !== 'none') return next;
  // An open outage of a device that is back up may owe an alert later (rules wait before device.up): look at each sweep.
  if (record.downSince !== null && record.state === 'up') return next;
  // Up and on time: the first sweep after its deadline is the first that can lapse it.
  if (record.downSince === null && record.state === 'up' && record.deadline !== null) return sweepAfter(schedule, Math.max(record.deadline, after));
  return Number.POSITIVE_INFINITY;
}

/** Runs one device from `start` to `end` through the real beat path and the real outbox. */
export async function simulateDevice(plan: DevicePlan, mode: Mode, schedule: SweepSchedule, end: number): Promise<DeviceOutcome> {
  const clock = { time: 0, now() { return this.time; } };
  const store = new SimDeviceStore();
  const pages: Page[] = [];
  const ups: number[] = [];
  let lastSeenAtSweep = 0;
  const publisher: AlertPublisher = {
    async publish(alerts) {
      for (const alert of alerts) {
        if (alert.type === 'device.down') pages.push({ at: clock.time, lastSeen: lastSeenAtSweep, group: alert.group, alert });
        else if (alert.type === 'device.up') ups.push(clock.time);
      }
      return { delivered: new Set(alerts), failures: [] };
    },
  };
  const outbox = new AlertOutbox({ store, publisher, clock, settings: mode.settings, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { writeConcurrency: 1 });
  const baseBody = mode.beatFields as BeatBody;
  const { arrivals, nextSeconds } = plan;
  let beat = 0;
  /** Virtual time of the last event handled (a beat or a sweep). */
  let now = Number.NEGATIVE_INFINITY;
  for (;;) {
    const record = store.record;
    const beatAt = beat < arrivals.length ? (arrivals[beat] as number) : Number.POSITIVE_INFINITY;
    const sweepAt = nextActionAt(record, now, schedule, mode.settings);
    if (beatAt >= end && sweepAt >= end) break;
    if (beatAt <= sweepAt) {
      const next = nextSeconds?.[beat] ?? 0;
      const fails = plan.fails?.[beat] === 1;
      const body = next > 0 || fails ? ({ ...baseBody, ...(next > 0 ? { next } : {}), ...(fails ? { status: 'fail' } : {}) } as BeatBody) : baseBody;
      const after = applyBeat(record, planBeat(plan.deviceId, body, beatAt, mode.settings));
      // The device's own settings (PUT) are in place from its first beat on.
      store.record = record === null && mode.configure ? mode.configure(after) : after;
      now = beatAt;
      beat++;
      continue;
    }
    clock.time = sweepAt;
    now = sweepAt;
    lastSeenAtSweep = record?.lastSeen ?? 0;
    await outbox.process([record as DeviceRecord], AlertOutbox.lease(sweepAt + 120_000, 'sim'));
  }
  return { deviceId: plan.deviceId, pages, ups, outages: plan.outages };
}
