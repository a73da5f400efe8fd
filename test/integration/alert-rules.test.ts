/**
 * The alert rules end to end through the real store (DynamoDB Local) and the sweep, on a fake
 * clock: a run of fails pages only at its failThreshold, a recovered device pages its device.up only
 * after recoverAfter and a relapse continues the same outage, and PUT sets both per device. The core
 * decides (alert-outbox.ts); this proves the store's conditional writes carry the same decisions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { FleetManager } from '../../lambdas/core/management';
import { DEFAULT_SETTINGS, type MonitorSettings } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

function setup(table: TestTable, overrides: Partial<MonitorSettings> = {}) {
  const clock = new FakeClock(T0);
  const settings = { ...DEFAULT_SETTINGS, ...overrides };
  const store = table.store();
  const publisher = new RecordingPublisher();
  const recorder = new HeartbeatRecorder({ store, clock, settings, logger: silentLogger });
  const manager = new FleetManager({ store, clock, settings, history: null, maintenance: NO_MAINTENANCE_WINDOWS });
  const sweeper = new Sweeper({ store, publisher, clock, settings, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 });
  const types = (deviceId: string) => publisher.alerts.filter((a) => a.type !== 'fleet.down' && a.deviceId === deviceId).map((a) => a.type);
  return { clock, store, publisher, recorder, manager, sweeper, types };
}

describe('alert rules against DynamoDB Local', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  it('failThreshold set by PUT: two fails page nothing, the third opens one outage dated at the first fail', async () => {
    // Prepare
    const { clock, store, recorder, manager, sweeper, types, publisher } = setup(table);
    await manager.configure('ft-put', { failThreshold: 3 });
    await recorder.record('ft-put', {});
    // Act
    clock.advance(10_000);
    const first = await recorder.record('ft-put', { status: 'fail' });
    clock.advance(10_000);
    await recorder.record('ft-put', { status: 'fail' });
    await sweeper.sweep();
    const afterTwo = types('ft-put');
    clock.advance(10_000);
    const third = await recorder.record('ft-put', { status: 'fail' });
    await sweeper.sweep();
    clock.advance(10_000);
    await recorder.record('ft-put', { status: 'fail' });
    await sweeper.sweep();
    // Assess
    expect(first.status).toBe('up');
    expect(afterTwo).toEqual([]);
    expect(third.status).toBe('down');
    expect(types('ft-put')).toEqual(['device.down']);
    expect(publisher.ofType('device.down', 'ft-put')[0]).toMatchObject({ reason: 'fail', incidentId: `ft-put:${new Date(T0 + 10_000).toISOString()}` });
    // The recorded outage took the run over: the fail after it starts a new count (3 - 1).
    expect(await store.getDevice('ft-put')).toMatchObject({ state: 'down', downSince: T0 + 10_000, downReason: 'fail', failsLeft: 2, downAlerted: true });
  });

  it('a reached run of fails that ended before any sweep is still announced, and one that follows it continues the same outage', async () => {
    // Prepare
    const { clock, recorder, sweeper, publisher, types } = setup(table);
    await recorder.record('ft-flap', {});
    // Act: fail, ok, fail with no sweep in between; then the device is fine.
    clock.advance(1000);
    await recorder.record('ft-flap', { status: 'fail' });
    clock.advance(1000);
    await recorder.record('ft-flap', {});
    clock.advance(1000);
    await recorder.record('ft-flap', { status: 'fail' });
    await sweeper.sweep();
    clock.advance(1000);
    await recorder.record('ft-flap', {});
    await sweeper.sweep();
    // Assess: one outage, from the first fail.
    expect(types('ft-flap')).toEqual(['device.down', 'device.up']);
    expect(publisher.ofType('device.down').find((a) => a.deviceId === 'ft-flap')?.incidentId).toBe(`ft-flap:${new Date(T0 + 1000).toISOString()}`);
  });

  it('announces a reached run of fails that an ok beat ended before any sweep: its down, then its up', async () => {
    // Prepare
    const { clock, recorder, sweeper, types } = setup(table);
    await recorder.record('ft-blip', {});
    // Act
    clock.advance(1000);
    await recorder.record('ft-blip', { status: 'fail' });
    clock.advance(1000);
    await recorder.record('ft-blip', {});
    await sweeper.sweep();
    await sweeper.sweep();
    // Assess
    expect(types('ft-blip')).toEqual(['device.down', 'device.up']);
  });

  it('an ok beat ends a run of fails below the threshold: nothing is ever announced', async () => {
    // Prepare
    const { clock, recorder, sweeper, types } = setup(table, { defaultFailThreshold: 2 });
    await recorder.record('ft-reset', {});
    // Act
    for (let i = 0; i < 4; i++) {
      clock.advance(10_000);
      await recorder.record('ft-reset', { status: i % 2 === 0 ? 'fail' : 'ok' });
      await sweeper.sweep();
    }
    // Assess
    expect(types('ft-reset')).toEqual([]);
  });

  it('recoverAfter: a device that comes back and drops again inside the wait continues the same outage; it pages up once it stayed up', async () => {
    // Prepare: interval 60 s (deadline 120 s), recoverAfter 300 s from the beat body.
    const { clock, store, recorder, sweeper, types, publisher } = setup(table);
    await recorder.record('ra-loop', { recoverAfter: 300 });
    clock.advance(150_000);
    await sweeper.sweep(); // down (timeout at 120 s)
    const incident = publisher.ofType('device.down', 'ra-loop')[0]?.incidentId;
    // Act: back for 60 s, then silent past its deadline, three times.
    for (let i = 0; i < 3; i++) {
      await recorder.record('ra-loop', {});
      clock.advance(60_000);
      await recorder.record('ra-loop', {});
      await sweeper.sweep();
      clock.advance(130_000);
      await sweeper.sweep();
    }
    const whileLooping = types('ra-loop');
    const relapsed = await store.getDevice('ra-loop');
    for (let i = 0; i < 6; i++) {
      await recorder.record('ra-loop', {});
      clock.advance(60_000);
      await sweeper.sweep();
    }
    // Assess
    expect(whileLooping).toEqual(['device.down']);
    expect(relapsed).toMatchObject({ state: 'down', recoveredAt: null, downAlerted: true });
    expect(types('ra-loop')).toEqual(['device.down', 'device.up']);
    expect(incident).toBe(`ra-loop:${new Date(T0 + 120_000).toISOString()}`);
    expect(publisher.ofType('device.up', 'ra-loop')[0]?.incidentId).toBe(incident);
  });

  it('recoverAfter 0 (the default) still announces a recovery at the next sweep', async () => {
    // Prepare
    const { clock, recorder, sweeper, types } = setup(table);
    await recorder.record('ra-zero', {});
    clock.advance(150_000);
    await sweeper.sweep();
    // Act
    await recorder.record('ra-zero', {});
    await sweeper.sweep();
    // Assess
    expect(types('ra-zero')).toEqual(['device.down', 'device.up']);
  });

  it('shows the rules in force on the device, its own or the deployment defaults, and PUT null restores the default', async () => {
    // Prepare
    const { manager, recorder } = setup(table, { defaultFailThreshold: 2, defaultRecoverAfterSeconds: 30 });
    await recorder.record('ra-view', { failThreshold: 5 });
    // Act
    const own = await manager.get('ra-view');
    const back = await manager.configure('ra-view', { failThreshold: null, recoverAfter: 90 });
    // Assess
    expect(own).toMatchObject({ failThreshold: 5, recoverAfter: 30 });
    expect(back.device).toMatchObject({ failThreshold: 2, recoverAfter: 90 });
  });
});
