/**
 * What operators do to the fleet: look at devices, register, pause, resume, re-time and forget them.
 */
import { EMPTY_GAPS, type Detection } from './adaptive-detection';
import { failThresholdOf, graceSeconds, recoverAfterOf, statusOf, type DeviceRecord, type DeviceStatus, type MonitorSettings } from './model';
import { incidentView, MAX_INCIDENT_PAGE, type IncidentView, type OutageHistory, type UptimeView } from './history';
import { MaintenanceCalendar, windowCovers, type MaintenanceWindow } from './maintenance';
import type { Clock, DeviceQuery, DeviceStore, FleetSummary, MaintenanceWindowSource } from './ports';
import type { DevicePatchBody } from './validation';

/** A device as the API shows it (`Device` in the contract); absent values are null. */
export interface DeviceView {
  readonly deviceId: string;
  readonly status: DeviceStatus;
  readonly group: string | null;
  readonly interval: number;
  readonly grace: number;
  readonly lastSeen: string | null;
  readonly deadline: string | null;
  readonly downSince: string | null;
  readonly beats: number;
  readonly message: string | null;
  readonly meta: Record<string, unknown> | null;
  /** The failThreshold in force: the device's own, else the deployment's. */
  readonly failThreshold: number;
  /** The recoverAfter (seconds) in force: the device's own, else the deployment's. */
  readonly recoverAfter: number;
  /** `fixed`: down at `deadline`; `adaptive`: also down as soon as the silence is improbable for this device (never after `deadline`). */
  readonly detection: Detection;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A device as the API shows it; `settings` supply the alert rules a device did not set itself.
 * `windows` at `now`: the deadline shown is the one the sweep holds the device to, so a device that
 * was silent through a maintenance window that has ended shows its deadline counted from the window's end.
 */
export function deviceView(
  device: DeviceRecord,
  settings: Pick<MonitorSettings, 'defaultFailThreshold' | 'defaultRecoverAfterSeconds'>,
  windows: { readonly calendar: MaintenanceCalendar; readonly now: number } = { calendar: MaintenanceCalendar.EMPTY, now: 0 },
): DeviceView {
  return {
    deviceId: device.deviceId,
    status: statusOf(device),
    group: device.group,
    interval: device.intervalSeconds,
    grace: graceSeconds(device),
    lastSeen: iso(device.lastSeen),
    deadline: iso(windows.calendar.effectiveDeadline(device, windows.now)),
    // Only a device that is down now shows when its outage began (a reached run of fails: its first fail).
    downSince: device.state === 'down' ? iso(device.downSince ?? device.failingSince) : null,
    beats: device.beats,
    message: device.message,
    meta: device.meta,
    failThreshold: failThresholdOf(device, settings),
    recoverAfter: recoverAfterOf(device, settings),
    detection: device.detection,
  };
}

/** A device an operator registers before its first beat: status `new`, no deadline, no alert until it beats. */
export function newDevice(deviceId: string, settings: MonitorSettings): DeviceRecord {
  return {
    deviceId,
    state: 'new',
    paused: false,
    group: null,
    intervalSeconds: settings.defaultIntervalSeconds,
    explicitGraceSeconds: settings.defaultGraceSeconds,
    lastSeen: null,
    firstSeen: null,
    deadline: null,
    downSince: null,
    downReason: null,
    downAlerted: false,
    recoveredAt: null,
    failsLeft: null,
    failingSince: null,
    endedFailRunSince: null,
    failThreshold: null,
    recoverAfterSeconds: null,
    beats: 0,
    message: null,
    meta: null,
    remindersSent: 0,
    closesOwed: [],
    lease: null,
    detection: 'fixed',
    gaps: EMPTY_GAPS,
  };
}

/**
 * The record after an operator's change at `now`. Resuming starts a new deadline from `now`, and
 * forgets an outage that was never announced: nothing that happened while paused is announced. An
 * outage announced before the pause stays open, so its recovery is still announced. A new
 * failThreshold counts from the device's next run of fails; a run going on keeps its count.
 */
export function applyPatch(previous: DeviceRecord, patch: DevicePatchBody, now: number, settings: MonitorSettings): DeviceRecord {
  const intervalSeconds = patch.interval ?? previous.intervalSeconds;
  const explicitGraceSeconds = patch.grace === undefined ? previous.explicitGraceSeconds : (patch.grace ?? settings.defaultGraceSeconds);
  const paused = patch.paused ?? previous.paused;
  const spanMs = (intervalSeconds + (explicitGraceSeconds ?? intervalSeconds)) * 1000;
  const resumed = previous.paused && !paused;
  let deadline = previous.deadline;
  if (previous.lastSeen !== null) {
    if (resumed) deadline = now + spanMs;
    else if (intervalSeconds !== previous.intervalSeconds || explicitGraceSeconds !== previous.explicitGraceSeconds) {
      deadline = previous.lastSeen + spanMs;
    }
  }
  const next: DeviceRecord = {
    ...previous,
    intervalSeconds,
    explicitGraceSeconds,
    group: patch.group === undefined ? previous.group : patch.group,
    paused,
    deadline,
    failThreshold: patch.failThreshold === undefined ? previous.failThreshold : patch.failThreshold,
    recoverAfterSeconds: patch.recoverAfter === undefined ? previous.recoverAfterSeconds : patch.recoverAfter,
    detection: patch.detection ?? previous.detection,
  };
  // A sweep that still holds the lease may be publishing this outage's down right now: keep it then.
  const leaseLive = previous.lease !== null && previous.lease.until > now;
  const unannounced =
    (previous.downSince !== null && !previous.downAlerted) || (previous.downSince === null && (previous.failsLeft !== null || previous.endedFailRunSince !== null));
  if (resumed && unannounced && !leaseLive) {
    return {
      ...next,
      state: previous.lastSeen === null ? 'new' : 'up',
      downSince: null,
      downReason: null,
      recoveredAt: null,
      failsLeft: null,
      failingSince: null,
      endedFailRunSince: null,
    };
  }
  return next;
}

/** The body of `GET /v1/health`. */
export interface HealthView {
  readonly ok: boolean;
  readonly lastSweepAt: string | null;
  /** Seconds between sweeps, so a watcher (`heartbeat doctor`) can tell a stopped sweep from a slow one; null when unknown. */
  readonly sweepEverySeconds: number | null;
  readonly devices: { readonly new: number; readonly up: number; readonly down: number; readonly paused: number };
}

/** The health answer from the summary the sweep wrote (null before the first sweep). */
export function healthView(summary: FleetSummary | null, sweepEverySeconds: number | null = null): HealthView {
  return {
    ok: true,
    lastSweepAt: summary ? new Date(summary.lastSweepAt).toISOString() : null,
    sweepEverySeconds,
    devices: summary?.counts ?? { new: 0, up: 0, down: 0, paused: 0 },
  };
}

/** `GET /v1/devices/{deviceId}`: the device and its uptime. */
export type DeviceDetailView = DeviceView & { readonly uptime?: UptimeView };

/** A page of incidents as the API shows it. */
export interface IncidentPageView {
  readonly incidents: IncidentView[];
  readonly cursor: string | null;
}

/** How far back `GET /v1/incidents` looks when `since` is not given. */
export const DEFAULT_INCIDENTS_SINCE_MS = 24 * 3_600_000;

/** Operator actions on the fleet. */
export class FleetManager {
  constructor(
    private readonly deps: {
      readonly store: DeviceStore;
      readonly clock: Clock;
      readonly settings: MonitorSettings;
      /** The sweep period the health answer reports; unknown when absent. */
      readonly sweepEverySeconds?: number | null;
      /** The outage history; `null` (a runtime that keeps none: say so) means no uptime and no incident route. */
      readonly history: OutageHistory | null;
      /** Maintenance windows: the time one covered a device counts for no uptime (as long as the store keeps the window). */
      readonly maintenance: MaintenanceWindowSource;
    },
  ) {
    // The types require both; this catches a caller the types cannot see (plain JavaScript, a cast).
    if (deps.history === undefined) throw new Error('FleetManager needs a history: pass null where the runtime keeps none');
    if (deps.maintenance === undefined) throw new Error('FleetManager needs a window source: pass NO_MAINTENANCE_WINDOWS where the runtime keeps none');
  }

  /** The maintenance windows the store keeps, read once per request. */
  private windows(): Promise<readonly MaintenanceWindow[]> {
    return this.deps.maintenance.listWindows();
  }

  /** How the views of one request see the maintenance windows. */
  private windowsAt(windows: readonly MaintenanceWindow[]): { readonly calendar: MaintenanceCalendar; readonly now: number } {
    return { calendar: windows.length === 0 ? MaintenanceCalendar.EMPTY : new MaintenanceCalendar(windows), now: this.deps.clock.now() };
  }

  async get(deviceId: string): Promise<DeviceDetailView | null> {
    const device = await this.deps.store.getDevice(deviceId);
    if (!device) return null;
    const windows = await this.windows();
    const view = deviceView(device, this.deps.settings, this.windowsAt(windows));
    if (!this.deps.history) return view;
    const covering = windows.filter((w) => windowCovers(w, device)).map((w) => ({ from: w.from, to: w.until }));
    return { ...view, uptime: await this.deps.history.uptime(device, this.deps.clock.now(), covering) };
  }

  /** A device's outages, newest first; null when the device is unknown (or there is no history). */
  async deviceIncidents(deviceId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<IncidentPageView | null> {
    const { history, store } = this.deps;
    if (!history || !(await store.getDevice(deviceId))) return null;
    const found = await history.deviceIncidents(deviceId, { limit: Math.min(page.limit, MAX_INCIDENT_PAGE), ...(page.cursor ? { cursor: page.cursor } : {}) });
    return { incidents: found.incidents.map(incidentView), cursor: found.cursor };
  }

  /** Outages of the fleet (or one group) open at or after `since` (default: 24 hours ago); null without history. */
  async fleetIncidents(query: { readonly since?: number; readonly group?: string; readonly limit: number; readonly cursor?: string }): Promise<IncidentPageView | null> {
    const { history, clock } = this.deps;
    if (!history) return null;
    const found = await history.fleetIncidents({
      since: query.since ?? clock.now() - DEFAULT_INCIDENTS_SINCE_MS,
      limit: Math.min(query.limit, MAX_INCIDENT_PAGE),
      ...(query.group !== undefined ? { group: query.group } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return { incidents: found.incidents.map(incidentView), cursor: found.cursor };
  }

  async list(query: DeviceQuery): Promise<{ devices: DeviceView[]; cursor: string | null }> {
    const [page, windows] = await Promise.all([this.deps.store.listDevices(query), this.windows()]);
    const at = this.windowsAt(windows);
    return { devices: page.devices.map((device) => deviceView(device, this.deps.settings, at)), cursor: page.cursor };
  }

  /** Registers (created: true) or changes a device. */
  async configure(deviceId: string, patch: DevicePatchBody): Promise<{ device: DeviceView; created: boolean }> {
    const { settings, clock } = this.deps;
    const now = clock.now();
    const expiresAtSeconds = Math.floor(now / 1000) + settings.retentionDays * 86_400;
    let wasPaused = false;
    const result = await this.deps.store.configureDevice(
      deviceId,
      (previous) => {
        wasPaused = previous?.paused ?? false;
        return applyPatch(previous ?? newDevice(deviceId, settings), patch, now, settings);
      },
      expiresAtSeconds,
    );
    // Paused time counts for no uptime: the history keeps when each pause began and ended.
    if (this.deps.history && result.device.paused !== wasPaused) await this.deps.history.pauseChanged(deviceId, result.device.paused, now);
    return { device: deviceView(result.device, settings, this.windowsAt(await this.windows())), created: result.created };
  }

  async delete(deviceId: string): Promise<boolean> {
    return this.deps.store.deleteDevice(deviceId);
  }

  async health(): Promise<HealthView> {
    return healthView(await this.deps.store.readSummary(), this.deps.sweepEverySeconds ?? null);
  }
}
