/** Test access to the run's DynamoDB Local: a fresh, uniquely named device table per call. */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { DynamoDbDeviceStore, type DynamoDbDeviceStoreOptions } from '../../lambdas/adapters/dynamodb/device-store';
import { DynamoDbIncidentStore, type DynamoDbIncidentStoreOptions } from '../../lambdas/adapters/dynamodb/incident-store';
import { createDeviceTableWithoutStream, ensureDeviceTable } from '../../lambdas/local/device-table';
import { ensureHistoryTable } from '../../lambdas/local/history-table';
import { localClientConfig } from '../../lambdas/local/dynamodb-local';

export function testClient(): DynamoDBClient {
  return new DynamoDBClient(localClientConfig(inject('dynamoDbEndpoint')));
}

export interface TestTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  store(options?: Partial<DynamoDbDeviceStoreOptions>): DynamoDbDeviceStore;
  drop(): Promise<void>;
}

/**
 * Creates a new empty device table, shaped like the stack's. Without a stream unless asked for: the
 * whole run shares one DynamoDB Local, where every stream record left by earlier tables makes each
 * later write to a streamed table slower (see createDeviceTableWithoutStream), which made tests that
 * run late in the suite slow and flaky under load. Tests that read the stream pass `{ stream: true }`.
 */
export async function createTestTable({ stream = false }: { readonly stream?: boolean } = {}): Promise<TestTable> {
  const client = testClient();
  const tableName = `devices-${randomUUID()}`;
  if (stream) await ensureDeviceTable(client, tableName);
  else await createDeviceTableWithoutStream(client, tableName);
  return {
    client,
    tableName,
    store: (options = {}) => new DynamoDbDeviceStore({ client, tableName, ...options }),
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}

export interface TestHistoryTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  store(options?: Partial<DynamoDbIncidentStoreOptions>): DynamoDbIncidentStore;
  drop(): Promise<void>;
}

/** Creates a new empty history (incidents) table. */
export async function createTestHistoryTable(): Promise<TestHistoryTable> {
  const client = testClient();
  const tableName = `history-${randomUUID()}`;
  await ensureHistoryTable(client, tableName);
  return {
    client,
    tableName,
    store: (options = {}) => new DynamoDbIncidentStore({ client, tableName, ...options }),
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}

/**
 * A fresh device table and history table for the calling describe block: created before its tests,
 * dropped after them. Read the fields inside tests or hooks (they are set by `beforeAll`).
 */
export function useDeviceAndHistoryTables(): { readonly devices: TestTable; readonly history: TestHistoryTable } {
  const tables = {} as { devices: TestTable; history: TestHistoryTable };
  beforeAll(async () => {
    tables.devices = await createTestTable();
    tables.history = await createTestHistoryTable();
  });
  afterAll(async () => {
    await tables.devices?.drop();
    await tables.history?.drop();
  });
  return tables;
}
