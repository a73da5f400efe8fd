/**
 * Ports: the small interfaces the core needs from the outside world.
 * Adapters (DynamoDB, SNS, local files, the system clock) implement them; the core never imports an adapter.
 */
import type { Alert } from './alerts';
import type { AlertLease, DeviceRecord, OwedClose } from './model';

/** Where time comes from. Tests pass a fake; runtimes pass the system clock. */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
}

/** A beat as the store must record it, in one write and without reading first. */
export interface BeatWrite {
  readonly deviceId: string;
  /** Server receive time, epoch ms. */
  readonly receivedAt: number;
  /** `fail`: the device reports itself unhealthy. */
  readonly healthy: boolean;
  readonly intervalSeconds?: number;
  readonly graceSeconds?: number;
  readonly message?: string;
  readonly meta?: Record<string, unknown>;
  /** This one time, the deadline is `next` (seconds) plus grace after the beat, not interval plus grace. */
  readonly nextSeconds?: number;
  /** The device's failThreshold from now on (stored; counts from the next run of fails if one is going on). */
  readonly failThreshold?: number;
  /** The device's recoverAfter from now on. */
  readonly recoverAfterSeconds?: number;
  /** The threshold a run of fails starts with when the device has none of its own. */
  readonly defaultFailThreshold: number;
  /** Used when the record has no interval (first beat). */
  readonly defaultIntervalSeconds: number;
  /** Used when the record has no explicit grace and the beat sets none; `null`: follows the interval. */
  readonly defaultGraceSeconds: number | null;
  /** Epoch seconds after which the store may reclaim the record. */
  readonly expiresAtSeconds: number;
}

/** The fleet summary the sweep writes and `GET /v1/health` reads. */
export interface FleetSummary {
  readonly lastSweepAt: number;
  readonly counts: { readonly new: number; readonly up: number; readonly down: number; readonly paused: number };
}

/** Filters for listing devices. */
export interface DeviceQuery {
  readonly status?: 'new' | 'up' | 'down' | 'paused';
  readonly group?: string;
  readonly limit: number;
  /** Opaque position returned by the previous page. */
  readonly cursor?: string;
  /** List the doctor's canary too (canary.ts); left out unless true: it is not part of the fleet. */
  readonly includeCanary?: boolean;
}

/**
 * What a settle wrote: `closed` (the outage ended), `reopened` (it ended, and a fail that landed
 * meanwhile opened the next one), `recorded` (what went out was noted, the outage stays open), or
 * `lease-lost` (another sweeper holds the device now and settles it).
 */
export type SettleOutcome = 'closed' | 'reopened' | 'recorded' | 'lease-lost';

/** The result of an attempted conditional change: the record after it, or `null` when the condition no longer held. */
export type ConditionalResult = DeviceRecord | null;

/** Persistence of devices. Every state change that can race is a compare-and-set. */
export interface DeviceStore {
  /** Records one beat in a single write; returns the record as it was before (null: first beat ever). */
  recordBeat(beat: BeatWrite): Promise<DeviceRecord | null>;

  /** Reads every device of one segment of the table, page by page. */
  scanSegment(segment: number, totalSegments: number): AsyncIterable<readonly DeviceRecord[]>;

  /**
   * Turns an `up` device `down` (timeout) and takes the alert lease, only if at write time it is
   * still up, not paused, has no open outage, and its deadline is before `now`. The outage starts at
   * the deadline, or at `downSince` when given (a later deadline set by an ended maintenance window,
   * or an adaptive device's earlier one). `silentSince`: an adaptive device judged overdue before its
   * deadline; then "its last beat is still `silentSince`" stands in for "its deadline passed".
   * Without `silentSince`, a given `downSince` is the deadline that counted, and is stored as the
   * device's deadline too (a window's later one: the device and its device.down show it).
   */
  markDown(deviceId: string, now: number, lease: AlertLease, downSince?: number, silentSince?: number): Promise<ConditionalResult>;

  /**
   * Records the outage of a run of fails that reached its threshold (it starts at `failingSince`,
   * reason `fail`) and takes the alert lease, only if at write time no outage is recorded, the device
   * is not paused, no live lease holds it, and the same run of fails is still reached. `ended`: the
   * run was ended by an `ok` beat before anyone recorded it (`endedFailRunSince`): the outage is
   * recorded as it was, and its recovery is then announced as usual. `downSince` (default
   * `failingSince`): where the outage starts, earlier when an ended run that reached its threshold
   * came just before this one (the device flapped: one outage from the first).
   */
  claimFailRun(deviceId: string, failingSince: number, now: number, lease: AlertLease, ended?: boolean, downSince?: number): Promise<ConditionalResult>;

  /**
   * Turns `down` again a device whose recovery from the outage at `downSince` was never announced and
   * which is silent past its deadline (a late sweep, or its recoverAfter not over yet), and takes the
   * alert lease: the outage goes on (the recovery is forgotten, no new `device.down`). Only if at
   * write time it is still so, unpaused, and no live lease holds it.
   */
  markDownAgain(deviceId: string, downSince: number, now: number, lease: AlertLease): Promise<ConditionalResult>;

  /**
   * Takes the alert lease of a device whose open outage started at `downSince`, unless another live
   * lease holds it or it is paused.
   */
  claimAlerts(deviceId: string, downSince: number, now: number, lease: AlertLease): Promise<ConditionalResult>;

  /**
   * After publishing: records what was delivered and gives the lease back (only while `owner` holds it).
   * `closed`: the `device.up` went out, so the outage ends (`reopened` when a run of fails reached
   * its threshold meanwhile: that is the next outage, which the outbox claims and announces in the same pass). `downAlerted`: the `device.down` went out.
   * `closeOwed` (with `closed`): the history write closing this outage failed; the record keeps it
   * (after any owed already) until `forgetOwedCloses`.
   */
  settleAlerts(
    deviceId: string,
    downSince: number,
    owner: string,
    outcome: {
      downAlerted: boolean;
      closed: boolean;
      /** Reminders of this outage published so far, when one went out. */
      remindersSent?: number;
      closeOwed?: OwedClose;
    },
  ): Promise<SettleOutcome>;

  /**
   * After the history closes in `owed` were written: forgets them, only if the record still owes
   * exactly those (a close owed since stays, and is written again by the next pass: the write is idempotent).
   */
  forgetOwedCloses(deviceId: string, owed: readonly OwedClose[]): Promise<void>;

  /** Reads one device. */
  getDevice(deviceId: string): Promise<DeviceRecord | null>;

  /**
   * Creates or changes a device's settings: reads the record, lets `apply` compute the new one, and
   * writes its settings back only if no beat came in between (else reads again and retries).
   */
  configureDevice(
    deviceId: string,
    apply: (previous: DeviceRecord | null) => DeviceRecord,
    expiresAtSeconds: number,
  ): Promise<{ device: DeviceRecord; created: boolean }>;

  /** Forgets a device; false when it was unknown. */
  deleteDevice(deviceId: string): Promise<boolean>;

  /** One page of devices. */
  listDevices(query: DeviceQuery): Promise<{ devices: DeviceRecord[]; cursor: string | null }>;

  /** Stores the fleet summary (one small item), unless a sweep that started later already did. */
  writeSummary(summary: FleetSummary): Promise<void>;

  /** Reads the fleet summary with one read; null before the first sweep. */
  readSummary(): Promise<FleetSummary | null>;
}

/** Where maintenance windows are kept (one small item: a sweep reads them all with one read). */
export interface MaintenanceStore {
  /** Every window kept: those not yet ended, and those ended recently enough to still set deadlines. */
  listWindows(): Promise<import('./maintenance').MaintenanceWindow[]>;
  /** Adds a window and forgets the windows in `forget` (ended long ago), in one write. */
  addWindow(window: import('./maintenance').MaintenanceWindow, forget: readonly string[]): Promise<void>;
  /** Ends a window at `now` (a window not yet begun is removed); false when it is unknown or has ended. */
  endWindow(windowId: string, now: number): Promise<boolean>;
}

/** What the alert outbox and the uptime figures need of the maintenance windows: all of them, in one read. */
export type MaintenanceWindowSource = Pick<MaintenanceStore, 'listWindows'>;

/** Where alerts go: SNS on AWS, the console and a file locally. */
export interface AlertPublisher {
  /** Publishes alerts; resolves with the ones that were accepted, in no particular order. Never throws for a delivery failure. */
  publish(alerts: readonly Alert[]): Promise<{ delivered: ReadonlySet<Alert>; failures: readonly { alert: Alert; error: string }[] }>;
}

/** Structured logging; never pass tokens or secrets. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** A list cursor that this service did not issue, or that no longer parses. */
export class InvalidCursorError extends Error {
  constructor() {
    super('The cursor is not one this service issued.');
    this.name = 'InvalidCursorError';
  }
}

/** Where device-token signing secrets come from: Secrets Manager on AWS, a file or the environment locally. */
export interface SigningSecretSource {
  signingSecrets(): Promise<import('./tokens').SigningSecrets>;
}

/** One page of incidents, newest first. */
export interface IncidentPage {
  readonly incidents: import('./history').IncidentRecord[];
  readonly cursor: string | null;
}

/** Which incidents of the whole fleet (or one group) to list. */
export interface FleetIncidentQuery {
  /** Epoch ms: only outages open at or after this time. */
  readonly since: number;
  readonly group?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * Persistence of the outage history (a table of its own: the sweep scans the device table by the
 * byte, so history must not live there). Writes happen only where an outage's state already
 * changes, never on the beat path.
 */
export interface IncidentStore {
  /** Records an announced outage; a retry, or a write after its recovery was recorded, changes nothing. */
  recordOpened(incident: import('./history').IncidentRecord): Promise<void>;
  /** Records a recovery (creating the whole record if the opening write was lost); expires with the history. */
  recordClosed(incident: import('./history').IncidentRecord, expiresAtSeconds: number): Promise<void>;
  /** A device's incidents, newest first. */
  deviceIncidents(deviceId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<IncidentPage>;
  /** Every device's incidents open at or after `since`, most recently active first. */
  fleetIncidents(query: FleetIncidentQuery): Promise<IncidentPage>;
  /** A device's incidents that were open at or after `since` (for uptime), newest first. */
  incidentsSince(deviceId: string, since: number): Promise<import('./history').IncidentRecord[]>;
  /** Records that an operator paused the device at `at`. */
  recordPaused(deviceId: string, at: number, expiresAtSeconds: number): Promise<void>;
  /** Records that an operator resumed the device at `at` (ends its open pause, if any). */
  recordResumed(deviceId: string, at: number, expiresAtSeconds: number): Promise<void>;
  /** The device's pauses that ended at or after `since` or are still going (`to` null). */
  pausesSince(deviceId: string, since: number): Promise<{ readonly from: number; readonly to: number | null }[]>;
}

/** Where each sweep's figures go: CloudWatch metrics (EMF) on AWS; nowhere locally. */
export interface SweepMetrics {
  /** Records the figures of one finished sweep. Never throws for a metrics problem. */
  record(report: import('./sweep').SweepReport): void;
}
