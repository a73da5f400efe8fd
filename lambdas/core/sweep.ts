/**
 * The sweep: finds devices whose deadline passed, turns them down with a compare-and-set, and
 * publishes every alert that is due. The device record is the outbox: an alert is marked sent only
 * after it was published, so a crash or a failed publish leaves it for the next sweep (same incidentId).
 * Any number of sweepers may run at once: state changes and alert claims are conditional writes.
 */
import { deviceDownAlert, deviceUpAlert, fleetDownAlert, type Alert, type DeviceDownAlert, type DeviceUpAlert } from './alerts';
import { isCanary } from './canary';
import { TaskPool } from './concurrency';
import { statusOf, type AlertLease, type DeviceRecord, type MonitorSettings } from './model';
import type { AlertPublisher, Clock, DeviceStore, FleetSummary, Logger } from './ports';

/** What a sweep must do for one device it read. */
export type SweepTask = 'lapse' | 'announce' | 'none';

/** Decides, from one record read at `now`, what the sweep does with it. */
export function classifyForSweep(device: DeviceRecord, now: number): SweepTask {
  if (device.paused) return 'none';
  // Another sweeper is publishing this device's alerts; it settles them or its lease runs out.
  if (device.lease !== null && device.lease.until > now) return 'none';
  if (device.downSince !== null) {
    // An open outage whose down, or whose recovery, has not been announced yet.
    return device.state === 'up' || !device.downAlerted ? 'announce' : 'none';
  }
  if (device.state === 'up' && device.deadline !== null && device.deadline < now) return 'lapse';
  return 'none';
}

/** The alerts an open outage still owes. */
export function dueAlerts(device: DeviceRecord, now: number): { down: DeviceDownAlert | null; up: DeviceUpAlert | null } {
  if (device.downSince === null) return { down: null, up: null };
  return {
    down: device.downAlerted ? null : deviceDownAlert(device, now),
    up: device.state === 'up' ? deviceUpAlert(device, now) : null,
  };
}

/** Keeps a `fleet.down` well under SNS's 256 KB message limit (ids up to 128 chars, incident ids ~155). */
export const MAX_DEVICES_PER_FLEET_ALERT = 500;

/**
 * Replaces the `device.down`s of any group with more than `threshold` of them by one `fleet.down`.
 * Returns the alerts to publish and, for each, the devices whose down it announces.
 */
export function aggregateStorms(downs: readonly DeviceDownAlert[], threshold: number, now: number): { alert: Alert; covers: readonly string[] }[] {
  if (threshold <= 0) return downs.map((d) => ({ alert: d, covers: [d.deviceId] }));
  const byGroup = new Map<string | null, DeviceDownAlert[]>();
  for (const down of downs) {
    const list = byGroup.get(down.group) ?? [];
    list.push(down);
    byGroup.set(down.group, list);
  }
  const out: { alert: Alert; covers: readonly string[] }[] = [];
  for (const [group, list] of byGroup) {
    if (list.length > threshold) {
      // SNS takes at most 256 KB a message: a huge storm goes out in parts.
      for (let start = 0; start < list.length; start += MAX_DEVICES_PER_FLEET_ALERT) {
        const fleet = fleetDownAlert(group, list.slice(start, start + MAX_DEVICES_PER_FLEET_ALERT), now);
        out.push({ alert: fleet, covers: fleet.deviceIds });
      }
    } else {
      for (const d of list) out.push({ alert: d, covers: [d.deviceId] });
    }
  }
  return out;
}

/** What one sweep did. */
export interface SweepReport {
  readonly startedAt: number;
  readonly durationMs: number;
  readonly devicesRead: number;
  readonly wentDown: number;
  readonly alertsPublished: number;
  readonly publishFailures: number;
  readonly counts: FleetSummary['counts'];
}

export interface SweeperOptions {
  /** Parallel scan segments (1 to 1,000,000). */
  readonly segments: number;
  /** Conditional writes in flight at once. */
  readonly writeConcurrency: number;
}

type Counts = { new: number; up: number; down: number; paused: number };

/** Runs sweeps over the whole table. */
export class Sweeper {
  constructor(
    private readonly deps: {
      readonly store: DeviceStore;
      readonly publisher: AlertPublisher;
      readonly clock: Clock;
      readonly settings: MonitorSettings;
      readonly logger: Logger;
      readonly newLeaseOwner?: () => string;
    },
    private readonly options: SweeperOptions,
  ) {
    if (!Number.isInteger(options.segments) || options.segments < 1) throw new Error(`segments must be a positive integer, got ${options.segments}`);
  }

  /** One full sweep: read, transition, publish, settle, summarise. */
  async sweep(): Promise<SweepReport> {
    const { store, clock, settings, logger } = this.deps;
    const startedAt = clock.now();
    const lease: AlertLease = {
      until: startedAt + settings.alertLeaseSeconds * 1000,
      owner: (this.deps.newLeaseOwner ?? randomOwner)(),
    };
    const counts: Counts = { new: 0, up: 0, down: 0, paused: 0 };
    const claimed: DeviceRecord[] = [];
    let devicesRead = 0;
    let wentDown = 0;
    const pool = new TaskPool(this.options.writeConcurrency);

    const readSegment = async (segment: number) => {
      for await (const page of store.scanSegment(segment, this.options.segments)) {
        for (const device of page) {
          devicesRead++;
          if (isCanary(device.deviceId)) continue; // the doctor's canary: never alerts, never counted
          counts[statusOf(device)]++;
          const task = classifyForSweep(device, startedAt);
          if (task === 'lapse') {
            await pool.run(async () => {
              const down = await store.markDown(device.deviceId, clock.now(), lease);
              if (down === null) return; // a beat arrived, or another sweeper got there first
              wentDown++;
              counts.up--;
              counts.down++;
              claimed.push(down);
            });
          } else if (task === 'announce') {
            await pool.run(async () => {
              const owned = await store.claimAlerts(device.deviceId, device.downSince as number, clock.now(), lease);
              if (owned !== null) claimed.push(owned);
            });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.segments }, (_, segment) => readSegment(segment)));
    await pool.drain();

    const { published, failures } = await this.publishDue(claimed, clock.now());
    await this.settle(claimed, lease.owner, published);

    const summary: FleetSummary = { lastSweepAt: startedAt, counts };
    await store.writeSummary(summary);
    const report: SweepReport = {
      startedAt,
      durationMs: clock.now() - startedAt,
      devicesRead,
      wentDown,
      alertsPublished: published.alerts,
      publishFailures: failures,
      counts,
    };
    logger.info('sweep finished', { ...report });
    return report;
  }

  /** Publishes downs (aggregated into storms) first, then the recoveries whose down is out. */
  private async publishDue(claimed: readonly DeviceRecord[], now: number) {
    const downs: DeviceDownAlert[] = [];
    const ups = new Map<string, DeviceUpAlert>();
    for (const device of claimed) {
      const due = dueAlerts(device, now);
      if (due.down) downs.push(due.down);
      if (due.up) ups.set(device.deviceId, due.up);
    }
    const downAnnounced = new Set<string>();
    const upAnnounced = new Set<string>();
    let alerts = 0;
    let failures = 0;

    const downBatch = aggregateStorms(downs, this.deps.settings.stormThreshold, now);
    if (downBatch.length > 0) {
      const result = await this.deps.publisher.publish(downBatch.map((b) => b.alert));
      for (const { alert, covers } of downBatch) {
        if (!result.delivered.has(alert)) continue;
        alerts++;
        for (const id of covers) downAnnounced.add(id);
      }
      failures += result.failures.length;
      for (const f of result.failures) this.deps.logger.error('alert not delivered; the next sweep retries it', { type: f.alert.type, error: f.error });
    }

    // A recovery goes out only once its outage was announced (now or earlier), so pairs stay in order.
    const alreadyDown = new Set(claimed.filter((d) => d.downAlerted).map((d) => d.deviceId));
    const upBatch = [...ups.values()].filter((u) => alreadyDown.has(u.deviceId) || downAnnounced.has(u.deviceId));
    if (upBatch.length > 0) {
      const result = await this.deps.publisher.publish(upBatch);
      for (const up of upBatch) {
        if (!result.delivered.has(up)) continue;
        alerts++;
        upAnnounced.add(up.deviceId);
      }
      failures += result.failures.length;
      for (const f of result.failures) this.deps.logger.error('alert not delivered; the next sweep retries it', { type: f.alert.type, error: f.error });
    }
    return { published: { alerts, downAnnounced, upAnnounced }, failures };
  }

  /** Records what went out and gives every lease back. */
  private async settle(
    claimed: readonly DeviceRecord[],
    owner: string,
    published: { downAnnounced: ReadonlySet<string>; upAnnounced: ReadonlySet<string> },
  ): Promise<void> {
    const pool = new TaskPool(this.options.writeConcurrency);
    for (const device of claimed) {
      await pool.run(() =>
        this.deps.store.settleAlerts(device.deviceId, device.downSince as number, owner, {
          downAlerted: device.downAlerted || published.downAnnounced.has(device.deviceId),
          closed: published.upAnnounced.has(device.deviceId),
        }),
      );
    }
    await pool.drain();
  }
}

function randomOwner(): string {
  return globalThis.crypto.randomUUID();
}

