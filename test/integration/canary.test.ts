/**
 * Proves that the doctor's canary device (`heartbeat-doctor-canary`) is recorded like any device
 * but never pages anyone and never counts in the fleet summary, whatever state it is left in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY_DEVICE_ID, isCanary } from '../../lambdas/core/canary';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';

describe('isCanary', () => {
  it('is true for the reserved id only', () => {
    // Prepare
    const ids = [CANARY_DEVICE_ID, 'heartbeat-doctor-canary-2', 'Heartbeat-Doctor-Canary', 'sensor-1'];
    // Act
    const flags = ids.map(isCanary);
    // Assess
    expect(CANARY_DEVICE_ID).toBe('heartbeat-doctor-canary');
    expect(flags).toEqual([true, false, false, false]);
  });
});

describe('the sweep and the canary', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  it('alerts for a silent device but never for the silent or failing canary, and counts only the fleet', async () => {
    // Prepare: the canary and a real device beat once, then both fall silent; the canary also reports fail.
    const clock = new FakeClock();
    const store = table.store();
    const publisher = new RecordingPublisher();
    const recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    const sweeper = new Sweeper({ store, publisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 2, writeConcurrency: 4 });
    await recorder.record(CANARY_DEVICE_ID, {});
    await recorder.record('sensor-1', {});
    clock.advance(10 * 60_000);

    // Act: a sweep past both deadlines, then a fail beat of the canary and another sweep.
    const first = await sweeper.sweep();
    await recorder.record(CANARY_DEVICE_ID, { status: 'fail' });
    clock.advance(60_000);
    const second = await sweeper.sweep();

    // Assess
    expect(publisher.alerts.map((a) => [a.type, 'deviceId' in a ? a.deviceId : null])).toEqual([['device.down', 'sensor-1']]);
    expect(first.counts).toEqual({ new: 0, up: 0, down: 1, paused: 0 });
    expect(second.counts).toEqual({ new: 0, up: 0, down: 1, paused: 0 });
    expect(await store.readSummary()).toMatchObject({ counts: { new: 0, up: 0, down: 1, paused: 0 } });
    expect((await store.getDevice(CANARY_DEVICE_ID))?.beats).toBe(2);
  });
});
