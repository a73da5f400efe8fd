/**
 * Locally stands in for Lambda's event source mapping on the table's stream: polls DynamoDB Local's
 * stream (GetRecords on every open shard) and hands each batch of records, in shard order, to the
 * instant-alert job, which applies the same filters as the mapping on AWS. It starts at the stream's
 * latest position: anything older is the sweep's to announce.
 */
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  TrimmedDataAccessException,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DeviceStreamRecord } from '../adapters/dynamodb/stream-records';
import type { Logger } from '../core/ports';

export interface StreamPoller {
  /** Stops polling and waits for a batch in flight to be handled. */
  stop(): Promise<void>;
}

export interface StreamPollerOptions {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;
  /** Handles one batch of one shard; must not throw (a throw is logged and the batch is not retried). */
  readonly handle: (records: readonly DeviceStreamRecord[]) => Promise<unknown>;
  readonly logger: Logger;
  /** Pause between polls that found nothing. @default 100 */
  readonly idleMs?: number;
  /** How often to look for new shards. @default 5000 */
  readonly discoverEveryMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts polling; resolves once every open shard has an iterator (records written after that are seen). */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { client, streamArn, logger } = options;
  const idleMs = options.idleMs ?? 100;
  const discoverEveryMs = options.discoverEveryMs ?? 5000;
  /** Iterator of each shard being read; a shard that has ended is dropped. */
  const iterators = new Map<string, string>();
  const known = new Set<string>();
  let stopped = false;

  const iterator = async (shardId: string, type: ShardIteratorType) =>
    (await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type }))).ShardIterator;

  /** Finds open shards; those seen for the first time after the start are read from their beginning. */
  const discover = async (firstTime: boolean) => {
    const description = (await client.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription;
    for (const shard of description?.Shards ?? []) {
      const shardId = shard.ShardId;
      if (shardId === undefined || known.has(shardId)) continue;
      known.add(shardId);
      if (shard.SequenceNumberRange?.EndingSequenceNumber !== undefined && firstTime) continue; // ended before we started
      const start = await iterator(shardId, firstTime ? 'LATEST' : 'TRIM_HORIZON');
      if (start !== undefined) iterators.set(shardId, start);
    }
  };

  await discover(true);

  const loop = async () => {
    let lastDiscovery = Date.now();
    while (!stopped) {
      let found = 0;
      try {
        if (Date.now() - lastDiscovery >= discoverEveryMs) {
          lastDiscovery = Date.now();
          await discover(false);
        }
        for (const [shardId, current] of [...iterators]) {
          if (stopped) break;
          let answer: GetRecordsCommandOutput;
          try {
            answer = await client.send(new GetRecordsCommand({ ShardIterator: current, Limit: 1000 }));
          } catch (error) {
            if (!(error instanceof ExpiredIteratorException) && !(error instanceof TrimmedDataAccessException)) throw error;
            // Expired: idle too long (15 minutes), pick up from now; the sweep covers the gap.
            // Trimmed: DynamoDB Local answers this for a LATEST iterator taken on a shard that was
            // still empty; its oldest record is then the first one written since, so read from there.
            const fresh = await iterator(shardId, error instanceof ExpiredIteratorException ? 'LATEST' : 'TRIM_HORIZON');
            if (fresh === undefined) iterators.delete(shardId);
            else iterators.set(shardId, fresh);
            continue;
          }
          const records = answer.Records ?? [];
          if (answer.NextShardIterator) iterators.set(shardId, answer.NextShardIterator);
          else iterators.delete(shardId);
          if (records.length === 0) continue;
          found += records.length;
          try {
            await options.handle(records as DeviceStreamRecord[]);
          } catch (error) {
            logger.error('stream records not handled; the sweep announces them', { error: error instanceof Error ? error.message : String(error) });
          }
        }
      } catch (error) {
        if (stopped) break;
        logger.error('stream poll failed; retrying in 1 s', { error: error instanceof Error ? error.message : String(error) });
        await sleep(1000);
        continue;
      }
      if (found === 0 && !stopped) await sleep(idleMs);
    }
  };
  const running = loop();

  return {
    async stop() {
      stopped = true;
      await running;
    },
  };
}
