/**
 * Where incidents are written: by the sweep's alert outbox when it settles a state change, against
 * DynamoDB Local. An announced `device.down` opens an incident, its `device.up` closes it at the
 * recovery beat; a sweep with no state change writes nothing to the history, a failed publish
 * writes nothing (the retry records it once), and a beat never touches the history.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutageHistory, type IncidentRecord } from '../../lambdas/core/history';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger, type IncidentStore } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import { createTestHistoryTable, createTestTable, type TestHistoryTable, type TestTable } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';

/** Counts every write the history store receives, and passes it on. */
function counting(store: IncidentStore): { store: IncidentStore; writes: string[] } {
  const writes: string[] = [];
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (String(name).startsWith('record')) writes.push(`${String(name)} ${(args[0] as IncidentRecord | string) && typeof args[0] === 'object' ? (args[0] as IncidentRecord).deviceId : String(args[0])}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, writes };
}

// One device's story on one clock, test after test: never shuffled.
describe('incidents written by the sweep', { shuffle: false }, () => {
  let devices: TestTable;
  let historyTable: TestHistoryTable;
  let clock: FakeClock;
  let publisher: RecordingPublisher;
  let recorder: HeartbeatRecorder;
  let sweeper: Sweeper;
  let history: OutageHistory;
  let writes: string[];

  const incidentsOf = async (deviceId: string) => (await history.deviceIncidents(deviceId, { limit: 50 })).incidents;

  beforeAll(async () => {
    devices = await createTestTable();
    historyTable = await createTestHistoryTable();
    clock = new FakeClock(Date.parse('2026-11-25T10:00:00.000Z'));
    publisher = new RecordingPublisher();
    const store = devices.store();
    const counted = counting(historyTable.store());
    writes = counted.writes;
    history = new OutageHistory({ store: counted.store, historyDays: 90 });
    recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    sweeper = new Sweeper({ store, publisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 });
  });
  beforeEach(() => {
    writes.length = 0;
  });
  afterAll(async () => {
    await devices.drop();
    await historyTable.drop();
  });

  it('opens an incident when the device.down of a timeout goes out, and writes nothing for a beat', async () => {
    // Prepare: interval 5 s, grace 0: the deadline is 5 s after the beat
    await recorder.record('sw-1', { interval: 5, grace: 0, message: 'battery 12 %' });
    expect(writes).toEqual([]);

    // Act
    clock.advance(6_000);
    await sweeper.sweep();

    // Assess
    expect(publisher.ofType('device.down').map((a) => a.deviceId)).toContain('sw-1');
    expect(writes).toEqual(['recordOpened sw-1']);
    expect(await incidentsOf('sw-1')).toEqual([
      { deviceId: 'sw-1', group: null, reason: 'timeout', downSince: Date.parse('2026-11-25T10:00:05.000Z'), upAt: null, message: 'battery 12 %' },
    ]);
  });

  it('writes no history in a sweep that changes no state', async () => {
    // Act
    clock.advance(1_000);
    const report = await sweeper.sweep();

    // Assess
    expect(report.alertsPublished).toBe(0);
    expect(writes).toEqual([]);
  });

  it('closes the incident at the recovery beat when the device.up goes out', async () => {
    // Prepare
    clock.advance(60_000);
    const recoveredAt = clock.now();
    await recorder.record('sw-1', {});
    clock.advance(2_000);

    // Act
    await sweeper.sweep();

    // Assess
    expect(writes).toEqual(['recordClosed sw-1']);
    const [incident] = await incidentsOf('sw-1');
    expect(incident).toMatchObject({ upAt: recoveredAt, reason: 'timeout' });
  });

  it('records a fail outage with its message, and nothing while the publish fails; the retry records it once', async () => {
    // Prepare
    await recorder.record('sw-2', { interval: 60 });
    clock.advance(1_000);
    const failedAt = clock.now();
    await recorder.record('sw-2', { status: 'fail', message: 'disk full' });
    publisher.failNext(1);

    // Act
    await sweeper.sweep();
    const afterFailure = [...writes];
    clock.advance(1_000);
    await sweeper.sweep();
    await sweeper.sweep();

    // Assess
    expect(afterFailure).toEqual([]);
    expect(writes).toEqual(['recordOpened sw-2']);
    expect(await incidentsOf('sw-2')).toEqual([{ deviceId: 'sw-2', group: null, reason: 'fail', downSince: failedAt, upAt: null, message: 'disk full' }]);
  });
});
