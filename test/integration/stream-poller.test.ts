/**
 * The local stand-in for Lambda's event source mapping, against DynamoDB Local's real stream: it
 * hands over every record written after it started, in order, also on a table whose stream was
 * still empty when it started, and through bursts of concurrent writes. This file starts its own
 * file-backed DynamoDB Local, as local mode runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceStreamRecord } from '../../lambdas/adapters/dynamodb/stream-records';
import { silentLogger } from '../../lambdas/core/ports';
import { ensureDeviceTable } from '../../lambdas/local/device-table';
import { localClientConfig, startDynamoDbLocal, type DynamoDbLocal } from '../../lambdas/local/dynamodb-local';
import { startStreamPoller } from '../../lambdas/local/stream-poller';

const TABLE = 'devices';

describe('startStreamPoller', () => {
  let dataDir: string;
  let dynamo: DynamoDbLocal;
  let client: DynamoDBClient;
  let streams: DynamoDBStreamsClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hb-stream-poller-'));
    dynamo = await startDynamoDbLocal({ dbPath: dataDir });
    client = dynamo.client();
    streams = new DynamoDBStreamsClient(localClientConfig(dynamo.endpoint));
  });
  afterAll(async () => {
    streams?.destroy();
    client?.destroy();
    await dynamo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('hands over every record written after it started on a stream that was empty, in order, bursts too', async () => {
    // Prepare: nothing written to the table yet
    const { streamArn } = await ensureDeviceTable(client, TABLE);
    const received: string[] = [];
    const poller = await startStreamPoller({
      client: streams,
      streamArn,
      logger: silentLogger,
      idleMs: 20,
      handle: async (records: readonly DeviceStreamRecord[]) => {
        for (const r of records) received.push(String((r.dynamodb?.NewImage as { pk?: { S?: string } } | undefined)?.pk?.S));
      },
    });
    try {
      // Act
      for (const id of ['first', 'second', 'third']) {
        await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: id } } }));
      }
      // Then a burst, 16 writes at a time, as a gateway's batches make.
      const burst = Array.from({ length: 320 }, (_, i) => `burst-${i}`);
      for (let i = 0; i < burst.length; i += 16) {
        await Promise.all(burst.slice(i, i + 16).map((id) => client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: id } } }))));
      }
      // Generous: DynamoDB Local's stream can lag far behind on a loaded machine; the loop ends as soon as all arrived.
      const deadline = Date.now() + 60_000;
      while (received.length < 3 + burst.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Assess
      expect(received.slice(0, 3)).toEqual(['first', 'second', 'third']);
      expect(new Set(received.slice(3))).toEqual(new Set(burst));
    } finally {
      await poller.stop();
    }
  }, 150_000);
});

describe('ensureDeviceTable on a data directory from before streams', () => {
  it('turns the stream on in place, with old and new images, and keeps the items', async () => {
    // Prepare: a table as earlier versions created it, with no stream, holding a device
    const dataDir = mkdtempSync(join(tmpdir(), 'hb-old-table-'));
    const dynamo = await startDynamoDbLocal({ dbPath: dataDir });
    const client = dynamo.client();
    try {
      await client.send(
        new CreateTableCommand({
          TableName: TABLE,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'old-device' } } }));
      // Act
      const { streamArn } = await ensureDeviceTable(client, TABLE);
      // Assess
      const table = (await client.send(new DescribeTableCommand({ TableName: TABLE }))).Table;
      expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
      expect(streamArn).toBe(table?.LatestStreamArn);
      expect((await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'old-device' } } }))).Item).toBeDefined();
    } finally {
      client.destroy();
      await dynamo.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000); // starts a DynamoDB Local of its own (Java) inside the test
});
