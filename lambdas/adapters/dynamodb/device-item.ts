/**
 * How a device record is stored: the mapping from a DynamoDB item to a `DeviceRecord`, the
 * attributes a sweep reads, and the list cursor (which is a key in disguise).
 */
import type { DeviceRecord, DownReason, LivenessState } from '../../core/model';
import { InvalidCursorError } from '../../core/ports';
import { ATTR, PARTITION_KEY } from './table-schema';
import { s, type Item } from './update-builder';

/** A number attribute of an item, or null when absent. */
export function num(item: Item, attribute: string): number | null {
  const raw = item[attribute]?.N;
  return raw === undefined ? null : Number(raw);
}

/** A string attribute of an item, or null when absent. */
export function str(item: Item, attribute: string): string | null {
  return item[attribute]?.S ?? null;
}

function parseMeta(raw: string | null): Record<string, unknown> | null {
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Turns a stored item into a record. Missing attributes take the values a new record would have. */
export function recordFromItem(item: Item): DeviceRecord {
  const downSince = num(item, ATTR.downSince);
  const leaseUntil = num(item, ATTR.leaseUntil);
  const leaseOwner = str(item, ATTR.leaseOwner);
  const intervalMs = num(item, ATTR.intervalMs) ?? 60_000;
  const graceMs = num(item, ATTR.explicitGraceMs);
  return {
    deviceId: str(item, PARTITION_KEY) ?? '',
    state: (str(item, ATTR.state) ?? 'new') as LivenessState,
    paused: item[ATTR.paused]?.BOOL === true,
    group: str(item, ATTR.group),
    intervalSeconds: intervalMs / 1000,
    explicitGraceSeconds: graceMs === null ? null : graceMs / 1000,
    lastSeen: num(item, ATTR.lastSeen),
    deadline: num(item, ATTR.deadline),
    downSince,
    downReason: str(item, ATTR.downReason) as DownReason | null,
    downAlerted: downSince !== null && num(item, ATTR.alertedDownSince) === downSince,
    recoveredAt: num(item, ATTR.recoveredAt),
    unsettledFailAt: num(item, ATTR.unsettledFailAt),
    beats: num(item, ATTR.beats) ?? 0,
    message: str(item, ATTR.message),
    meta: parseMeta(str(item, ATTR.meta)),
    lease: leaseUntil !== null && leaseOwner !== null ? { until: leaseUntil, owner: leaseOwner } : null,
  };
}

/** Attributes a sweep reads: everything but the beat count, message and metadata. */
export const SWEEP_PROJECTION = [
  PARTITION_KEY,
  ATTR.state,
  ATTR.paused,
  ATTR.group,
  ATTR.intervalMs,
  ATTR.explicitGraceMs,
  ATTR.lastSeen,
  ATTR.deadline,
  ATTR.downSince,
  ATTR.downReason,
  ATTR.alertedDownSince,
  ATTR.recoveredAt,
  ATTR.unsettledFailAt,
  ATTR.leaseUntil,
  ATTR.leaseOwner,
];

/** The opaque cursor that continues a listing after `last`. */
export function encodeCursor(last: DeviceRecord): string {
  return Buffer.from(JSON.stringify({ k: last.deviceId }), 'utf8').toString('base64url');
}

/** The start key a cursor stands for; throws InvalidCursorError for anything this service did not issue. */
export function decodeCursor(cursor: string): Item {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const key = (parsed as { k?: unknown }).k;
    if (typeof key === 'string' && key.length > 0 && key.length <= 128) return { [PARTITION_KEY]: s(key) };
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}
