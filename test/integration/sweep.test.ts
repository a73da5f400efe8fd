/**
 * Proves the sweep against the real DynamoDB engine: one alert per change of state, none twice,
 * none lost, whatever the races (two sweepers, beats mid-sweep, a failing publish).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
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
  const sweeper = (segments = 2) => new Sweeper({ store, publisher, clock, settings, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments, writeConcurrency: 8 });
  return { clock, store, publisher, recorder, sweeper };
}

describe('Sweeper against DynamoDB Local', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  it('announces one outage exactly once and its recovery exactly once', async () => {
    // Prepare: a device beats every 60 s (grace follows: 60 s).
    const { clock, publisher, recorder, sweeper } = setup(table);
    // Only this device's alerts: the table is shared, and other tests' devices lapse in these sweeps too.
    const mine = () => publisher.alerts.filter((a) => a.type !== 'fleet.down' && a.deviceId === 'sensor-42');
    await recorder.record('sensor-42', {});
    clock.advance(60_000);
    await recorder.record('sensor-42', {}); // lastSeen 10:01:00, deadline 10:03:00

    // Act: silence past the deadline, then two sweeps.
    clock.set(Date.parse('2026-11-25T10:03:41.000Z'));
    await sweeper().sweep();
    clock.advance(60_000);
    await sweeper().sweep();

    // Assess: exactly one device.down with the contract's payload; the second sweep published nothing for it.
    expect(mine()).toEqual([
      {
        type: 'device.down',
        incidentId: 'sensor-42:2026-11-25T10:03:00.000Z',
        deviceId: 'sensor-42',
        group: null,
        lastSeen: '2026-11-25T10:01:00.000Z',
        deadline: '2026-11-25T10:03:00.000Z',
        detectedAt: '2026-11-25T10:03:41.000Z',
        reason: 'timeout',
        interval: 60,
        grace: 60,
      },
    ]);

    // Act: the device comes back; two sweeps.
    clock.set(Date.parse('2026-11-25T10:07:05.000Z'));
    const beat = await recorder.record('sensor-42', {});
    expect(beat.transition).toBe('recovered');
    await sweeper().sweep();
    await sweeper().sweep();

    // Assess: exactly one device.up, paired by incidentId, with downForSeconds from the deadline.
    expect(publisher.ofType('device.up', 'sensor-42')).toEqual([
      expect.objectContaining({
        type: 'device.up',
        incidentId: 'sensor-42:2026-11-25T10:03:00.000Z',
        deviceId: 'sensor-42',
        downSince: '2026-11-25T10:03:00.000Z',
        downForSeconds: 245,
        detectedAt: '2026-11-25T10:07:05.000Z',
      }),
    ]);
    expect(mine()).toHaveLength(2);
  });

  it('publishes each device.down once when two sweepers race over 200 lapsed devices', async () => {
    // Prepare
    const { clock, publisher, recorder, sweeper } = setup(table, { stormThreshold: 0 });
    const ids = Array.from({ length: 200 }, (_, i) => `race-${i}`);
    for (let i = 0; i < ids.length; i += 20) await Promise.all(ids.slice(i, i + 20).map((id) => recorder.record(id, { interval: 5, grace: 0 })));
    clock.advance(10_000);

    // Act: two sweepers at once, then a third after both.
    const [a, b] = await Promise.all([sweeper(4).sweep(), sweeper(3).sweep()]);
    await sweeper().sweep();

    // Assess
    const downs = publisher.ofType('device.down').filter((d) => d.deviceId.startsWith('race-'));
    expect(downs).toHaveLength(200);
    expect(new Set(downs.map((d) => d.deviceId)).size).toBe(200);
    expect(a.wentDown + b.wentDown).toBe(200);
  }, 240_000); // ~600 DynamoDB Local calls: 4 s alone, over 60 s once seen under a load of 30 with other JVMs

  it('delivers an alert whose first publish failed at the next sweep, with the same incidentId', async () => {
    // Prepare
    const { clock, publisher, recorder, sweeper } = setup(table);
    await recorder.record('flaky-1', { interval: 5, grace: 0 });
    clock.advance(6_000);
    publisher.failNext(1);

    // Act
    const failed = await sweeper().sweep();
    expect(failed.publishFailures).toBe(1);
    expect(publisher.alerts.filter((a) => a.type !== 'fleet.down' && a.deviceId === 'flaky-1')).toHaveLength(0);
    clock.advance(60_000);
    await sweeper().sweep();
    await sweeper().sweep();

    // Assess
    const downs = publisher.ofType('device.down').filter((d) => d.deviceId === 'flaky-1');
    expect(downs).toHaveLength(1);
    expect(downs[0]?.incidentId).toBe(`flaky-1:${new Date(T0 + 5_000).toISOString()}`);
  });

  it('takes over the alerts of a sweeper that died holding them, once its lease runs out', async () => {
    // Prepare: a sweeper turned the device down and crashed before publishing.
    const { clock, store, publisher, recorder, sweeper } = setup(table);
    await recorder.record('orphan-1', { interval: 5, grace: 0 });
    clock.advance(6_000);
    const down = await store.markDown('orphan-1', clock.now(), { until: clock.now() + 30_000, owner: 'crashed' });
    expect(down?.state).toBe('down');

    // Act: a sweep inside the lease leaves it alone; one after it publishes.
    await sweeper().sweep();
    const during = publisher.alerts.filter((a) => a.type === 'device.down' && a.deviceId === 'orphan-1').length;
    clock.advance(31_000);
    await sweeper().sweep();

    // Assess
    expect(during).toBe(0);
    expect(publisher.ofType('device.down').filter((d) => d.deviceId === 'orphan-1')).toHaveLength(1);
  });

  it('never turns down a device whose beat arrived after the sweep read it', async () => {
    // Prepare: the device is late when read...
    const { clock, store, recorder } = setup(table);
    await recorder.record('late-beat-1', { interval: 5, grace: 0 });
    clock.advance(6_000);
    // ...and a beat lands before the sweeper's conditional write.
    await recorder.record('late-beat-1', {});

    // Act
    const result = await store.markDown('late-beat-1', clock.now(), { until: clock.now() + 60_000, owner: 'sweeper' });

    // Assess
    expect(result).toBeNull();
    expect((await store.getDevice('late-beat-1'))?.state).toBe('up');
  });

  it('raises device.down with reason fail for a fail beat, once, and device.up on the next ok beat', async () => {
    // Prepare
    const { clock, publisher, recorder, sweeper } = setup(table);
    await recorder.record('failing-1', {});
    clock.advance(10_000);
    const fail = await recorder.record('failing-1', { status: 'fail', message: 'disk full' });
    expect(fail.status).toBe('down');
    clock.advance(5_000);
    await recorder.record('failing-1', { status: 'fail', message: 'still full' });

    // Act
    await sweeper().sweep();
    clock.advance(20_000);
    await recorder.record('failing-1', { status: 'ok' });
    await sweeper().sweep();
    await sweeper().sweep();

    // Assess
    const mine = publisher.alerts.filter((a) => a.type !== 'fleet.down' && a.deviceId === 'failing-1');
    expect(mine.map((a) => a.type)).toEqual(['device.down', 'device.up']);
    expect(mine[0]).toMatchObject({ reason: 'fail', message: 'still full', detectedAt: new Date(T0 + 10_000).toISOString() });
    expect(mine[1]).toMatchObject({ downSince: new Date(T0 + 10_000).toISOString(), downForSeconds: 25 });
    expect(mine[0]?.type === 'device.down' && mine[0].incidentId).toBe(mine[1]?.type === 'device.up' && mine[1].incidentId);
  });

  it('stays quiet for a paused device, and restarts its deadline from the resume time', async () => {
    // Prepare
    const { clock, publisher, recorder, sweeper, store } = setup(table);
    await recorder.record('paused-1', { interval: 5, grace: 0 });
    await store.configureDevice('paused-1', (d) => ({ ...(d as NonNullable<typeof d>), paused: true }), 0);
    clock.advance(60_000);

    // Act
    await sweeper().sweep();
    const { FleetManager } = await import('../../lambdas/core/management');
    const manager = new FleetManager({ store, clock, settings: DEFAULT_SETTINGS, history: null, maintenance: NO_MAINTENANCE_WINDOWS });
    const resumed = await manager.configure('paused-1', { paused: false });
    await sweeper().sweep();

    // Assess
    expect(publisher.alerts.filter((a) => a.type !== 'fleet.down' && a.deviceId === 'paused-1')).toHaveLength(0);
    expect(resumed.device.status).toBe('up');
    expect(resumed.device.deadline).toBe(new Date(clock.now() + 5_000).toISOString());
    clock.advance(6_000);
    await sweeper().sweep();
    expect(publisher.ofType('device.down').filter((d) => d.deviceId === 'paused-1')).toHaveLength(1);
  });

  it('sends one fleet.down in place of many device.down when a group storms', async () => {
    // Prepare: 6 devices of group plant-a, threshold 5.
    const t = await createTestTable();
    try {
      const { clock, publisher, recorder, sweeper, store } = setup(t, { stormThreshold: 5 });
      const manager = new (await import('../../lambdas/core/management')).FleetManager({ store, clock, settings: DEFAULT_SETTINGS, history: null, maintenance: NO_MAINTENANCE_WINDOWS });
      for (let i = 0; i < 6; i++) {
        await manager.configure(`storm-${i}`, { group: 'plant-a', interval: 5, grace: 0 });
        await recorder.record(`storm-${i}`, {});
      }
      await manager.configure('calm-1', { group: 'plant-b', interval: 5, grace: 0 });
      await recorder.record('calm-1', {});
      clock.advance(6_000);

      // Act
      await sweeper().sweep();
      await sweeper().sweep();

      // Assess
      const fleet = publisher.ofType('fleet.down');
      expect(fleet).toHaveLength(1);
      expect(fleet[0]).toMatchObject({ group: 'plant-a', count: 6 });
      expect([...(fleet[0]?.deviceIds ?? [])].sort()).toEqual(['storm-0', 'storm-1', 'storm-2', 'storm-3', 'storm-4', 'storm-5']);
      expect(publisher.ofType('device.down').map((d) => d.deviceId)).toEqual(['calm-1']);
    } finally {
      await t.drop();
    }
  });
});
