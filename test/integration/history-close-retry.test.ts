/**
 * The history write that closes an incident is part of the outbox's at-least-once work, against
 * DynamoDB Local on a fake clock: when it fails after the `device.up` went out, the device record
 * keeps the close as owed (`hc`), and the next sweep writes it, with the recovery beat as its end,
 * and forgets it; the sweep after that writes nothing. No second `device.up` goes out.
 */
import { describe, expect, it } from 'vitest';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { OutageHistory, type IncidentRecord } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger, type IncidentStore } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import { useDeviceAndHistoryTables } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

/** Passes every call on to `store`, but fails the next `failCloses` calls of recordClosed; logs the closes that were written. */
class FlakyCloses implements IncidentStore {
  failCloses = 0;
  readonly closed: { deviceId: string; downSince: number; upAt: number | null }[] = [];
  constructor(private readonly store: IncidentStore) {}
  async recordClosed(incident: IncidentRecord, expiresAtSeconds: number): Promise<void> {
    if (this.failCloses > 0) {
      this.failCloses--;
      throw new Error('history table throttled (test)');
    }
    await this.store.recordClosed(incident, expiresAtSeconds);
    this.closed.push({ deviceId: incident.deviceId, downSince: incident.downSince, upAt: incident.upAt });
  }
  recordOpened = (incident: IncidentRecord) => this.store.recordOpened(incident);
  deviceIncidents = (deviceId: string, page: { limit: number; cursor?: string }) => this.store.deviceIncidents(deviceId, page);
  fleetIncidents: IncidentStore['fleetIncidents'] = (query) => this.store.fleetIncidents(query);
  incidentsSince = (deviceId: string, since: number) => this.store.incidentsSince(deviceId, since);
  recordPaused = (deviceId: string, at: number, expires: number) => this.store.recordPaused(deviceId, at, expires);
  recordResumed = (deviceId: string, at: number, expires: number) => this.store.recordResumed(deviceId, at, expires);
  pausesSince = (deviceId: string, since: number) => this.store.pausesSince(deviceId, since);
}

describe('a history close that failed is written by a later sweep', () => {
  const tables = useDeviceAndHistoryTables();

  function setup() {
    const clock = new FakeClock(T0);
    const publisher = new RecordingPublisher();
    const incidents = new FlakyCloses(tables.history.store());
    const history = new OutageHistory({ store: incidents, historyDays: 90 });
    const store = tables.devices.store();
    const recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    const sweeper = new Sweeper({ store, publisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 });
    const incidentsOf = async (deviceId: string) => (await history.deviceIncidents(deviceId, { limit: 10 })).incidents;
    const closesOf = (deviceId: string) => incidents.closed.filter((c) => c.deviceId === deviceId);
    return { clock, publisher, incidents, store, recorder, sweeper, incidentsOf, closesOf };
  }

  it('keeps the failed close on the record, and the next sweep closes the incident once at the recovery beat', async () => {
    // Prepare: a timeout outage, announced and recorded; then the device recovers
    const { clock, publisher, incidents, store, recorder, sweeper, incidentsOf, closesOf } = setup();
    await recorder.record('hc-1', { interval: 30, grace: 0 });
    clock.advance(31_000);
    await sweeper.sweep();
    clock.advance(10_000);
    const recoveredAt = clock.now();
    await recorder.record('hc-1', {});
    clock.advance(1_000);
    incidents.failCloses = 1;

    // Act 1: the device.up goes out, its history close fails
    await sweeper.sweep();
    const openAfterFailure = await incidentsOf('hc-1');
    const owed = (await store.getDevice('hc-1'))?.closesOwed;

    // Act 2 and 3: the next sweep repairs, the one after has nothing left to do
    clock.advance(1_000);
    await sweeper.sweep();
    const closesAfterRepair = closesOf('hc-1').length;
    clock.advance(1_000);
    await sweeper.sweep();

    // Assess
    expect(publisher.ofType('device.up', 'hc-1')).toHaveLength(1);
    expect(openAfterFailure).toMatchObject([{ downSince: T0 + 30_000, upAt: null }]);
    expect(owed).toEqual([{ downSince: T0 + 30_000, upAt: recoveredAt, reason: 'timeout' }]);
    expect(closesAfterRepair).toBe(1);
    expect(closesOf('hc-1')).toEqual([{ deviceId: 'hc-1', downSince: T0 + 30_000, upAt: recoveredAt }]);
    expect(await incidentsOf('hc-1')).toEqual([{ deviceId: 'hc-1', group: null, reason: 'timeout', downSince: T0 + 30_000, upAt: recoveredAt, message: null }]);
    expect((await store.getDevice('hc-1'))?.closesOwed).toEqual([]);
  });

  it('keeps every close owed across outages while the history fails, and closes each at its own recovery', async () => {
    // Prepare: two outages of one device; the history fails every close and every retry until the last sweep
    const { clock, incidents, store, recorder, sweeper, incidentsOf } = setup();
    await recorder.record('hc-2', { interval: 30, grace: 0 });
    // Close 1; retry of 1 (outage 2's down sweep); retry of 1 and close 2 (outage 2's up sweep).
    incidents.failCloses = 4;
    const recoveries: number[] = [];
    const starts: number[] = [];
    let lastBeat = clock.now();
    for (let outage = 0; outage < 2; outage++) {
      starts.push(lastBeat + 30_000);
      clock.advance(31_000);
      await sweeper.sweep(); // down, opened
      clock.advance(10_000);
      lastBeat = clock.now();
      recoveries.push(lastBeat);
      await recorder.record('hc-2', {});
      clock.advance(1_000);
      await sweeper.sweep(); // up, close fails
    }
    const owed = (await store.getDevice('hc-2'))?.closesOwed;

    // Act
    clock.advance(1_000);
    await sweeper.sweep();

    // Assess
    expect(incidents.failCloses).toBe(0);
    expect(owed).toEqual([
      { downSince: starts[0], upAt: recoveries[0], reason: 'timeout' },
      { downSince: starts[1], upAt: recoveries[1], reason: 'timeout' },
    ]);
    expect((await incidentsOf('hc-2')).map((i) => [i.downSince, i.upAt])).toEqual([
      [starts[1], recoveries[1]],
      [starts[0], recoveries[0]],
    ]);
    expect((await store.getDevice('hc-2'))?.closesOwed).toEqual([]);
  });
});
