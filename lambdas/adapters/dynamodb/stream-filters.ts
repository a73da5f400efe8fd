/**
 * Which changes of a device record must be announced at once, written as Lambda event filter
 * patterns over the table's stream records (NEW_AND_OLD_IMAGES). On AWS they are the event source
 * mapping's filter criteria, so an ordinary beat invokes nothing; locally the stream poller applies
 * the same patterns with `matchesStreamFilters`. One source for both. No SDK import: the stack reads it too.
 *
 * Why these, from the beat's one write (beat-update.ts) and the sweep's writes (device-store.ts):
 * - A beat opens an outage when it is the `fail` that reaches the device's failThreshold: it writes
 *   `fl = 0` exactly (the run counts down; later fails write -1, -2 ...) on a device with no
 *   recorded outage (`ds`). The outbox then records the outage (`claimFailRun` sets `ds`), so its
 *   own write no longer matches. Fails below the threshold (`fl` 1 or more) match nothing.
 * - A beat recovers a device when the new image is `st = up` with the outage still open (`ds`) and
 *   the old one was down: `st = down` (a timeout, or a fail outage once recorded), or a run of fails
 *   (`fl` present: fails that brought back an outage whose recovery was not yet announced). The sweep
 *   never writes `st = up`. With a recoverAfter the consumer finds the `device.up` not yet due and
 *   leaves it to the sweep.
 * - A beat ends a run of fails before the outbox recorded its outage (`fl` in the old image, no `ds`):
 *   the outbox still records and announces a run that had reached its threshold (kept as `fr`/`fe`).
 * Paused devices (`p`) announce nothing. Everything else (an ordinary beat: up to up) matches nothing.
 * DynamoDB numbers reach the filter as strings, so `fl` is matched as the text "0", never by value.
 */
import { ATTR } from './table-schema';

/** A Lambda event filter pattern (the EventBridge pattern subset: value lists, `exists`, `anything-but`). */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly FilterValue[] };
type FilterValue = string | { readonly exists: boolean } | { readonly 'anything-but': readonly string[] };

const notPaused = { [ATTR.paused]: { BOOL: [{ exists: false }] } };
const outageOpen = { [ATTR.downSince]: { N: [{ exists: true }] } };

/** A beat opened an outage: the `fail` that reached the failThreshold of a device without one. */
export const OUTAGE_OPENED: FilterPattern = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: {
    NewImage: { [ATTR.failsLeft]: { N: ['0'] }, [ATTR.downSince]: { N: [{ exists: false }] }, ...notPaused },
  },
};

/** A beat recovered a device whose outage (down, or back down by fails) is still open. */
export const DEVICE_RECOVERED: FilterPattern = {
  eventName: ['MODIFY'],
  dynamodb: {
    NewImage: { [ATTR.state]: { S: ['up'] }, ...outageOpen, ...notPaused },
    OldImage: { [ATTR.state]: { S: ['down'] } },
  },
};

/** A beat ended a run of fails that had brought an outage back before its recovery was announced. */
export const RECOVERED_FROM_FAILS: FilterPattern = {
  eventName: ['MODIFY'],
  dynamodb: {
    NewImage: { [ATTR.state]: { S: ['up'] }, [ATTR.failsLeft]: { N: [{ exists: false }] }, ...outageOpen, ...notPaused },
    OldImage: { [ATTR.failsLeft]: { N: [{ exists: true }] } },
  },
};

/**
 * A beat ended a run of fails with no outage recorded: if the run had reached its threshold (the
 * consumer looks), its outage and recovery are announced now. Runs below the threshold match too
 * and are found to owe nothing: filters cannot compare numbers kept as text.
 */
export const FAIL_RUN_ENDED: FilterPattern = {
  eventName: ['MODIFY'],
  dynamodb: {
    NewImage: { [ATTR.state]: { S: ['up'] }, [ATTR.failsLeft]: { N: [{ exists: false }] }, [ATTR.downSince]: { N: [{ exists: false }] }, ...notPaused },
    OldImage: { [ATTR.failsLeft]: { N: [{ exists: true }] } },
  },
};

/** The patterns of the instant-alert consumer; a record matching any one of them is delivered. */
export const INSTANT_ALERT_FILTERS: readonly FilterPattern[] = [OUTAGE_OPENED, DEVICE_RECOVERED, RECOVERED_FROM_FAILS, FAIL_RUN_ENDED];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function matchesLeaf(value: unknown, allowed: readonly FilterValue[]): boolean {
  return allowed.some((rule) => {
    if (typeof rule === 'string') return value === rule;
    if ('exists' in rule) return rule.exists === (value !== undefined);
    return value !== undefined && typeof value === 'string' && !rule['anything-but'].includes(value);
  });
}

function matches(value: unknown, pattern: FilterPattern): boolean {
  const object = isObject(value) ? value : {};
  return Object.entries(pattern).every(([key, rule]) =>
    Array.isArray(rule) ? matchesLeaf(object[key], rule as readonly FilterValue[]) : matches(object[key], rule as FilterPattern),
  );
}

/** True when a stream record (as Lambda sees it: `eventName`, `dynamodb.NewImage` ...) matches any of the patterns. */
export function matchesStreamFilters(record: unknown, patterns: readonly FilterPattern[] = INSTANT_ALERT_FILTERS): boolean {
  return patterns.some((pattern) => matches(record, pattern));
}
