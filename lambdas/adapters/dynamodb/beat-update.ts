/**
 * The beat as one DynamoDB update: the store's copy of `applyBeat` (core/heartbeat.ts), written so
 * that a beat needs no read whatever it changes. The property test in
 * test/integration/beat-path.test.ts checks that the two agree.
 */
import type { BeatWrite } from '../../core/ports';
import { stampItemFormat } from './device-item';
import { ATTR } from './table-schema';
import { n, s, UpdateBuilder } from './update-builder';

/**
 * The update and condition that record one beat. `storedIntervalMs`: the interval the record holds,
 * known only on the rare second attempt (see `setBeatTiming`), which then writes the timing outright.
 */
export function beatUpdate(beat: BeatWrite, storedIntervalMs?: number): { update: UpdateBuilder; condition: string } {
  const u = new UpdateBuilder();
  const now = beat.receivedAt;
  u.set(ATTR.state, u.value(s(beat.healthy ? 'up' : 'down')));
  u.set(ATTR.lastSeen, u.value(n(now)));
  u.set(ATTR.firstSeen, `if_not_exists(${u.name(ATTR.firstSeen)}, ${u.value(n(now))})`);
  // Retention runs only while the device is up: an open outage is never reclaimed by the TTL.
  if (beat.healthy) u.set(ATTR.ttl, u.value(n(beat.expiresAtSeconds)));
  else u.remove(ATTR.ttl);
  u.add(ATTR.beats, n(1));
  if (beat.message !== undefined) u.set(ATTR.message, u.value(s(beat.message)));
  if (beat.meta !== undefined) u.set(ATTR.meta, u.value(s(JSON.stringify(beat.meta))));
  if (beat.healthy) {
    u.set(ATTR.recoveredAt, `if_not_exists(${u.name(ATTR.recoveredAt)}, ${u.value(n(now))})`);
  } else {
    u.set(ATTR.downSince, `if_not_exists(${u.name(ATTR.downSince)}, ${u.value(n(now))})`);
    u.set(ATTR.downReason, `if_not_exists(${u.name(ATTR.downReason)}, ${u.value(s('fail'))})`);
    u.set(ATTR.unsettledFailAt, `if_not_exists(${u.name(ATTR.unsettledFailAt)}, ${u.value(n(now))})`);
    u.remove(ATTR.recoveredAt);
  }
  const shape = setBeatTiming(u, beat, storedIntervalMs);
  stampItemFormat(u);
  const ls = u.name(ATTR.lastSeen);
  // Beats of one device can land out of order (sent in parallel, retried): an older one must not
  // move lastSeen and the deadline backwards. The condition costs no read unit.
  const newest = `(attribute_not_exists(${ls}) OR ${ls} <= ${u.value(n(now))})`;
  return { update: u, condition: shape === null ? newest : `${newest} AND (${shape})` };
}

/**
 * Interval, grace, span and deadline, each one DynamoDB addition at most, so that the beat needs
 * no read whatever it changes. Returns the condition under which the cached span is right, or null.
 */
function setBeatTiming(u: UpdateBuilder, beat: BeatWrite, storedIntervalMs: number | undefined): string | null {
  const now = beat.receivedAt;
  const defaultIntervalMs = beat.defaultIntervalSeconds * 1000;
  const defaultGraceMs = beat.defaultGraceSeconds === null ? null : beat.defaultGraceSeconds * 1000;
  const intervalMs = beat.intervalSeconds === undefined ? undefined : beat.intervalSeconds * 1000;
  const graceMs = beat.graceSeconds === undefined ? undefined : beat.graceSeconds * 1000;
  // Placeholders are made on use: DynamoDB rejects declared names an expression does not use.
  const iv = () => u.name(ATTR.intervalMs);
  const gr = () => u.name(ATTR.explicitGraceMs);
  const sp = () => u.name(ATTR.spanMs);
  if (intervalMs === undefined && graceMs === undefined && defaultGraceMs !== null && storedIntervalMs !== undefined) {
    // Second attempt of the case below: the record's grace followed its interval, and the deployment
    // now has a default grace. Written outright, under the condition that nothing changed since.
    u.set(ATTR.explicitGraceMs, u.value(n(defaultGraceMs)));
    u.set(ATTR.spanMs, u.value(n(storedIntervalMs + defaultGraceMs)));
    u.set(ATTR.deadline, u.value(n(now + storedIntervalMs + defaultGraceMs)));
    return `${iv()} = ${u.value(n(storedIntervalMs))} AND attribute_not_exists(${gr()})`;
  }
  if (intervalMs !== undefined && graceMs !== undefined) {
    u.set(ATTR.intervalMs, u.value(n(intervalMs)));
    u.set(ATTR.explicitGraceMs, u.value(n(graceMs)));
    u.set(ATTR.spanMs, u.value(n(intervalMs + graceMs)));
    u.set(ATTR.deadline, u.value(n(now + intervalMs + graceMs)));
  } else if (intervalMs !== undefined) {
    // The grace is the stored explicit one, else the default, else it follows the new interval.
    const fallbackGrace = u.value(n(defaultGraceMs ?? intervalMs));
    u.set(ATTR.intervalMs, u.value(n(intervalMs)));
    if (defaultGraceMs !== null) u.set(ATTR.explicitGraceMs, `if_not_exists(${gr()}, ${fallbackGrace})`);
    u.set(ATTR.spanMs, `if_not_exists(${gr()}, ${fallbackGrace}) + ${u.value(n(intervalMs))}`);
    u.set(ATTR.deadline, `if_not_exists(${gr()}, ${fallbackGrace}) + ${u.value(n(now + intervalMs))}`);
  } else if (graceMs !== undefined) {
    const storedInterval = `if_not_exists(${iv()}, ${u.value(n(defaultIntervalMs))})`;
    u.set(ATTR.intervalMs, storedInterval);
    u.set(ATTR.explicitGraceMs, u.value(n(graceMs)));
    u.set(ATTR.spanMs, `${storedInterval} + ${u.value(n(graceMs))}`);
    u.set(ATTR.deadline, `${storedInterval} + ${u.value(n(now + graceMs))}`);
  } else {
    const defaultSpan = u.value(n(defaultIntervalMs + (defaultGraceMs ?? defaultIntervalMs)));
    u.set(ATTR.intervalMs, `if_not_exists(${iv()}, ${u.value(n(defaultIntervalMs))})`);
    if (defaultGraceMs !== null) u.set(ATTR.explicitGraceMs, `if_not_exists(${gr()}, ${u.value(n(defaultGraceMs))})`);
    u.set(ATTR.spanMs, `if_not_exists(${sp()}, ${defaultSpan})`);
    u.set(ATTR.deadline, `if_not_exists(${sp()}, ${defaultSpan}) + ${u.value(n(now))}`);
    // The cached span is right unless the grace followed the interval and a default grace is now set
    // (a deployment changed its default): then the store needs the interval, which this write cannot
    // read. That happens once per device after such a change; the store retries with the interval.
    if (defaultGraceMs !== null) return `attribute_exists(${gr()}) OR attribute_not_exists(${sp()})`;
  }
  return null;
}
