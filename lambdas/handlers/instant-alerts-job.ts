/**
 * Instant alerts: the beat that opens an outage (`fail`) and the beat that recovers a device are
 * announced from the table's stream within seconds, not at the next sweep. The records come filtered
 * (Lambda event filtering on AWS, the same patterns in the local poller), and the devices go through
 * the same alert outbox as the sweep's (claim with a compare-and-set, publish, settle), so an alert
 * is still delivered at least once and never announced by both: whoever claims the lease publishes.
 * The beat path is unchanged: this reads the stream, never the beat's request.
 */
import { devicesToAnnounce, type DeviceStreamRecord } from '../adapters/dynamodb/stream-records';
import { AlertOutbox } from '../core/alert-outbox';
import type { Clock, Logger } from '../core/ports';

/** What one batch of stream records did. */
export interface InstantAlertReport {
  readonly records: number;
  readonly devices: number;
  readonly alertsPublished: number;
  readonly publishFailures: number;
  readonly writeFailures: number;
}

/** Announces what a batch of stream records owes, within `remainingMs` (the lease lasts that long). */
export function createInstantAlertJob(deps: {
  readonly outbox: AlertOutbox;
  readonly clock: Clock;
  readonly logger: Logger;
}): (records: readonly DeviceStreamRecord[], remainingMs: number) => Promise<InstantAlertReport> {
  return async (records, remainingMs) => {
    const devices = devicesToAnnounce(records);
    if (devices.length === 0) return { records: records.length, devices: 0, alertsPublished: 0, publishFailures: 0, writeFailures: 0 };
    const result = await deps.outbox.process(devices, AlertOutbox.lease(deps.clock.now() + remainingMs));
    const report = {
      records: records.length,
      devices: devices.length,
      alertsPublished: result.alertsPublished,
      publishFailures: result.publishFailures,
      writeFailures: result.writeFailures,
    };
    // Failures are left to the sweep (the record is the outbox): logged, never thrown, so the stream moves on.
    if (report.publishFailures + report.writeFailures > 0) deps.logger.warn('instant alerts left to the next sweep', { ...report });
    return report;
  };
}
