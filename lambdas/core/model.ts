/**
 * The device model of the heartbeat service: the words of the contract as types.
 * Times are epoch milliseconds inside the core; they become ISO-8601 strings only at the edges.
 */

/** Liveness as the service has observed it. Pausing is kept apart (see `DeviceRecord.paused`). */
export type LivenessState = 'new' | 'up' | 'down';

/** The status a user sees: the liveness state, or `paused` while an operator has muted the device. */
export type DeviceStatus = LivenessState | 'paused';

/** Why a device went down: it fell silent past its deadline, or it said so itself. */
export type DownReason = 'timeout' | 'fail';

/** A claim a sweeper holds on a device while it publishes the device's alerts. */
export interface AlertLease {
  /** Epoch ms after which another sweeper may take the alerts over (the holder crashed). */
  readonly until: number;
  /** Random id of the sweep that holds the lease. */
  readonly owner: string;
}

/** Everything the service stores about one device. */
export interface DeviceRecord {
  readonly deviceId: string;
  readonly state: LivenessState;
  /** Muted by an operator: beats are recorded, nothing alerts. */
  readonly paused: boolean;
  readonly group: string | null;
  readonly intervalSeconds: number;
  /** Grace set explicitly; `null` means the grace follows the interval. */
  readonly explicitGraceSeconds: number | null;
  /** Receive time of the last beat (server clock); `null` until the first beat. */
  readonly lastSeen: number | null;
  /** When silence turns into an outage; `null` until the first beat. */
  readonly deadline: number | null;
  /** Start of the current outage (deadline for a timeout, beat time for a fail); `null` when none is open. */
  readonly downSince: number | null;
  readonly downReason: DownReason | null;
  /** The `device.down` alert of the open outage has been published. */
  readonly downAlerted: boolean;
  /** Receive time of the first `ok` beat since the device last went down (the recovery time). */
  readonly recoveredAt: number | null;
  /**
   * Receive time of the first `fail` beat since a sweep last claimed this device's alerts. A fail
   * that lands while a sweep announces the recovery opens a new outage from here (see alert-outbox.ts).
   */
  readonly unsettledFailAt: number | null;
  readonly beats: number;
  readonly message: string | null;
  readonly meta: Record<string, unknown> | null;
  readonly lease: AlertLease | null;
}

/** The effective grace: explicit, or equal to the interval. */
export function graceSeconds(device: Pick<DeviceRecord, 'intervalSeconds' | 'explicitGraceSeconds'>): number {
  return device.explicitGraceSeconds ?? device.intervalSeconds;
}

/**
 * Whether the store may reclaim this record once the retention period passes: never while an outage
 * is open (its recovery must still be announced) nor before the first beat (a registered device).
 */
export function expiresByRetention(device: Pick<DeviceRecord, 'lastSeen' | 'downSince'>): boolean {
  return device.lastSeen !== null && device.downSince === null;
}

/** The status a user sees. */
export function statusOf(device: Pick<DeviceRecord, 'state' | 'paused'>): DeviceStatus {
  return device.paused ? 'paused' : device.state;
}

/** Stable id of one outage: the same for every retry of its alerts, and carried by its `device.up`. */
export function incidentId(deviceId: string, downSince: number): string {
  return `${deviceId}:${new Date(downSince).toISOString()}`;
}

const MAX_INTERVAL_SECONDS = 86_400;
const MAX_GRACE_SECONDS = 86_400;

/** Limits and defaults of the contract. */
export const LIMITS = {
  deviceIdPattern: /^[A-Za-z0-9._:-]{1,128}$/,
  groupPattern: /^[A-Za-z0-9._:-]{1,64}$/,
  minIntervalSeconds: 5,
  maxIntervalSeconds: MAX_INTERVAL_SECONDS,
  minGraceSeconds: 0,
  maxGraceSeconds: MAX_GRACE_SECONDS,
  maxBodyBytes: 4096,
  maxMessageChars: 256,
  maxMetaBytes: 1024,
  defaultIntervalSeconds: 60,
  defaultRetentionDays: 30,
  /**
   * Shortest retention anywhere: a day more than the longest deadline (interval + grace, 2 days), so a
   * silent device always turns down, which removes its TTL, before the TTL can reclaim it.
   */
  minRetentionDays: Math.ceil((MAX_INTERVAL_SECONDS + MAX_GRACE_SECONDS) / 86_400) + 1,
  maxRetentionDays: 3650,
  defaultStormThreshold: 25,
} as const;

/** Deployment-wide settings the core needs; read and validated at the edge, never from the environment here. */
export interface MonitorSettings {
  /** Interval of a device that never said otherwise. */
  readonly defaultIntervalSeconds: number;
  /** Grace of a device that never said otherwise; `null`: follows the interval. */
  readonly defaultGraceSeconds: number | null;
  /** A device silent this long is reclaimed by the store's TTL. */
  readonly retentionDays: number;
  /** More devices of one group going down in one sweep than this makes one `fleet.down`; 0 turns it off. */
  readonly stormThreshold: number;
}

/** Settings used when nothing is configured. */
export const DEFAULT_SETTINGS: MonitorSettings = {
  defaultIntervalSeconds: LIMITS.defaultIntervalSeconds,
  defaultGraceSeconds: null,
  retentionDays: LIMITS.defaultRetentionDays,
  stormThreshold: LIMITS.defaultStormThreshold,
};
