/**
 * Reminders against the real DynamoDB engine: while a device stays down, one `device.still_down`
 * every `repeatEverySeconds` (numbered, never two for one period, the latest only after a gap),
 * none once it is back, none when off, none while paused, and a new outage counts from 1 again.
 * Time comes from a fake clock: no test waits the real 5 minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceStillDownAlert } from '../../lambdas/core/alerts';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS, type MonitorSettings } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { reminderDue } from '../../lambdas/core/alert-outbox';
import { Sweeper } from '../../lambdas/core/sweep';
import { FleetManager } from '../../lambdas/core/management';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const MINUTE = 60_000;

function setup(table: TestTable, overrides: Partial<MonitorSettings> = { repeatEverySeconds: 300 }) {
  const clock = new FakeClock(T0);
  const settings = { ...DEFAULT_SETTINGS, ...overrides };
  const store = table.store();
  const publisher = new RecordingPublisher();
  const recorder = new HeartbeatRecorder({ store, clock, settings, logger: silentLogger });
  const sweeper = new Sweeper({ store, publisher, clock, settings, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 8 });
  const manager = new FleetManager({ store, clock, settings, sweepEverySeconds: 60, history: null, maintenance: NO_MAINTENANCE_WINDOWS });
  const reminders = (deviceId: string) => publisher.ofType('device.still_down').filter((a) => a.deviceId === deviceId);
  return { clock, store, publisher, recorder, sweeper, manager, reminders };
}

describe('reminders (device.still_down) against DynamoDB Local', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  it('reminds every repeatEvery while the device stays down, then stops when it is back', async () => {
    // Prepare: a device that beat once at T0 (deadline T0 + 2 min) and went silent.
    const { clock, recorder, sweeper, publisher, reminders } = setup(table);
    await recorder.record('r-1', { message: 'battery 3%' });
    clock.set(T0 + 2 * MINUTE + 1000);
    await sweeper.sweep();
    const [down] = publisher.ofType('device.down').filter((a) => a.deviceId === 'r-1');
    expect(down).toBeDefined();

    // Act + Assess: nothing before 5 minutes of outage; the first reminder at 5 minutes.
    clock.set(T0 + 6 * MINUTE);
    await sweeper.sweep();
    expect(reminders('r-1')).toHaveLength(0);
    clock.set(T0 + 7 * MINUTE + 1000);
    await sweeper.sweep();
    await sweeper.sweep(); // a second sweep in the same period sends nothing more
    expect(reminders('r-1')).toEqual<DeviceStillDownAlert[]>([
      {
        type: 'device.still_down', incidentId: down?.incidentId ?? '', deviceId: 'r-1', group: null,
        lastSeen: new Date(T0).toISOString(), detectedAt: new Date(T0 + 7 * MINUTE + 1000).toISOString(),
        downSince: new Date(T0 + 2 * MINUTE).toISOString(), downForSeconds: 301, reminder: 1, message: 'battery 3%',
      },
    ]);

    // The second one 5 minutes later.
    clock.set(T0 + 12 * MINUTE + 1000);
    await sweeper.sweep();
    expect(reminders('r-1').map((r) => r.reminder)).toEqual([1, 2]);

    // Back up: a device.up, and no reminder after it.
    await recorder.record('r-1', {});
    clock.advance(1000);
    await sweeper.sweep();
    expect(publisher.ofType('device.up').filter((a) => a.deviceId === 'r-1')).toHaveLength(1);
    clock.advance(20 * MINUTE);
    await recorder.record('r-1', {});
    await sweeper.sweep();
    expect(reminders('r-1').map((r) => r.reminder)).toEqual([1, 2]);
  });

  it('sends only the latest reminder after a gap, and counts a new outage from 1 again', async () => {
    // Prepare
    const { clock, recorder, sweeper, reminders } = setup(table);
    await recorder.record('r-2', {});
    clock.set(T0 + 2 * MINUTE + 1000);
    await sweeper.sweep();

    // Act: no sweep for 16 minutes (three periods): one reminder, number 3.
    clock.set(T0 + 18 * MINUTE);
    await sweeper.sweep();
    expect(reminders('r-2').map((r) => r.reminder)).toEqual([3]);

    // A new outage: back, silent again, down again; its first reminder is number 1.
    await recorder.record('r-2', {});
    clock.advance(1000);
    await sweeper.sweep();
    clock.advance(2 * MINUTE + 1000);
    await sweeper.sweep();
    clock.advance(5 * MINUTE);
    await sweeper.sweep();
    expect(reminders('r-2').map((r) => r.reminder)).toEqual([3, 1]);
    expect(new Set(reminders('r-2').map((r) => r.incidentId)).size).toBe(2);
  });

  it('sends none when reminders are off, and none while the device is paused', async () => {
    // Prepare: one deployment with reminders off, one device paused in a deployment with them on.
    const off = setup(table, { repeatEverySeconds: 0 });
    await off.recorder.record('r-off', {});
    off.clock.set(T0 + 2 * MINUTE + 1000);
    await off.sweeper.sweep();
    const on = setup(table);
    await on.recorder.record('r-paused', {});
    on.clock.set(T0 + 2 * MINUTE + 1000);
    await on.sweeper.sweep();
    await on.manager.configure('r-paused', { paused: true });

    // Act
    off.clock.set(T0 + 30 * MINUTE);
    await off.sweeper.sweep();
    on.clock.set(T0 + 30 * MINUTE);
    await on.sweeper.sweep();

    // Assess
    expect(off.publisher.ofType('device.down').some((a) => a.deviceId === 'r-off')).toBe(true);
    expect(off.reminders('r-off')).toEqual([]);
    expect(on.reminders('r-paused')).toEqual([]);
  });

  it('retries a reminder whose publish failed at the next sweep', async () => {
    const { clock, recorder, sweeper, publisher, reminders } = setup(table);
    await recorder.record('r-3', {});
    clock.set(T0 + 2 * MINUTE + 1000);
    await sweeper.sweep();
    clock.set(T0 + 7 * MINUTE + 1000);
    publisher.failNext(1);
    await sweeper.sweep();
    expect(reminders('r-3')).toEqual([]);
    await sweeper.sweep();
    expect(reminders('r-3').map((r) => r.reminder)).toEqual([1]);
  });
});

describe('reminderDue', () => {
  const base = {
    deviceId: 'd', state: 'down' as const, paused: false, group: null, intervalSeconds: 60, explicitGraceSeconds: null, lastSeen: T0 - MINUTE, firstSeen: T0 - 60 * MINUTE,
    deadline: T0, downSince: T0, downReason: 'timeout' as const, downAlerted: true, recoveredAt: null, failsLeft: null, failingSince: null, endedFailRunSince: null, failThreshold: null, recoverAfterSeconds: null,
    remindersSent: 0, closesOwed: [], beats: 1, message: null, meta: null, lease: null, detection: 'fixed' as const, gaps: [],
  };
  it('is due at each multiple of the period after the outage began, once', () => {
    expect(reminderDue(base, T0 + 299_999, 300)).toBeNull();
    expect(reminderDue(base, T0 + 300_000, 300)).toBe(1);
    expect(reminderDue({ ...base, remindersSent: 1 }, T0 + 599_999, 300)).toBeNull();
    expect(reminderDue({ ...base, remindersSent: 1 }, T0 + 600_000, 300)).toBe(2);
  });
  it('is never due when off, before the down went out, or once the device is up', () => {
    expect(reminderDue(base, T0 + 3_600_000, 0)).toBeNull();
    expect(reminderDue({ ...base, downAlerted: false }, T0 + 3_600_000, 300)).toBeNull();
    expect(reminderDue({ ...base, state: 'up' }, T0 + 3_600_000, 300)).toBeNull();
  });
});
