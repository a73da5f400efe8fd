/**
 * How a device record is stored: the mapping from a DynamoDB item to a `DeviceRecord`, the
 * attributes a sweep reads, and the list cursor (which is a key in disguise).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DeviceRecord, DownReason, LivenessState, OwedClose } from '../../core/model';
import { InvalidCursorError } from '../../core/ports';
import { ATTR, PARTITION_KEY } from './table-schema';
import { n, s, type Item, type UpdateBuilder } from './update-builder';

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

/**
 * The format of the device items this release writes and reads. Items written before formats were
 * stamped (release 0.1.0) have no version attribute and are format 1. A release whose items an
 * earlier release would misread bumps this, and commits test/fixtures/devices-v<N>.json beside the
 * earlier fixtures (see test/fixtures/README.md); it keeps reading every earlier format.
 */
export const ITEM_FORMAT_VERSION = 2;

/** A device item in a format this release does not know: a newer release wrote it, and reading it would be guessing. */
export class UnknownItemFormatError extends Error {
  constructor(
    readonly deviceId: string,
    readonly formatVersion: number,
  ) {
    super(
      `Device "${deviceId}" is stored in item format ${formatVersion}, but this release reads formats 1 to ${ITEM_FORMAT_VERSION}: ` +
        'a newer release wrote it (was the stack rolled back?). Deploy that release or a later one; this one would misread the device.',
    );
    this.name = 'UnknownItemFormatError';
  }
}

/**
 * Stamps an update with the item format, in the same write (no extra unit). `if_not_exists`: an
 * older release that writes to an item of a newer format (a rollback) must not relabel it as its
 * own, or the newer release would later misread what it wrote.
 */
export function stampItemFormat(update: UpdateBuilder): UpdateBuilder {
  const fv = update.name(ATTR.formatVersion);
  return update.set(ATTR.formatVersion, `if_not_exists(${fv}, ${update.value(n(ITEM_FORMAT_VERSION))})`);
}

/** The format of a stored item; throws UnknownItemFormatError for one this release cannot read. */
export function itemFormat(item: Item): number {
  const version = num(item, ATTR.formatVersion) ?? 1;
  if (!Number.isInteger(version) || version < 1 || version > ITEM_FORMAT_VERSION) {
    throw new UnknownItemFormatError(str(item, PARTITION_KEY) ?? '(no key)', version);
  }
  return version;
}

/**
 * The liveness an item stands for. Format 2: a run of fails that reached its threshold (`fl <= 0`) is
 * down before any outage is recorded, and a device whose first beat was a fail below the threshold
 * keeps the `new` its registration wrote but has beaten (`ls`), so it is up. Format 1 items have
 * neither case: their `st` is read as written.
 */
function livenessOfItem(item: Item): LivenessState {
  const stored = (str(item, ATTR.state) ?? 'new') as LivenessState;
  const failsLeft = num(item, ATTR.failsLeft);
  if (failsLeft !== null && failsLeft <= 0) return 'down';
  if (stored === 'new' && num(item, ATTR.lastSeen) !== null) return 'up';
  return stored;
}

/** The first fail of an ended run that reached its threshold and was never recorded (`fr <= 0`), else null. */
function endedFailRunSince(item: Item): number | null {
  const left = num(item, ATTR.endedRunFailsLeft);
  const since = num(item, ATTR.endedRunSince);
  return left !== null && left <= 0 && since !== null && since > 0 ? since : null;
}

/** The history closes an item still owes (attribute `hc`), oldest first. */
function closesOwed(item: Item): OwedClose[] {
  const owed: OwedClose[] = [];
  for (const entry of item[ATTR.closesOwed]?.L ?? []) {
    const fields = entry.M ?? {};
    const downSince = num(fields, 'd');
    const upAt = num(fields, 'u');
    if (downSince !== null && upAt !== null) owed.push({ downSince, upAt, reason: str(fields, 'r') === 'fail' ? 'fail' : 'timeout' });
  }
  return owed;
}

/** The stored form of one owed close (an element of `hc`). */
export function owedCloseValue(owed: OwedClose): AttributeValue {
  return { M: { d: n(owed.downSince), u: n(owed.upAt), r: s(owed.reason) } };
}

/** Turns a stored item into a record. Missing attributes take the values a new record would have. */
export function recordFromItem(item: Item): DeviceRecord {
  itemFormat(item); // formats 1 and 2 read alike: format 1 lacks the alert-rule attributes
  const downSince = num(item, ATTR.downSince);
  const recoverAfterMs = num(item, ATTR.recoverAfterMs);
  const leaseUntil = num(item, ATTR.leaseUntil);
  const leaseOwner = str(item, ATTR.leaseOwner);
  const intervalMs = num(item, ATTR.intervalMs) ?? 60_000;
  const graceMs = num(item, ATTR.explicitGraceMs);
  return {
    deviceId: str(item, PARTITION_KEY) ?? '',
    state: livenessOfItem(item),
    paused: item[ATTR.paused]?.BOOL === true,
    group: str(item, ATTR.group),
    intervalSeconds: intervalMs / 1000,
    explicitGraceSeconds: graceMs === null ? null : graceMs / 1000,
    lastSeen: num(item, ATTR.lastSeen),
    firstSeen: num(item, ATTR.firstSeen),
    deadline: num(item, ATTR.deadline),
    downSince,
    downReason: str(item, ATTR.downReason) as DownReason | null,
    downAlerted: downSince !== null && num(item, ATTR.alertedDownSince) === downSince,
    recoveredAt: num(item, ATTR.recoveredAt),
    failsLeft: num(item, ATTR.failsLeft),
    endedFailRunSince: endedFailRunSince(item),
    failingSince: num(item, ATTR.failingSince),
    failThreshold: num(item, ATTR.failThreshold),
    recoverAfterSeconds: recoverAfterMs === null ? null : recoverAfterMs / 1000,
    remindersSent: downSince !== null && num(item, ATTR.remindedDownSince) === downSince ? (num(item, ATTR.remindersSent) ?? 0) : 0,
    closesOwed: closesOwed(item),
    beats: num(item, ATTR.beats) ?? 0,
    message: str(item, ATTR.message),
    meta: parseMeta(str(item, ATTR.meta)),
    lease: leaseUntil !== null && leaseOwner !== null ? { until: leaseUntil, owner: leaseOwner } : null,
    detection: item[ATTR.adaptive]?.BOOL === true ? 'adaptive' : 'fixed',
    // Items written before the register (format 1, and format 2 before adaptive detection) read as an empty one.
    gaps: ATTR.gaps.map((name) => num(item, name) ?? 0),
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
  ATTR.failsLeft,
  ATTR.failingSince,
  ATTR.endedRunFailsLeft,
  ATTR.endedRunSince,
  ATTR.failThreshold,
  ATTR.recoverAfterMs,
  ATTR.remindersSent,
  ATTR.remindedDownSince,
  ATTR.closesOwed,
  ATTR.leaseUntil,
  ATTR.leaseOwner,
  ATTR.formatVersion,
  ATTR.adaptive,
  ...ATTR.gaps,
];

/** The opaque cursor that continues a listing after the item with key `key` (returned or only read). */
export function encodeCursorKey(key: string): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
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
