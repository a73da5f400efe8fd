/**
 * The bench's tables on DynamoDB Local: fleets the sweeps only read are made without a stream (each
 * write to a table with one walks every older stream's records in DynamoDB Local), with the stack's
 * key and TTL, and the parallel read-back counts every seeded device once.
 */
import { DescribeTableCommand, DescribeTimeToLiveCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createContext, type BenchContext } from '../../bench/support/context';
import { beatTemplates, seedFleet, tableItemSizes } from '../../bench/support/fleet';
import type { DynamoDbLocal } from '../../lambdas/local/dynamodb-local';
import { SUMMARY_KEY } from '../../lambdas/adapters/dynamodb/table-schema';
import { testClient } from '../support/dynamodb';

/** The test run's DynamoDB Local, as the bench's context sees one (it is never started or stopped here). */
function sharedDynamo(): DynamoDbLocal {
  const endpoint = inject('dynamoDbEndpoint');
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    pid: -1,
    listensOn: '127.0.0.1',
    exited: new Promise<void>(() => {}),
    client: testClient,
    stop: async () => {},
  };
}

describe('bench tables', () => {
  let ctx: BenchContext;
  const made: string[] = [];

  beforeAll(() => {
    ctx = createContext({ quick: true, only: [] }, sharedDynamo(), '.');
  });

  afterAll(async () => {
    for (const name of made) await ctx.dropTable(name);
    ctx.client.destroy();
  });

  it('makes device tables with the stack stream by default, and without one when asked, TTL on either way', async () => {
    // Prepare / Act
    const withStream = await ctx.newTable('streamed');
    const readOnly = await ctx.newTable('read-only', { stream: false });
    made.push(withStream, readOnly);
    // Assess
    const describe = async (name: string) => (await ctx.client.send(new DescribeTableCommand({ TableName: name }))).Table;
    const ttl = async (name: string) => (await ctx.client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
    expect((await describe(withStream))?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const plain = await describe(readOnly);
    expect(plain?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
    expect(plain?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(await ttl(readOnly)).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
  });

  it('seeds a fleet in batches and reads every device back once over parallel segments, the summary left out', async () => {
    // Prepare
    const templatesTable = await ctx.newTable('templates', { stream: false });
    const fleetTable = await ctx.newTable('fleet', { stream: false });
    made.push(templatesTable, fleetTable);
    const templates = await beatTemplates(ctx.client, templatesTable, 3600);
    const now = Date.now();
    const progress: number[] = [];
    // Act
    await seedFleet(ctx.client, fleetTable, { count: 137, prefix: 'bench-test', templates, lastSeen: (i) => now - i, concurrency: 3, onProgress: (n) => progress.push(n) });
    await ctx.client.send(new PutItemCommand({ TableName: fleetTable, Item: { pk: { S: SUMMARY_KEY }, at: { N: String(now) } } }));
    const sizes = await tableItemSizes(ctx.client, fleetTable, 4);
    // Assess
    expect(sizes.count).toBe(137);
    expect(sizes.meanBytes).toBeGreaterThan(50);
    expect(progress.at(-1)).toBe(137);
    expect(progress).toHaveLength(Math.ceil(137 / 25));
  });
});
