/**
 * The adapters of the AWS alert path, built the same way by both of its composition roots (the
 * scheduled sweeper and the table-stream consumer): the device store, the SNS publisher, the clock,
 * the settings and the logger, all from the environment the stack sets.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbDeviceStore } from '../adapters/dynamodb/device-store';
import { jsonLogger } from '../adapters/json-logger';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher';
import { systemClock } from '../adapters/system-clock';
import type { AlertOutboxDeps } from '../core/alert-outbox';
import { STACK_ENV } from '../core/settings-catalog';
import { lambdaSettings, requireEnv } from './lambda-config';

/** What an AlertOutbox (and so a Sweeper) needs on AWS; throws ConfigError naming a missing variable. */
export function awsAlertPathDeps(env: Record<string, string | undefined>): AlertOutboxDeps {
  return {
    store: new DynamoDbDeviceStore({ client: new DynamoDBClient({}), tableName: requireEnv(env, STACK_ENV.tableName) }),
    publisher: new SnsAlertPublisher({
      client: new SNSClient({}),
      topicArn: requireEnv(env, STACK_ENV.alertTopicArn),
      // The pause command in emails names the deployed API.
      render: { serviceUrl: requireEnv(env, STACK_ENV.apiUrl) },
    }),
    clock: systemClock,
    settings: lambdaSettings(env),
    logger: jsonLogger(),
  };
}
