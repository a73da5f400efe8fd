/** The request the device store sends for a beat, for measures that replay it without the store. */
import type { DynamoDBClient, UpdateItemCommand, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDbDeviceStore } from '../../lambdas/adapters/dynamodb/device-store';
import { planBeat } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';

/**
 * The store's own request for a plain beat, captured once (through a client that records what it is
 * sent) and replayed for any device with the current time: its timestamps are the 13-digit values.
 */
export async function captureStoreRequest(client: DynamoDBClient, tableName: string, deviceId: string): Promise<(deviceId: string) => UpdateItemCommandInput> {
  let captured: UpdateItemCommandInput | undefined;
  const recording = {
    send: (command: UpdateItemCommand) => {
      captured = command.input;
      return client.send(command);
    },
  } as unknown as DynamoDBClient;
  await new DynamoDbDeviceStore({ client: recording, tableName }).recordBeat(planBeat(deviceId, {}, Date.now(), DEFAULT_SETTINGS));
  const template = captured;
  if (!template) throw new Error('the store sent no UpdateItem');
  return (id) => {
    const now = String(Date.now());
    const values = { ...template.ExpressionAttributeValues };
    for (const [key, value] of Object.entries(values)) if (value.N && value.N.length === 13) values[key] = { N: now };
    return { ...template, Key: { pk: { S: id } }, ExpressionAttributeValues: values };
  };
}
