/** Lambda entry point of the notifier (subscribed to the alert topic): the composition root of alert delivery on AWS. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { fetchHttpSender } from '../adapters/delivery/fetch-http-sender';
import { readChannelSettings } from '../adapters/delivery/secrets-manager-channel-settings';
import { SqsUndeliveredQueue } from '../adapters/delivery/sqs-undelivered-queue';
import { DynamoDbFleetIncidents } from '../adapters/dynamodb/fleet-incidents';
import { jsonLogger } from '../adapters/json-logger';
import { systemClock } from '../adapters/system-clock';
import { buildChannels } from '../core/channels';
import { AlertDispatcher, CONTRACT_RETRY_POLICY, timerSleep } from '../core/delivery';
import { ConfigError } from '../core/settings';
import { STACK_ENV } from '../core/settings-catalog';
import { notifierConfig } from './notifier-config';
import { createNotifierJob } from './notifier-job';

const config = notifierConfig(process.env);
const logger = jsonLogger();
const secrets = new SecretsManagerClient({});

/** Secrets are read at the first alert of a container, then kept; a failed read is tried again next time. */
let dispatcher: Promise<AlertDispatcher> | null = null;
function loadDispatcher(): Promise<AlertDispatcher> {
  dispatcher ??= readChannelSettings(secrets, config.secrets)
    .then(
      (settings) =>
        new AlertDispatcher({
          channels: buildChannels(settings, {
            render: { serviceUrl: config.apiUrl },
            fleets: () => {
              if (config.tableName === null) throw new ConfigError(`Environment variable ${STACK_ENV.tableName} must be set when PagerDuty is on.`);
              return new DynamoDbFleetIncidents({ client: new DynamoDBClient({}), tableName: config.tableName, clock: systemClock });
            },
          }),
          sender: fetchHttpSender,
          clock: systemClock,
          sleep: timerSleep,
          retry: CONTRACT_RETRY_POLICY,
          logger,
        }),
    )
    .catch((error: unknown) => {
      dispatcher = null;
      throw error;
    });
  return dispatcher;
}

export const handler = createNotifierJob({
  dispatcher: loadDispatcher,
  undelivered: new SqsUndeliveredQueue({ client: new SQSClient({}), queueUrl: config.deadLetterQueueUrl }),
  logger,
});
