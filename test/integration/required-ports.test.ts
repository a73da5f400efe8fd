/**
 * The alert path's outage history and maintenance windows are required ports. A composition root
 * that leaves one out is a type error (the `@ts-expect-error` lines below break `npm run typecheck`
 * if either ever becomes optional again) and, for callers the types cannot see, an error at
 * construction; a runtime that keeps none passes a named no-op. The AWS root's own deps, pointed at
 * DynamoDB Local, record the outage in the history table and honour a maintenance window.
 */
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { DynamoDbMaintenanceStore } from '../../lambdas/adapters/dynamodb/maintenance-store';
import { AlertOutbox } from '../../lambdas/core/alert-outbox';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { MaintenancePlanner, NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';
import { FleetManager } from '../../lambdas/core/management';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { STACK_ENV } from '../../lambdas/core/settings-catalog';
import { Sweeper } from '../../lambdas/core/sweep';
import { awsAlertPathDeps } from '../../lambdas/handlers/alert-path';
import { useDeviceAndHistoryTables } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

describe('required history and maintenance ports', () => {
  const tables = useDeviceAndHistoryTables();
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('refuses an outbox or a sweeper built without a history or a window source, naming the no-op to pass', () => {
    // Prepare
    const base = { store: tables.devices.store(), publisher: new RecordingPublisher(), clock: new FakeClock(T0), settings: DEFAULT_SETTINGS, logger: silentLogger };

    // Act
    // @ts-expect-error history is required: forgetting it must not compile
    const withoutHistory = () => new AlertOutbox({ ...base, maintenance: NO_MAINTENANCE_WINDOWS }, { writeConcurrency: 1 });
    // @ts-expect-error maintenance is required: forgetting it must not compile
    const withoutWindows = () => new Sweeper({ ...base, history: NO_OUTAGE_HISTORY }, { segments: 1, writeConcurrency: 1 });
    const withNoOps = () => new Sweeper({ ...base, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 1 });

    // Assess
    expect(withoutHistory).toThrow(/NO_OUTAGE_HISTORY/);
    expect(withoutWindows).toThrow(/NO_MAINTENANCE_WINDOWS/);
    expect(withNoOps).not.toThrow();
  });

  it('refuses a fleet manager built without a history or a window source', () => {
    // Prepare
    const base = { store: tables.devices.store(), clock: new FakeClock(T0), settings: DEFAULT_SETTINGS };

    // Act
    // @ts-expect-error history is required (null says "none is kept")
    const withoutHistory = () => new FleetManager({ ...base, maintenance: NO_MAINTENANCE_WINDOWS });
    // @ts-expect-error maintenance is required
    const withoutWindows = () => new FleetManager({ ...base, history: null });

    // Assess
    expect(withoutHistory).toThrow(/history/);
    expect(withoutWindows).toThrow(/NO_MAINTENANCE_WINDOWS/);
  });

  it("the AWS root's deps record the outage in the history table and keep a device in a window silent", async () => {
    // Prepare: the Lambda's environment, its SDK clients pointed at DynamoDB Local
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', inject('dynamoDbEndpoint'));
    vi.stubEnv('AWS_REGION', 'local');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const env = {
      [STACK_ENV.tableName]: tables.devices.tableName,
      [STACK_ENV.historyTableName]: tables.history.tableName,
      [STACK_ENV.alertTopicArn]: 'arn:aws:sns:us-east-1:123456789012:alerts',
      [STACK_ENV.apiUrl]: 'https://api.example.com',
    };
    const clock = new FakeClock(T0);
    const publisher = new RecordingPublisher();
    const deps = { ...awsAlertPathDeps(env), publisher, clock, logger: silentLogger };
    const store = tables.devices.store();
    const recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    await recorder.record('rp-down', { interval: 5, grace: 0 });
    await recorder.record('rp-quiet', { interval: 5, grace: 0 });
    const planner = new MaintenancePlanner({ store: new DynamoDbMaintenanceStore({ client: tables.devices.client, tableName: tables.devices.tableName }), clock });
    await planner.add({ deviceIds: ['rp-quiet'], group: null, from: T0, until: T0 + 3_600_000, reason: 'firmware' });
    const sweeper = new Sweeper(deps, { segments: 1, writeConcurrency: 4 });

    // Act
    clock.advance(6_000);
    await sweeper.sweep();

    // Assess
    expect(publisher.ofType('device.down', 'rp-down')).toHaveLength(1);
    expect(publisher.ofType('device.down', 'rp-quiet')).toEqual([]);
    const incidents = await tables.history.store().deviceIncidents('rp-down', { limit: 10 });
    expect(incidents.incidents).toEqual([{ deviceId: 'rp-down', group: null, reason: 'timeout', downSince: T0 + 5_000, upAt: null, message: null }]);
  });
});
