/** Lambda entry point of the management routes (IAM-authorized by API Gateway) and the public health route. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbDeviceStore } from '../adapters/dynamodb/device-store';
import { jsonLogger } from '../adapters/json-logger';
import { systemClock } from '../adapters/system-clock';
import { FleetManager } from '../core/management';
import { STACK_ENV } from '../core/settings-catalog';
import { lambdaSettings, requireEnv, sweepEverySeconds } from './lambda-config';
import { createManagementApi, trustIamAuthorizer } from './management-api';

const store = new DynamoDbDeviceStore({ client: new DynamoDBClient({}), tableName: requireEnv(process.env, STACK_ENV.tableName) });

export const handler = createManagementApi({
  manager: new FleetManager({
    store,
    clock: systemClock,
    settings: lambdaSettings(process.env),
    sweepEverySeconds: sweepEverySeconds(process.env),
  }),
  authorize: trustIamAuthorizer,
  logger: jsonLogger(),
});
