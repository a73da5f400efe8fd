/**
 * What a beat does to a device. `applyBeat` is the reference rule; the store records the same rule
 * in one conditional-free write, and the integration tests check that the two agree.
 */
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
    defaultIntervalSeconds: settings.defaultIntervalSeconds,
    defaultGraceSeconds: settings.defaultGraceSeconds,
    expiresAtSeconds: Math.floor(receivedAt / 1000) + settings.retentionDays * 86_400,
  };
}

/** The record after a beat, from the record before it (null: never seen). */
export function applyBeat(previous: DeviceRecord | null, beat: BeatWrite): DeviceRecord {
  const now = beat.receivedAt;
  // A beat older than the last one recorded (beats raced) only counts: time never runs backwards.
  if (previous !== null && previous.lastSeen !== null && previous.lastSeen > now) return { ...previous, beats: previous.beats + 1 };
  const intervalSeconds = beat.intervalSeconds ?? previous?.intervalSeconds ?? beat.defaultIntervalSeconds;
  const explicitGraceSeconds = beat.graceSeconds ?? previous?.explicitGraceSeconds ?? beat.defaultGraceSeconds;
  const spanSeconds = intervalSeconds + (explicitGraceSeconds ?? intervalSeconds);
  const base = {
    deviceId: beat.deviceId,
    paused: previous?.paused ?? false,
    group: previous?.group ?? null,
    intervalSeconds,
    explicitGraceSeconds,
    lastSeen: now,
    firstSeen: previous?.firstSeen ?? now,
    deadline: now + spanSeconds * 1000,
    downAlerted: previous?.downAlerted ?? false,
    beats: (previous?.beats ?? 0) + 1,
    message: beat.message ?? previous?.message ?? null,
    meta: beat.meta ?? previous?.meta ?? null,
    lease: previous?.lease ?? null,
    // Reminders count for the open outage; a beat never opens a new one while one is open.
    remindersSent: previous?.downSince != null ? previous.remindersSent : 0,
  };
  if (beat.healthy) {
    return {
      ...base,
      state: 'up',
      downSince: previous?.downSince ?? null,
      downReason: previous?.downReason ?? null,
      recoveredAt: previous?.recoveredAt ?? now,
      unsettledFailAt: previous?.unsettledFailAt ?? null,
    };
  }
  // A fail opens an outage unless one is open already (more fails while down raise nothing).
  return {
    ...base,
    state: 'down',
    downSince: previous?.downSince ?? now,
    downReason: previous?.downReason ?? 'fail',
    recoveredAt: null,
    unsettledFailAt: previous?.unsettledFailAt ?? now,
  };
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
