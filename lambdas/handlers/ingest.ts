/** Lambda entry point of the ingest route: the composition root of the AWS runtime for beats. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbDeviceStore } from '../adapters/dynamodb/device-store';
import { jsonLogger } from '../adapters/json-logger';
import { SecretsManagerSigningSecrets } from '../adapters/secrets-manager-signing-secrets';
import { systemClock } from '../adapters/system-clock';
import { HeartbeatRecorder } from '../core/heartbeat';
import { healthView } from '../core/management';
import { STACK_ENV } from '../core/settings-catalog';
import { createIngestApi } from './ingest-api';
import { lambdaSettings, requireEnv, sweepEverySeconds } from './lambda-config';

const logger = jsonLogger();
const settings = lambdaSettings(process.env);
const store = new DynamoDbDeviceStore({ client: new DynamoDBClient({}), tableName: requireEnv(process.env, STACK_ENV.tableName) });
const secrets = new SecretsManagerSigningSecrets({
  client: new SecretsManagerClient({}),
  secretId: requireEnv(process.env, STACK_ENV.signingSecretArn),
  clock: systemClock,
  refreshSeconds: 300,
});

// Behind a function URL this function is the public door, so it answers the health route as well.
const serveHealth = process.env[STACK_ENV.serveHealth] === 'true';
const everySeconds = sweepEverySeconds(process.env);

export const handler = createIngestApi({
  recorder: new HeartbeatRecorder({ store, clock: systemClock, settings, logger }),
  secrets,
  logger,
  ...(serveHealth ? { health: async () => healthView(await store.readSummary(), everySeconds) } : {}),
});
