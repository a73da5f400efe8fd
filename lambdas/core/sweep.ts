/**
 * How the sweep works. Any number of sweeps may run at once (overlapping schedules, a retry, a slow
 * one): every state change is a compare-and-set on the device record, which is also the alert
 * outbox, so a sweep that loses a race just moves on.
 *
 *  1. Budget. The runtime says how long the sweep may run (`remainingMs`: the function's timeout).
 *     The sweep starts no new page after `remainingMs - marginMs`, and its alert lease lasts until
 *     `remainingMs`: no write of this sweep can land after its lease, so no other sweep takes over
 *     a device this one may still publish (a lease shorter than a sweep meant double publishes).
 *  2. Scan. Each segment is read page by page (eventually consistent: every decision below is
 *     re-checked by a conditional write). A page that fails ends that segment only.
 *  3. Claim, per page (AlertOutbox.claim):
 *     - markDown: `st = up AND dl < now AND not paused AND no ds`. Settles "a beat arrived after the
 *       scan read the device" (the beat moved `dl`) and "two sweeps lapse the same device" (`ds` set).
 *     - claimAlerts: `ds = <as read> AND not paused AND (no lease OR lease ran out)`. Settles "two
 *       sweeps announce the same outage" (one gets the lease), "the outage ended or the device was
 *       paused since the read".
 *     - markDownAgain: `ds = <as read> AND st = up AND dl < now AND not paused AND no live lease`, for a
 *       device whose recovery was never announced and that is silent past its deadline again: the
 *       outage goes on. Settles "a beat arrived after the read" and "the recovery was announced meanwhile".
 *     A write that fails (throttling, a timeout) skips its device: logged, counted, retried next sweep.
 *  4. Publish and settle (AlertOutbox.deliver), every `flushEvery` claims and at the end, so a long
 *     sweep publishes as it goes:
 *     - alerts are built from the claimed copies (written by step 3), downs first, storms folded into
 *       `fleet.down`, ups only once their down is out;
 *     - settleAlerts: `lo = <our lease> AND ds = <claimed>`. Settles "our lease ran out and another
 *       sweep took over" (that one settles; at worst an alert went out twice with one incidentId).
 *       Closing answers `reopened` when a run of fails reached its threshold meanwhile ("a fail beat
 *       landed while its device.up was being published"): the outbox then reads the device, claims
 *       that outage (claimFailRun, from the run's first fail) and publishes its device.down in this
 *       same sweep, before moving on; a crash in between leaves it to the next sweep's step 3.
 *     The history close of a `device.up` is written before its settle; one that fails is settled as
 *     owed (`closesOwed` on the record) and written by a later pass from the scan (step 3's page).
 *  5. Summary: `at < startedAt`. Settles "overlapping sweeps finish out of order" (lastSweepAt never
 *     goes back). Written only by a sweep that read the whole table.
 */
import { AlertOutbox, type AlertOutboxDeps } from './alert-outbox';
import { isCanary } from './canary';
import { statusOf, type DeviceRecord } from './model';
import type { FleetSummary } from './ports';

export { aggregateStorms, classifyForSweep, dueAlerts } from './alert-outbox';

/** What one sweep did. */
export interface SweepReport {
  readonly startedAt: number;
  readonly durationMs: number;
  readonly devicesRead: number;
  readonly wentDown: number;
  readonly alertsPublished: number;
  readonly publishFailures: number;
  /** Conditional writes that failed with an error (not a lost race); those devices wait for the next sweep. */
  readonly writeFailures: number;
  /** Scan segments that broke off with an error. */
  readonly scanFailures: number;
  /** The time budget ran out before the whole table was read. */
  readonly stoppedEarly: boolean;
  /** Status counts of the devices read (the whole fleet only when the sweep completed). */
  readonly counts: FleetSummary['counts'];
}

/** How long one sweep may run, as the runtime knows it. */
export interface SweepBudget {
  /** Milliseconds until the runtime stops this sweep (a Lambda's remaining time). */
  readonly remainingMs: number;
}

/** Used when the runtime sets no limit (local mode, tests): the Lambda's timeout. */
export const DEFAULT_SWEEP_BUDGET: SweepBudget = { remainingMs: 120_000 };

/** How a Sweeper reads and writes: scan segments, writes in flight, its margin and its publishing rhythm. */
export interface SweeperOptions {
  /** Parallel scan segments (1 to 1,000,000). */
  readonly segments: number;
  /** Conditional writes in flight at once. */
  readonly writeConcurrency: number;
  /** The sweep starts no new page this close to the end of its budget (time to publish and settle). Default 10 s. */
  readonly marginMs?: number;
  /** Claimed devices that trigger a publish mid-scan. Default 500. */
  readonly flushEvery?: number;
}

type Counts = { new: number; up: number; down: number; paused: number };

/** Runs sweeps over the whole table. */
export class Sweeper {
  private readonly outbox: AlertOutbox;
  private readonly marginMs: number;
  private readonly flushEvery: number;

  constructor(
    private readonly deps: AlertOutboxDeps & { readonly newLeaseOwner?: () => string },
    private readonly options: SweeperOptions,
  ) {
    if (!Number.isInteger(options.segments) || options.segments < 1) throw new Error(`segments must be a positive integer, got ${options.segments}`);
    this.marginMs = options.marginMs ?? 10_000;
    this.flushEvery = options.flushEvery ?? 500;
    this.outbox = new AlertOutbox(deps, { writeConcurrency: options.writeConcurrency });
  }

  /** One sweep over the whole table, within `budget`: read, claim, publish, settle, summarise. */
  async sweep(budget: SweepBudget = DEFAULT_SWEEP_BUDGET): Promise<SweepReport> {
    const { store, clock, logger } = this.deps;
    const startedAt = clock.now();
    const stopAt = startedAt + budget.remainingMs - this.marginMs;
    const lease = AlertOutbox.lease(startedAt + budget.remainingMs, this.deps.newLeaseOwner?.());
    const counts: Counts = { new: 0, up: 0, down: 0, paused: 0 };
    // Maintenance windows: one read for the whole sweep, never one per device.
    const calendar = await this.outbox.calendar();
    const totals = { devicesRead: 0, wentDown: 0, alertsPublished: 0, publishFailures: 0, writeFailures: 0, scanFailures: 0 };
    let stoppedEarly = false;

    // Claimed devices wait here until a flush publishes them; flushes run one after another.
    let pending: DeviceRecord[] = [];
    let flushing: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      const batch = pending;
      pending = [];
      flushing = flushing.then(async () => {
        const delivered = await this.outbox.deliver(batch, lease, calendar);
        totals.alertsPublished += delivered.alertsPublished;
        totals.publishFailures += delivered.publishFailures;
        totals.writeFailures += delivered.writeFailures;
      }).catch((error: unknown) => {
        // A publisher must not throw (it reports failures); if one does, these alerts wait for the next sweep.
        totals.publishFailures += batch.length;
        logger.error('publishing failed; the next sweep retries', { error: error instanceof Error ? error.message : String(error) });
      });
      return flushing;
    };

    const readSegment = async (segment: number) => {
      const pages = store.scanSegment(segment, this.options.segments)[Symbol.asyncIterator]();
      try {
        for (;;) {
          if (clock.now() >= stopAt) {
            stoppedEarly = true;
            await pages.return?.();
            return;
          }
          const page = await pages.next();
          if (page.done) return;
          for (const device of page.value) {
            totals.devicesRead++;
            if (!isCanary(device.deviceId)) counts[statusOf(device)]++; // the doctor's canary is not part of the fleet
          }
          const claim = await this.outbox.claim(page.value, lease, calendar);
          totals.wentDown += claim.wentDown;
          totals.writeFailures += claim.writeFailures;
          counts.up -= claim.wentDown;
          counts.down += claim.wentDown;
          pending.push(...claim.claimed);
          if (pending.length >= this.flushEvery) await flush();
        }
      } catch (error) {
        totals.scanFailures++;
        logger.error('scan segment failed; the next sweep reads it again', { segment, error: error instanceof Error ? error.message : String(error) });
      }
    };
    await Promise.all(Array.from({ length: this.options.segments }, (_, segment) => readSegment(segment)));
    await flush();

    const complete = !stoppedEarly && totals.scanFailures === 0;
    if (complete) await store.writeSummary({ lastSweepAt: startedAt, counts });
    else logger.warn('sweep did not read the whole table; the fleet summary is left as it was', { stoppedEarly, scanFailures: totals.scanFailures });
    const report: SweepReport = { startedAt, durationMs: clock.now() - startedAt, ...totals, stoppedEarly, counts };
    logger.info('sweep finished', { ...report });
    return report;
  }
}
