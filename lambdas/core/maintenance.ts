/**
 * Maintenance windows: planned periods in which some devices (a list, or a group) raise no
 * `device.down`. Beats are still recorded. When a window ends, a device that was silent during it
 * gets a new deadline counted from the window's end (`until + interval + grace`), computed by the
 * sweep from the windows it loads once (see `MaintenanceCalendar`), with no write to the device
 * unless it then goes down. A device that was down and announced before the window stays down, and
 * its recovery is announced as usual.
 */
import { graceSeconds, LIMITS, type DeviceRecord } from './model';
import type { Clock, MaintenanceStore, MaintenanceWindowSource } from './ports';
import { isValidDeviceId, isValidGroup, type Validated } from './validation';

/**
 * The window source of a runtime that keeps no maintenance windows (the simulator; tests about
 * something else). Passing it is a choice a reader sees: every device is always outside any window.
 */
export const NO_MAINTENANCE_WINDOWS: MaintenanceWindowSource = { listWindows: async () => [] };

/** One window as stored and as the core reasons about it (times in epoch ms). */
export interface MaintenanceWindow {
  readonly windowId: string;
  /** The devices it covers, or null when it covers a group. */
  readonly deviceIds: readonly string[] | null;
  readonly group: string | null;
  readonly from: number;
  /** Exclusive end; `DELETE` moves it to the time of the request. */
  readonly until: number;
  readonly reason: string | null;
}

/** `Window` as the API shows it: `deviceIds` or `group`, never both. */
export type WindowView = {
  readonly windowId: string;
  readonly from: string;
  readonly until: string;
  readonly reason: string | null;
} & ({ readonly deviceIds: readonly string[] } | { readonly group: string });

/** Limits of windows. */
export const MAINTENANCE_LIMITS = {
  /** The longest window: 30 days. */
  maxWindowMs: 30 * 86_400_000,
  maxDeviceIds: 100,
  maxReasonChars: 256,
  /** Windows not yet ended, at most (they are read by every sweep in one item). */
  maxOpenWindows: 50,
  /**
   * How long an ended window is kept: its end still sets deadlines (`until + interval + grace`)
   * until the longest interval plus grace has passed.
   */
  keepEndedMs: (LIMITS.maxIntervalSeconds + LIMITS.maxGraceSeconds) * 1000 + 86_400_000,
} as const;

/** The body of `POST /v1/maintenance`, validated. */
export interface WindowRequest {
  readonly deviceIds: readonly string[] | null;
  readonly group: string | null;
  readonly from: number;
  readonly until: number;
  readonly reason: string | null;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseTime(name: string, value: unknown): Validated<number> {
  if (typeof value !== 'string' || !ISO_8601.test(value) || Number.isNaN(Date.parse(value))) {
    return { ok: false, message: `"${name}" must be an ISO-8601 time with a zone, e.g. 2026-11-25T22:00:00Z.` };
  }
  return { ok: true, value: Date.parse(value) };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const WINDOW_FIELDS = ['deviceIds', 'group', 'from', 'until', 'reason'];

/** Checks a `POST /v1/maintenance` body: `deviceIds` or `group`, `from` < `until` <= `from` + 30 days, optional `reason`. */
export function validateWindowRequest(input: unknown): Validated<WindowRequest> {
  if (!isPlainObject(input)) return { ok: false, message: 'The body must be a JSON object.' };
  for (const key of Object.keys(input)) {
    if (!WINDOW_FIELDS.includes(key)) return { ok: false, message: `Unknown field "${key}"; allowed: ${WINDOW_FIELDS.join(', ')}.` };
  }
  const hasIds = input.deviceIds !== undefined;
  const hasGroup = input.group !== undefined;
  if (hasIds === hasGroup) return { ok: false, message: 'Give either "deviceIds" (a list) or "group", not both.' };
  let deviceIds: string[] | null = null;
  if (hasIds) {
    const ids = input.deviceIds;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAINTENANCE_LIMITS.maxDeviceIds) {
      return { ok: false, message: `"deviceIds" must be a list of 1 to ${MAINTENANCE_LIMITS.maxDeviceIds} device ids.` };
    }
    const bad = ids.find((id) => !isValidDeviceId(id));
    if (bad !== undefined) return { ok: false, message: '"deviceIds" must hold device ids of 1-128 characters of A-Z a-z 0-9 . _ : -' };
    deviceIds = [...new Set(ids as string[])];
  }
  if (hasGroup && !isValidGroup(input.group)) return { ok: false, message: '"group" must be 1-64 characters of A-Z a-z 0-9 . _ : -' };
  const from = parseTime('from', input.from);
  if (!from.ok) return from;
  const until = parseTime('until', input.until);
  if (!until.ok) return until;
  if (until.value <= from.value) return { ok: false, message: '"until" must be after "from".' };
  if (until.value - from.value > MAINTENANCE_LIMITS.maxWindowMs) return { ok: false, message: '"until" must be at most 30 days after "from".' };
  const reason = input.reason;
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || [...reason].length > MAINTENANCE_LIMITS.maxReasonChars)) {
    return { ok: false, message: `"reason" must be a string of at most ${MAINTENANCE_LIMITS.maxReasonChars} characters.` };
  }
  return {
    ok: true,
    value: { deviceIds, group: hasGroup ? (input.group as string) : null, from: from.value, until: until.value, reason: typeof reason === 'string' ? reason : null },
  };
}

/** The window as the API shows it. */
export function windowView(window: MaintenanceWindow): WindowView {
  const common = { windowId: window.windowId, from: new Date(window.from).toISOString(), until: new Date(window.until).toISOString(), reason: window.reason };
  return window.deviceIds !== null ? { ...common, deviceIds: window.deviceIds } : { ...common, group: window.group as string };
}

/** Whether a window names this device (by id or by its group). */
export function windowCovers(window: MaintenanceWindow, device: Pick<DeviceRecord, 'deviceId' | 'group'>): boolean {
  if (window.deviceIds !== null) return window.deviceIds.includes(device.deviceId);
  return device.group !== null && device.group === window.group;
}

/**
 * The windows one sweep (or one batch of stream records) works with, loaded once: which devices are
 * in maintenance at `now`, and the deadline a device has once its windows ended.
 */
export class MaintenanceCalendar {
  /** No windows at all. */
  static readonly EMPTY = new MaintenanceCalendar([]);

  constructor(readonly windows: readonly MaintenanceWindow[]) {}

  /** True while an active window (`from <= now < until`) covers the device: it raises no `device.down`. */
  inMaintenance(device: Pick<DeviceRecord, 'deviceId' | 'group'>, now: number): boolean {
    return this.windows.some((w) => w.from <= now && now < w.until && windowCovers(w, device));
  }

  /**
   * The deadline that counts at `now`: the stored one, or, when a window that covered the device
   * has ended since the device's last beat, `until + interval + grace` of the latest such window if
   * that is later. A device that beat after the window has a deadline from that beat already.
   */
  effectiveDeadline(device: DeviceRecord, now: number): number | null {
    if (device.deadline === null) return null;
    let deadline = device.deadline;
    const spanMs = (device.intervalSeconds + graceSeconds(device)) * 1000;
    for (const w of this.windows) {
      if (w.until > now || !windowCovers(w, device)) continue;
      if (device.lastSeen !== null && device.lastSeen >= w.until) continue;
      // Only a window the device was silent into: its deadline fell after the window began.
      if (device.deadline < w.from) continue;
      deadline = Math.max(deadline, w.until + spanMs);
    }
    return deadline;
  }
}

/** A window id as this service issues them (a UUID); anything else in a path is not one. */
export const WINDOW_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What an operator does with maintenance windows: plan one, list those not yet ended, end one now. */
export class MaintenancePlanner {
  constructor(
    private readonly deps: {
      readonly store: MaintenanceStore;
      readonly clock: Clock;
      readonly newWindowId?: () => string;
    },
  ) {}

  /** Adds a window; refuses one that has already ended or one over the limit of open windows. */
  async add(request: WindowRequest): Promise<Validated<WindowView>> {
    const now = this.deps.clock.now();
    if (request.until <= now) return { ok: false, message: '"until" must be in the future.' };
    const windows = await this.deps.store.listWindows();
    if (windows.filter((w) => w.until > now).length >= MAINTENANCE_LIMITS.maxOpenWindows) {
      return { ok: false, message: `At most ${MAINTENANCE_LIMITS.maxOpenWindows} windows may be open at once; end one first (DELETE /v1/maintenance/{windowId}).` };
    }
    const forget = windows.filter((w) => w.until + MAINTENANCE_LIMITS.keepEndedMs < now).map((w) => w.windowId);
    const window: MaintenanceWindow = { windowId: (this.deps.newWindowId ?? (() => globalThis.crypto.randomUUID()))(), ...request };
    await this.deps.store.addWindow(window, forget);
    return { ok: true, value: windowView(window) };
  }

  /** The windows not yet ended, earliest first. */
  async list(): Promise<WindowView[]> {
    const now = this.deps.clock.now();
    return (await this.deps.store.listWindows())
      .filter((w) => w.until > now)
      .sort((a, b) => a.from - b.from || a.windowId.localeCompare(b.windowId))
      .map(windowView);
  }

  /** Ends a window now; false when there is no such window not yet ended. */
  async end(windowId: string): Promise<boolean> {
    return this.deps.store.endWindow(windowId, this.deps.clock.now());
  }
}
