/**
 * The history table's shape (outage incidents and pauses), shared by the CDK stack, local mode and
 * the DynamoDB adapter. A table of its own, not items in the device table: the sweep scans the
 * device table and pays by the byte, so 90 days of outages there would multiply every sweep's cost.
 *
 * Keys, each chosen so that no read of history scans anything:
 * - table `pk` = device id, `sk` = outage start (epoch ms): a device's outages newest first is a Query.
 *   Pauses live under `pk` = `#pause#<device id>` (`#` is outside the id alphabet), `sk` = pause start.
 * - index `fleet`: `fk` (one constant) + `ek`, the "end key": the recovery time of a closed outage,
 *   or OPEN_END_BASE + start for an open one (so open outages sort first, newest first). "Open at or
 *   after `since`" is exactly `ek >= since`.
 * - index `byGroup`: `g` (the group; absent when none: a sparse index) + `ek`.
 */

/** Partition key: device id (or the pause key). */
export const HISTORY_PARTITION_KEY = 'pk';
/** Sort key: start of the outage or pause, epoch ms. */
export const HISTORY_SORT_KEY = 'sk';
/** Epoch seconds after which DynamoDB may delete a closed outage or an ended pause (never set while open). */
export const HISTORY_TTL_ATTRIBUTE = 'ttl';

/** The index of the whole fleet's outages. */
export const FLEET_INDEX = 'fleet';
/** The index of one group's outages. */
export const GROUP_INDEX = 'byGroup';
/** Partition key of the fleet index, and its one value. */
export const FLEET_INDEX_KEY = 'fk';
export const FLEET_INDEX_VALUE = 'all';
/** Partition key of the group index. */
export const GROUP_INDEX_KEY = 'g';
/** Sort key of both indexes: when the outage ended, or OPEN_END_BASE + its start while open. */
export const END_KEY = 'ek';
/** Larger than any epoch-ms time this service will see (year 33658), so open outages sort after every closed one. */
export const OPEN_END_BASE = 1e15;

/** Prefix of the partition key of a device's pauses. */
export const PAUSE_PREFIX = '#pause#';

/** Other attributes of an incident item. */
export const HISTORY_ATTR = {
  reason: 'rs', // S: timeout | fail
  upAt: 'up', // N: recovery time, epoch ms; absent while open
  message: 'msg', // S
  pausedUntil: 'to', // N: end of a pause (pause items only); absent while paused
} as const;
