/**
 * Maintenance windows through the real store (DynamoDB Local) and the sweep, on a fake clock: the
 * windows live in one item that the sweep reads once (one GetItem per sweep, whatever the fleet),
 * a device that dies inside a window raises nothing until `until + interval + grace`, and one that
 * was down and announced before the window has its recovery announced as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbMaintenanceStore } from '../../lambdas/adapters/dynamodb/maintenance-store';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { MaintenancePlanner } from '../../lambdas/core/maintenance';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger, type MaintenanceStore } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function setup(table: TestTable) {
  const clock = new FakeClock(T0);
  const operations: string[] = [];
  const store = table.store({ onCapacity: (op) => operations.push(op) });
  const maintenance = new DynamoDbMaintenanceStore({ client: table.client, tableName: table.tableName });
  let reads = 0;
  const counted: MaintenanceStore = {
    listWindows: () => {
      reads++;
      return maintenance.listWindows();
    },
    addWindow: (window, forget) => maintenance.addWindow(window, forget),
    endWindow: (windowId, now) => maintenance.endWindow(windowId, now),
  };
  const publisher = new RecordingPublisher();
  const recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
  const planner = new MaintenancePlanner({ store: maintenance, clock });
  const sweeper = new Sweeper({ store, maintenance: counted, publisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY }, { segments: 2, writeConcurrency: 4 });
  const types = (deviceId: string) => publisher.alerts.filter((a) => a.type !== 'fleet.down' && a.deviceId === deviceId).map((a) => a.type);
  return { clock, store, publisher, recorder, planner, sweeper, types, windowReads: () => reads };
}

describe('maintenance windows against DynamoDB Local', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  it('keeps, lists and ends windows, and refuses one that has already ended', async () => {
    // Prepare
    const { clock, planner } = setup(table);
    // Act
    const a = await planner.add({ deviceIds: ['m-a'], group: null, from: T0, until: T0 + 3_600_000, reason: 'firmware' });
    const b = await planner.add({ deviceIds: null, group: 'plant-m', from: T0 + 600_000, until: T0 + 7_200_000, reason: null });
    const past = await planner.add({ deviceIds: ['m-a'], group: null, from: T0 - 7_200_000, until: T0 - 3_600_000, reason: null });
    const listed = await planner.list();
    const endedA = a.ok ? await planner.end(a.value.windowId) : false;
    const endedAgain = a.ok ? await planner.end(a.value.windowId) : true;
    const endedB = b.ok ? await planner.end(b.value.windowId) : false; // not begun: dropped
    clock.advance(1000);
    // Assess
    expect(a).toMatchObject({ ok: true, value: { deviceIds: ['m-a'], from: iso(T0), until: iso(T0 + 3_600_000), reason: 'firmware' } });
    expect(b).toMatchObject({ ok: true, value: { group: 'plant-m', reason: null } });
    expect(past).toEqual({ ok: false, message: '"until" must be in the future.' });
    // (Only this test's windows: the table, and so its windows, are shared with the other tests.)
    const mine = <W extends { windowId: string }>(windows: readonly W[]) => windows.filter((w) => [a, b].some((x) => x.ok && x.value.windowId === w.windowId));
    expect(mine(listed).map((w) => ('group' in w ? w.group : w.deviceIds.join()))).toEqual(['m-a', 'plant-m']);
    expect([endedA, endedAgain, endedB]).toEqual([true, false, true]);
    expect(mine(await planner.list())).toEqual([]);
  });

  it('silences a device that dies inside a window, alerts it after until + interval + grace, and reads the windows once per sweep', async () => {
    // Prepare: beats every 60 s (deadline 120 s); a window from T0 + 30 s to T0 + 10 min.
    const { clock, store, recorder, planner, sweeper, types, publisher, windowReads } = setup(table);
    await recorder.record('m-dies', {});
    await recorder.record('m-other', {});
    await planner.add({ deviceIds: ['m-dies'], group: null, from: T0 + 30_000, until: T0 + 600_000, reason: null });
    // Act: sweeps every minute for 13 minutes; m-other keeps beating, m-dies is silent.
    const sweepsBefore = windowReads();
    const seenAt: Record<string, string[]> = {};
    for (let minute = 1; minute <= 13; minute++) {
      clock.set(T0 + minute * 60_000 + 1000);
      await recorder.record('m-other', {});
      await sweeper.sweep();
      seenAt[minute] = types('m-dies');
    }
    // Assess
    expect(seenAt[10]).toEqual([]); // the window ended at 10:10; the new deadline is 10:12
    expect(seenAt[11]).toEqual([]);
    expect(seenAt[12]).toEqual(['device.down']);
    expect(seenAt[13]).toEqual(['device.down']);
    const down = publisher.ofType('device.down').find((a) => a.deviceId === 'm-dies');
    expect(down).toMatchObject({ incidentId: `m-dies:${iso(T0 + 600_000 + 120_000)}`, deadline: iso(T0 + 600_000 + 120_000) });
    expect((await store.getDevice('m-dies'))?.deadline).toBe(T0 + 600_000 + 120_000);
    expect(types('m-other')).toEqual([]);
    expect(windowReads() - sweepsBefore).toBe(13);
  });

  it('announces the recovery of a device that was down and announced before the window, as usual', async () => {
    // Prepare
    const { clock, recorder, planner, sweeper, types } = setup(table);
    await recorder.record('m-was-down', {});
    clock.set(T0 + 200_000);
    await sweeper.sweep();
    await planner.add({ deviceIds: ['m-was-down'], group: null, from: T0 + 210_000, until: T0 + 3_600_000, reason: null });
    // Act
    clock.set(T0 + 300_000);
    await recorder.record('m-was-down', {});
    await sweeper.sweep();
    // Assess
    expect(types('m-was-down')).toEqual(['device.down', 'device.up']);
  });
});
