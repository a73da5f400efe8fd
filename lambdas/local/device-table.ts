/** Creates the device table in DynamoDB Local with the same key schema and TTL as the stack. */
import { CreateTableCommand, DescribeTimeToLiveCommand, ResourceInUseException, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../adapters/dynamodb/table-schema';

/** Creates the table when it is missing and makes sure TTL is on. Idempotent. */
export async function ensureDeviceTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
  }
}
