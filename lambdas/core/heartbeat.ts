/**
 * What a beat does to a device. `applyBeat` is the reference rule; the store records the same rule
 * in one conditional-free write, and the integration tests check that the two agree.
 */
import { shiftGaps } from './adaptive-detection';
import { statusOf, type DeviceRecord, type DeviceStatus, type MonitorSettings } from './model';
import type { BeatWrite, Clock, DeviceStore, Logger } from './ports';
import type { BeatBody } from './validation';

/** What a beat changed, for logs and metrics. */
export type BeatTransition = 'first' | 'recovered' | 'failed' | 'none';

/** The answer to a recorded beat. */
export interface BeatResult {
  readonly deviceId: string;
  readonly status: DeviceStatus;
  readonly lastSeen: number;
  readonly deadline: number;
  readonly transition: BeatTransition;
}

/** Builds the write for a validated beat body received at `receivedAt`. */
export function planBeat(deviceId: string, body: BeatBody, receivedAt: number, settings: MonitorSettings): BeatWrite {
  return {
    deviceId,
    receivedAt,
    healthy: body.status !== 'fail',
    ...(body.interval !== undefined ? { intervalSeconds: body.interval } : {}),
    ...(body.grace !== undefined ? { graceSeconds: body.grace } : {}),
    ...(body.message !== undefined ? { message: body.message } : {}),
    ...(body.meta !== undefined ? { meta: body.meta } : {}),
    ...(body.next !== undefined ? { nextSeconds: body.next } : {}),
    ...(body.failThreshold !== undefined ? { failThreshold: body.failThreshold } : {}),
    ...(body.recoverAfter !== undefined ? { recoverAfterSeconds: body.recoverAfter } : {}),
    defaultIntervalSeconds: settings.defaultIntervalSeconds,
    defaultGraceSeconds: settings.defaultGraceSeconds,
    defaultFailThreshold: settings.defaultFailThreshold,
    expiresAtSeconds: Math.floor(receivedAt / 1000) + settings.retentionDays * 86_400,
  };
}

/**
 * The record after a beat, from the record before it (null: never seen). The rules it decides:
 * - deadline: `lastSeen + (next ?? interval) + grace` (`next` counts for this one beat only);
 * - failThreshold: a `fail` counts down `failsLeft`, starting from the threshold in force at the
 *   first fail of a run (the beat's, else the device's, else the deployment's); at 0 the device is
 *   down (`state`), and the alert outbox records the outage from `failingSince` (see
 *   alert-outbox.ts, `classifyForSweep`). An `ok` beat ends the run;
 * - recovery: an `ok` beat on a down device sets `recoveredAt` (a `fail` clears it: the device must
 *   be up and healthy); whether the `device.up` is due is `recoveryDue` in alert-outbox.ts.
 */
export function applyBeat(previous: DeviceRecord | null, beat: BeatWrite): DeviceRecord {
  const now = beat.receivedAt;
  // A beat older than the last one recorded (beats raced) only counts: time never runs backwards.
  if (previous !== null && previous.lastSeen !== null && previous.lastSeen > now) return { ...previous, beats: previous.beats + 1 };
  const intervalSeconds = beat.intervalSeconds ?? previous?.intervalSeconds ?? beat.defaultIntervalSeconds;
  const explicitGraceSeconds = beat.graceSeconds ?? previous?.explicitGraceSeconds ?? beat.defaultGraceSeconds;
  const waitSeconds = (beat.nextSeconds ?? intervalSeconds) + (explicitGraceSeconds ?? intervalSeconds);
  const base = {
    deviceId: beat.deviceId,
    paused: previous?.paused ?? false,
    group: previous?.group ?? null,
    intervalSeconds,
    explicitGraceSeconds,
    lastSeen: now,
    firstSeen: previous?.firstSeen ?? now,
    deadline: now + waitSeconds * 1000,
    // The outage, if any, is the one recorded: a beat never records or ends one (the outbox does).
    downSince: previous?.downSince ?? null,
    downReason: previous?.downReason ?? null,
    downAlerted: previous?.downAlerted ?? false,
    beats: (previous?.beats ?? 0) + 1,
    message: beat.message ?? previous?.message ?? null,
    meta: beat.meta ?? previous?.meta ?? null,
    lease: previous?.lease ?? null,
    failThreshold: beat.failThreshold ?? previous?.failThreshold ?? null,
    recoverAfterSeconds: beat.recoverAfterSeconds ?? previous?.recoverAfterSeconds ?? null,
    // Reminders count for the open outage; a beat never opens a new one while one is open.
    remindersSent: previous?.downSince != null ? previous.remindersSent : 0,
    closesOwed: previous?.closesOwed ?? [],
    detection: previous?.detection ?? 'fixed',
    gaps: shiftGaps(previous?.gaps ?? [], previous?.lastSeen ?? null, now),
  };
  // Object.assign rather than a spread of `base`: Node 20 copies a spread of this many fields at about
  // 7 us a beat, twenty times slower (measured by the simulator, which applies millions of beats).
  if (beat.healthy) {
    // A run that reached its threshold but whose outage no one recorded yet is kept, to be announced.
    const endedFailRunSince =
      previous?.failsLeft != null ? (previous.failsLeft <= 0 ? previous.failingSince : null) : (previous?.endedFailRunSince ?? null);
    return Object.assign(base, { state: 'up' as const, recoveredAt: previous?.recoveredAt ?? now, failsLeft: null, failingSince: null, endedFailRunSince });
  }
  const failsLeft = (previous?.failsLeft ?? beat.failThreshold ?? previous?.failThreshold ?? beat.defaultFailThreshold) - 1;
  const reached = failsLeft <= 0;
  return Object.assign(base, {
    // Below the threshold a failing device is alive: up, or still down if it was.
    state: reached || previous?.state === 'down' ? ('down' as const) : ('up' as const),
    recoveredAt: null,
    failsLeft,
    failingSince: previous?.failingSince ?? now,
    endedFailRunSince: previous?.endedFailRunSince ?? null,
  });
}

/** Names the change a beat made. */
export function beatTransition(previous: DeviceRecord | null, next: DeviceRecord): BeatTransition {
  if (previous === null) return next.state === 'down' ? 'failed' : 'first';
  if (previous.state === 'down' && next.state === 'up') return 'recovered';
  if (previous.state !== 'down' && next.state === 'down') return 'failed';
  return 'none';
}

/** Records beats: one store write each, no read. */
export class HeartbeatRecorder {
  constructor(
    private readonly deps: { readonly store: DeviceStore; readonly clock: Clock; readonly settings: MonitorSettings; readonly logger: Logger },
  ) {}

  /** Records a validated beat and says what it changed. */
  async record(deviceId: string, body: BeatBody): Promise<BeatResult> {
    const beat = planBeat(deviceId, body, this.deps.clock.now(), this.deps.settings);
    const previous = await this.deps.store.recordBeat(beat);
    const next = applyBeat(previous, beat);
    const transition = beatTransition(previous, next);
    if (transition === 'recovered' || transition === 'failed') {
      // The sweeper publishes the alert (the device record is its outbox); this line is for tracing.
      this.deps.logger.info(`device ${transition}`, { deviceId, paused: next.paused });
    }
    return {
      deviceId,
      status: statusOf(next),
      lastSeen: next.lastSeen ?? beat.receivedAt,
      deadline: next.deadline ?? beat.receivedAt,
      transition,
    };
  }
}
