/** Lambda entry point of the scheduled sweep: the composition root of the AWS runtime for alerts. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbDeviceStore } from '../adapters/dynamodb/device-store';
import { jsonLogger } from '../adapters/json-logger';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher';
import { systemClock } from '../adapters/system-clock';
import { Sweeper } from '../core/sweep';
import { STACK_ENV } from '../core/settings-catalog';
import { lambdaSettings, requireEnv, sweepEverySeconds, sweepSegments } from './lambda-config';
import { createSweepJob } from './sweeper-job';

const sweeper = new Sweeper(
  {
    store: new DynamoDbDeviceStore({ client: new DynamoDBClient({}), tableName: requireEnv(process.env, STACK_ENV.tableName) }),
    publisher: new SnsAlertPublisher({
      client: new SNSClient({}),
      topicArn: requireEnv(process.env, STACK_ENV.alertTopicArn),
      // The pause command in emails names the deployed API.
      render: { serviceUrl: requireEnv(process.env, STACK_ENV.apiUrl) },
    }),
    clock: systemClock,
    settings: lambdaSettings(process.env),
    logger: jsonLogger(),
  },
  { segments: sweepSegments(process.env), writeConcurrency: 32 },
);

export const handler = createSweepJob(sweeper, { sweepEverySeconds: sweepEverySeconds(process.env) ?? 60, clock: systemClock });
