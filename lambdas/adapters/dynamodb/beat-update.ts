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
  // A fail never writes the state: below the threshold the device stays as it was (a first beat or
  // a registered device reads as up), and `fl` reaching 0 is what makes it down (device-item.ts).
  u.set(ATTR.state, beat.healthy ? u.value(s('up')) : `if_not_exists(${u.name(ATTR.state)}, ${u.value(s('up'))})`);
  u.set(ATTR.lastSeen, u.value(n(now)));
  u.set(ATTR.firstSeen, `if_not_exists(${u.name(ATTR.firstSeen)}, ${u.value(n(now))})`);
  // Retention runs only while the device is up: an open outage is never reclaimed by the TTL.
  if (beat.healthy) u.set(ATTR.ttl, u.value(n(beat.expiresAtSeconds)));
  else u.remove(ATTR.ttl);
  u.add(ATTR.beats, n(1));
  if (beat.message !== undefined) u.set(ATTR.message, u.value(s(beat.message)));
  if (beat.meta !== undefined) u.set(ATTR.meta, u.value(s(JSON.stringify(beat.meta))));
  if (beat.failThreshold !== undefined) u.set(ATTR.failThreshold, u.value(n(beat.failThreshold)));
  if (beat.recoverAfterSeconds !== undefined) u.set(ATTR.recoverAfterMs, u.value(n(beat.recoverAfterSeconds * 1000)));
  if (beat.healthy) {
    u.set(ATTR.recoveredAt, `if_not_exists(${u.name(ATTR.recoveredAt)}, ${u.value(n(now))})`);
    // The run this beat ends (if any) is kept as fr/fe, so a reached run no one recorded yet is still
    // announced; with no run going on, the earlier ones stay (nested if_not_exists: no read needed).
    u.set(ATTR.endedRunFailsLeft, `if_not_exists(${u.name(ATTR.failsLeft)}, if_not_exists(${u.name(ATTR.endedRunFailsLeft)}, ${u.value(n(1))}))`);
    u.set(ATTR.endedRunSince, `if_not_exists(${u.name(ATTR.failingSince)}, if_not_exists(${u.name(ATTR.endedRunSince)}, ${u.value(n(0))}))`);
    u.remove(ATTR.failsLeft).remove(ATTR.failingSince);
  } else {
    // Count down from the threshold in force at the run's first fail: the beat's own, else the
    // device's, else the deployment's. All right-hand sides read the item as it was before this
    // write, so a threshold the beat sets now is named by value. The fail that reaches the
    // threshold writes exactly 0: the instant-alert stream filter keys on that (stream-filters.ts).
    const startAt = beat.failThreshold !== undefined
      ? u.value(n(beat.failThreshold))
      : `if_not_exists(${u.name(ATTR.failThreshold)}, ${u.value(n(beat.defaultFailThreshold))})`;
    u.set(ATTR.failsLeft, `if_not_exists(${u.name(ATTR.failsLeft)}, ${startAt}) - ${u.value(n(1))}`);
    u.set(ATTR.failingSince, `if_not_exists(${u.name(ATTR.failingSince)}, ${u.value(n(now))})`);
    u.remove(ATTR.recoveredAt);
  }
  shiftGapRegister(u, now);
  const shape = setBeatTiming(u, beat, storedIntervalMs);
  if (beat.nextSeconds !== undefined) setNextDeadline(u, beat, beat.nextSeconds * 1000, storedIntervalMs);
  stampItemFormat(u);
  const ls = u.name(ATTR.lastSeen);
  // Beats of one device can land out of order (sent in parallel, retried): an older one must not
  // move lastSeen and the deadline backwards. The condition costs no read unit.
  const newest = `(attribute_not_exists(${ls}) OR ${ls} <= ${u.value(n(now))})`;
  return { update: u, condition: shape === null ? newest : `${newest} AND (${shape})` };
}

/**
 * The gap register of adaptive detection (`shiftGaps` in core/adaptive-detection.ts): every right-hand
 * side reads the item as it was, so each slot takes the one before it and the newest is this beat's
 * gap, one subtraction. A first beat's gap is 0 (`if_not_exists(ls, :now)`), as are empty slots.
 */
function shiftGapRegister(u: UpdateBuilder, now: number): void {
  const zero = u.value(n(0));
  for (let k = ATTR.gaps.length - 1; k > 0; k--) u.set(ATTR.gaps[k] as string, `if_not_exists(${u.name(ATTR.gaps[k - 1] as string)}, ${zero})`);
  const nowValue = u.value(n(now));
  u.set(ATTR.gaps[0], `${nowValue} - if_not_exists(${u.name(ATTR.lastSeen)}, ${nowValue})`);
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
  // With `next` the deadline is written by setNextDeadline instead.
  const setDeadline = (expression: () => string) => {
    if (beat.nextSeconds === undefined) u.set(ATTR.deadline, expression());
  };
  const iv = () => u.name(ATTR.intervalMs);
  const gr = () => u.name(ATTR.explicitGraceMs);
  const sp = () => u.name(ATTR.spanMs);
  if (intervalMs === undefined && graceMs === undefined && defaultGraceMs !== null && storedIntervalMs !== undefined) {
    // Second attempt of the case below: the record's grace followed its interval, and the deployment
    // now has a default grace. Written outright, under the condition that nothing changed since.
    u.set(ATTR.explicitGraceMs, u.value(n(defaultGraceMs)));
    u.set(ATTR.spanMs, u.value(n(storedIntervalMs + defaultGraceMs)));
    setDeadline(() => u.value(n(now + storedIntervalMs + defaultGraceMs)));
    return `${iv()} = ${u.value(n(storedIntervalMs))} AND attribute_not_exists(${gr()})`;
  }
  if (intervalMs !== undefined && graceMs !== undefined) {
    u.set(ATTR.intervalMs, u.value(n(intervalMs)));
    u.set(ATTR.explicitGraceMs, u.value(n(graceMs)));
    u.set(ATTR.spanMs, u.value(n(intervalMs + graceMs)));
    setDeadline(() => u.value(n(now + intervalMs + graceMs)));
  } else if (intervalMs !== undefined) {
    // The grace is the stored explicit one, else the default, else it follows the new interval.
    const fallbackGrace = u.value(n(defaultGraceMs ?? intervalMs));
    u.set(ATTR.intervalMs, u.value(n(intervalMs)));
    if (defaultGraceMs !== null) u.set(ATTR.explicitGraceMs, `if_not_exists(${gr()}, ${fallbackGrace})`);
    u.set(ATTR.spanMs, `if_not_exists(${gr()}, ${fallbackGrace}) + ${u.value(n(intervalMs))}`);
    setDeadline(() => `if_not_exists(${gr()}, ${fallbackGrace}) + ${u.value(n(now + intervalMs))}`);
  } else if (graceMs !== undefined) {
    const storedInterval = `if_not_exists(${iv()}, ${u.value(n(defaultIntervalMs))})`;
    u.set(ATTR.intervalMs, storedInterval);
    u.set(ATTR.explicitGraceMs, u.value(n(graceMs)));
    u.set(ATTR.spanMs, `${storedInterval} + ${u.value(n(graceMs))}`);
    setDeadline(() => `${storedInterval} + ${u.value(n(now + graceMs))}`);
  } else {
    const defaultSpan = u.value(n(defaultIntervalMs + (defaultGraceMs ?? defaultIntervalMs)));
    u.set(ATTR.intervalMs, `if_not_exists(${iv()}, ${u.value(n(defaultIntervalMs))})`);
    if (defaultGraceMs !== null) u.set(ATTR.explicitGraceMs, `if_not_exists(${gr()}, ${u.value(n(defaultGraceMs))})`);
    u.set(ATTR.spanMs, `if_not_exists(${sp()}, ${defaultSpan})`);
    setDeadline(() => `if_not_exists(${sp()}, ${defaultSpan}) + ${u.value(n(now))}`);
    // The cached span is right unless the grace followed the interval and a default grace is now set
    // (a deployment changed its default): then the store needs the interval, which this write cannot
    // read. That happens once per device after such a change; the store retries with the interval.
    if (defaultGraceMs !== null) return `attribute_exists(${gr()}) OR attribute_not_exists(${sp()})`;
  }
  return null;
}

/**
 * The deadline of a beat with `next` (interval, grace and span are set as without it): this one time
 * `now + next + grace`, the grace being the one setBeatTiming leaves, explicit or following the interval.
 */
function setNextDeadline(u: UpdateBuilder, beat: BeatWrite, nextMs: number, storedIntervalMs: number | undefined): void {
  const now = beat.receivedAt;
  const defaultIntervalMs = beat.defaultIntervalSeconds * 1000;
  const at = u.value(n(now + nextMs));
  const gr = u.name(ATTR.explicitGraceMs);
  const iv = u.name(ATTR.intervalMs);
  let grace: string;
  if (beat.graceSeconds !== undefined) grace = u.value(n(beat.graceSeconds * 1000));
  else if (storedIntervalMs !== undefined && beat.intervalSeconds === undefined && beat.defaultGraceSeconds !== null) grace = u.value(n(beat.defaultGraceSeconds * 1000));
  else if (beat.defaultGraceSeconds !== null) grace = `if_not_exists(${gr}, ${u.value(n(beat.defaultGraceSeconds * 1000))})`;
  else if (beat.intervalSeconds !== undefined) grace = `if_not_exists(${gr}, ${u.value(n(beat.intervalSeconds * 1000))})`;
  else grace = `if_not_exists(${gr}, if_not_exists(${iv}, ${u.value(n(defaultIntervalMs))}))`;
  u.set(ATTR.deadline, `${grace} + ${at}`);
}
