/**
 * DeviceStore on DynamoDB. One item per device; every race-prone change is a conditional write.
 * The client is injected (built once per container by the composition root), so tests point it at
 * DynamoDB Local and nothing here reads the environment. How items look lives in device-item.ts,
 * the beat's update expression in beat-update.ts.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CANARY_DEVICE_ID } from '../../core/canary';
import { expiresByRetention, failRunReached, type AlertLease, type DeviceRecord, type OwedClose } from '../../core/model';
import type { BeatWrite, DeviceQuery, DeviceStore, FleetSummary, SettleOutcome } from '../../core/ports';
import { beatUpdate } from './beat-update';
import { decodeCursor, encodeCursorKey, num, owedCloseValue, recordFromItem, stampItemFormat, str, SWEEP_PROJECTION } from './device-item';
import { ATTR, PARTITION_KEY, RESERVED_KEY_PREFIX, SUMMARY_KEY } from './table-schema';
import { n, s, UpdateBuilder, type Item } from './update-builder';

/** A condition that `attribute` still holds `value` (absent when null). */
function unchanged(u: UpdateBuilder, attribute: string, value: AttributeValue | null): string {
  return value === null ? `attribute_not_exists(${u.name(attribute)})` : `${u.name(attribute)} = ${u.value(value)}`;
}

/** A condition that the outage starting at `downSince` is still announced, or still not, as it was read. */
function announcedAsRead(u: UpdateBuilder, downSince: number, announced: boolean): string {
  const na = u.name(ATTR.alertedDownSince);
  const ds = u.value(n(downSince));
  return announced ? `${na} = ${ds}` : `(attribute_not_exists(${na}) OR ${na} <> ${ds})`;
}

/** Read and write units one request consumed. */
export interface CapacityUnits {
  readonly read: number;
  readonly write: number;
}

const READ_OPERATIONS = new Set(['scan', 'getDevice', 'listDevices', 'readSummary']);

/** DynamoDB reports a total (`CapacityUnits`) and, for some requests, the split; this always gives the split. */
function splitCapacity(operation: string, capacity: ConsumedCapacity): CapacityUnits {
  const total = capacity.CapacityUnits ?? 0;
  const isRead = READ_OPERATIONS.has(operation);
  return {
    read: capacity.ReadCapacityUnits ?? (isRead ? total : 0),
    write: capacity.WriteCapacityUnits ?? (isRead ? 0 : total),
  };
}

export interface DynamoDbDeviceStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Called with the capacity each request consumed; when set, requests ask DynamoDB for it. */
  readonly onCapacity?: (operation: string, units: CapacityUnits) => void;
  /** Attempts of a read-modify-write that keeps losing to beats. */
  readonly configureAttempts?: number;
  /** Items per scan request of a sweep (DynamoDB's 1 MB page when unset); tests use small pages. */
  readonly scanPageLimit?: number;
  /**
   * Items one list request may read, matching or not (default 2,000: a few hundred ms of scanning).
   * A filter that matches few devices returns a partial page and a cursor rather than scanning on.
   */
  readonly listReadBudget?: number;
}

export class DynamoDbDeviceStore implements DeviceStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly onCapacity: DynamoDbDeviceStoreOptions['onCapacity'];
  private readonly configureAttempts: number;
  private readonly scanPageLimit: number | undefined;
  private readonly listReadBudget: number;

  constructor(options: DynamoDbDeviceStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.onCapacity = options.onCapacity;
    this.configureAttempts = options.configureAttempts ?? 5;
    this.scanPageLimit = options.scanPageLimit;
    this.listReadBudget = options.listReadBudget ?? 2000;
  }

  private capacity(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  private report(operation: string, capacity: ConsumedCapacity | undefined): void {
    if (this.onCapacity && capacity) this.onCapacity(operation, splitCapacity(operation, capacity));
  }

  private key(deviceId: string): Item {
    return { [PARTITION_KEY]: s(deviceId) };
  }

  /** Sends a conditional update; resolves null when the condition did not hold. */
  private async conditionalUpdate(operation: string, deviceId: string, update: UpdateBuilder, condition: string): Promise<DeviceRecord | null> {
    stampItemFormat(update); // every change of a device item says which format it is in
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(deviceId),
          UpdateExpression: update.expression(),
          ConditionExpression: condition,
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: update.values,
          ReturnValues: 'ALL_NEW',
          ...this.capacity(),
        }),
      );
      this.report(operation, result.ConsumedCapacity);
      return result.Attributes ? recordFromItem(result.Attributes) : null;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async recordBeat(beat: BeatWrite): Promise<DeviceRecord | null> {
    // Nearly every beat is the first write. A refusal hands back the record it saw (no read unit),
    // which says which of the two rare cases this is; each is retried as a compare-and-set.
    let storedIntervalMs: number | undefined;
    for (let attempt = 1; attempt <= this.configureAttempts; attempt++) {
      const { update: u, condition } = beatUpdate(beat, storedIntervalMs);
      let seen: Item | undefined;
      try {
        const result = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: this.key(beat.deviceId),
            UpdateExpression: u.expression(),
            ConditionExpression: condition,
            ExpressionAttributeNames: u.names,
            ExpressionAttributeValues: u.values,
            // The previous record tells the core what changed (first beat, recovery) without a read.
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ...this.capacity(),
          }),
        );
        this.report('recordBeat', result.ConsumedCapacity);
        return result.Attributes && Object.keys(result.Attributes).length > 0 ? recordFromItem(result.Attributes) : null;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        seen = error.Item;
      }
      const lastSeen = seen ? num(seen, ATTR.lastSeen) : null;
      if (seen && lastSeen !== null && lastSeen > beat.receivedAt) {
        // A newer beat is recorded already (beats raced): this one only counts, and only on the
        // device it was refused by; if that was deleted meanwhile, the beat is recorded afresh.
        const counted = await this.countStaleBeat(beat);
        if (counted) return counted;
        storedIntervalMs = undefined;
        continue;
      }
      // The cached span is stale (a default grace was set since): write the timing outright.
      storedIntervalMs = seen ? (num(seen, ATTR.intervalMs) ?? undefined) : undefined;
    }
    throw new Error(`device ${beat.deviceId} kept changing while a beat was being recorded`);
  }

  /** Counts a beat older than the one recorded, if the device is still there (it may have been deleted); returns the record before. */
  private async countStaleBeat(beat: BeatWrite): Promise<DeviceRecord | null> {
    const u = stampItemFormat(new UpdateBuilder().add(ATTR.beats, n(1)));
    const ls = u.name(ATTR.lastSeen);
    try {
      const counted = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(beat.deviceId),
          UpdateExpression: u.expression(),
          // lastSeen only grows, so this holds unless the device was deleted since the refusal.
          ConditionExpression: `${ls} > ${u.value(n(beat.receivedAt))}`,
          ExpressionAttributeNames: u.names,
          ExpressionAttributeValues: u.values,
          ReturnValues: 'ALL_OLD',
          ...this.capacity(),
        }),
      );
      this.report('recordBeat', counted.ConsumedCapacity);
      return counted.Attributes ? recordFromItem(counted.Attributes) : null;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async *scanSegment(segment: number, totalSegments: number): AsyncIterable<readonly DeviceRecord[]> {
    let startKey: Item | undefined;
    const names: Record<string, string> = {};
    for (const attribute of SWEEP_PROJECTION) names[`#${attribute}`] = attribute;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          Segment: segment,
          TotalSegments: totalSegments,
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: names,
          ExclusiveStartKey: startKey,
          ...(this.scanPageLimit !== undefined ? { Limit: this.scanPageLimit } : {}),
          ...this.capacity(),
        }),
      );
      this.report('scan', page.ConsumedCapacity);
      const devices: DeviceRecord[] = [];
      for (const item of page.Items ?? []) {
        if (item[PARTITION_KEY]?.S?.startsWith(RESERVED_KEY_PREFIX)) continue; // the summary, fleet incidents
        devices.push(recordFromItem(item));
      }
      yield devices;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** The condition that no live lease holds the device at `now`. */
  private static leaseFree(u: UpdateBuilder, now: number): string {
    const lk = u.name(ATTR.leaseUntil);
    return `(attribute_not_exists(${lk}) OR ${lk} < ${u.value(n(now))})`;
  }

  /** Sets the lease and the `#p` absence check's name (shared by every claim). */
  private static takeLease(u: UpdateBuilder, lease: AlertLease): string {
    u.set(ATTR.leaseUntil, u.value(n(lease.until)));
    u.set(ATTR.leaseOwner, u.value(s(lease.owner)));
    return `attribute_not_exists(${u.name(ATTR.paused)})`;
  }

  async markDown(deviceId: string, now: number, lease: AlertLease, downSince?: number, silentSince?: number): Promise<DeviceRecord | null> {
    const u = new UpdateBuilder();
    u.set(ATTR.state, u.value(s('down')));
    // A timeout's outage starts at the deadline (or the later one an ended maintenance window set).
    u.set(ATTR.downSince, downSince === undefined ? u.name(ATTR.deadline) : u.value(n(downSince)));
    // That later deadline is the one the device was held to: it keeps it (an adaptive one judged early keeps its own).
    if (downSince !== undefined && silentSince === undefined) u.set(ATTR.deadline, u.value(n(downSince)));
    u.set(ATTR.downReason, u.value(s('timeout')));
    const notPaused = DynamoDbDeviceStore.takeLease(u, lease);
    u.remove(ATTR.recoveredAt).remove(ATTR.alertedDownSince).remove(ATTR.unsettledFailAt);
    u.remove(ATTR.ttl); // an open outage is never reclaimed by retention; the recovering beat sets it again
    const st = u.name(ATTR.state);
    const fl = u.name(ATTR.failsLeft);
    // `new` with a deadline: a registered device whose first beats were fails below the threshold.
    // An adaptive device judged overdue early: no beat since the sweep read it stands in for a passed deadline.
    const overdue = `${u.name(ATTR.deadline)} < ${u.value(n(now))}`;
    const silent = silentSince === undefined ? overdue : `(${overdue} OR ${u.name(ATTR.lastSeen)} = ${u.value(n(silentSince))})`;
    const condition =
      `(${st} = ${u.value(s('up'))} OR ${st} = ${u.value(s('new'))}) AND ${silent}` +
      ` AND ${notPaused} AND attribute_not_exists(${u.name(ATTR.downSince)})` +
      ` AND (attribute_not_exists(${fl}) OR ${fl} > ${u.value(n(0))})` +
      ` AND (attribute_not_exists(${u.name(ATTR.endedRunFailsLeft)}) OR ${u.name(ATTR.endedRunFailsLeft)} > ${u.value(n(0))})`;
    return this.conditionalUpdate('markDown', deviceId, u, condition);
  }

  async claimFailRun(deviceId: string, failingSince: number, now: number, lease: AlertLease, ended = false, downSince = failingSince): Promise<DeviceRecord | null> {
    const u = new UpdateBuilder();
    const from = u.value(n(failingSince));
    // A run of fails is an outage from its first fail (or from an earlier reached run it follows).
    u.set(ATTR.downSince, downSince === failingSince ? from : u.value(n(downSince)));
    u.set(ATTR.downReason, u.value(s('fail')));
    const notPaused = DynamoDbDeviceStore.takeLease(u, lease);
    u.remove(ATTR.alertedDownSince).remove(ATTR.unsettledFailAt).remove(ATTR.ttl);
    const zero = u.value(n(0));
    let run: string;
    if (ended) {
      // Ended by an ok beat already: the device is up, recovered at `rt`; only the outage is recorded.
      u.remove(ATTR.endedRunFailsLeft).remove(ATTR.endedRunSince);
      run = `${u.name(ATTR.endedRunSince)} = ${from} AND ${u.name(ATTR.endedRunFailsLeft)} <= ${zero}`;
    } else {
      // Going on: the device is down from here (`st`); the run is handed over to the outage, so the
      // fails after it count afresh and an ok beat ending it leaves no unrecorded run behind.
      u.set(ATTR.state, u.value(s('down')));
      u.remove(ATTR.recoveredAt).remove(ATTR.failsLeft).remove(ATTR.failingSince).remove(ATTR.endedRunFailsLeft).remove(ATTR.endedRunSince);
      run = `${u.name(ATTR.failingSince)} = ${from} AND ${u.name(ATTR.failsLeft)} <= ${zero}`;
    }
    const condition = `attribute_not_exists(${u.name(ATTR.downSince)}) AND ${run} AND ${notPaused} AND ${DynamoDbDeviceStore.leaseFree(u, now)}`;
    return this.conditionalUpdate('claimFailRun', deviceId, u, condition);
  }

  async markDownAgain(deviceId: string, downSince: number, now: number, lease: AlertLease): Promise<DeviceRecord | null> {
    const u = new UpdateBuilder();
    u.set(ATTR.state, u.value(s('down')));
    u.set(ATTR.leaseUntil, u.value(n(lease.until)));
    u.set(ATTR.leaseOwner, u.value(s(lease.owner)));
    u.remove(ATTR.recoveredAt).remove(ATTR.unsettledFailAt).remove(ATTR.ttl);
    const lk = u.name(ATTR.leaseUntil);
    const rightNow = u.value(n(now));
    const condition =
      `${u.name(ATTR.downSince)} = ${u.value(n(downSince))} AND ${u.name(ATTR.state)} = ${u.value(s('up'))}` +
      ` AND ${u.name(ATTR.deadline)} < ${rightNow} AND attribute_not_exists(${u.name(ATTR.paused)})` +
      ` AND (attribute_not_exists(${lk}) OR ${lk} < ${rightNow})`;
    return this.conditionalUpdate('markDownAgain', deviceId, u, condition);
  }

  async claimAlerts(deviceId: string, downSince: number, now: number, lease: AlertLease): Promise<DeviceRecord | null> {
    const u = new UpdateBuilder();
    const notPaused = DynamoDbDeviceStore.takeLease(u, lease);
    u.remove(ATTR.unsettledFailAt); // format 1 kept it; nothing reads it any more
    const condition = `${u.name(ATTR.downSince)} = ${u.value(n(downSince))} AND ${notPaused} AND ${DynamoDbDeviceStore.leaseFree(u, now)}`;
    return this.conditionalUpdate('claimAlerts', deviceId, u, condition);
  }

  async settleAlerts(
    deviceId: string,
    downSince: number,
    owner: string,
    outcome: { downAlerted: boolean; closed: boolean; remindersSent?: number; closeOwed?: OwedClose },
  ): Promise<SettleOutcome> {
    const holds = (u: UpdateBuilder) =>
      `${u.name(ATTR.leaseOwner)} = ${u.value(s(owner))} AND ${u.name(ATTR.downSince)} = ${u.value(n(downSince))}`;
    if (outcome.closed) {
      // The device.up went out: this outage is over whatever happened since. If a run of fails
      // reached its threshold meanwhile, that is the next outage: the record reads down again, and
      // the outbox claims it at once from the run's first fail (claimFailRun) and announces it.
      const close = new UpdateBuilder();
      // Fails inside the outage are part of it: a run they ended is not announced again.
      for (const attribute of [ATTR.downSince, ATTR.downReason, ATTR.alertedDownSince, ATTR.leaseUntil, ATTR.leaseOwner, ATTR.endedRunFailsLeft, ATTR.endedRunSince]) {
        close.remove(attribute);
      }
      if (outcome.closeOwed !== undefined) {
        // Its history close failed: kept (after any owed already) until a later pass writes it.
        const hc = close.name(ATTR.closesOwed);
        close.set(ATTR.closesOwed, `list_append(if_not_exists(${hc}, ${close.value({ L: [] })}), ${close.value({ L: [owedCloseValue(outcome.closeOwed)] })})`);
      }
      const closed = await this.conditionalUpdate('settleAlerts', deviceId, close, holds(close));
      if (closed === null) return 'lease-lost';
      return failRunReached(closed) ? 'reopened' : 'closed';
    }
    const u = new UpdateBuilder();
    if (outcome.downAlerted) u.set(ATTR.alertedDownSince, u.value(n(downSince)));
    if (outcome.remindersSent !== undefined) {
      u.set(ATTR.remindersSent, u.value(n(outcome.remindersSent)));
      u.set(ATTR.remindedDownSince, u.value(n(downSince)));
    }
    u.remove(ATTR.leaseUntil).remove(ATTR.leaseOwner);
    // If the lease was lost (it ran out and another sweeper took over) that sweeper settles instead.
    return (await this.conditionalUpdate('settleAlerts', deviceId, u, holds(u))) ? 'recorded' : 'lease-lost';
  }

  async forgetOwedCloses(deviceId: string, owed: readonly OwedClose[]): Promise<void> {
    if (owed.length === 0) return;
    const u = new UpdateBuilder().remove(ATTR.closesOwed);
    // Only the closes that were written: one owed since (another outage) makes the list differ, and stays.
    await this.conditionalUpdate('forgetOwedCloses', deviceId, u, `${u.name(ATTR.closesOwed)} = ${u.value({ L: owed.map(owedCloseValue) })}`);
  }

  async getDevice(deviceId: string): Promise<DeviceRecord | null> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.key(deviceId), ConsistentRead: true, ...this.capacity() }),
    );
    this.report('getDevice', result.ConsumedCapacity);
    return result.Item ? recordFromItem(result.Item) : null;
  }

  async configureDevice(
    deviceId: string,
    apply: (previous: DeviceRecord | null) => DeviceRecord,
    expiresAtSeconds: number,
  ): Promise<{ device: DeviceRecord; created: boolean }> {
    for (let attempt = 1; attempt <= this.configureAttempts; attempt++) {
      const previous = await this.getDevice(deviceId);
      const next = apply(previous);
      const u = new UpdateBuilder();
      if (previous === null || next.state !== previous.state) u.set(ATTR.state, u.value(s(next.state)));
      u.set(ATTR.intervalMs, u.value(n(next.intervalSeconds * 1000)));
      const graceMs = (next.explicitGraceSeconds ?? next.intervalSeconds) * 1000;
      if (next.explicitGraceSeconds === null) u.remove(ATTR.explicitGraceMs);
      else u.set(ATTR.explicitGraceMs, u.value(n(graceMs)));
      u.set(ATTR.spanMs, u.value(n(next.intervalSeconds * 1000 + graceMs)));
      if (next.deadline !== null) u.set(ATTR.deadline, u.value(n(next.deadline)));
      if (next.group === null) u.remove(ATTR.group);
      else u.set(ATTR.group, u.value(s(next.group)));
      if (next.paused) u.set(ATTR.paused, u.value({ BOOL: true }));
      else u.remove(ATTR.paused);
      // A resume forgets an outage never announced (see applyPatch).
      if (next.failThreshold === null) u.remove(ATTR.failThreshold);
      else u.set(ATTR.failThreshold, u.value(n(next.failThreshold)));
      if (next.recoverAfterSeconds === null) u.remove(ATTR.recoverAfterMs);
      else u.set(ATTR.recoverAfterMs, u.value(n(next.recoverAfterSeconds * 1000)));
      if (next.detection === 'adaptive') u.set(ATTR.adaptive, u.value({ BOOL: true }));
      else u.remove(ATTR.adaptive);
      // A resume forgets an outage never announced, and a run of fails that went on while paused (see applyPatch).
      const forgetsOutage = previous !== null && previous.downSince !== null && next.downSince === null;
      if (forgetsOutage) {
        for (const attribute of [ATTR.downSince, ATTR.downReason, ATTR.alertedDownSince, ATTR.recoveredAt, ATTR.unsettledFailAt]) u.remove(attribute);
      }
      if (previous !== null && previous.failsLeft !== null && next.failsLeft === null) u.remove(ATTR.failsLeft).remove(ATTR.failingSince);
      if (previous !== null && previous.endedFailRunSince !== null && next.endedFailRunSince === null) u.remove(ATTR.endedRunFailsLeft).remove(ATTR.endedRunSince);
      // Retention never reclaims a device that is down or has never beaten.
      if (expiresByRetention(next)) u.set(ATTR.ttl, u.value(n(expiresAtSeconds)));
      else u.remove(ATTR.ttl);
      // Optimistic concurrency: the beat count is the version, since beats are what move the deadline;
      // and the outage and its lease as read, since the sweep writes those.
      const bc = () => u.name(ATTR.beats);
      const condition =
        previous === null
          ? `attribute_not_exists(${u.name(PARTITION_KEY)})`
          : [
              previous.beats === 0 ? `attribute_exists(${u.name(PARTITION_KEY)}) AND attribute_not_exists(${bc()})` : `${bc()} = ${u.value(n(previous.beats))}`,
              unchanged(u, ATTR.downSince, previous.downSince === null ? null : n(previous.downSince)),
              unchanged(u, ATTR.leaseOwner, previous.lease === null ? null : s(previous.lease.owner)),
              ...(previous.downSince === null ? [] : [announcedAsRead(u, previous.downSince, previous.downAlerted)]),
            ].join(' AND ');
      const written = await this.conditionalUpdate('configureDevice', deviceId, u, condition);
      if (written) return { device: written, created: previous === null };
    }
    throw new Error(`device ${deviceId} kept changing while it was being configured`);
  }

  async deleteDevice(deviceId: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: this.key(deviceId),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async listDevices(query: DeviceQuery): Promise<{ devices: DeviceRecord[]; cursor: string | null }> {
    const names: Record<string, string> = { '#pk': PARTITION_KEY };
    const values: Item = { ':reserved': s(RESERVED_KEY_PREFIX) };
    const filters = ['NOT begins_with(#pk, :reserved)'];
    if (!query.includeCanary) {
      values[':canary'] = s(CANARY_DEVICE_ID);
      filters.push('#pk <> :canary');
    }
    if (query.status === 'paused') {
      names['#p'] = ATTR.paused;
      filters.push('attribute_exists(#p)');
    } else if (query.status) {
      // The status as recordFromItem reads it (device-item.ts): a reached run of fails (`fl <= 0`) is
      // down whatever `st` says, and `new` with a last beat is up.
      names['#p'] = ATTR.paused;
      names['#st'] = ATTR.state;
      values[':st'] = s(query.status);
      if (query.status === 'new') {
        names['#ls'] = ATTR.lastSeen;
        filters.push('#st = :st AND attribute_not_exists(#ls)');
      } else {
        names['#fl'] = ATTR.failsLeft;
        values[':zero'] = n(0);
        if (query.status === 'down') filters.push('(#st = :st OR #fl <= :zero)');
        else {
          names['#ls'] = ATTR.lastSeen;
          values[':new'] = s('new');
          filters.push('(#st = :st OR (#st = :new AND attribute_exists(#ls))) AND (attribute_not_exists(#fl) OR #fl > :zero)');
        }
      }
      filters.push('attribute_not_exists(#p)');
    }
    if (query.group) {
      names['#g'] = ATTR.group;
      values[':g'] = s(query.group);
      filters.push('#g = :g');
    }
    let startKey = query.cursor ? decodeCursor(query.cursor) : undefined;
    const devices: DeviceRecord[] = [];
    let budget = this.listReadBudget;
    for (;;) {
      // DynamoDB's Limit counts items read, before the filter: it is what bounds the work per request.
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: filters.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: startKey,
          Limit: Math.min(Math.max(query.limit, 100), budget),
          ...this.capacity(),
        }),
      );
      this.report('listDevices', page.ConsumedCapacity);
      budget -= page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) {
        if (devices.length === query.limit) return { devices, cursor: encodeCursorKey((devices[devices.length - 1] as DeviceRecord).deviceId) };
        devices.push(recordFromItem(item));
      }
      if (!page.LastEvaluatedKey) return { devices, cursor: null };
      if (devices.length === query.limit) return { devices, cursor: encodeCursorKey((devices[devices.length - 1] as DeviceRecord).deviceId) };
      const lastKey = str(page.LastEvaluatedKey, PARTITION_KEY);
      // Out of budget: a partial (maybe empty) page, and a cursor from where the reading stopped.
      if (budget <= 0 && lastKey !== null) return { devices, cursor: encodeCursorKey(lastKey) };
      startKey = page.LastEvaluatedKey;
    }
  }

  async writeSummary(summary: FleetSummary): Promise<void> {
    // An update, not a put, so the sweeper needs no PutItem grant.
    const u = new UpdateBuilder();
    u.set(ATTR.summaryAt, u.value(n(summary.lastSweepAt)));
    u.set(ATTR.summaryCounts, u.value(s(JSON.stringify(summary.counts))));
    const at = u.name(ATTR.summaryAt);
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(SUMMARY_KEY),
          UpdateExpression: u.expression(),
          // Overlapping sweeps finish in any order: the one that started last has the newest counts.
          ConditionExpression: `attribute_not_exists(${at}) OR ${at} < ${u.value(n(summary.lastSweepAt))}`,
          ExpressionAttributeNames: u.names,
          ExpressionAttributeValues: u.values,
          ...this.capacity(),
        }),
      );
      this.report('writeSummary', result.ConsumedCapacity);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async readSummary(): Promise<FleetSummary | null> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(SUMMARY_KEY), ...this.capacity() }));
    this.report('readSummary', result.ConsumedCapacity);
    const item = result.Item;
    const at = item ? num(item, ATTR.summaryAt) : null;
    if (!item || at === null) return null;
    const counts = JSON.parse(str(item, ATTR.summaryCounts) ?? '{}') as Partial<FleetSummary['counts']>;
    return { lastSweepAt: at, counts: { new: counts.new ?? 0, up: counts.up ?? 0, down: counts.down ?? 0, paused: counts.paused ?? 0 } };
  }
}
