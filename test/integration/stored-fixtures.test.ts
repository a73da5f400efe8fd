/**
 * Upgrade day for the data: every fixture of device items that an earlier release wrote
 * (test/fixtures/devices-v*.json) is loaded into DynamoDB Local, and the current code must list,
 * sweep, alert and beat those devices exactly as that release would have. A release that changes
 * the stored format adds a fixture; none is ever removed or regenerated (see test/fixtures/README.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { ITEM_FORMAT_VERSION } from '../../lambdas/adapters/dynamodb/device-item';
import type { Alert } from '../../lambdas/core/alerts';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { FleetManager } from '../../lambdas/core/management';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import type { DeviceFixture, ExpectedAlert } from '../fixtures/device-fixture';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';

const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixtureFiles = readdirSync(FIXTURES_DIR)
  .filter((name) => /^devices-v\d+\.json$/.test(name))
  .sort();

/** The fields of an alert that a fixture pins, in a stable order for comparison. */
function pinned(alerts: readonly Alert[], like: readonly ExpectedAlert[]): ExpectedAlert[] {
  // The keys the fixture pins for each alert type (a later release may add keys to an alert).
  const keysOf = (type: string) => new Set(like.filter((a) => a.type === type).flatMap((a) => Object.keys(a)));
  return alerts
    .map((alert) => {
      const all = alert as unknown as Record<string, unknown>;
      const keys = keysOf(alert.type);
      return Object.fromEntries(Object.entries(all).filter(([key]) => keys.has(key) || key === 'type' || key === 'deviceId' || key === 'incidentId')) as unknown as ExpectedAlert;
    })
    .sort(byDevice);
}
const byDevice = (a: ExpectedAlert, b: ExpectedAlert) => `${a.deviceId} ${a.type}`.localeCompare(`${b.deviceId} ${b.type}`);

describe('fixtures of stored device items', () => {
  it('has a fixture for every item format up to the current one', () => {
    // Prepare
    const expected = Array.from({ length: ITEM_FORMAT_VERSION }, (_, i) => `devices-v${i + 1}.json`);
    // Act
    const found = fixtureFiles;
    // Assess
    expect(found, `a new item format needs its fixture: npx tsx test/fixtures/capture-device-items.ts test/fixtures/devices-v${ITEM_FORMAT_VERSION}.json`).toEqual(expected);
  });
});

describe.each(fixtureFiles)('devices written in %s, read by this release', (file) => {
  const fixture = JSON.parse(readFileSync(`${FIXTURES_DIR}${file}`, 'utf8')) as DeviceFixture;
  let table: TestTable | undefined;
  afterEach(async () => {
    await table?.drop();
    table = undefined;
  });

  async function load() {
    table = await createTestTable();
    for (const item of fixture.items) await table.client.send(new PutItemCommand({ TableName: table.tableName, Item: item }));
    const clock = new FakeClock(Date.parse(fixture.capturedAt));
    const store = table.store();
    const publisher = new RecordingPublisher();
    return {
      clock,
      store,
      publisher,
      manager: new FleetManager({ store, clock, settings: DEFAULT_SETTINGS, history: null, maintenance: NO_MAINTENANCE_WINDOWS }),
      recorder: new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger }),
      sweeper: new Sweeper({ store, publisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 2, writeConcurrency: 4 }),
    };
  }

  it('covers every state: new, up, late, down announced and not, failed, paused, leased, recovering', () => {
    // Prepare
    const statuses = fixture.expect.list.map((d) => d.status);
    // Act
    const leased = fixture.items.filter((item) => item.lk !== undefined);
    // Assess
    expect(new Set(statuses)).toEqual(new Set(['new', 'up', 'down', 'paused']));
    expect(leased.length).toBeGreaterThan(0);
    expect(fixture.expect.sweeps.flatMap((s) => s.alerts).map((a) => a.type)).toEqual(expect.arrayContaining(['device.down', 'device.up']));
  });

  it('lists every device as it was', async () => {
    // Prepare
    const { manager } = await load();
    // Act
    const { devices, cursor } = await manager.list({ limit: 1000 });
    const health = await manager.health();
    // Assess
    expect(cursor).toBeNull();
    const byId = new Map(devices.map((d) => [d.deviceId, d]));
    expect([...byId.keys()].sort()).toEqual(fixture.expect.list.map((d) => d.deviceId).sort());
    for (const expected of fixture.expect.list) expect(byId.get(expected.deviceId as string), String(expected.deviceId)).toMatchObject(expected);
    expect(health.lastSweepAt).not.toBeNull();
  });

  it('sweeps and alerts them as they were: the owed alerts once, the announced ones never again', async () => {
    // Prepare
    const { clock, sweeper, publisher } = await load();
    // Act + Assess, sweep by sweep
    for (const sweep of fixture.expect.sweeps) {
      clock.set(Date.parse(sweep.at));
      const before = publisher.alerts.length;
      await sweeper.sweep();
      expect(pinned(publisher.alerts.slice(before), sweep.alerts), `sweep at ${sweep.at}`).toEqual([...sweep.alerts].sort(byDevice));
    }
  });

  it('takes their next beats with their stored timing, then announces each recovery once', async () => {
    // Prepare: the sweeps first, as the service would have run them.
    const { clock, sweeper, publisher, recorder, store } = await load();
    for (const sweep of fixture.expect.sweeps) {
      clock.set(Date.parse(sweep.at));
      await sweeper.sweep();
    }
    // Act
    clock.set(Date.parse(fixture.expect.beatsAt));
    const beats = [];
    for (const expected of fixture.expect.beats) beats.push(await recorder.record(expected.deviceId, {}));
    clock.set(Date.parse(fixture.expect.sweepAfterBeats.at));
    const before = publisher.alerts.length;
    const report = await sweeper.sweep();
    // Assess
    expect(beats.map((b) => ({ deviceId: b.deviceId, status: b.status, deadline: new Date(b.deadline).toISOString() }))).toEqual(fixture.expect.beats);
    expect(pinned(publisher.alerts.slice(before), fixture.expect.sweepAfterBeats.alerts)).toEqual([...fixture.expect.sweepAfterBeats.alerts].sort(byDevice));
    expect(report.counts).toEqual(fixture.expect.countsAfter);
    expect((await store.readSummary())?.counts).toEqual(fixture.expect.countsAfter);
  });
});
