/** Lambda entry point of the table-stream consumer: the composition root of the AWS runtime for instant alerts. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbDeviceStore } from '../adapters/dynamodb/device-store';
import { jsonLogger } from '../adapters/json-logger';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher';
import { systemClock } from '../adapters/system-clock';
import { AlertOutbox } from '../core/alert-outbox';
import { STACK_ENV } from '../core/settings-catalog';
import { createInstantAlertJob } from './instant-alerts-job';
import { lambdaSettings, requireEnv } from './lambda-config';

const logger = jsonLogger();
const job = createInstantAlertJob({
  outbox: new AlertOutbox(
    {
      store: new DynamoDbDeviceStore({ client: new DynamoDBClient({}), tableName: requireEnv(process.env, STACK_ENV.tableName) }),
      publisher: new SnsAlertPublisher({
        client: new SNSClient({}),
        topicArn: requireEnv(process.env, STACK_ENV.alertTopicArn),
        render: { serviceUrl: requireEnv(process.env, STACK_ENV.apiUrl) },
      }),
      clock: systemClock,
      settings: lambdaSettings(process.env),
      logger,
    },
    { writeConcurrency: 16 },
  ),
  clock: systemClock,
  logger,
});

export const handler = (event: DynamoDBStreamEvent, context: Context) => job(event.Records, context.getRemainingTimeInMillis());
