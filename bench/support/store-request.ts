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

/** How big a request's update is: what DynamoDB Local parses and evaluates on every beat. */
export interface UpdateShape {
  /** SET, REMOVE and ADD actions. */
  readonly actions: number;
  /** `if_not_exists` calls, in the update and the condition. */
  readonly ifNotExists: number;
  readonly names: number;
  readonly values: number;
}

/** Counts the actions of an update expression (commas inside function calls do not split actions). */
export function updateShape(input: Pick<UpdateItemCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): UpdateShape {
  const expression = input.UpdateExpression ?? '';
  let actions = 0;
  for (const clause of expression.split(/\b(?=SET |REMOVE |ADD |DELETE )/)) {
    const body = clause.replace(/^(SET|REMOVE|ADD|DELETE) /, '').trim();
    if (body === '') continue;
    let depth = 0;
    actions++;
    for (const char of body) {
      if (char === '(') depth++;
      else if (char === ')') depth--;
      else if (char === ',' && depth === 0) actions++;
    }
  }
  const calls = `${expression} ${input.ConditionExpression ?? ''}`.match(/if_not_exists\(/g) ?? [];
  return {
    actions,
    ifNotExists: calls.length,
    names: Object.keys(input.ExpressionAttributeNames ?? {}).length,
    values: Object.keys(input.ExpressionAttributeValues ?? {}).length,
  };
}
