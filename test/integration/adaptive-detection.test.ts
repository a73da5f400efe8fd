/**
 * Adaptive detection end to end through the real store (DynamoDB Local) and the sweep, on a fake
 * clock: PUT makes a device adaptive, its beats fill the gap register, and a sweep turns it down
 * as soon as its silence, past the acceptable pause for a retried beat, is improbable: before its fixed deadline; the same device left fixed
 * waits for the deadline. A beat that lands after the sweep read the device wins the race.
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
  const settings = { ...DEFAULT_SETTINGS, adaptivePhi: 8, ...overrides };
  const store = table.store();
  const publisher = new RecordingPublisher();
  const recorder = new HeartbeatRecorder({ store, clock, settings, logger: silentLogger });
  const manager = new FleetManager({ store, clock, settings, history: null, maintenance: NO_MAINTENANCE_WINDOWS });
  const sweeper = new Sweeper({ store, publisher, clock, settings, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 });
  /** Five beats about a minute apart; returns the last beat's time. */
  const beatEveryMinute = async (deviceId: string) => {
    for (const gap of [0, 60_000, 60_400, 59_700, 60_100]) {
      clock.advance(gap);
      await recorder.record(deviceId, {});
    }
    return clock.now();
  };
  return { clock, store, publisher, recorder, manager, sweeper, beatEveryMinute };
}

describe('adaptive detection against DynamoDB Local', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  it('turns an adaptive device down about 104 s after its last beat (the default pause of 37 s for a retried beat), where a fixed one waits 120 s', async () => {
    // Prepare
    const { clock, store, publisher, manager, sweeper, beatEveryMinute } = setup(table);
    expect((await manager.configure('ad-1', { detection: 'adaptive' })).device.detection).toBe('adaptive');
    const lastSeen = await beatEveryMinute('ad-1');
    const downs = () => publisher.ofType('device.down', 'ad-1');
    // Act
    clock.set(lastSeen + 100_000);
    await sweeper.sweep();
    const early = downs().length;
    clock.set(lastSeen + 106_000);
    await sweeper.sweep();
    // Assess
    expect(early).toBe(0);
    expect(downs()).toHaveLength(1);
    const device = await store.getDevice('ad-1');
    expect(device).toMatchObject({ state: 'down', downReason: 'timeout', detection: 'adaptive', deadline: lastSeen + 120_000 });
    expect(device?.downSince).toBeGreaterThan(lastSeen + 100_000);
    expect(device?.downSince).toBeLessThan(lastSeen + 106_000);
  });

  it('turns it down about 66 s after its last beat with adaptivePauseSeconds 0', async () => {
    // Prepare
    const { clock, store, publisher, manager, sweeper, beatEveryMinute } = setup(table, { adaptivePauseSeconds: 0 });
    await manager.configure('ad-0', { detection: 'adaptive' });
    const lastSeen = await beatEveryMinute('ad-0');
    const downs = () => publisher.ofType('device.down', 'ad-0');
    // Act
    clock.set(lastSeen + 64_000);
    await sweeper.sweep();
    const early = downs().length;
    clock.set(lastSeen + 68_000);
    await sweeper.sweep();
    // Assess (the table is shared with the other tests: only this device's alerts count)
    expect(early).toBe(0);
    expect(downs()).toHaveLength(1);
    const device = await store.getDevice('ad-0');
    expect(device?.downSince).toBeGreaterThan(lastSeen + 64_000);
    expect(device?.downSince).toBeLessThan(lastSeen + 68_000);
  });

  it('leaves a fixed device alone until its deadline', async () => {
    // Prepare
    const { clock, publisher, sweeper, beatEveryMinute } = setup(table);
    const lastSeen = await beatEveryMinute('fx-1');
    const downs = () => publisher.ofType('device.down', 'fx-1');
    // Act
    clock.set(lastSeen + 106_000);
    await sweeper.sweep();
    const early = downs().length;
    clock.set(lastSeen + 121_000);
    await sweeper.sweep();
    // Assess (the table is shared with the other tests: only this device's alerts count)
    expect(early).toBe(0);
    expect(downs()).toHaveLength(1);
  });

  it('loses the race to a beat that lands after the sweep read the device', async () => {
    // Prepare: the sweep reads the silent adaptive device, then a beat lands before its write
    const { clock, store, manager, beatEveryMinute, recorder } = setup(table);
    await manager.configure('ad-race', { detection: 'adaptive' });
    const lastSeen = await beatEveryMinute('ad-race');
    clock.set(lastSeen + 106_000);
    const asRead = await store.getDevice('ad-race');
    await recorder.record('ad-race', {});
    // Act: the sweep's conditional write, as the outbox makes it for an early adaptive lapse
    const marked = await store.markDown('ad-race', clock.now(), { until: clock.now() + 60_000, owner: 'sweep-1' }, lastSeen + 104_000, asRead?.lastSeen ?? undefined);
    // Assess
    expect(marked).toBeNull();
    expect(await store.getDevice('ad-race')).toMatchObject({ state: 'up', downSince: null });
  });

  it('goes back to the fixed deadline when PUT sets detection fixed', async () => {
    const { manager, store } = setup(table);
    await manager.configure('ad-back', { detection: 'adaptive' });
    await manager.configure('ad-back', { detection: 'fixed' });
    expect(await store.getDevice('ad-back')).toMatchObject({ detection: 'fixed' });
  });
});
