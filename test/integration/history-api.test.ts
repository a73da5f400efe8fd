/**
 * The history routes and uptime against DynamoDB Local: `GET /v1/devices/{id}/incidents` and
 * `GET /v1/incidents` (newest first, cursors, `since`, group filter, 404, bad input), the uptime on
 * `GET /v1/devices/{id}`, and the idempotency of the history writes the sweep makes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbMaintenanceStore } from '../../lambdas/adapters/dynamodb/maintenance-store';
import { OutageHistory } from '../../lambdas/core/history';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { FleetManager } from '../../lambdas/core/management';
import { DEFAULT_SETTINGS, type DeviceRecord } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import type { HttpHandler } from '../../lambdas/handlers/http';
import { createManagementApi, trustIamAuthorizer } from '../../lambdas/handlers/management-api';
import { createTestHistoryTable, createTestTable, type TestHistoryTable, type TestTable } from '../support/dynamodb';
import { httpEvent, type EventInput } from '../support/events';
import { FakeClock } from '../support/fakes';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';
import { MaintenancePlanner } from '../../lambdas/core/maintenance';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-11-25T12:00:00.000Z');

describe('history routes', () => {
  let devices: TestTable;
  let historyTable: TestHistoryTable;
  let history: OutageHistory;
  let handler: HttpHandler;
  let clock: FakeClock;
  let recorder: HeartbeatRecorder;

  const call = async (input: Omit<EventInput, 'iam'> & { iam?: boolean }) => {
    const result = await handler(httpEvent({ iam: true, ...input }));
    return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : null };
  };
  const deviceIncidents = (deviceId: string, query?: Record<string, string>) =>
    call({ method: 'GET', path: `/v1/devices/${deviceId}/incidents`, pathParameters: { deviceId }, ...(query ? { query } : {}) });
  const fleetIncidents = (query?: Record<string, string>) => call({ method: 'GET', path: '/v1/incidents', ...(query ? { query } : {}) });
  /** The fleet's incidents of the devices seeded in beforeAll: later tests add outages of their own to the shared tables. */
  const seeded = <T extends { deviceId: string }>(incidents: readonly T[]) => incidents.filter((i) => i.deviceId === 'h-1' || i.deviceId === 'h-2');

  /** An outage as the sweep records it: announced, then (unless `upAt` is null) recovered. */
  async function outage(deviceId: string, group: string | null, downSince: number, upAt: number | null, reason: 'timeout' | 'fail' = 'timeout') {
    const device = (await devices.store().getDevice(deviceId)) as DeviceRecord;
    const down: DeviceRecord = { ...device, group, state: 'down', downSince, downReason: reason, recoveredAt: null, message: `${reason} at ${new Date(downSince).toISOString()}` };
    await history.announced(down);
    if (upAt !== null) await history.recovered({ ...down, state: 'up', recoveredAt: upAt }, upAt + 30_000);
  }

  beforeAll(async () => {
    devices = await createTestTable();
    historyTable = await createTestHistoryTable();
    clock = new FakeClock(T0 - 40 * HOUR);
    const store = devices.store();
    history = new OutageHistory({ store: historyTable.store(), historyDays: 90 });
    recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    handler = createManagementApi({ manager: new FleetManager({ store, clock, settings: DEFAULT_SETTINGS, history, maintenance: NO_MAINTENANCE_WINDOWS }), maintenance: new MaintenancePlanner({ store: new DynamoDbMaintenanceStore({ client: devices.client, tableName: devices.tableName }), clock }), authorize: trustIamAuthorizer, logger: silentLogger });

    // First beats 40 hours before T0.
    for (const id of ['h-1', 'h-2', 'h-3']) await recorder.record(id, {});
    clock.set(T0);
    // h-1 (plant-a): three closed outages of 10 minutes, and one open since 10 minutes ago.
    await outage('h-1', 'plant-a', T0 - 3 * HOUR, T0 - 3 * HOUR + 10 * MIN);
    await outage('h-1', 'plant-a', T0 - 2 * HOUR, T0 - 2 * HOUR + 10 * MIN, 'fail');
    await outage('h-1', 'plant-a', T0 - 1 * HOUR, T0 - 1 * HOUR + 10 * MIN);
    await outage('h-1', 'plant-a', T0 - 10 * MIN, null);
    // h-2 (plant-b): one outage that ended 29 hours ago, one that ended 90 minutes ago.
    await outage('h-2', 'plant-b', T0 - 30 * HOUR, T0 - 29 * HOUR);
    await outage('h-2', 'plant-b', T0 - 2 * HOUR, T0 - 90 * MIN);
  });

  afterAll(async () => {
    await devices.drop();
    await historyTable.drop();
  });

  it("lists a device's outages newest first, page by page with cursors", async () => {
    // Act
    const first = await deviceIncidents('h-1', { limit: '3' });
    const second = await deviceIncidents('h-1', { limit: '3', cursor: first.body.cursor });

    // Assess
    expect(first.status).toBe(200);
    expect(first.body.incidents.map((i: { downSince: string }) => i.downSince)).toEqual([
      new Date(T0 - 10 * MIN).toISOString(),
      new Date(T0 - 1 * HOUR).toISOString(),
      new Date(T0 - 2 * HOUR).toISOString(),
    ]);
    expect(first.body.incidents[0]).toMatchObject({ incidentId: `h-1:${new Date(T0 - 10 * MIN).toISOString()}`, deviceId: 'h-1', group: 'plant-a', reason: 'timeout', upAt: null, downForSeconds: null });
    expect(first.body.incidents[2]).toMatchObject({ reason: 'fail', downForSeconds: 600, upAt: new Date(T0 - 2 * HOUR + 10 * MIN).toISOString() });
    expect(typeof first.body.cursor).toBe('string');
    expect(second.body.incidents.map((i: { downSince: string }) => i.downSince)).toEqual([new Date(T0 - 3 * HOUR).toISOString()]);
    expect(second.body.cursor).toBeNull();
  });

  it('answers 404 for an unknown device and an empty page for a device that never went down', async () => {
    // Act
    const unknown = await deviceIncidents('nobody');
    const never = await deviceIncidents('h-3');

    // Assess
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    expect(never.status).toBe(200);
    expect(never.body).toEqual({ incidents: [], cursor: null });
  });

  it("lists the fleet's outages open in the last 24 hours by default: open ones first, then by recovery", async () => {
    // Act
    const page = await fleetIncidents();

    // Assess
    expect(page.status).toBe(200);
    expect(seeded<{ deviceId: string; incidentId: string }>(page.body.incidents).map((i) => i.incidentId)).toEqual([
      `h-1:${new Date(T0 - 10 * MIN).toISOString()}`,
      `h-1:${new Date(T0 - 1 * HOUR).toISOString()}`,
      `h-2:${new Date(T0 - 2 * HOUR).toISOString()}`,
      `h-1:${new Date(T0 - 2 * HOUR).toISOString()}`,
      `h-1:${new Date(T0 - 3 * HOUR).toISOString()}`,
    ]);
    expect(page.body.cursor).toBeNull();
  });

  it('reaches further back with since, and narrows to one group', async () => {
    // Act
    const older = await fleetIncidents({ since: new Date(T0 - 29 * HOUR).toISOString() });
    const justBefore = await fleetIncidents({ since: new Date(T0 - 29 * HOUR + 1).toISOString() });
    const plantB = await fleetIncidents({ group: 'plant-b', since: new Date(T0 - 48 * HOUR).toISOString() });
    const nobody = await fleetIncidents({ group: 'plant-z' });

    // Assess: an outage that ended exactly at `since` was open at `since`
    expect(seeded(older.body.incidents)).toHaveLength(6);
    expect(seeded(justBefore.body.incidents)).toHaveLength(5);
    expect(plantB.body.incidents.map((i: { deviceId: string; downSince: string }) => `${i.deviceId} ${i.downSince}`)).toEqual([
      `h-2 ${new Date(T0 - 2 * HOUR).toISOString()}`,
      `h-2 ${new Date(T0 - 30 * HOUR).toISOString()}`,
    ]);
    expect(nobody.body).toEqual({ incidents: [], cursor: null });
  });

  it("pages through the fleet's outages with cursors, each exactly once", async () => {
    // Prepare
    const all = await fleetIncidents({ since: new Date(T0 - 48 * HOUR).toISOString() });

    // Act
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await fleetIncidents({ since: new Date(T0 - 48 * HOUR).toISOString(), limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      seen.push(...page.body.incidents.map((i: { incidentId: string }) => i.incidentId));
      cursor = page.body.cursor ?? undefined;
      pages++;
    } while (cursor !== undefined && pages < 10);

    // Assess
    expect(seen).toEqual(all.body.incidents.map((i: { incidentId: string }) => i.incidentId));
    expect(pages).toBe(Math.ceil(all.body.incidents.length / 2));
    expect(seeded(all.body.incidents)).toHaveLength(6);
  });

  it('refuses bad input with invalid_query, and a cursor of another query', async () => {
    // Prepare
    const h1Page = await deviceIncidents('h-1', { limit: '1' });

    // Act
    const answers = await Promise.all([
      fleetIncidents({ since: 'yesterday' }),
      fleetIncidents({ since: '1700000000' }),
      fleetIncidents({ limit: '0' }),
      fleetIncidents({ limit: '501' }),
      fleetIncidents({ group: 'no spaces' }),
      fleetIncidents({ status: 'down' }),
      fleetIncidents({ cursor: 'not-a-cursor' }),
      fleetIncidents({ cursor: h1Page.body.cursor }),
      deviceIncidents('h-2', { cursor: h1Page.body.cursor }),
    ]);

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_query');
    }
  });

  it('needs the admin credential and answers other methods with 405', async () => {
    // Act
    const anonymous = await call({ method: 'GET', path: '/v1/incidents', iam: false });
    const post = await call({ method: 'POST', path: '/v1/incidents' });

    // Assess
    expect(anonymous.status).toBe(401);
    expect(post.status).toBe(405);
  });

  it('shows uptime over 1, 7 and 30 days on the device, counted from its first beat', async () => {
    // Act
    const h1 = await call({ method: 'GET', path: '/v1/devices/h-1', pathParameters: { deviceId: 'h-1' } });
    const h3 = await call({ method: 'GET', path: '/v1/devices/h-3', pathParameters: { deviceId: 'h-3' } });

    // Assess: h-1 was down 40 of the last 24 h * 60 min; its life is 40 h long
    expect(h1.body.uptime['1d']).toBeCloseTo(1 - 40 / (24 * 60), 10);
    expect(h1.body.uptime['7d']).toBeCloseTo(1 - 40 / (40 * 60), 10);
    expect(h1.body.uptime['30d']).toBeCloseTo(1 - 40 / (40 * 60), 10);
    expect(h3.body.uptime).toEqual({ '1d': 1, '7d': 1, '30d': 1 });
  });

  it('has no uptime for a registered device that never beat', async () => {
    // Prepare
    await call({ method: 'PUT', path: '/v1/devices/fresh-1', pathParameters: { deviceId: 'fresh-1' }, headers: { 'content-type': 'application/json' }, body: '{}' });

    // Act
    const fresh = await call({ method: 'GET', path: '/v1/devices/fresh-1', pathParameters: { deviceId: 'fresh-1' } });

    // Assess
    expect(fresh.body.uptime).toEqual({ '1d': null, '7d': null, '30d': null });
  });

  it('leaves paused time out of the uptime', async () => {
    // Prepare: a device of its own (h-3's uptime is another test's), first beat 40 hours before T0,
    // paused for 4 hours, down 1 hour before the pause
    clock.set(T0 - 40 * HOUR);
    await recorder.record('h-4', {});
    const put = (body: unknown) =>
      call({ method: 'PUT', path: '/v1/devices/h-4', pathParameters: { deviceId: 'h-4' }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    clock.set(T0 + HOUR);
    await put({ paused: true });
    clock.set(T0 + 5 * HOUR);
    await put({ paused: false });
    await outage('h-4', null, T0, T0 + HOUR);
    clock.set(T0 + 6 * HOUR);

    // Act
    const h4 = await call({ method: 'GET', path: '/v1/devices/h-4', pathParameters: { deviceId: 'h-4' } });

    // Assess: of the last 24 h, 4 were paused; 1 of the other 20 was down
    expect(h4.body.uptime['1d']).toBeCloseTo(1 - 1 / 20, 10);
    clock.set(T0);
  });

  it('leaves the time of a maintenance window that covered the device out of the uptime', async () => {
    // Prepare: m-1 beats first 10 h before T0; a window over its group from T0-6h to T0-2h; down T0-5h to T0-3h, inside it
    clock.set(T0 - 10 * HOUR);
    await recorder.record('m-1', {});
    clock.set(T0);
    const maintenance = new DynamoDbMaintenanceStore({ client: devices.client, tableName: devices.tableName });
    await maintenance.addWindow({ windowId: 'w-1', deviceIds: ['m-1'], group: null, from: T0 - 6 * HOUR, until: T0 - 2 * HOUR, reason: 'firmware' }, []);
    await outage('m-1', null, T0 - 5 * HOUR, T0 - 3 * HOUR);
    const withWindows = new FleetManager({ store: devices.store(), clock, settings: DEFAULT_SETTINGS, history, maintenance });
    const without = new FleetManager({ store: devices.store(), clock, settings: DEFAULT_SETTINGS, history, maintenance: NO_MAINTENANCE_WINDOWS });

    // Act
    const covered = await withWindows.get('m-1');
    const plain = await without.get('m-1');

    // Assess: 10 h of life, 4 of them in the window (and the whole outage): 100 %; without the window 8 of 10 h
    expect(covered?.uptime?.['1d']).toBe(1);
    expect(plain?.uptime?.['1d']).toBeCloseTo(0.8, 10);
  });

  it('records each outage once however often the sweep retries, and never reopens a closed one', async () => {
    // Prepare: a device of its own (h-3 never going down is what other tests read)
    await recorder.record('h-5', {});
    const device = (await devices.store().getDevice('h-5')) as DeviceRecord;
    const down: DeviceRecord = { ...device, state: 'down', downSince: T0 - 20 * HOUR, downReason: 'timeout', recoveredAt: null };

    // Act
    await history.announced(down);
    await history.announced(down);
    await history.recovered({ ...down, state: 'up', recoveredAt: T0 - 19 * HOUR }, T0 - 19 * HOUR);
    await history.recovered({ ...down, state: 'up', recoveredAt: T0 - 19 * HOUR }, T0 - 19 * HOUR);
    await history.announced(down); // a late retry of the announcement

    // Assess
    const page = await deviceIncidents('h-5', { limit: '10' });
    const matching = page.body.incidents.filter((i: { downSince: string }) => i.downSince === new Date(T0 - 20 * HOUR).toISOString());
    expect(matching).toEqual([expect.objectContaining({ upAt: new Date(T0 - 19 * HOUR).toISOString(), downForSeconds: 3600 })]);
  });

  it('keeps what the opening recorded (reason, group, message) when the recovery is written', async () => {
    // Prepare: a device of its own
    await recorder.record('h-6', {});
    const device = (await devices.store().getDevice('h-6')) as DeviceRecord;
    const down: DeviceRecord = { ...device, group: 'plant-q', state: 'down', downSince: T0 - 30 * HOUR, downReason: 'fail', recoveredAt: null, message: 'disk full' };
    await history.announced(down);

    // Act: by the recovery the device has a new message (and a new group)
    await history.recovered({ ...down, group: 'plant-r', state: 'up', recoveredAt: T0 - 29 * HOUR, message: 'all good again' }, T0 - 29 * HOUR);

    // Assess
    const page = await deviceIncidents('h-6', { limit: '10' });
    const incident = page.body.incidents.find((i: { downSince: string }) => i.downSince === new Date(T0 - 30 * HOUR).toISOString());
    expect(incident).toMatchObject({ reason: 'fail', group: 'plant-q', message: 'disk full', downForSeconds: 3600 });
  });
});
