/**
 * Outage history: one incident record per outage, the pages of it that operators read, and the
 * uptime figures computed from it. Pure: no SDK, no clock of its own (every `now` is passed in).
 */
import { incidentId, type DeviceRecord, type DownReason } from './model';

/** One outage as the history keeps it. Times are epoch ms. */
export interface IncidentRecord {
  readonly deviceId: string;
  readonly group: string | null;
  readonly reason: DownReason;
  /** Start of the outage: the deadline of a timeout, the beat of a `fail`. */
  readonly downSince: number;
  /** The recovery (first `ok` beat); null while the outage is open. */
  readonly upAt: number | null;
  /** The device's last message when the outage was announced. */
  readonly message: string | null;
}

/** An incident as the API shows it (`Incident` in the contract). */
export interface IncidentView {
  readonly incidentId: string;
  readonly deviceId: string;
  readonly group: string | null;
  readonly reason: DownReason;
  readonly downSince: string;
  readonly upAt: string | null;
  readonly downForSeconds: number | null;
  readonly message: string | null;
}

/** The API's view of an incident. */
export function incidentView(incident: IncidentRecord): IncidentView {
  return {
    incidentId: incidentId(incident.deviceId, incident.downSince),
    deviceId: incident.deviceId,
    group: incident.group,
    reason: incident.reason,
    downSince: new Date(incident.downSince).toISOString(),
    upAt: incident.upAt === null ? null : new Date(incident.upAt).toISOString(),
    downForSeconds: incident.upAt === null ? null : Math.floor((incident.upAt - incident.downSince) / 1000),
    message: incident.message,
  };
}

/** The incident a device's open outage becomes once its `device.down` is announced. */
export function openedIncident(device: DeviceRecord): IncidentRecord {
  if (device.downSince === null) throw new Error(`device ${device.deviceId} has no open outage`);
  return {
    deviceId: device.deviceId,
    group: device.group,
    reason: device.downReason ?? 'timeout',
    downSince: device.downSince,
    upAt: null,
    message: device.message,
  };
}

/** The incident once its `device.up` is announced: closed at the recovery beat. */
export function closedIncident(device: DeviceRecord, now: number): IncidentRecord {
  return { ...openedIncident(device), upAt: device.recoveredAt ?? now };
}

/** A half-open span of time [from, to), epoch ms. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

/** The windows `GET /v1/devices/{id}` reports uptime over, in days. */
export const UPTIME_WINDOWS = { '1d': 1, '7d': 7, '30d': 30 } as const;

/** Uptime over each window: the fraction of it (0 to 1) the device was not down; null when nothing was observed. */
export type UptimeView = { readonly [W in keyof typeof UPTIME_WINDOWS]: number | null };

/** Sorted, non-overlapping spans covering the same time as `spans`, each cut to [from, to). */
function normalize(spans: readonly Span[], from: number, to: number): Span[] {
  const cut = spans
    .map((s) => ({ from: Math.max(s.from, from), to: Math.min(s.to, to) }))
    .filter((s) => s.to > s.from)
    .sort((a, b) => a.from - b.from);
  const merged: Span[] = [];
  for (const span of cut) {
    const last = merged[merged.length - 1];
    if (last !== undefined && span.from <= last.to) merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, span.to) };
    else merged.push(span);
  }
  return merged;
}

const length = (spans: readonly Span[]) => spans.reduce((sum, s) => sum + (s.to - s.from), 0);

/** Time covered by both sets of spans (each already normalized). */
function overlap(a: readonly Span[], b: readonly Span[]): number {
  let total = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Span;
    const y = b[j] as Span;
    total += Math.max(0, Math.min(x.to, y.to) - Math.max(x.from, y.from));
    if (x.to < y.to) i++;
    else j++;
  }
  return total;
}

/** What the uptime of one device is computed from. */
export interface UptimeInput {
  readonly now: number;
  /** The device's first beat; null: it never beat, so there is no uptime. */
  readonly firstSeen: number | null;
  /** Its outages (an open one has `upAt` null: down until now). */
  readonly incidents: readonly Pick<IncidentRecord, 'downSince' | 'upAt'>[];
  /** Time that does not count either way: paused, in a maintenance window. */
  readonly excluded: readonly Span[];
}

/**
 * The fraction of `[max(now - windowMs, firstSeen), now)` the device was not down, leaving out
 * excluded time. Null before the first beat, and when no time of the window counts.
 */
export function uptimeOver(windowMs: number, input: UptimeInput): number | null {
  if (input.firstSeen === null) return null;
  const from = Math.max(input.now - windowMs, input.firstSeen);
  const to = input.now;
  if (to <= from) return null;
  const excluded = normalize(input.excluded, from, to);
  const observed = to - from - length(excluded);
  if (observed <= 0) return null;
  const down = normalize(
    input.incidents.map((i) => ({ from: i.downSince, to: i.upAt ?? to })),
    from,
    to,
  );
  const downCounted = length(down) - overlap(down, excluded);
  return Math.min(1, Math.max(0, 1 - downCounted / observed));
}

/** Uptime over every window of the contract. */
export function uptimeView(input: UptimeInput): UptimeView {
  const day = 86_400_000;
  return {
    '1d': uptimeOver(UPTIME_WINDOWS['1d'] * day, input),
    '7d': uptimeOver(UPTIME_WINDOWS['7d'] * day, input),
    '30d': uptimeOver(UPTIME_WINDOWS['30d'] * day, input),
  };
}

/** The longest uptime window, in ms: how far back the history of one device must be read. */
export const LONGEST_UPTIME_WINDOW_MS = UPTIME_WINDOWS['30d'] * 86_400_000;

/** Paged reads of the history allow at most this many incidents a page. */
export const MAX_INCIDENT_PAGE = 500;

/** What the alert outbox writes to the outage history: an announced outage, and its recovery. */
export interface OutageRecorder {
  /** The outage's `device.down` went out: the outage enters the history. Idempotent. */
  announced(device: DeviceRecord): Promise<void>;
  /** The outage's `device.up` went out: the history closes it at `incident.upAt`. Idempotent. */
  closed(incident: IncidentRecord): Promise<void>;
}

/**
 * The recorder of a runtime that keeps no outage history (the simulator; tests about alerts only).
 * Passing it is a choice a reader sees, never a forgotten argument: it records nothing and never fails.
 */
export const NO_OUTAGE_HISTORY: OutageRecorder = { announced: async () => {}, closed: async () => {} };

/**
 * Writes and reads of the outage history, for the sweep (announced, recovered), the operator
 * routes (pauses, pages, uptime) and nobody else: a beat never touches it.
 */
export class OutageHistory implements OutageRecorder {
  constructor(
    private readonly deps: {
      readonly store: import('./ports').IncidentStore;
      /** Days a closed outage or an ended pause is kept. */
      readonly historyDays: number;
    },
  ) {}

  private expiresAt(ms: number): number {
    return Math.floor(ms / 1000) + this.deps.historyDays * 86_400;
  }

  /** The outage's `device.down` went out: the outage enters the history. */
  announced(device: DeviceRecord): Promise<void> {
    return this.deps.store.recordOpened(openedIncident(device));
  }

  /** The outage's `device.up` went out: the history closes it at its recovery (`incident.upAt`). */
  closed(incident: IncidentRecord): Promise<void> {
    if (incident.upAt === null) return Promise.reject(new Error(`incident of ${incident.deviceId} has no recovery time`));
    return this.deps.store.recordClosed(incident, this.expiresAt(incident.upAt));
  }

  /** The outage's `device.up` went out: the history closes it at the recovery beat. */
  recovered(device: DeviceRecord, now: number): Promise<void> {
    return this.closed(closedIncident(device, now));
  }

  /** An operator paused (true) or resumed (false) the device at `now`: that time counts for no uptime. */
  pauseChanged(deviceId: string, paused: boolean, now: number): Promise<void> {
    return paused ? this.deps.store.recordPaused(deviceId, now, this.expiresAt(now)) : this.deps.store.recordResumed(deviceId, now, this.expiresAt(now));
  }

  /**
   * Uptime of a device over 1, 7 and 30 days, from its incidents and pauses; `alsoExcluded` adds
   * other time that counts neither way (the maintenance windows that covered the device).
   */
  async uptime(device: DeviceRecord, now: number, alsoExcluded: readonly Span[] = []): Promise<UptimeView> {
    if (device.firstSeen === null) return uptimeView({ now, firstSeen: null, incidents: [], excluded: [] });
    const since = now - LONGEST_UPTIME_WINDOW_MS;
    const [incidents, pauses] = await Promise.all([this.deps.store.incidentsSince(device.deviceId, since), this.deps.store.pausesSince(device.deviceId, since)]);
    const excluded: Span[] = [...pauses.map((p) => ({ from: p.from, to: p.to ?? now })), ...alsoExcluded];
    return uptimeView({ now, firstSeen: device.firstSeen, incidents, excluded });
  }

  /** One page of a device's incidents, newest first. */
  deviceIncidents(deviceId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<import('./ports').IncidentPage> {
    return this.deps.store.deviceIncidents(deviceId, page);
  }

  /** One page of the fleet's incidents open at or after `since`. */
  fleetIncidents(query: import('./ports').FleetIncidentQuery): Promise<import('./ports').IncidentPage> {
    return this.deps.store.fleetIncidents(query);
  }
}
