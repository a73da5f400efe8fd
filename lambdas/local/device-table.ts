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

/** Creates the table when it is missing, makes sure TTL and the stream are on, and returns the stream's ARN. Idempotent. */
export async function ensureDeviceTable(client: DynamoDBClient, tableName: string): Promise<{ streamArn: string }> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: STREAM,
      }),
    );
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
