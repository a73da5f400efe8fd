/**
 * DeviceStore on DynamoDB. One item per device; every race-prone change is a conditional write.
 * The client is injected (built once per container by the composition root), so tests point it at
 * DynamoDB Local and nothing here reads the environment.
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
import type { AlertLease, DeviceRecord, DownReason, LivenessState } from '../core/model';
import { InvalidCursorError, type BeatWrite, type DeviceQuery, type DeviceStore, type FleetSummary } from '../core/ports';
import { ATTR, PARTITION_KEY, SUMMARY_KEY } from './device-table-schema';

type Item = Record<string, AttributeValue>;

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
}

/** Builds an update expression with placeholders, so no attribute name or value is ever spliced into it. */
class UpdateBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Item = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private counter = 0;

  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }
  value(value: AttributeValue): string {
    const placeholder = `:v${this.counter++}`;
    this.values[placeholder] = value;
    return placeholder;
  }
  set(attribute: string, expression: string): this {
    this.sets.push(`${this.name(attribute)} = ${expression}`);
    return this;
  }
  remove(attribute: string): this {
    this.removes.push(this.name(attribute));
    return this;
  }
  add(attribute: string, value: AttributeValue): this {
    this.adds.push(`${this.name(attribute)} ${this.value(value)}`);
    return this;
  }
  expression(): string {
    const parts: string[] = [];
    if (this.sets.length) parts.push(`SET ${this.sets.join(', ')}`);
    if (this.removes.length) parts.push(`REMOVE ${this.removes.join(', ')}`);
    if (this.adds.length) parts.push(`ADD ${this.adds.join(', ')}`);
    return parts.join(' ');
  }
}

const n = (value: number): AttributeValue => ({ N: String(value) });
const s = (value: string): AttributeValue => ({ S: value });
const num = (item: Item, attribute: string): number | null => {
  const raw = item[attribute]?.N;
  return raw === undefined ? null : Number(raw);
};
const str = (item: Item, attribute: string): string | null => item[attribute]?.S ?? null;

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
  ATTR.leaseUntil,
  ATTR.leaseOwner,
];

export class DynamoDbDeviceStore implements DeviceStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly onCapacity: DynamoDbDeviceStoreOptions['onCapacity'];
  private readonly configureAttempts: number;

  constructor(options: DynamoDbDeviceStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.onCapacity = options.onCapacity;
    this.configureAttempts = options.configureAttempts ?? 5;
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
    const u = new UpdateBuilder();
    const now = beat.receivedAt;
    u.set(ATTR.state, u.value(s(beat.healthy ? 'up' : 'down')));
    u.set(ATTR.lastSeen, u.value(n(now)));
    u.set(ATTR.ttl, u.value(n(beat.expiresAtSeconds)));
    u.add(ATTR.beats, n(1));
    if (beat.message !== undefined) u.set(ATTR.message, u.value(s(beat.message)));
    if (beat.meta !== undefined) u.set(ATTR.meta, u.value(s(JSON.stringify(beat.meta))));
    if (beat.healthy) {
      u.set(ATTR.recoveredAt, `if_not_exists(${u.name(ATTR.recoveredAt)}, ${u.value(n(now))})`);
    } else {
      u.set(ATTR.downSince, `if_not_exists(${u.name(ATTR.downSince)}, ${u.value(n(now))})`);
      u.set(ATTR.downReason, `if_not_exists(${u.name(ATTR.downReason)}, ${u.value(s('fail'))})`);
      u.remove(ATTR.recoveredAt);
    }
    this.setBeatTiming(u, beat);
    const ls = u.name(ATTR.lastSeen);
    // Beats of one device can land out of order (sent in parallel, retried): an older one must not
    // move lastSeen and the deadline backwards. The condition costs no read unit.
    const newest = `attribute_not_exists(${ls}) OR ${ls} <= ${u.value(n(now))}`;
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(beat.deviceId),
          UpdateExpression: u.expression(),
          ConditionExpression: newest,
          ExpressionAttributeNames: u.names,
          ExpressionAttributeValues: u.values,
          // The previous record tells the core what changed (first beat, recovery) without a read.
          ReturnValues: 'ALL_OLD',
          ...this.capacity(),
        }),
      );
      this.report('recordBeat', result.ConsumedCapacity);
      return result.Attributes && Object.keys(result.Attributes).length > 0 ? recordFromItem(result.Attributes) : null;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // A newer beat is recorded already (rare: a race): this one only counts.
    const count = new UpdateBuilder().add(ATTR.beats, n(1));
    const counted = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(beat.deviceId),
        UpdateExpression: count.expression(),
        ExpressionAttributeNames: count.names,
        ExpressionAttributeValues: count.values,
        ReturnValues: 'ALL_OLD',
        ...this.capacity(),
      }),
    );
    this.report('recordBeat', counted.ConsumedCapacity);
    return counted.Attributes ? recordFromItem(counted.Attributes) : null;
  }

  /**
   * Interval, grace, span and deadline, each one DynamoDB addition at most, so that the beat needs
   * no read whatever it changes. Mirrors `applyBeat` in the core.
   */
  private setBeatTiming(u: UpdateBuilder, beat: BeatWrite): void {
    const now = beat.receivedAt;
    const defaultIntervalMs = beat.defaultIntervalSeconds * 1000;
    const defaultGraceMs = beat.defaultGraceSeconds === null ? null : beat.defaultGraceSeconds * 1000;
    const intervalMs = beat.intervalSeconds === undefined ? undefined : beat.intervalSeconds * 1000;
    const graceMs = beat.graceSeconds === undefined ? undefined : beat.graceSeconds * 1000;
    // Placeholders are made on use: DynamoDB rejects declared names an expression does not use.
    const iv = () => u.name(ATTR.intervalMs);
    const gr = () => u.name(ATTR.explicitGraceMs);
    const sp = () => u.name(ATTR.spanMs);
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
          ...this.capacity(),
        }),
      );
      this.report('scan', page.ConsumedCapacity);
      const devices: DeviceRecord[] = [];
      for (const item of page.Items ?? []) {
        if (item[PARTITION_KEY]?.S === SUMMARY_KEY) continue;
        devices.push(recordFromItem(item));
      }
      yield devices;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async markDown(deviceId: string, now: number, lease: AlertLease): Promise<DeviceRecord | null> {
    const u = new UpdateBuilder();
    u.set(ATTR.state, u.value(s('down')));
    u.set(ATTR.downSince, u.name(ATTR.deadline)); // a timeout's outage starts at the deadline
    u.set(ATTR.downReason, u.value(s('timeout')));
    u.set(ATTR.leaseUntil, u.value(n(lease.until)));
    u.set(ATTR.leaseOwner, u.value(s(lease.owner)));
    u.remove(ATTR.recoveredAt).remove(ATTR.alertedDownSince);
    const condition =
      `${u.name(ATTR.state)} = ${u.value(s('up'))} AND ${u.name(ATTR.deadline)} < ${u.value(n(now))}` +
      ` AND attribute_not_exists(${u.name(ATTR.paused)}) AND attribute_not_exists(${u.name(ATTR.downSince)})`;
    return this.conditionalUpdate('markDown', deviceId, u, condition);
  }

  async claimAlerts(deviceId: string, downSince: number, now: number, lease: AlertLease): Promise<DeviceRecord | null> {
    const u = new UpdateBuilder();
    u.set(ATTR.leaseUntil, u.value(n(lease.until)));
    u.set(ATTR.leaseOwner, u.value(s(lease.owner)));
    const lk = u.name(ATTR.leaseUntil);
    const condition =
      `${u.name(ATTR.downSince)} = ${u.value(n(downSince))} AND attribute_not_exists(${u.name(ATTR.paused)})` +
      ` AND (attribute_not_exists(${lk}) OR ${lk} < ${u.value(n(now))})`;
    return this.conditionalUpdate('claimAlerts', deviceId, u, condition);
  }

  async settleAlerts(deviceId: string, downSince: number, owner: string, outcome: { downAlerted: boolean; closed: boolean }): Promise<void> {
    const holds = (u: UpdateBuilder) =>
      `${u.name(ATTR.leaseOwner)} = ${u.value(s(owner))} AND ${u.name(ATTR.downSince)} = ${u.value(n(downSince))}`;
    if (outcome.closed) {
      const u = new UpdateBuilder();
      for (const attribute of [ATTR.downSince, ATTR.downReason, ATTR.alertedDownSince, ATTR.leaseUntil, ATTR.leaseOwner]) u.remove(attribute);
      // Close the outage only if the device is still up: a fail beat may have landed since.
      const closed = await this.conditionalUpdate('settleAlerts', deviceId, u, `${holds(u)} AND ${u.name(ATTR.state)} = ${u.value(s('up'))}`);
      if (closed) return;
    }
    const u = new UpdateBuilder();
    if (outcome.downAlerted || outcome.closed) u.set(ATTR.alertedDownSince, u.value(n(downSince)));
    u.remove(ATTR.leaseUntil).remove(ATTR.leaseOwner);
    // If the lease was lost (it ran out and another sweeper took over) that sweeper settles instead.
    await this.conditionalUpdate('settleAlerts', deviceId, u, holds(u));
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
      if (previous === null) u.set(ATTR.state, u.value(s(next.state)));
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
      u.set(ATTR.ttl, u.value(n(expiresAtSeconds)));
      // Optimistic concurrency: the beat count is the version, since beats are what move the deadline.
      const bc = () => u.name(ATTR.beats);
      const condition =
        previous === null
          ? `attribute_not_exists(${u.name(PARTITION_KEY)})`
          : previous.beats === 0
            ? `attribute_exists(${u.name(PARTITION_KEY)}) AND attribute_not_exists(${bc()})`
            : `${bc()} = ${u.value(n(previous.beats))}`;
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
    const values: Item = { ':summary': s(SUMMARY_KEY) };
    const filters = ['#pk <> :summary'];
    if (query.status === 'paused') {
      names['#p'] = ATTR.paused;
      filters.push('attribute_exists(#p)');
    } else if (query.status) {
      names['#p'] = ATTR.paused;
      names['#st'] = ATTR.state;
      values[':st'] = s(query.status);
      filters.push('#st = :st AND attribute_not_exists(#p)');
    }
    if (query.group) {
      names['#g'] = ATTR.group;
      values[':g'] = s(query.group);
      filters.push('#g = :g');
    }
    let startKey = query.cursor ? decodeCursor(query.cursor) : undefined;
    const devices: DeviceRecord[] = [];
    for (;;) {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: filters.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: startKey,
          Limit: Math.max(query.limit, 100),
          ...this.capacity(),
        }),
      );
      this.report('listDevices', page.ConsumedCapacity);
      for (const item of page.Items ?? []) {
        if (devices.length === query.limit) return { devices, cursor: encodeCursor(devices[devices.length - 1] as DeviceRecord) };
        devices.push(recordFromItem(item));
      }
      if (!page.LastEvaluatedKey) return { devices, cursor: null };
      if (devices.length === query.limit) return { devices, cursor: encodeCursor(devices[devices.length - 1] as DeviceRecord) };
      startKey = page.LastEvaluatedKey;
    }
  }

  async writeSummary(summary: FleetSummary): Promise<void> {
    // An update, not a put, so the sweeper needs no PutItem grant.
    const u = new UpdateBuilder();
    u.set(ATTR.summaryAt, u.value(n(summary.lastSweepAt)));
    u.set(ATTR.summaryCounts, u.value(s(JSON.stringify(summary.counts))));
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(SUMMARY_KEY),
        UpdateExpression: u.expression(),
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: u.values,
        ...this.capacity(),
      }),
    );
    this.report('writeSummary', result.ConsumedCapacity);
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

function encodeCursor(last: DeviceRecord): string {
  return Buffer.from(JSON.stringify({ k: last.deviceId }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Item {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const key = (parsed as { k?: unknown }).k;
    if (typeof key === 'string' && key.length > 0 && key.length <= 128) return { [PARTITION_KEY]: s(key) };
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}
