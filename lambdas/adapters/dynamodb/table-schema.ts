/**
 * The device table's shape, shared by the CDK stack, local mode and the DynamoDB adapter so they
 * can never disagree. No SDK import here: the infrastructure code reads it too.
 */

/** Partition key: the device id (or `#summary` for the fleet summary; `#` is outside the id alphabet). */
export const PARTITION_KEY = 'pk';

/** Epoch seconds after which DynamoDB may delete the item (it does so up to days late; never read as liveness). */
export const TTL_ATTRIBUTE = 'ttl';

/** Key of the one item that holds the fleet summary the sweep writes. */
export const SUMMARY_KEY = '#summary';

/** Keys of items that are not devices start with this (never in a device id); scans skip them. */
export const RESERVED_KEY_PREFIX = '#';

/** Key prefix of the items holding a group's open PagerDuty fleet incidents (see fleet-incidents.ts). */
export const FLEET_INCIDENTS_KEY_PREFIX = '#pagerduty-fleets#';

/**
 * Key of the one item that holds every maintenance window (see maintenance-store.ts): a sweep loads
 * the windows with one GetItem, never per device. Attribute `w`: a map of windowId to
 * `{f: from ms, u: until ms, d: [deviceIds] | g: group, r: reason}`. Ended windows are kept for a
 * while (their end still sets deadlines), then dropped when a window is added.
 */
export const MAINTENANCE_KEY = '#maintenance';

/**
 * Attribute names, short because a sweep's read cost is the bytes it scans, names included.
 * Durations and times are milliseconds so that a deadline is one addition inside an update expression.
 */
export const ATTR = {
  state: 'st', // S: new | up | down. A device whose `fl` reached 0 is down whatever `st` says (device-item.ts)
  paused: 'p', // BOOL, present only while paused
  group: 'g', // S
  intervalMs: 'iv', // N
  explicitGraceMs: 'gr', // N, absent while the grace follows the interval
  spanMs: 'sp', // N: interval + grace, kept so a plain beat computes its deadline in one addition
  lastSeen: 'ls', // N: epoch ms
  firstSeen: 'fs', // N: epoch ms of the first beat (uptime counts from it); not read by the sweep
  deadline: 'dl', // N: epoch ms
  downSince: 'ds', // N: epoch ms, present while an outage is open
  downReason: 'rs', // S: timeout | fail
  alertedDownSince: 'na', // N: equals ds once that outage's device.down was published
  recoveredAt: 'rt', // N: first ok beat since the last time the device went down
  unsettledFailAt: 'ff', // N: format 1 only (no longer written; removed when an outage is claimed)
  // Alert rules (format 2). The beat that opens an outage by failing is the one that writes `fl = 0`
  // while no `ds` is set: stream filters key on exactly that (stream-filters.ts). Later fails write
  // -1, -2 ...; an ok beat removes `fl` and `fa`.
  failsLeft: 'fl', // N: fail beats still needed to open an outage in the current run of fails (<= 0: reached)
  failingSince: 'fa', // N: epoch ms of the run's first fail; a reached run's outage starts here
  // An ok beat keeps what the run it ends left: `fr` its `fl`, `fe` its `fa` (when no run was going
  // on, the earlier values). `fr <= 0` is a run that reached its threshold and ended before the
  // outbox recorded its outage: the outbox still records and announces it (from `fe`).
  endedRunFailsLeft: 'fr', // N
  endedRunSince: 'fe', // N: epoch ms (0: none)
  failThreshold: 'ft', // N: the device's own failThreshold (absent: the deployment's default)
  recoverAfterMs: 'ra', // N: the device's own recoverAfter in ms (absent: the deployment's default)
  // Adaptive detection (adaptive-detection.ts). Every beat shifts the gap register (about 6 bytes a
  // gap): the beat cannot read whether the device is adaptive, and a register that is always
  // current lets PUT switch detection with no warm-up. `ad` is present only on adaptive devices.
  adaptive: 'ad', // BOOL, present only while detection is adaptive
  gaps: ['i0', 'i1', 'i2', 'i3'], // N: the last gaps between beats, ms, i0 newest (0: none yet)
  beats: 'bc', // N
  message: 'msg', // S
  meta: 'mt', // S: the meta object as JSON
  leaseUntil: 'lk', // N: epoch ms
  leaseOwner: 'lo', // S
  ttl: TTL_ATTRIBUTE, // N: epoch seconds
  remindersSent: 'rm', // N: device.still_down reminders published for the outage in `rd`
  remindedDownSince: 'rd', // N: the downSince `rm` counts for (another outage: no reminders yet)
  // L of M {d: N downSince, u: N upAt, r: S reason}: history closes of announced recoveries whose
  // write failed, kept until a later outbox pass writes them. Absent nearly always (no bytes scanned).
  closesOwed: 'hc',
  formatVersion: 'fv', // N: the item format a release wrote it in (see device-item.ts); absent: format 1
  summaryAt: 'at', // N, summary item only
  summaryCounts: 'cnt', // S (JSON), summary item only
} as const;
