/**
 * FleetIncidents on the device table: one small item per group (`#pagerduty-fleets#<group>`), with
 * one string-set attribute per open fleet incident (named by its PagerDuty dedup key) holding the
 * incident ids of its outages still open. A `device.up` removes its outage with a conditional DELETE;
 * the one write that empties a set (DynamoDB then drops the attribute) is the one that resolves the
 * fleet incident, so two recoveries racing in two containers resolve it exactly once.
 */
import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FleetIncidents } from '../../core/channels';
import type { Clock } from '../../core/ports';
import { FLEET_INCIDENTS_KEY_PREFIX, PARTITION_KEY, TTL_ATTRIBUTE } from './table-schema';

/** A fleet incident nobody resolves (its devices were deleted) is forgotten after this long. */
const KEEP_SECONDS = 30 * 86_400;

export class DynamoDbFleetIncidents implements FleetIncidents {
  constructor(private readonly options: { readonly client: DynamoDBClient; readonly tableName: string; readonly clock: Clock }) {}

  private key(group: string | null) {
    return { [PARTITION_KEY]: { S: `${FLEET_INCIDENTS_KEY_PREFIX}${group ?? ''}` } };
  }

  async open(group: string | null, dedupKey: string, incidentIds: readonly string[]): Promise<void> {
    if (incidentIds.length === 0) return;
    await this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: this.key(group),
        UpdateExpression: 'ADD #fleet :ids SET #ttl = :ttl',
        ExpressionAttributeNames: { '#fleet': dedupKey, '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':ids': { SS: [...new Set(incidentIds)] },
          ':ttl': { N: String(Math.floor(this.options.clock.now() / 1000) + KEEP_SECONDS) },
        },
      }),
    );
  }

  async close(group: string | null, incidentId: string): Promise<readonly string[]> {
    const { client, tableName } = this.options;
    const item = (await client.send(new GetItemCommand({ TableName: tableName, Key: this.key(group), ConsistentRead: true }))).Item ?? {};
    const holding = Object.entries(item)
      .filter(([name, value]) => name !== PARTITION_KEY && value.SS?.includes(incidentId))
      .map(([name]) => name);
    const over: string[] = [];
    for (const dedupKey of holding) {
      try {
        const result = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: this.key(group),
            UpdateExpression: 'DELETE #fleet :id',
            // Only the write that really removes the id counts: a retried device.up must not resolve twice.
            ConditionExpression: 'contains(#fleet, :one)',
            ExpressionAttributeNames: { '#fleet': dedupKey },
            ExpressionAttributeValues: { ':id': { SS: [incidentId] }, ':one': { S: incidentId } },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        if (result.Attributes?.[dedupKey] === undefined) over.push(dedupKey);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return over;
  }
}
