/**
 * Alert messages of the contract: their JSON bodies and the one-line subject for a person.
 */
import { graceSeconds, incidentId, type DeviceRecord, type DownReason } from './model';

/** What every alert about one device carries. */
interface DeviceAlertFields {
  /** The outage: the same for every alert (and retry) about it. */
  readonly incidentId: string;
  readonly deviceId: string;
  readonly group: string | null;
  readonly lastSeen: string | null;
  readonly detectedAt: string;
}

/** A device's outage opened. */
export interface DeviceDownAlert extends DeviceAlertFields {
  readonly type: 'device.down';
  readonly deadline: string | null;
  readonly reason: DownReason;
  readonly interval: number;
  readonly grace: number;
  /** The device's last message: always for a `fail`, and for a timeout when the device ever sent one. */
  readonly message?: string | null;
}

/** A device's outage ended; `incidentId` names the outage it ends. */
export interface DeviceUpAlert extends DeviceAlertFields {
  readonly type: 'device.up';
  readonly deadline: string | null;
  readonly downSince: string;
  readonly downForSeconds: number;
  /** Why the outage it ends began: the contract's alert JSON carries `reason`, and `device.up` adds to it. */
  readonly reason: DownReason;
  readonly interval: number;
  readonly grace: number;
}

/** A reminder: the device is still down, `repeatEvery` seconds after the last word about it. */
export interface DeviceStillDownAlert extends DeviceAlertFields {
  readonly type: 'device.still_down';
  readonly downSince: string;
  readonly downForSeconds: number;
  /** 1 for the first reminder of an outage, 2 for the next, ... */
  readonly reminder: number;
  /** The device's last message, when it sent one. */
  readonly message?: string | null;
}

/** Many devices of one group went down in one sweep: one message in place of one each. */
export interface FleetDownAlert {
  readonly type: 'fleet.down';
  readonly group: string | null;
  readonly count: number;
  readonly deviceIds: readonly string[];
  /** Incident ids of the outages this message announces, in `deviceIds` order. */
  readonly incidentIds: readonly string[];
  readonly detectedAt: string;
}

export type Alert = DeviceDownAlert | DeviceUpAlert | DeviceStillDownAlert | FleetDownAlert;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The `device.down` of the device's open outage. */
export function deviceDownAlert(device: DeviceRecord, detectedAt: number): DeviceDownAlert {
  if (device.downSince === null) throw new Error(`device ${device.deviceId} has no open outage`);
  const reason = device.downReason ?? 'timeout';
  return {
    type: 'device.down',
    incidentId: incidentId(device.deviceId, device.downSince),
    deviceId: device.deviceId,
    group: device.group,
    lastSeen: iso(device.lastSeen),
    deadline: iso(device.deadline),
    // A fail is known when the beat arrives; a timeout when a sweep notices it.
    detectedAt: new Date(reason === 'fail' ? device.downSince : detectedAt).toISOString(),
    reason,
    interval: device.intervalSeconds,
    grace: graceSeconds(device),
    ...(reason === 'fail' || device.message !== null ? { message: device.message } : {}),
  };
}

/** The `device.up` that closes the device's open outage. */
export function deviceUpAlert(device: DeviceRecord, detectedAt: number): DeviceUpAlert {
  if (device.downSince === null) throw new Error(`device ${device.deviceId} has no open outage`);
  const recoveredAt = device.recoveredAt ?? device.lastSeen ?? detectedAt;
  return {
    type: 'device.up',
    incidentId: incidentId(device.deviceId, device.downSince),
    deviceId: device.deviceId,
    group: device.group,
    lastSeen: iso(device.lastSeen),
    deadline: iso(device.deadline),
    detectedAt: new Date(recoveredAt).toISOString(),
    downSince: new Date(device.downSince).toISOString(),
    downForSeconds: Math.max(0, Math.floor((recoveredAt - device.downSince) / 1000)),
    reason: device.downReason ?? 'timeout',
    interval: device.intervalSeconds,
    grace: graceSeconds(device),
  };
}

/** Reminder number `reminder` of the device's open outage, which is still down at `now`. */
export function deviceStillDownAlert(device: DeviceRecord, now: number, reminder: number): DeviceStillDownAlert {
  if (device.downSince === null) throw new Error(`device ${device.deviceId} has no open outage`);
  return {
    type: 'device.still_down',
    incidentId: incidentId(device.deviceId, device.downSince),
    deviceId: device.deviceId,
    group: device.group,
    lastSeen: iso(device.lastSeen),
    detectedAt: new Date(now).toISOString(),
    downSince: new Date(device.downSince).toISOString(),
    downForSeconds: Math.max(0, Math.floor((now - device.downSince) / 1000)),
    reminder,
    ...(device.message !== null ? { message: device.message } : {}),
  };
}

/** One alert for many `device.down`s of the same group. */
export function fleetDownAlert(group: string | null, downs: readonly DeviceDownAlert[], detectedAt: number): FleetDownAlert {
  return {
    type: 'fleet.down',
    group,
    count: downs.length,
    deviceIds: downs.map((d) => d.deviceId),
    incidentIds: downs.map((d) => d.incidentId),
    detectedAt: new Date(detectedAt).toISOString(),
  };
}

/** `3m 05s`, `45s`, `2h 03m`, `3d 04h`: short, and precise enough for a pager. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3600))}h`;
}

export const MAX_SUBJECT_CHARS = 100;

/** Shortens a name so that the whole subject fits; ids are ASCII by the contract's alphabet. */
function fit(prefix: string, name: string, suffix: string): string {
  const room = MAX_SUBJECT_CHARS - prefix.length - suffix.length;
  const shown = name.length <= room ? name : `${name.slice(0, Math.max(0, room - 3))}...`;
  return `${prefix}${shown}${suffix}`.slice(0, MAX_SUBJECT_CHARS);
}

/** The line for a person: SNS `Subject`, console line, at most 100 characters. */
export function alertSubject(alert: Alert): string {
  switch (alert.type) {
    case 'device.down': {
      if (alert.reason === 'fail') return fit('DOWN ', alert.deviceId, ': reported fail');
      const silentMs = Date.parse(alert.detectedAt) - (alert.lastSeen ? Date.parse(alert.lastSeen) : Date.parse(alert.detectedAt));
      return fit('DOWN ', alert.deviceId, `: silent for ${formatDuration(silentMs / 1000)}`);
    }
    case 'device.up':
      return fit('UP ', alert.deviceId, `: back after ${formatDuration(alert.downForSeconds)}`);
    case 'device.still_down':
      return fit('STILL DOWN ', alert.deviceId, `: down for ${formatDuration(alert.downForSeconds)}`);
    case 'fleet.down':
      return fit('FLEET DOWN ', alert.group ?? '(no group)', `: ${alert.count} devices down`);
  }
}

/** Attributes subscribers filter on (SNS `MessageAttributes`). */
export function alertAttributes(alert: Alert): Record<string, string> {
  const attributes: Record<string, string> = { event: alert.type };
  if (alert.type !== 'fleet.down') attributes.deviceId = alert.deviceId;
  if (alert.group !== null) attributes.group = alert.group;
  return attributes;
}
