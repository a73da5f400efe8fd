/**
 * The device model of the heartbeat service: the words of the contract as types.
 * Times are epoch milliseconds inside the core; they become ISO-8601 strings only at the edges.
 */
import type { Detection } from './adaptive-detection';
import { CORE_SETTING_KEYS, SETTINGS, type CoreSettingKey, type SettingValue } from './settings-catalog';

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

/**
 * The history write that closes an announced outage, still owed: the `device.up` went out but the
 * write failed. The record keeps it until a later pass of the outbox writes it (idempotent).
 */
export interface OwedClose {
  /** The outage's start (its incident's key). */
  readonly downSince: number;
  /** Its recovery: the end the incident is closed at. */
  readonly upAt: number;
  readonly reason: DownReason;
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
  /** Receive time of the first beat ever (uptime counts from it); `null` until the first beat. */
  readonly firstSeen: number | null;
  /** When silence turns into an outage; `null` until the first beat. */
  readonly deadline: number | null;
  /** Start of the current outage (deadline for a timeout, beat time for a fail); `null` when none is open. */
  readonly downSince: number | null;
  readonly downReason: DownReason | null;
  /** The `device.down` alert of the open outage has been published. */
  readonly downAlerted: boolean;
  /** Receive time of the first `ok` beat since the device last went down or reported a `fail` (the recovery time). */
  readonly recoveredAt: number | null;
  /** `fail` beats still needed to open an outage in the current run of fails (0 or less: reached); `null` when no run is going on. */
  readonly failsLeft: number | null;
  /** Receive time of the first `fail` of the current run of fails; a run that reaches the threshold is an outage from here. */
  readonly failingSince: number | null;
  /**
   * First fail of a run that reached its threshold and was ended by an `ok` beat before its outage
   * was recorded; the alert outbox still records and announces it. `null` when there is none.
   */
  readonly endedFailRunSince: number | null;
  /** Consecutive `fail` beats that open an outage, set for this device; `null`: the deployment's default. */
  readonly failThreshold: number | null;
  /** Seconds a recovered device must stay up before its `device.up`, set for this device; `null`: the deployment's default. */
  readonly recoverAfterSeconds: number | null;
  /** How silence is judged: the fixed deadline alone, or also the suspicion level of the silence (adaptive-detection.ts). */
  readonly detection: Detection;
  /** The last gaps between beats, ms, newest first (0: none yet); kept by every beat, used when `detection` is adaptive. */
  readonly gaps: readonly number[];
  /** `device.still_down` reminders published for the open outage (0 when none, or no outage). */
  readonly remindersSent: number;
  /** History closes of past outages not yet written (oldest first); empty nearly always. */
  readonly closesOwed: readonly OwedClose[];
  readonly beats: number;
  readonly message: string | null;
  readonly meta: Record<string, unknown> | null;
  readonly lease: AlertLease | null;
}

/** The effective grace: explicit, or equal to the interval. */
export function graceSeconds(device: Pick<DeviceRecord, 'intervalSeconds' | 'explicitGraceSeconds'>): number {
  return device.explicitGraceSeconds ?? device.intervalSeconds;
}

/** The failThreshold in force for a device: its own, else the deployment's. */
export function failThresholdOf(device: Pick<DeviceRecord, 'failThreshold'>, settings: Pick<MonitorSettings, 'defaultFailThreshold'>): number {
  return device.failThreshold ?? settings.defaultFailThreshold;
}

/** The recoverAfter (seconds) in force for a device: its own, else the deployment's. */
export function recoverAfterOf(device: Pick<DeviceRecord, 'recoverAfterSeconds'>, settings: Pick<MonitorSettings, 'defaultRecoverAfterSeconds'>): number {
  return device.recoverAfterSeconds ?? settings.defaultRecoverAfterSeconds;
}

/** True when the current run of `fail` beats has reached the threshold: the device is down because it said so. */
export function failRunReached(device: Pick<DeviceRecord, 'failsLeft'>): boolean {
  return device.failsLeft !== null && device.failsLeft <= 0;
}

/**
 * Whether the store may reclaim this record once the retention period passes: never while an outage
 * is open (its recovery must still be announced) nor before the first beat (a registered device).
 */
export function expiresByRetention(device: Pick<DeviceRecord, 'lastSeen' | 'downSince' | 'failsLeft' | 'endedFailRunSince'>): boolean {
  return device.lastSeen !== null && device.downSince === null && !failRunReached(device) && device.endedFailRunSince === null;
}

/** The status a user sees. */
export function statusOf(device: Pick<DeviceRecord, 'state' | 'paused'>): DeviceStatus {
  return device.paused ? 'paused' : device.state;
}

/** Stable id of one outage: the same for every retry of its alerts, and carried by its `device.up`. */
export function incidentId(deviceId: string, downSince: number): string {
  return `${deviceId}:${new Date(downSince).toISOString()}`;
}

/** Limits of the contract. The ranges of interval and grace are those of their default settings (settings-catalog.ts). */
export const LIMITS = {
  deviceIdPattern: /^[A-Za-z0-9._:-]{1,128}$/,
  groupPattern: /^[A-Za-z0-9._:-]{1,64}$/,
  minIntervalSeconds: SETTINGS.defaultIntervalSeconds.min,
  maxIntervalSeconds: SETTINGS.defaultIntervalSeconds.max,
  minGraceSeconds: SETTINGS.defaultGraceSeconds.min,
  maxGraceSeconds: SETTINGS.defaultGraceSeconds.max,
  maxBodyBytes: 4096,
  maxMessageChars: 256,
  maxMetaBytes: 1024,
  minFailThreshold: SETTINGS.defaultFailThreshold.min,
  maxFailThreshold: SETTINGS.defaultFailThreshold.max,
  minRecoverAfterSeconds: SETTINGS.defaultRecoverAfterSeconds.min,
  maxRecoverAfterSeconds: SETTINGS.defaultRecoverAfterSeconds.max,
  /** `next` on a beat: one longer wait, up to a week (a sleepy device, a planned reboot). */
  minNextSeconds: 5,
  maxNextSeconds: 604_800,
} as const;

/**
 * Deployment-wide settings the core needs: the catalog entries marked `core` (settings-catalog.ts,
 * where each one is documented). Read and validated at the edge, never from the environment here.
 */
export type MonitorSettings = { readonly [K in CoreSettingKey]: SettingValue<K> };

/** Settings used when nothing is configured: the catalog's defaults. */
export const DEFAULT_SETTINGS: MonitorSettings = Object.fromEntries(
  CORE_SETTING_KEYS.map((key) => [key, SETTINGS[key].default]),
) as unknown as MonitorSettings;
