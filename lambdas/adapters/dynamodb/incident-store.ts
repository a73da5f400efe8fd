/**
 * IncidentStore on DynamoDB: the history table (see history-schema.ts for its keys). Every read is
 * a Query on a key or an index, never a scan; every write is idempotent, so the sweep may retry it.
 */
import { ConditionalCheckFailedException, PutItemCommand, QueryCommand, UpdateItemCommand, type ConsumedCapacity, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { IncidentRecord } from '../../core/history';
import { InvalidCursorError, type FleetIncidentQuery, type IncidentPage, type IncidentStore } from '../../core/ports';
import {
  END_KEY,
  FLEET_INDEX,
  FLEET_INDEX_KEY,
  FLEET_INDEX_VALUE,
  GROUP_INDEX,
  GROUP_INDEX_KEY,
  HISTORY_ATTR,
  HISTORY_PARTITION_KEY,
  HISTORY_SORT_KEY,
  HISTORY_TTL_ATTRIBUTE,
  OPEN_END_BASE,
  PAUSE_PREFIX,
} from './history-schema';
import { num, str } from './device-item';
import { n, s, UpdateBuilder, type Item } from './update-builder';

/** Options of the history store. */
export interface DynamoDbIncidentStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Called with the read units each Query consumed; when set, requests ask DynamoDB for them. */
  readonly onReadUnits?: (operation: string, units: number) => void;
}

/** The index sort key: the recovery, or (open) a value above every recovery, ordered by start. */
export function endKey(incident: Pick<IncidentRecord, 'downSince' | 'upAt'>): number {
  return incident.upAt ?? OPEN_END_BASE + incident.downSince;
}

/** The item of an incident. */
export function incidentItem(incident: IncidentRecord): Item {
  return {
    [HISTORY_PARTITION_KEY]: s(incident.deviceId),
    [HISTORY_SORT_KEY]: n(incident.downSince),
    [FLEET_INDEX_KEY]: s(FLEET_INDEX_VALUE),
    [END_KEY]: n(endKey(incident)),
    [HISTORY_ATTR.reason]: s(incident.reason),
    ...(incident.group !== null ? { [GROUP_INDEX_KEY]: s(incident.group) } : {}),
    ...(incident.upAt !== null ? { [HISTORY_ATTR.upAt]: n(incident.upAt) } : {}),
    ...(incident.message !== null ? { [HISTORY_ATTR.message]: s(incident.message) } : {}),
  };
}

/** The incident an item stands for. */
export function incidentFromItem(item: Item): IncidentRecord {
  return {
    deviceId: str(item, HISTORY_PARTITION_KEY) ?? '',
    group: str(item, GROUP_INDEX_KEY),
    reason: str(item, HISTORY_ATTR.reason) === 'fail' ? 'fail' : 'timeout',
    downSince: num(item, HISTORY_SORT_KEY) ?? 0,
    upAt: num(item, HISTORY_ATTR.upAt),
    message: str(item, HISTORY_ATTR.message),
  };
}

/** Key attributes a cursor may carry, per query kind, and their types. */
const CURSOR_KEYS: Record<'device' | 'fleet' | 'group', Record<string, 'S' | 'N'>> = {
  device: { [HISTORY_PARTITION_KEY]: 'S', [HISTORY_SORT_KEY]: 'N' },
  fleet: { [HISTORY_PARTITION_KEY]: 'S', [HISTORY_SORT_KEY]: 'N', [FLEET_INDEX_KEY]: 'S', [END_KEY]: 'N' },
  group: { [HISTORY_PARTITION_KEY]: 'S', [HISTORY_SORT_KEY]: 'N', [GROUP_INDEX_KEY]: 'S', [END_KEY]: 'N' },
};

/** The opaque cursor of a page: the last key, tagged with the kind of query it continues. */
export function encodeHistoryCursor(kind: keyof typeof CURSOR_KEYS, key: Item): string {
  const plain: Record<string, string> = {};
  for (const name of Object.keys(CURSOR_KEYS[kind])) plain[name] = key[name]?.S ?? key[name]?.N ?? '';
  return Buffer.from(JSON.stringify({ q: kind, k: plain }), 'utf8').toString('base64url');
}

/** The start key a cursor stands for; InvalidCursorError for anything not issued by this query kind. */
export function decodeHistoryCursor(kind: keyof typeof CURSOR_KEYS, cursor: string, expect: Record<string, string>): Item {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { q?: unknown; k?: Record<string, unknown> };
    if (parsed.q !== kind || typeof parsed.k !== 'object' || parsed.k === null) throw new InvalidCursorError();
    const key: Item = {};
    for (const [name, type] of Object.entries(CURSOR_KEYS[kind])) {
      const value = parsed.k[name];
      if (typeof value !== 'string' || value.length === 0 || value.length > 200) throw new InvalidCursorError();
      if (type === 'N' && !/^\d{1,16}$/.test(value)) throw new InvalidCursorError();
      // A cursor continues the query it came from: not another device's or another group's.
      if (expect[name] !== undefined && expect[name] !== value) throw new InvalidCursorError();
      key[name] = type === 'N' ? n(Number(value)) : s(value);
    }
    return key;
  } catch {
    throw new InvalidCursorError();
  }
}

export class DynamoDbIncidentStore implements IncidentStore {
  constructor(private readonly options: DynamoDbIncidentStoreOptions) {}

  private report(operation: string, capacity: ConsumedCapacity | undefined): void {
    if (this.options.onReadUnits && capacity) this.options.onReadUnits(operation, capacity.CapacityUnits ?? 0);
  }

  private async query(operation: string, input: Omit<QueryCommandInput, 'TableName'>) {
    const result = await this.options.client.send(
      new QueryCommand({ TableName: this.options.tableName, ...input, ...(this.options.onReadUnits ? { ReturnConsumedCapacity: 'TOTAL' } : {}) }),
    );
    this.report(operation, result.ConsumedCapacity);
    return result;
  }

  async recordOpened(incident: IncidentRecord): Promise<void> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: incidentItem({ ...incident, upAt: null }),
          // A retry of the same announcement, or one that lost a race with the recovery's write, changes nothing.
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': HISTORY_PARTITION_KEY },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async recordClosed(incident: IncidentRecord, expiresAtSeconds: number): Promise<void> {
    if (incident.upAt === null) throw new Error('recordClosed needs the recovery time');
    // Every attribute, not just the recovery: if the opening write was lost, this one makes the whole
    // record. What the opening recorded (reason, group, the message at the time) is kept as it was.
    const u = new UpdateBuilder();
    const item = incidentItem(incident);
    const closing = new Set<string>([END_KEY, HISTORY_ATTR.upAt]);
    for (const [name, value] of Object.entries(item)) {
      if (name === HISTORY_PARTITION_KEY || name === HISTORY_SORT_KEY) continue;
      u.set(name, closing.has(name) ? u.value(value) : `if_not_exists(${u.name(name)}, ${u.value(value)})`);
    }
    u.set(HISTORY_TTL_ATTRIBUTE, u.value(n(expiresAtSeconds)));
    await this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { [HISTORY_PARTITION_KEY]: s(incident.deviceId), [HISTORY_SORT_KEY]: n(incident.downSince) },
        UpdateExpression: u.expression(),
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: u.values,
      }),
    );
  }

  async deviceIncidents(deviceId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<IncidentPage> {
    const result = await this.query('deviceIncidents', {
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': HISTORY_PARTITION_KEY },
      ExpressionAttributeValues: { ':pk': s(deviceId) },
      ScanIndexForward: false,
      Limit: page.limit + 1,
      ...(page.cursor ? { ExclusiveStartKey: decodeHistoryCursor('device', page.cursor, { [HISTORY_PARTITION_KEY]: deviceId }) } : {}),
    });
    return this.page('device', result.Items ?? [], page.limit);
  }

  async fleetIncidents(query: FleetIncidentQuery): Promise<IncidentPage> {
    const kind = query.group === undefined ? 'fleet' : 'group';
    const [index, partitionName, partitionValue] =
      query.group === undefined ? [FLEET_INDEX, FLEET_INDEX_KEY, FLEET_INDEX_VALUE] : [GROUP_INDEX, GROUP_INDEX_KEY, query.group];
    const result = await this.query(kind === 'fleet' ? 'fleetIncidents' : 'groupIncidents', {
      IndexName: index,
      KeyConditionExpression: '#p = :p AND #ek >= :since',
      ExpressionAttributeNames: { '#p': partitionName, '#ek': END_KEY },
      ExpressionAttributeValues: { ':p': s(partitionValue), ':since': n(query.since) },
      ScanIndexForward: false,
      Limit: query.limit + 1,
      ...(query.cursor ? { ExclusiveStartKey: decodeHistoryCursor(kind, query.cursor, { [partitionName]: partitionValue }) } : {}),
    });
    return this.page(kind, result.Items ?? [], query.limit);
  }

  /**
   * A page of `limit` from a query that asked for `limit + 1`: the extra item only says that more
   * follow, so the last page never ends in an empty one. The cursor is the key of the page's last item.
   */
  private page(kind: keyof typeof CURSOR_KEYS, items: Item[], limit: number): IncidentPage {
    const shown = items.slice(0, limit);
    const last = shown[shown.length - 1];
    const cursor = items.length > limit && last !== undefined ? encodeHistoryCursor(kind, last) : null;
    return { incidents: shown.map(incidentFromItem), cursor };
  }

  /** Items of one partition, newest first, mapped, up to (not including) the first one `isOlder` says ended too early. */
  private async newestUntil<T>(operation: string, partition: string, map: (item: Item) => T, isOlder: (value: T) => boolean): Promise<T[]> {
    const found: T[] = [];
    let startKey: Item | undefined;
    for (;;) {
      const result = await this.query(operation, {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': HISTORY_PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': s(partition) },
        ScanIndexForward: false,
        Limit: 50,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      for (const item of result.Items ?? []) {
        const value = map(item);
        if (isOlder(value)) return found;
        found.push(value);
      }
      if (!result.LastEvaluatedKey) return found;
      startKey = result.LastEvaluatedKey;
    }
  }

  incidentsSince(deviceId: string, since: number): Promise<IncidentRecord[]> {
    // Outages of one device never overlap: once one ended before `since`, every older one did too.
    return this.newestUntil('incidentsSince', deviceId, incidentFromItem, (incident) => incident.upAt !== null && incident.upAt < since);
  }

  async recordPaused(deviceId: string, at: number, _expiresAtSeconds: number): Promise<void> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: { [HISTORY_PARTITION_KEY]: s(`${PAUSE_PREFIX}${deviceId}`), [HISTORY_SORT_KEY]: n(at) },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': HISTORY_PARTITION_KEY },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async recordResumed(deviceId: string, at: number, expiresAtSeconds: number): Promise<void> {
    const open = await this.query('recordResumed', {
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': HISTORY_PARTITION_KEY },
      ExpressionAttributeValues: { ':pk': s(`${PAUSE_PREFIX}${deviceId}`) },
      ScanIndexForward: false,
      Limit: 1,
    });
    const latest = open.Items?.[0];
    if (latest === undefined || latest[HISTORY_ATTR.pausedUntil] !== undefined) return;
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [HISTORY_PARTITION_KEY]: latest[HISTORY_PARTITION_KEY] as Item[string], [HISTORY_SORT_KEY]: latest[HISTORY_SORT_KEY] as Item[string] },
          UpdateExpression: 'SET #to = :to, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#to)',
          ExpressionAttributeNames: { '#to': HISTORY_ATTR.pausedUntil, '#ttl': HISTORY_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':to': n(Math.max(at, num(latest, HISTORY_SORT_KEY) ?? at)), ':ttl': n(expiresAtSeconds) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  pausesSince(deviceId: string, since: number): Promise<{ from: number; to: number | null }[]> {
    return this.newestUntil(
      'pausesSince',
      `${PAUSE_PREFIX}${deviceId}`,
      (item) => ({ from: num(item, HISTORY_SORT_KEY) ?? 0, to: num(item, HISTORY_ATTR.pausedUntil) }),
      (pause) => pause.to !== null && pause.to < since,
    );
  }
}
