/** Creates the history table in DynamoDB Local with the same keys, indexes and TTL as the stack. */
import { CreateTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  END_KEY,
  FLEET_INDEX,
  FLEET_INDEX_KEY,
  GROUP_INDEX,
  GROUP_INDEX_KEY,
  HISTORY_PARTITION_KEY,
  HISTORY_SORT_KEY,
  HISTORY_TTL_ATTRIBUTE,
} from '../adapters/dynamodb/history-schema';
import { ensureTimeToLive } from './device-table';

/** Creates the table when it is missing and makes sure TTL is on. Idempotent. */
export async function ensureHistoryTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const index = (IndexName: string, partitionKey: string) => ({
    IndexName,
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' as const },
      { AttributeName: END_KEY, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: HISTORY_PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: HISTORY_SORT_KEY, AttributeType: 'N' },
          { AttributeName: FLEET_INDEX_KEY, AttributeType: 'S' },
          { AttributeName: GROUP_INDEX_KEY, AttributeType: 'S' },
          { AttributeName: END_KEY, AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: HISTORY_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: HISTORY_SORT_KEY, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [index(FLEET_INDEX, FLEET_INDEX_KEY), index(GROUP_INDEX, GROUP_INDEX_KEY)],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await ensureTimeToLive(client, tableName, HISTORY_TTL_ATTRIBUTE);
}
