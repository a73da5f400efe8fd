/**
 * A `fail` beat that lands while a sweep holds the device's lease (after the claim, before the
 * settle), against DynamoDB Local on a fake clock. The settle closes the announced outage and finds
 * the next one open; no stream filter matches a settle, so the sweeper that holds the device
 * announces the new outage itself, in the same sweep: its `device.down` with its own incidentId,
 * recorded in the history, and not announced again by the next sweep.
 */
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../lambdas/core/alerts';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { OutageHistory } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import { useDeviceAndHistoryTables } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const DEVICE = 'reopen-1';

/** Runs `hook` once, just before the first publish that carries this test device's device.up. */
class BeatDuringUp extends RecordingPublisher {
  hook: (() => Promise<void>) | null = null;
  override async publish(alerts: readonly Alert[]) {
    const hook = this.hook;
    if (hook && alerts.some((a) => a.type === 'device.up' && a.deviceId === DEVICE)) {
      this.hook = null;
      await hook();
    }
    return super.publish(alerts);
  }
}

describe('a fail beat that lands while the sweep holds the device', () => {
  const tables = useDeviceAndHistoryTables();

  it('is announced by the same sweep that settles the recovery, with its own incidentId', async () => {
    // Prepare: a timeout outage, announced; an ok beat; the fail beat lands after the sweep claims the device.
    const clock = new FakeClock(T0);
    const publisher = new BeatDuringUp();
    const store = tables.devices.store();
    const history = new OutageHistory({ store: tables.history.store(), historyDays: 90 });
    const recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    const sweeper = new Sweeper({ store, publisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 });
    await recorder.record(DEVICE, { interval: 30, grace: 0 });
    clock.advance(31_000);
    await sweeper.sweep();
    clock.advance(10_000);
    const recoveredAt = clock.now();
    await recorder.record(DEVICE, {});
    clock.advance(1_000);
    const failedAt = clock.now() + 500;
    publisher.hook = async () => {
      clock.set(failedAt);
      await recorder.record(DEVICE, { status: 'fail', message: 'sensor fault' });
    };
    const before = publisher.alerts.length;

    // Act: the sweep that publishes the device.up and settles it
    const report = await sweeper.sweep();
    const inThatSweep = publisher.alerts.slice(before).filter((a) => a.type !== 'fleet.down' && a.deviceId === DEVICE);
    const record = await store.getDevice(DEVICE);
    clock.advance(1_000);
    await sweeper.sweep();
    const afterNext = publisher.alerts.filter((a) => a.type !== 'fleet.down' && a.deviceId === DEVICE).length;

    // Assess
    expect(inThatSweep.map((a) => a.type)).toEqual(['device.up', 'device.down']);
    expect(inThatSweep[0]).toMatchObject({ incidentId: `${DEVICE}:${new Date(T0 + 30_000).toISOString()}` });
    expect(inThatSweep[1]).toMatchObject({ reason: 'fail', message: 'sensor fault', incidentId: `${DEVICE}:${new Date(failedAt).toISOString()}` });
    expect(report.alertsPublished).toBeGreaterThanOrEqual(2);
    expect(record).toMatchObject({ state: 'down', downSince: failedAt, downReason: 'fail', downAlerted: true, lease: null });
    expect(afterNext).toBe(3); // down (timeout), up, down (fail): nothing announced twice
    const incidents = (await history.deviceIncidents(DEVICE, { limit: 10 })).incidents;
    expect(incidents.map((i) => [i.reason, i.downSince, i.upAt])).toEqual([
      ['fail', failedAt, null],
      ['timeout', T0 + 30_000, recoveredAt],
    ]);
  });
});
