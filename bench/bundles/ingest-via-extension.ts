/**
 * lambdas/handlers/ingest.ts as it would be with ExtensionSigningSecrets in place of the Secrets
 * Manager client: the bundle-size candidate measured by bench/measure/bundles.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbDeviceStore } from '../../lambdas/adapters/dynamodb/device-store';
import { jsonLogger } from '../../lambdas/adapters/json-logger';
import { parseSigningSecrets } from '../../lambdas/core/signing-secrets';
import { systemClock } from '../../lambdas/adapters/system-clock';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { createIngestApi } from '../../lambdas/handlers/ingest-api';
import { lambdaSettings, requireEnv } from '../../lambdas/handlers/lambda-config';
import { ExtensionSigningSecrets } from './extension-signing-secrets';

const logger = jsonLogger();
const settings = lambdaSettings(process.env);
const store = new DynamoDbDeviceStore({ client: new DynamoDBClient({}), tableName: requireEnv(process.env, 'TABLE_NAME') });
const secrets = new ExtensionSigningSecrets({
  secretId: requireEnv(process.env, 'SIGNING_SECRET_ARN'),
  sessionToken: process.env.AWS_SESSION_TOKEN ?? '',
  clock: systemClock,
  refreshSeconds: 300,
  parse: parseSigningSecrets,
});

export const handler = createIngestApi({
  recorder: new HeartbeatRecorder({ store, clock: systemClock, settings, logger }),
  secrets,
  logger,
});
