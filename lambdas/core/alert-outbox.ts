/**
 * The alert outbox: the device record says which alerts a device still owes, and this unit turns
 * that into published alerts. Anything that reads device records (the sweep's scan pages, a stream
 * of changed records) hands them to `AlertOutbox.process`, which
 *   1. claims each device that owes something, with a compare-and-set that also takes its lease
 *      (`markDown` for an overdue device, `claimAlerts` for an open outage not yet fully announced);
 *   2. builds the due alerts from the claimed copies, folds a group's storm into `fleet.down`s;
 *   3. publishes the downs, then the ups whose down is out (so a pair never arrives reversed), then
 *      the `device.still_down` reminders of outages that stay down (every `repeatEverySeconds`);
 *   4. closes the history of each outage whose `device.up` went out, then settles each device:
 *      records what went out (and any history close that failed, as owed) and gives the lease back;
 *   5. records in the history each outage whose `device.down` went out.
 * Any record handed over that still owes history closes has them written again (idempotent) and forgotten.
 * A failed write skips its device (logged and counted); its lease runs out and a later caller retries.
 * Nothing is marked sent before it was published, so delivery is at least once, with a stable incidentId.
 */
import { closedIncident, type IncidentRecord, type OutageRecorder } from './history';
import {
  deviceDownAlert,
  deviceStillDownAlert,
  deviceUpAlert,
  fleetDownAlert,
  type Alert,
  type DeviceDownAlert,
  type DeviceStillDownAlert,
  type DeviceUpAlert,
} from './alerts';
import { isCanary } from './canary';
import { Semaphore } from './concurrency';
import { MaintenanceCalendar } from './maintenance';
import { overdueAt } from './adaptive-detection';
import { failRunReached, graceSeconds, recoverAfterOf, type AlertLease, type DeviceRecord, type MonitorSettings, type OwedClose } from './model';
import { SETTINGS } from './settings-catalog';
import type { AlertPublisher, Clock, DeviceStore, Logger, MaintenanceWindowSource, SettleOutcome } from './ports';

/**
 * What the outbox must do for one device it was handed: `lapse` (silent past its deadline: record a
 * timeout outage), `open` (a run of fails reached its threshold: record the fail outage),
 * `relapse` (recovered, but silent again before its `device.up` was due: the same outage goes on),
 * `announce` (an open outage owes an alert), or `none`.
 */
export type OutboxTask = 'lapse' | 'open' | 'relapse' | 'announce' | 'none';

/** The deployment's alert rules the outbox applies; absent ones are off (0). */
export type AlertRuleSettings = Partial<Pick<MonitorSettings, 'repeatEverySeconds' | 'defaultRecoverAfterSeconds' | 'adaptivePhi' | 'adaptivePauseSeconds'>>;

/**
 * The number of the reminder an announced outage owes at `now`, or null: reminder n falls due
 * `n * repeatEverySeconds` after the outage began. After a gap (no sweep for a while) only the
 * latest is sent, never a burst of the missed ones.
 */
export function reminderDue(device: DeviceRecord, now: number, repeatEverySeconds: number): number | null {
  if (repeatEverySeconds <= 0 || device.state !== 'down' || !device.downAlerted || device.downSince === null) return null;
  const reminder = Math.floor((now - device.downSince) / (repeatEverySeconds * 1000));
  return reminder > device.remindersSent ? reminder : null;
}

/**
 * Whether the `device.up` of an open outage is due at `now` (the recoverAfter rule): the device is
 * up after an `ok` beat, and has stayed up for its recoverAfter since then. A `fail` or a relapse
 * clears `recoveredAt`, so the wait starts again at the next `ok` beat.
 */
export function recoveryDue(device: DeviceRecord, now: number, rules: AlertRuleSettings = {}): boolean {
  if (device.downSince === null || device.state !== 'up' || device.recoveredAt === null) return false;
  const waitMs = recoverAfterOf(device, { defaultRecoverAfterSeconds: rules.defaultRecoverAfterSeconds ?? 0 }) * 1000;
  return device.recoveredAt + waitMs <= now;
}

/**
 * When the sweep holds a device overdue: its deadline (moved past any maintenance window it was
 * silent into), or for an adaptive device the moment its silence became improbable, if earlier.
 */
export function sweepDeadline(device: DeviceRecord, now: number, rules: AlertRuleSettings = {}, calendar: MaintenanceCalendar = MaintenanceCalendar.EMPTY): number | null {
  const deadline = calendar.effectiveDeadline(device, now);
  if (device.detection !== 'adaptive' || deadline !== device.deadline) return deadline; // a window decides its own end
  const spanSeconds = device.intervalSeconds + graceSeconds(device);
  const rule = { phi: rules.adaptivePhi ?? SETTINGS.adaptivePhi.default, pauseMs: (rules.adaptivePauseSeconds ?? SETTINGS.adaptivePauseSeconds.default) * 1000 };
  return overdueAt({ lastSeen: device.lastSeen, deadline, detection: device.detection, gaps: device.gaps, spanSeconds }, rule);
}

/**
 * Decides, from one record read at `now`, what the outbox does with it. `calendar`: the maintenance
 * windows, loaded once by the caller. A device in an active window raises nothing but the recovery
 * of an outage announced before; once its windows ended, its deadline is `calendar.effectiveDeadline`.
 */
export function classifyForSweep(device: DeviceRecord, now: number, rules: AlertRuleSettings = {}, calendar: MaintenanceCalendar = MaintenanceCalendar.EMPTY): OutboxTask {
  if (device.paused) return 'none';
  if (isCanary(device.deviceId)) return 'none'; // the doctor's canary goes silent after each check by design
  // Another sweeper is publishing this device's alerts; it settles them or its lease runs out.
  if (device.lease !== null && device.lease.until > now) return 'none';
  const quiet = calendar.inMaintenance(device, now);
  const deadline = sweepDeadline(device, now, rules, calendar);
  if (device.downSince === null) {
    if (quiet) return 'none';
    if (failRunReached(device) || device.endedFailRunSince !== null) return 'open';
    if (device.state === 'up' && deadline !== null && deadline < now) return 'lapse';
    return 'none';
  }
  if (quiet) return device.downAlerted && recoveryDue(device, now, rules) ? 'announce' : 'none';
  // Recovered, but silent past the new deadline before the recovery was announced (a late sweep, or
  // recoverAfter not yet over): the outage goes on, and its device.up waits for a new recovery.
  // By the fixed deadline: a device that just came back has not beaten long enough to judge its cadence.
  const fixed = calendar.effectiveDeadline(device, now);
  if (device.state === 'up' && fixed !== null && fixed < now) return 'relapse';
  // An open outage whose down, or whose recovery, has not been announced yet, or that owes a reminder.
  if (!device.downAlerted || recoveryDue(device, now, rules) || reminderDue(device, now, rules.repeatEverySeconds ?? 0) !== null) return 'announce';
  return 'none';
}

/** The alerts an open outage still owes (in an active maintenance window: only the recovery of an outage announced before it). */
export function dueAlerts(
  device: DeviceRecord,
  now: number,
  rules: AlertRuleSettings = {},
  calendar: MaintenanceCalendar = MaintenanceCalendar.EMPTY,
): { down: DeviceDownAlert | null; up: DeviceUpAlert | null; reminder: DeviceStillDownAlert | null } {
  if (device.downSince === null) return { down: null, up: null, reminder: null };
  const quiet = calendar.inMaintenance(device, now);
  const reminder = quiet ? null : reminderDue(device, now, rules.repeatEverySeconds ?? 0);
  return {
    down: device.downAlerted || quiet ? null : deviceDownAlert(device, now),
    up: recoveryDue(device, now, rules) && (device.downAlerted || !quiet) ? deviceUpAlert(device, now) : null,
    reminder: reminder === null ? null : deviceStillDownAlert(device, now, reminder),
  };
}

/**
 * Largest `fleet.down` message, in bytes of JSON: SNS takes 262,144 bytes per message (and per
 * batch), subject and attributes included; this leaves room for them whatever the ids are.
 */
export const MAX_FLEET_ALERT_BYTES = 200 * 1024;

const utf8 = new TextEncoder();
const jsonBytes = (value: unknown) => utf8.encode(JSON.stringify(value)).length;

/** Splits one group's downs into `fleet.down`s of at most `maxBytes` of JSON each. */
function fleetAlerts(group: string | null, downs: readonly DeviceDownAlert[], now: number, maxBytes: number): { alert: Alert; covers: readonly string[] }[] {
  // The empty message plus room for the count's digits; each device adds its two quoted ids and two commas.
  const base = jsonBytes(fleetDownAlert(group, [], now)) + 16;
  const out: { alert: Alert; covers: readonly string[] }[] = [];
  let part: DeviceDownAlert[] = [];
  let bytes = base;
  for (const down of downs) {
    const cost = jsonBytes(down.deviceId) + jsonBytes(down.incidentId) + 2;
    if (part.length > 0 && bytes + cost > maxBytes) {
      const fleet = fleetDownAlert(group, part, now);
      out.push({ alert: fleet, covers: fleet.deviceIds });
      part = [];
      bytes = base;
    }
    part.push(down);
    bytes += cost;
  }
  if (part.length > 0) {
    const fleet = fleetDownAlert(group, part, now);
    out.push({ alert: fleet, covers: fleet.deviceIds });
  }
  return out;
}

/**
 * Replaces the `device.down`s of any group with more than `threshold` of them by `fleet.down`s, each
 * small enough for one SNS message. Returns the alerts to publish and, for each, the devices whose down it announces.
 */
export function aggregateStorms(
  downs: readonly DeviceDownAlert[],
  threshold: number,
  now: number,
  maxFleetBytes: number = MAX_FLEET_ALERT_BYTES,
): { alert: Alert; covers: readonly string[] }[] {
  if (threshold <= 0) return downs.map((d) => ({ alert: d, covers: [d.deviceId] }));
  const byGroup = new Map<string | null, DeviceDownAlert[]>();
  for (const down of downs) {
    const list = byGroup.get(down.group) ?? [];
    list.push(down);
    byGroup.set(down.group, list);
  }
  const out: { alert: Alert; covers: readonly string[] }[] = [];
  for (const [group, list] of byGroup) {
    if (list.length > threshold) out.push(...fleetAlerts(group, list, now, maxFleetBytes));
    else for (const d of list) out.push({ alert: d, covers: [d.deviceId] });
  }
  return out;
}

/** What claiming a batch of records did. */
export interface ClaimReport {
  /** The claimed records as written (fresh copies: alerts are built from these, never from the input). */
  readonly claimed: readonly DeviceRecord[];
  /** Devices this claim turned down (timeouts; a reached run of fails is down from its beat on). */
  readonly wentDown: number;
  /** Claims that failed with an error (not a lost race): skipped, retried by a later caller. */
  readonly writeFailures: number;
  /** Owed history closes written again (and forgotten by the record). */
  readonly closesRepaired: number;
  /** Owed history closes that failed again (still owed: the next pass retries). */
  readonly historyFailures: number;
}

/** What publishing and settling a batch of claimed records did. */
export interface DeliveryReport {
  readonly alertsPublished: number;
  readonly publishFailures: number;
  /** Settles that failed with an error: their lease runs out and a later caller publishes again. */
  readonly writeFailures: number;
  /** How each device settled, by device id (for callers that record incidents). */
  readonly settled: ReadonlyMap<string, SettleOutcome>;
  /** History writes that failed (logged; a failed close stays owed on the record, a lost opening is rebuilt by the close). */
  readonly historyFailures: number;
}

/** What the alert outbox works with (the sweep adds to it). */
export interface AlertOutboxDeps {
  readonly store: DeviceStore;
  readonly publisher: AlertPublisher;
  readonly clock: Clock;
  readonly settings: MonitorSettings;
  readonly logger: Logger;
  /**
   * Where announced outages and their recoveries are recorded. Required: a runtime without a history
   * passes NO_OUTAGE_HISTORY (history.ts), so leaving it out is a type error, not a silent loss.
   */
  readonly history: OutageRecorder;
  /** Maintenance windows. Required: a runtime without them passes NO_MAINTENANCE_WINDOWS (maintenance.ts). */
  readonly maintenance: MaintenanceWindowSource;
}

/** The incident an owed close closes (the record's group; the message is kept from the opening when it was written). */
function owedIncident(device: DeviceRecord, owed: OwedClose): IncidentRecord {
  return { deviceId: device.deviceId, group: device.group, reason: owed.reason, downSince: owed.downSince, upAt: owed.upAt, message: device.message };
}

/** Claims, publishes and settles device alerts; shared by the sweep and any other reader of device records. */
export class AlertOutbox {
  /** Shared by every call, so concurrent callers (a sweep's segments) together stay within `writeConcurrency`. */
  private readonly writes: Semaphore;

  constructor(
    private readonly deps: AlertOutboxDeps,
    options: { readonly writeConcurrency: number },
  ) {
    // The types require both; this catches a caller the types cannot see (plain JavaScript, a cast).
    if (deps.history === undefined) throw new Error('AlertOutbox needs a history: pass NO_OUTAGE_HISTORY where the runtime keeps none');
    if (deps.maintenance === undefined) throw new Error('AlertOutbox needs a window source: pass NO_MAINTENANCE_WINDOWS where the runtime keeps none');
    this.writes = new Semaphore(options.writeConcurrency);
  }

  /**
   * A lease that lasts until `until` (epoch ms): the moment the caller can no longer write (its
   * function's timeout). It must outlive the caller's publish and settle, or another caller takes over and publishes twice.
   */
  static lease(until: number, owner: string = globalThis.crypto.randomUUID()): AlertLease {
    return { until, owner };
  }

  /**
   * The maintenance windows, read once for a whole sweep or batch. If they cannot be read, alerting
   * goes on without them: a page too many beats a missed outage.
   */
  async calendar(): Promise<MaintenanceCalendar> {
    try {
      return new MaintenanceCalendar(await this.deps.maintenance.listWindows());
    } catch (error) {
      this.deps.logger.error('maintenance windows not read; alerting as if there were none', { error: error instanceof Error ? error.message : String(error) });
      return MaintenanceCalendar.EMPTY;
    }
  }

  /** Claims every device of `devices` that owes an alert, then publishes and settles them (the windows read once). */
  async process(devices: readonly DeviceRecord[], lease: AlertLease): Promise<ClaimReport & DeliveryReport> {
    const calendar = await this.calendar();
    const claim = await this.claim(devices, lease, calendar);
    const delivery = await this.deliver(claim.claimed, lease, calendar);
    return { ...claim, ...delivery, writeFailures: claim.writeFailures + delivery.writeFailures, historyFailures: claim.historyFailures + delivery.historyFailures };
  }

  /** Step 1: takes the lease of each device that owes an alert, turning overdue ones down. */
  async claim(devices: readonly DeviceRecord[], lease: AlertLease, calendar: MaintenanceCalendar = MaintenanceCalendar.EMPTY): Promise<ClaimReport> {
    const { store, clock } = this.deps;
    const claimed: DeviceRecord[] = [];
    let wentDown = 0;
    const now = clock.now();
    const failures = await this.forEach(devices, 'claim', async (device) => {
      const task = classifyForSweep(device, now, this.deps.settings, calendar);
      if (task === 'lapse' || task === 'open') {
        // lapse, CAS: still up, unpaused, no outage, no reached run of fails, deadline passed. Loses to a beat that landed since the read.
        // open, CAS: no outage, unpaused, the same run of fails, still reached. Loses to an ok beat, or another sweeper.
        const down =
          task === 'lapse'
            ? await this.markDown(device, now, lease, calendar)
            : failRunReached(device)
              ? // A reached run that ended just before this one, unrecorded: one outage from the first (it flapped).
                await store.claimFailRun(device.deviceId, device.failingSince as number, clock.now(), lease, false, device.endedFailRunSince ?? (device.failingSince as number))
              : await store.claimFailRun(device.deviceId, device.endedFailRunSince as number, clock.now(), lease, true);
        if (down === null) return;
        if (task === 'lapse') wentDown++; // a reached run of fails was counted as down already (or is over)
        claimed.push(down);
      } else if (task === 'relapse') {
        // CAS: same outage, still up, past the deadline, unpaused, no live lease. Loses to a beat.
        const down = await store.markDownAgain(device.deviceId, device.downSince as number, clock.now(), lease);
        if (down !== null) claimed.push(down);
      } else if (task === 'announce') {
        // CAS: same outage, unpaused, no live lease. Loses to another sweeper that claimed it first.
        const owned = await store.claimAlerts(device.deviceId, device.downSince as number, clock.now(), lease);
        if (owned !== null) claimed.push(owned);
      }
    });
    const repair = await this.writeOwedCloses(devices);
    return { claimed, wentDown, writeFailures: failures, ...repair };
  }

  /**
   * Writes the history closes a record still owes (a `device.up` went out but its close failed), then
   * forgets them on the record only if it owes exactly those still. Needs no lease: the close is
   * idempotent (same key, same end), so two callers at once write the same incident.
   */
  private async writeOwedCloses(devices: readonly DeviceRecord[]): Promise<{ closesRepaired: number; historyFailures: number }> {
    const owing = devices.filter((device) => device.closesOwed.length > 0);
    if (owing.length === 0) return { closesRepaired: 0, historyFailures: 0 };
    let closesRepaired = 0;
    const historyFailures = await this.forEach(owing, 'owed history close', async (device) => {
      for (const owed of device.closesOwed) await this.deps.history.closed(owedIncident(device, owed));
      await this.deps.store.forgetOwedCloses(device.deviceId, device.closesOwed);
      closesRepaired += device.closesOwed.length;
    });
    return { closesRepaired, historyFailures };
  }

  /**
   * Turns an overdue device down. An adaptive device judged before its fixed deadline goes down only
   * if no beat landed since the read (`lastSeen` unchanged), and its outage starts when its silence
   * became improbable.
   */
  private markDown(device: DeviceRecord, now: number, lease: AlertLease, calendar: MaintenanceCalendar): Promise<DeviceRecord | null> {
    const downSince = sweepDeadline(device, now, this.deps.settings, calendar) ?? undefined;
    const early = downSince !== undefined && device.deadline !== null && downSince < device.deadline && device.lastSeen !== null;
    return this.deps.store.markDown(device.deviceId, this.deps.clock.now(), lease, downSince, early ? (device.lastSeen as number) : undefined);
  }

  /**
   * Steps 2 to 4: publishes what the claimed devices owe, then settles each and gives its lease back.
   * A device whose close found the next outage already open (`reopened`: a fail beat reached its
   * threshold while its `device.up` was being published) is claimed again at once and its
   * `device.down` published in this same pass, not one sweep later (no stream filter matches a
   * settle). Claimed by compare-and-set like any other, so a crash in between leaves it to the next pass.
   */
  async deliver(claimed: readonly DeviceRecord[], lease: AlertLease, calendar: MaintenanceCalendar = MaintenanceCalendar.EMPTY): Promise<DeliveryReport> {
    const first = await this.deliverOnce(claimed, lease, calendar);
    const reopened = [...first.settled].filter(([, outcome]) => outcome === 'reopened').map(([deviceId]) => deviceId);
    if (reopened.length === 0) return first;
    // One strongly consistent read per reopened device: the fail that reopened it landed after our claim.
    const fresh: DeviceRecord[] = [];
    const readFailures = await this.forEach(
      reopened.map((deviceId) => ({ deviceId })),
      'reopened read',
      async ({ deviceId }) => {
        const device = await this.deps.store.getDevice(deviceId);
        if (device !== null) fresh.push(device);
      },
    );
    const claim = await this.claim(fresh, lease, calendar);
    // One more round at most: a device reopened again in it is left to the next pass.
    const next = await this.deliverOnce(claim.claimed, lease, calendar);
    return {
      alertsPublished: first.alertsPublished + next.alertsPublished,
      publishFailures: first.publishFailures + next.publishFailures,
      writeFailures: first.writeFailures + readFailures + claim.writeFailures + next.writeFailures,
      settled: new Map([...first.settled, ...next.settled]),
      historyFailures: first.historyFailures + claim.historyFailures + next.historyFailures,
    };
  }

  /** One round of steps 2 to 4 over `claimed`. */
  private async deliverOnce(claimed: readonly DeviceRecord[], lease: AlertLease, calendar: MaintenanceCalendar): Promise<DeliveryReport> {
    if (claimed.length === 0) return { alertsPublished: 0, publishFailures: 0, writeFailures: 0, settled: new Map(), historyFailures: 0 };
    const { downAnnounced, upAnnounced, reminded, alerts, failures } = await this.publishDue(claimed, this.deps.clock.now(), calendar);
    // Closed before the settle, so a close that fails is settled as owed and kept on the record.
    const owed = await this.closeRecovered(claimed.filter((device) => upAnnounced.has(device.deviceId)));
    const settled = new Map<string, SettleOutcome>();
    const writeFailures = await this.forEach(claimed, 'settle', async (device) => {
      // CAS: the lease is still ours and the outage the same.
      const outcome = await this.deps.store.settleAlerts(device.deviceId, device.downSince as number, lease.owner, {
        downAlerted: device.downAlerted || downAnnounced.has(device.deviceId),
        closed: upAnnounced.has(device.deviceId),
        ...(reminded.has(device.deviceId) ? { remindersSent: reminded.get(device.deviceId) } : {}),
        ...(owed.has(device.deviceId) ? { closeOwed: owed.get(device.deviceId) } : {}),
      });
      settled.set(device.deviceId, outcome);
    });
    const historyFailures = owed.size + (await this.recordOpenings(claimed, downAnnounced, settled));
    return { alertsPublished: alerts, publishFailures: failures, writeFailures, settled, historyFailures };
  }

  /**
   * Step 4a: closes in the history each outage whose `device.up` went out, at its recovery beat.
   * Returns the closes that failed, by device: the settle keeps them on the record as owed, and a
   * later pass writes them (at least once; the write is idempotent, so once in effect).
   */
  private async closeRecovered(recovered: readonly DeviceRecord[]): Promise<Map<string, OwedClose>> {
    const owed = new Map<string, OwedClose>();
    const now = this.deps.clock.now();
    await this.forEach(recovered, 'history close', async (device) => {
      const incident = closedIncident(device, now);
      try {
        await this.deps.history.closed(incident);
      } catch (error) {
        owed.set(device.deviceId, { downSince: incident.downSince, upAt: incident.upAt ?? now, reason: incident.reason });
        throw error; // logged by forEach
      }
    });
    return owed;
  }

  /**
   * Step 5, only where a state change was settled, so a sweep that changes nothing writes no
   * history, and a beat never does: an outage enters the history when its `device.down` went out
   * and was recorded. Idempotent, so a retried announcement records the same incident once; an
   * opening that fails is rebuilt by the outage's close (which writes the whole incident).
   */
  private async recordOpenings(claimed: readonly DeviceRecord[], downAnnounced: ReadonlySet<string>, settled: ReadonlyMap<string, SettleOutcome>): Promise<number> {
    const opened = claimed.filter((device) => {
      const outcome = settled.get(device.deviceId);
      return outcome !== undefined && outcome !== 'lease-lost' && !device.downAlerted && downAnnounced.has(device.deviceId);
    });
    return this.forEach(opened, 'history opening', (device) => this.deps.history.announced(device));
  }

  /** Publishes downs (aggregated into storms) first, then the recoveries whose down is out, then reminders. */
  private async publishDue(claimed: readonly DeviceRecord[], now: number, calendar: MaintenanceCalendar) {
    const downs: DeviceDownAlert[] = [];
    const ups = new Map<string, DeviceUpAlert>();
    const reminders: DeviceStillDownAlert[] = [];
    for (const device of claimed) {
      const due = dueAlerts(device, now, this.deps.settings, calendar);
      if (due.down) downs.push(due.down);
      if (due.up) ups.set(device.deviceId, due.up);
      if (due.reminder) reminders.push(due.reminder);
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
      this.logFailures(result.failures);
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
      this.logFailures(result.failures);
    }

    // Reminders of outages that stay down: a failed one is simply due again at the next sweep.
    const reminded = new Map<string, number>();
    if (reminders.length > 0) {
      const result = await this.deps.publisher.publish(reminders);
      for (const reminder of reminders) {
        if (!result.delivered.has(reminder)) continue;
        alerts++;
        reminded.set(reminder.deviceId, reminder.reminder);
      }
      failures += result.failures.length;
      this.logFailures(result.failures);
    }
    return { downAnnounced, upAnnounced, reminded, alerts, failures };
  }

  private logFailures(failures: readonly { alert: Alert; error: string }[]): void {
    for (const f of failures) this.deps.logger.error('alert not delivered; the next sweep retries it', { type: f.alert.type, error: f.error });
  }

  /**
   * Runs one write per device; at most `writeConcurrency` writes of this outbox are in flight, whatever
   * the number of concurrent callers (a sweep's segments). An error skips that device. Returns how many failed.
   */
  private async forEach<T extends { readonly deviceId: string }>(devices: readonly T[], step: string, write: (device: T) => Promise<void>): Promise<number> {
    let failed = 0;
    await Promise.all(
      devices.map((device) =>
        this.writes.run(async () => {
          try {
            await write(device);
          } catch (error) {
            failed++;
            // History: a failed close is kept on the record and written by a later pass; a failed
            // opening is rebuilt by the close. Anything else: the lease runs out and a later caller retries.
            const consequence = step.includes('history') ? 'a later pass or the outage\'s close writes it' : 'the device is retried by the next sweep';
            this.deps.logger.warn(`${step} write failed; ${consequence}`, {
              deviceId: device.deviceId,
              error: error instanceof Error ? error.message : String(error),
            });
          }
        }),
      ),
    );
    return failed;
  }
}
