/** Lambda entry point of the management routes (IAM-authorized by API Gateway) and the public health route. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbDeviceStore } from '../adapters/dynamodb/device-store';
import { DynamoDbIncidentStore } from '../adapters/dynamodb/incident-store';
import { DynamoDbMaintenanceStore } from '../adapters/dynamodb/maintenance-store';
import { MaintenancePlanner } from '../core/maintenance';
import { jsonLogger } from '../adapters/json-logger';
import { systemClock } from '../adapters/system-clock';
import { OutageHistory } from '../core/history';
import { FleetManager } from '../core/management';
import { STACK_ENV } from '../core/settings-catalog';
import { lambdaSettings, requireEnv, sweepEverySeconds } from './lambda-config';
import { createManagementApi, trustIamAuthorizer } from './management-api';

const client = new DynamoDBClient({});
const tableName = requireEnv(process.env, STACK_ENV.tableName);
const store = new DynamoDbDeviceStore({ client, tableName });
const settings = lambdaSettings(process.env);
const history = new OutageHistory({
  store: new DynamoDbIncidentStore({ client, tableName: requireEnv(process.env, STACK_ENV.historyTableName) }),
  historyDays: settings.historyDays,
});

const maintenanceStore = new DynamoDbMaintenanceStore({ client, tableName });

export const handler = createManagementApi({
  manager: new FleetManager({
    store,
    clock: systemClock,
    settings,
    sweepEverySeconds: sweepEverySeconds(process.env),
    history,
    maintenance: maintenanceStore,
  }),
  maintenance: new MaintenancePlanner({ store: maintenanceStore, clock: systemClock }),
  authorize: trustIamAuthorizer,
  logger: jsonLogger(),
});
