/**
 * Seeds device tables fast with items shaped exactly like real beats: one device is beaten through
 * the real store (so the attribute set is the adapter's own), its raw item becomes a template, and
 * BatchWriteItem writes copies with their own ids and times.
 */
import { BatchWriteItemCommand, GetItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbDeviceStore } from '../../lambdas/adapters/dynamodb/device-store';
import { ATTR, PARTITION_KEY, SUMMARY_KEY } from '../../lambdas/adapters/dynamodb/table-schema';
import { planBeat } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import type { BeatBody } from '../../lambdas/core/validation';
import { TaskPool } from '../../lambdas/core/concurrency';
import { itemSize } from './item-size';

export type Item = Record<string, AttributeValue>;

/** A device id of the bench fleet: `sensor-0000042`. */
export function deviceId(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(7, '0')}`;
}

/** The body of the beat that shaped every fourth device: firmware and battery, as fleets send them. */
export const META_BEAT: BeatBody = { message: 'ok', meta: { fw: '2.4.1', bat: 87 } };

export interface BeatTemplates {
  /** Last beat had an empty body. */
  readonly plain: Item;
  /** Last beat carried META_BEAT. */
  readonly withMeta: Item;
}

/** Records real beats in `tableName` and returns their raw items as templates. */
export async function beatTemplates(client: DynamoDBClient, tableName: string, intervalSeconds: number): Promise<BeatTemplates> {
  const store = new DynamoDbDeviceStore({ client, tableName });
  const settings = { ...DEFAULT_SETTINGS, defaultIntervalSeconds: intervalSeconds };
  const read = async (id: string) => {
    const result = await client.send(new GetItemCommand({ TableName: tableName, Key: { [PARTITION_KEY]: { S: id } }, ConsistentRead: true }));
    if (!result.Item) throw new Error(`template ${id} was not written`);
    return result.Item;
  };
  const now = Date.now();
  await store.recordBeat(planBeat('template-plain', {}, now - 1000, settings));
  await store.recordBeat(planBeat('template-plain', {}, now, settings));
  await store.recordBeat(planBeat('template-meta', {}, now - 1000, settings));
  await store.recordBeat(planBeat('template-meta', META_BEAT, now, settings));
  return { plain: await read('template-plain'), withMeta: await read('template-meta') };
}

/** A copy of `template` for device `id` that last beat at `lastSeen` (its deadline follows from its span). */
export function deviceItem(template: Item, id: string, lastSeen: number): Item {
  const span = Number(template[ATTR.spanMs]?.N ?? '120000');
  const beats = 1 + (lastSeen % 997); // varied counts, as a real fleet has
  return {
    ...template,
    [PARTITION_KEY]: { S: id },
    [ATTR.lastSeen]: { N: String(lastSeen) },
    [ATTR.recoveredAt]: { N: String(lastSeen - 3_600_000) },
    [ATTR.deadline]: { N: String(lastSeen + span) },
    [ATTR.beats]: { N: String(beats) },
    [ATTR.ttl]: { N: String(Math.floor(lastSeen / 1000) + 30 * 86_400) },
  };
}

export interface SeedOptions {
  readonly count: number;
  readonly prefix: string;
  readonly templates: BeatTemplates;
  /** Last beat of device `index`. */
  readonly lastSeen: (index: number) => number;
  /** Every n-th device carries message and meta (0: none). */
  readonly metaEvery?: number;
  /** BatchWriteItem requests in flight. @default 8 */
  readonly concurrency?: number;
  /** Called after every batch with the number of devices written so far. */
  readonly onProgress?: (written: number) => void;
}

/** Writes `count` devices with BatchWriteItem (25 per request, `concurrency` in flight), retrying unprocessed items. */
export async function seedFleet(client: DynamoDBClient, tableName: string, options: SeedOptions): Promise<void> {
  const metaEvery = options.metaEvery ?? 4;
  const pool = new TaskPool(options.concurrency ?? 8);
  let written = 0;
  for (let start = 0; start < options.count; start += 25) {
    const batch: Item[] = [];
    for (let index = start; index < Math.min(options.count, start + 25); index++) {
      const template = metaEvery > 0 && index % metaEvery === 0 ? options.templates.withMeta : options.templates.plain;
      batch.push(deviceItem(template, deviceId(options.prefix, index), options.lastSeen(index)));
    }
    await pool.run(async () => {
      await writeBatch(client, tableName, batch);
      written += batch.length;
      options.onProgress?.(written);
    });
  }
  await pool.drain();
}

async function writeBatch(client: DynamoDBClient, tableName: string, items: readonly Item[]): Promise<void> {
  let requests = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; requests.length > 0; attempt++) {
    if (attempt === 8) throw new Error(`BatchWriteItem left ${requests.length} items unprocessed after ${attempt} attempts`);
    const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
    requests = (result.UnprocessedItems?.[tableName] ?? []).map((r) => ({ PutRequest: { Item: r.PutRequest?.Item ?? {} } }));
    if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
  }
}

/**
 * Sizes of every device item of a table by DynamoDB's rules (the summary item excluded), read with a
 * parallel Scan of `segments` segments: DynamoDB Local's cost per page grows with the rows after the
 * start key, so one segment over a large table costs it O(N^2 / page) (see measure/scale-out.ts).
 */
export async function tableItemSizes(client: DynamoDBClient, tableName: string, segments = 8): Promise<{ count: number; totalBytes: number; meanBytes: number }> {
  const perSegment = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let count = 0;
      let totalBytes = 0;
      let startKey: Item | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: tableName, Segment: segment, TotalSegments: segments, ExclusiveStartKey: startKey }));
        for (const item of page.Items ?? []) {
          if (item[PARTITION_KEY]?.S === SUMMARY_KEY) continue;
          count++;
          totalBytes += itemSize(item);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return { count, totalBytes };
    }),
  );
  const count = perSegment.reduce((sum, s) => sum + s.count, 0);
  const totalBytes = perSegment.reduce((sum, s) => sum + s.totalBytes, 0);
  return { count, totalBytes, meanBytes: count === 0 ? 0 : totalBytes / count };
}
