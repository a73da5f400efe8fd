/**
 * Creates the device table in DynamoDB Local with the same key schema, TTL and stream as the stack
 * (the stream feeds the instant-alert consumer: lambdas/local/stream-poller.ts).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../adapters/dynamodb/table-schema';

/** The stack's stream view: the filters compare the old and the new image. */
const STREAM = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;

/** Turns TTL on `attribute` on, unless it is on already. */
export async function ensureTimeToLive(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
  }
}

/** The stack's key schema and billing for a device table named `tableName` (no stream). */
function deviceTableShape(tableName: string) {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' as const }],
    KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' as const }],
    BillingMode: 'PAY_PER_REQUEST' as const,
  };
}

/**
 * Creates a device table like the stack's but WITHOUT a stream, for tests and benchmarks that never
 * read one. Why it matters: DynamoDB Local keeps every stream record of an instance (deleted tables'
 * too) in one SQLite table with no index per stream, and each write to a table with a stream first
 * walks it for its stream's oldest record; so on an instance shared by many tables, writes grow
 * slower the more stream records earlier tables left (measured 14 writes/s against 196 after 15k).
 */
export async function createDeviceTableWithoutStream(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(deviceTableShape(tableName)));
  await ensureTimeToLive(client, tableName, TTL_ATTRIBUTE);
}

/** Creates the table when it is missing, makes sure TTL and the stream are on, and returns the stream's ARN. Idempotent. */
export async function ensureDeviceTable(client: DynamoDBClient, tableName: string): Promise<{ streamArn: string }> {
  try {
    await client.send(new CreateTableCommand({ ...deviceTableShape(tableName), StreamSpecification: STREAM }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await ensureTimeToLive(client, tableName, TTL_ATTRIBUTE);
  let table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  // A data directory from before streams existed: turn the stream on in place.
  if (table?.StreamSpecification?.StreamEnabled !== true || table.StreamSpecification.StreamViewType !== STREAM.StreamViewType) {
    if (table?.StreamSpecification?.StreamEnabled === true) {
      await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
    }
    table = (await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: STREAM }))).TableDescription;
  }
  const streamArn = table?.LatestStreamArn;
  if (streamArn === undefined) throw new Error(`DynamoDB Local gave table ${tableName} no stream.`);
  return { streamArn };
}
