/**
 * The management handler against DynamoDB Local: register, read, list with filters and cursors,
 * change, pause and resume, forget; the public health summary; errors in the contract's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { FleetManager } from '../../lambdas/core/management';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import type { HttpHandler } from '../../lambdas/handlers/http';
import { createManagementApi, trustIamAuthorizer } from '../../lambdas/handlers/management-api';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { httpEvent, type EventInput } from '../support/events';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';
import { MaintenancePlanner } from '../../lambdas/core/maintenance';
import { DynamoDbMaintenanceStore } from '../../lambdas/adapters/dynamodb/maintenance-store';

describe('management handler', () => {
  let table: TestTable;
  let handler: HttpHandler;
  let clock: FakeClock;
  let recorder: HeartbeatRecorder;
  let sweeper: Sweeper;

  beforeAll(async () => {
    table = await createTestTable();
    clock = new FakeClock(Date.parse('2026-11-25T10:00:00.000Z'));
    const store = table.store();
    recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    sweeper = new Sweeper({ store, publisher: new RecordingPublisher(), clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 2, writeConcurrency: 4 });
    handler = createManagementApi({ manager: new FleetManager({ store, clock, settings: DEFAULT_SETTINGS, history: null, maintenance: NO_MAINTENANCE_WINDOWS }), maintenance: new MaintenancePlanner({ store: new DynamoDbMaintenanceStore({ client: table.client, tableName: table.tableName }), clock }), authorize: trustIamAuthorizer, logger: silentLogger });
  });
  afterAll(async () => {
    await table.drop();
  });

  const call = async (input: Omit<EventInput, 'iam'> & { iam?: boolean }) => {
    const result = await handler(httpEvent({ iam: true, ...input }));
    return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : null, headers: result.headers ?? {} };
  };
  const put = (deviceId: string, body: unknown) =>
    call({ method: 'PUT', path: `/v1/devices/${deviceId}`, pathParameters: { deviceId }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('registers a device as new (201), then updates it (200)', async () => {
    const created = await put('reg-1', { interval: 30, group: 'plant-a' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      deviceId: 'reg-1', status: 'new', group: 'plant-a', interval: 30, grace: 30,
      lastSeen: null, deadline: null, downSince: null, beats: 0, message: null, meta: null, failThreshold: 1, recoverAfter: 0, detection: 'fixed',
    });
    const updated = await put('reg-1', { grace: 5 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ interval: 30, grace: 5, group: 'plant-a', status: 'new' });
    const again = await put('reg-1', { grace: null, group: null });
    expect(again.body).toMatchObject({ grace: 30, group: null });
  });

  it('re-times a beating device from its last beat', async () => {
    await recorder.record('retime-1', {}); // deadline = lastSeen + 120 s
    const result = await put('retime-1', { interval: 10, grace: 0 });
    expect(result.body.deadline).toBe(new Date(clock.now() + 10_000).toISOString());
  });

  it('reads one device, and answers 404 for an unknown one', async () => {
    await recorder.record('read-1', { message: 'fw 2', meta: { battery: 80 } });
    const found = await call({ method: 'GET', path: '/v1/devices/read-1', pathParameters: { deviceId: 'read-1' } });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ deviceId: 'read-1', status: 'up', beats: 1, message: 'fw 2', meta: { battery: 80 } });
    const missing = await call({ method: 'GET', path: '/v1/devices/nope', pathParameters: { deviceId: 'nope' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('lists with status and group filters, page by page with a cursor', async () => {
    for (let i = 0; i < 7; i++) await put(`list-${i}`, { group: 'list-group' });
    await put('list-paused', { group: 'list-group', paused: true });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { group: 'list-group', status: 'new', limit: '3', ...(cursor ? { cursor } : {}) };
      const page = await call({ method: 'GET', path: '/v1/devices', query });
      expect(page.status).toBe(200);
      expect(page.body.devices.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.devices.map((d: { deviceId: string }) => d.deviceId));
      cursor = page.body.cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual(['list-0', 'list-1', 'list-2', 'list-3', 'list-4', 'list-5', 'list-6']);
    const paused = await call({ method: 'GET', path: '/v1/devices', query: { status: 'paused', group: 'list-group' } });
    expect(paused.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(['list-paused']);
  });

  it('rejects bad queries with invalid_query', async () => {
    const queries: Record<string, string>[] = [{ status: 'sleepy' }, { limit: '0' }, { limit: 'ten' }, { group: 'bad group' }, { cursor: 'garbage' }, { color: 'red' }];
    for (const query of queries) {
      const result = await call({ method: 'GET', path: '/v1/devices', query });
      expect(result.status, JSON.stringify(query)).toBe(400);
      expect(result.body.error.code).toBe('invalid_query');
    }
  });

  it('rejects bad bodies with invalid_body and changes nothing', async () => {
    await put('body-1', { interval: 60 });
    for (const body of [{ interval: 2 }, { paused: 'yes' }, { group: 'x'.repeat(65) }, { status: 'up' }, [1]]) {
      const result = await put('body-1', body);
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(result.body.error.code).toBe('invalid_body');
    }
    const unchanged = await call({ method: 'GET', path: '/v1/devices/body-1', pathParameters: { deviceId: 'body-1' } });
    expect(unchanged.body).toMatchObject({ interval: 60, group: null, status: 'new' });
  });

  it('forgets a device (204), then answers 404', async () => {
    await put('del-1', {});
    const first = await call({ method: 'DELETE', path: '/v1/devices/del-1', pathParameters: { deviceId: 'del-1' } });
    expect(first.status).toBe(204);
    const second = await call({ method: 'DELETE', path: '/v1/devices/del-1', pathParameters: { deviceId: 'del-1' } });
    expect(second.status).toBe(404);
  });

  it('answers 401 without the admin credential, 405 for other methods', async () => {
    const unauthorized = await call({ method: 'GET', path: '/v1/devices', iam: false });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body.error.code).toBe('unauthorized');
    const wrongMethod = await call({ method: 'PATCH', path: '/v1/devices/x-1', pathParameters: { deviceId: 'x-1' } });
    expect(wrongMethod.status).toBe(405);
    const collectionPost = await call({ method: 'POST', path: '/v1/devices' });
    expect(collectionPost.status).toBe(405);
  });

  it('serves health without credentials, from the summary the sweep writes', async () => {
    // A paused device of its own, so the count below is not another test's (the table is shared).
    await put('health-paused', { paused: true });
    const before = await call({ method: 'GET', path: '/v1/health', iam: false });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ ok: true, lastSweepAt: null });
    const report = await sweeper.sweep();
    const after = await call({ method: 'GET', path: '/v1/health', iam: false });
    expect(after.body.lastSweepAt).toBe('2026-11-25T10:00:00.000Z');
    expect(after.body.devices).toEqual(report.counts);
    expect(after.body.devices.paused).toBeGreaterThanOrEqual(1);
  });
});
