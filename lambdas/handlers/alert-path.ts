/**
 * The adapters of the AWS alert path, built the same way by both of its composition roots (the
 * scheduled sweeper and the table-stream consumer): the device store, the outage history, the
 * maintenance windows, the SNS publisher, the clock, the settings and the logger, all from the
 * environment the stack sets.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbDeviceStore } from '../adapters/dynamodb/device-store';
import { DynamoDbIncidentStore } from '../adapters/dynamodb/incident-store';
import { DynamoDbMaintenanceStore } from '../adapters/dynamodb/maintenance-store';
import { jsonLogger } from '../adapters/json-logger';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher';
import { systemClock } from '../adapters/system-clock';
import type { AlertOutboxDeps } from '../core/alert-outbox';
import { OutageHistory } from '../core/history';
import { STACK_ENV } from '../core/settings-catalog';
import { lambdaSettings, requireEnv } from './lambda-config';

/** What an AlertOutbox (and so a Sweeper) needs on AWS; throws ConfigError naming a missing variable. */
export function awsAlertPathDeps(env: Record<string, string | undefined>): AlertOutboxDeps {
  const dynamoDb = new DynamoDBClient({});
  const settings = lambdaSettings(env);
  const tableName = requireEnv(env, STACK_ENV.tableName);
  return {
    store: new DynamoDbDeviceStore({ client: dynamoDb, tableName }),
    // The maintenance windows: one item of the same table, read once per sweep or stream batch.
    maintenance: new DynamoDbMaintenanceStore({ client: dynamoDb, tableName }),
    // The outbox records each outage it announces and each recovery it settles.
    history: new OutageHistory({
      store: new DynamoDbIncidentStore({ client: dynamoDb, tableName: requireEnv(env, STACK_ENV.historyTableName) }),
      historyDays: settings.historyDays,
    }),
    publisher: new SnsAlertPublisher({
      client: new SNSClient({}),
      topicArn: requireEnv(env, STACK_ENV.alertTopicArn),
      // The pause command in emails names the deployed API.
      render: { serviceUrl: requireEnv(env, STACK_ENV.apiUrl) },
    }),
    clock: systemClock,
    settings,
    logger: jsonLogger(),
  };
}
