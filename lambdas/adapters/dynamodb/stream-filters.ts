/**
 * Which changes of a device record must be announced at once, written as Lambda event filter
 * patterns over the table's stream records (NEW_AND_OLD_IMAGES). On AWS they are the event source
 * mapping's filter criteria, so an ordinary beat invokes nothing; locally the stream poller applies
 * the same patterns with `matchesStreamFilters`. One source for both. No SDK import: the stack reads it too.
 *
 * Why these two, from the beat's one write (beat-update.ts) and the sweep's writes (device-store.ts):
 * - A beat opens an outage when it is a `fail` on a device with no open outage: the new image has
 *   `st = down` and `rs = fail`, the old one has no `rs` (no old image at all for a first beat).
 *   More fails while down keep the old `rs`; the sweep's markDown writes `rs = timeout`; its settles
 *   keep or remove `rs`: none of those match.
 * - A beat recovers a device when the old image is `st = down` and the new one `st = up` with the
 *   outage still open (`ds`). The sweep never writes `st = up`.
 * Paused devices (`p`) announce nothing. Everything else (an ordinary beat: up to up) matches nothing.
 */
import { ATTR } from './table-schema';

/** A Lambda event filter pattern (the EventBridge pattern subset: value lists, `exists`, `anything-but`). */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly FilterValue[] };
type FilterValue = string | { readonly exists: boolean } | { readonly 'anything-but': readonly string[] };

const notPaused = { [ATTR.paused]: { BOOL: [{ exists: false }] } };

/** A beat opened an outage (a `fail` on a device without one). */
export const OUTAGE_OPENED: FilterPattern = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: {
    NewImage: { [ATTR.state]: { S: ['down'] }, [ATTR.downReason]: { S: ['fail'] }, ...notPaused },
    OldImage: { [ATTR.downReason]: { S: [{ exists: false }] } },
  },
};

/** A beat recovered a device whose outage is still open. */
export const DEVICE_RECOVERED: FilterPattern = {
  eventName: ['MODIFY'],
  dynamodb: {
    NewImage: { [ATTR.state]: { S: ['up'] }, [ATTR.downSince]: { N: [{ exists: true }] }, ...notPaused },
    OldImage: { [ATTR.state]: { S: ['down'] } },
  },
};

/** The patterns of the instant-alert consumer; a record matching any one of them is delivered. */
export const INSTANT_ALERT_FILTERS: readonly FilterPattern[] = [OUTAGE_OPENED, DEVICE_RECOVERED];

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
