/**
 * The defects of issue 9, each as the timeline that showed it, against DynamoDB Local. Every test
 * here is named after its defect and failed on the code before the fix.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbDeviceStore } from '../../lambdas/adapters/dynamodb/device-store';
import { SnsAlertPublisher } from '../../lambdas/adapters/sns-alert-publisher';
import type { Alert } from '../../lambdas/core/alerts';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { FleetManager } from '../../lambdas/core/management';
import { DEFAULT_SETTINGS, type AlertLease, type DeviceRecord, type MonitorSettings } from '../../lambdas/core/model';
import { silentLogger, type AlertPublisher, type DeviceStore } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import { createManagementApi, trustIamAuthorizer } from '../../lambdas/handlers/management-api';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { httpEvent } from '../support/events';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { answerPublishBatch } from '../support/sns-limits';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';
import { MaintenancePlanner } from '../../lambdas/core/maintenance';
import { DynamoDbMaintenanceStore } from '../../lambdas/adapters/dynamodb/maintenance-store';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

/** A RecordingPublisher that runs `before` ahead of each publish: a beat or a sweep landing mid-sweep. */
class InterleavingPublisher extends RecordingPublisher {
  before: ((alerts: readonly Alert[]) => Promise<void>) | null = null;
  override async publish(alerts: readonly Alert[]) {
    const hook = this.before;
    this.before = null; // once
    if (hook) await hook(alerts);
    return super.publish(alerts);
  }
}

function setup(table: TestTable, overrides: Partial<MonitorSettings> = {}, store: DeviceStore = table.store()) {
  const clock = new FakeClock(T0);
  const settings = { ...DEFAULT_SETTINGS, ...overrides };
  const publisher = new InterleavingPublisher();
  const recorder = new HeartbeatRecorder({ store, clock, settings, logger: silentLogger });
  const manager = new FleetManager({ store, clock, settings, history: null, maintenance: NO_MAINTENANCE_WINDOWS });
  const sweeper = (options: { segments?: number; publisher?: AlertPublisher; writeConcurrency?: number } = {}) =>
    new Sweeper(
      { store, publisher: options.publisher ?? publisher, clock, settings, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS },
      { segments: options.segments ?? 1, writeConcurrency: options.writeConcurrency ?? 8 },
    );
  return { clock, store, publisher, recorder, manager, sweeper, settings };
}

/** The stored item as DynamoDB holds it (to see attributes the record type does not show, like the TTL). */
async function rawItem(table: TestTable, deviceId: string) {
  const result = await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: deviceId } }, ConsistentRead: true }));
  return result.Item ?? null;
}

const mine = (alerts: readonly Alert[], deviceId: string) => alerts.filter((a) => a.type !== 'fleet.down' && a.deviceId === deviceId);

describe('issue 9 defects', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  describe('defect 1', () => {
    it('a fail beat that lands while a sweep holds the device is not lost: it opens its own outage', async () => {
      // Prepare: a timeout outage D, announced; then the device recovers.
      const { clock, publisher, recorder, sweeper } = setup(table);
      await recorder.record('d1-fail-mid-sweep', { interval: 5, grace: 0 });
      clock.advance(6_000);
      await sweeper().sweep();
      clock.advance(4_000);
      await recorder.record('d1-fail-mid-sweep', {});
      // ...and a fail beat lands after the sweep claimed the device, before it settles.
      publisher.before = async () => {
        clock.advance(1_000);
        await recorder.record('d1-fail-mid-sweep', { status: 'fail', message: 'sensor fault' });
      };

      // Act
      await sweeper().sweep();
      clock.advance(1_000);
      await sweeper().sweep();
      await sweeper().sweep();

      // Assess: down(D), up(D), then a new outage with its own incidentId, reason fail.
      const alerts = mine(publisher.alerts, 'd1-fail-mid-sweep');
      expect(alerts.map((a) => a.type)).toEqual(['device.down', 'device.up', 'device.down']);
      const [downD, upD, downNew] = alerts;
      expect(upD).toMatchObject({ incidentId: downD?.type === 'device.down' ? downD.incidentId : '' });
      expect(downNew).toMatchObject({ reason: 'fail', message: 'sensor fault', incidentId: `d1-fail-mid-sweep:${new Date(T0 + 11_000).toISOString()}` });
    });
  });

  describe('defect 2', () => {
    it('a storm larger than one SNS request is delivered, in requests SNS accepts', async () => {
      // Prepare: 1,000 devices with 128-character ids in one group go silent; SNS enforces its real limits.
      const t = await createTestTable();
      const sns = mockClient(SNSClient);
      try {
        sns.on(PublishBatchCommand).callsFake(answerPublishBatch);
        const { clock, recorder, sweeper } = setup(t, { stormThreshold: 25 });
        const ids = Array.from({ length: 1000 }, (_, i) => `${'s'.repeat(120)}-${String(i).padStart(7, '0')}`);
        for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => recorder.record(id, { interval: 5, grace: 0 })));
        clock.advance(6_000);
        const publisher = new SnsAlertPublisher({ client: new SNSClient({ region: 'eu-west-1' }), topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts', render: { serviceUrl: 'https://hb.example.com' } });

        // Act
        const first = await sweeper({ publisher, writeConcurrency: 32 }).sweep();
        const second = await sweeper({ publisher }).sweep();

        // Assess: every device announced once, in fleet.down messages, and nothing left over.
        expect(first.publishFailures).toBe(0);
        const sent = sns.commandCalls(PublishBatchCommand).flatMap((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
        const alertOf = (message: string | undefined) => JSON.parse((JSON.parse(message ?? '{}') as { default: string }).default) as Alert;
        const announced = sent.map((e) => alertOf(e.Message)).flatMap((a) => (a.type === 'fleet.down' ? a.deviceIds : [a.deviceId]));
        expect(announced.sort()).toEqual([...ids].sort());
        expect(second.alertsPublished).toBe(0);
      } finally {
        sns.restore();
        await t.drop();
      }
    }, 240_000); // 1,000 beats and 2,000 conditional writes through DynamoDB Local: 16 s at a load of 20, over 60 s at 30
  });

  describe('defect 5', () => {
    /** A store whose writes fail for some devices, and whose scan of one segment breaks after a page. */
    class FaultyStore extends DynamoDbDeviceStore {
      readonly failingWrites = new Set<string>();
      brokenSegment: number | null = null;
      override async markDown(deviceId: string, now: number, lease: AlertLease) {
        if (this.failingWrites.has(deviceId)) throw new Error('ProvisionedThroughputExceededException: rate of requests exceeds the allowed throughput');
        return super.markDown(deviceId, now, lease);
      }
      override async *scanSegment(segment: number, total: number): AsyncIterable<readonly DeviceRecord[]> {
        let pages = 0;
        for await (const page of super.scanSegment(segment, total)) {
          if (segment === this.brokenSegment && pages++ > 0) throw new Error('InternalServerError: scan failed');
          yield page;
        }
      }
    }

    it('one failed write does not stop a sweep from publishing: the device is skipped, logged and counted', async () => {
      // Prepare: three lapsed devices; the write that turns one of them down is throttled.
      const t = await createTestTable();
      try {
        const store = new FaultyStore({ client: t.client, tableName: t.tableName });
        const { clock, publisher, recorder, sweeper } = setup(t, { stormThreshold: 0 }, store);
        for (const id of ['w-1', 'w-2', 'w-3']) await recorder.record(id, { interval: 5, grace: 0 });
        clock.advance(6_000);
        store.failingWrites.add('w-2');

        // Act
        const report = await sweeper().sweep();
        store.failingWrites.clear();
        const retry = await sweeper().sweep();

        // Assess: the others went out at once; the skipped one at the next sweep.
        expect(publisher.ofType('device.down').slice(0, 2).map((a) => a.deviceId).sort()).toEqual(['w-1', 'w-3']);
        expect(report.writeFailures).toBe(1);
        expect(retry.alertsPublished).toBe(1);
        expect(publisher.ofType('device.down').map((a) => a.deviceId)).toHaveLength(3);
      } finally {
        await t.drop();
      }
    });

    it('a failed scan page does not stop a sweep from publishing what it already found', async () => {
      // Prepare: 12 lapsed devices read 3 per page; the scan breaks after its first page.
      const t = await createTestTable();
      try {
        const store = new FaultyStore({ client: t.client, tableName: t.tableName, scanPageLimit: 3 });
        const { clock, publisher, recorder, sweeper } = setup(t, { stormThreshold: 0 }, store);
        for (let i = 0; i < 12; i++) await recorder.record(`p-${i}`, { interval: 5, grace: 0 });
        clock.advance(6_000);
        store.brokenSegment = 0;

        // Act
        const report = await sweeper().sweep();

        // Assess
        expect(report.scanFailures).toBe(1);
        expect(publisher.ofType('device.down').length).toBeGreaterThanOrEqual(3);
      } finally {
        await t.drop();
      }
    });

    it('a sweep stops starting new work before its time budget runs out, says so, and publishes what it found', async () => {
      // Prepare: 30 lapsed devices read 5 per page, each page taking 10 s; a 60 s budget with a 30 s margin.
      const t = await createTestTable();
      try {
        const clock = new FakeClock(T0);
        class SlowStore extends DynamoDbDeviceStore {
          override async *scanSegment(segment: number, total: number): AsyncIterable<readonly DeviceRecord[]> {
            for await (const page of super.scanSegment(segment, total)) {
              clock.advance(10_000);
              yield page;
            }
          }
        }
        const store = new SlowStore({ client: t.client, tableName: t.tableName, scanPageLimit: 5 });
        const settings = { ...DEFAULT_SETTINGS, stormThreshold: 0 };
        const recorder = new HeartbeatRecorder({ store, clock, settings, logger: silentLogger });
        for (let i = 0; i < 30; i++) await recorder.record(`b-${i}`, { interval: 5, grace: 0 });
        clock.advance(6_000);
        const publisher = new RecordingPublisher();
        const sweeper = new Sweeper({ store, publisher, clock, settings, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4, marginMs: 30_000 });

        // Act
        const report = await sweeper.sweep({ remainingMs: 60_000 });

        // Assess: it stopped after ~3 pages, and what those pages held went out.
        expect(report.stoppedEarly).toBe(true);
        expect(report.alertsPublished).toBeGreaterThan(0);
        expect(report.alertsPublished).toBeLessThan(30);
        expect(publisher.alerts).toHaveLength(report.alertsPublished);
      } finally {
        await t.drop();
      }
    });
  });

  describe('defect 3', () => {
    it('beats sent while paused raise no alerts after resume', async () => {
      // Prepare: a beating device is paused; it reports fail, then ok, while muted.
      const { clock, publisher, recorder, manager, sweeper } = setup(table);
      await recorder.record('d3-paused', { interval: 5, grace: 0 });
      await manager.configure('d3-paused', { paused: true });
      clock.advance(1_000);
      await recorder.record('d3-paused', { status: 'fail', message: 'while muted' });
      clock.advance(1_000);
      await recorder.record('d3-paused', {});
      await sweeper().sweep();

      // Act: resume, and sweep before the new deadline.
      clock.advance(1_000);
      const resumed = await manager.configure('d3-paused', { paused: false });
      await sweeper().sweep();
      clock.advance(4_000);
      await sweeper().sweep();

      // Assess: nothing about the muted episode; the device is simply up again.
      expect(mine(publisher.alerts, 'd3-paused')).toEqual([]);
      expect(resumed.device).toMatchObject({ status: 'up', downSince: null });
    });

    it('a fail beat while paused is not announced after the resume; the next fail is', async () => {
      // Prepare
      const { clock, publisher, recorder, manager, sweeper } = setup(table);
      await recorder.record('d3-fail-paused', { interval: 60 });
      await manager.configure('d3-fail-paused', { paused: true });
      await recorder.record('d3-fail-paused', { status: 'fail' });

      // Act
      clock.advance(1_000);
      await manager.configure('d3-fail-paused', { paused: false });
      await sweeper().sweep();
      clock.advance(1_000);
      await recorder.record('d3-fail-paused', { status: 'fail' });
      await sweeper().sweep();

      // Assess: one down, for the fail after the resume.
      expect(mine(publisher.alerts, 'd3-fail-paused')).toEqual([
        expect.objectContaining({ type: 'device.down', reason: 'fail', incidentId: `d3-fail-paused:${new Date(T0 + 2_000).toISOString()}` }),
      ]);
    });

    it('an outage announced before a pause stays open and its recovery is announced after the resume', async () => {
      // Prepare: down and announced, then paused; it recovers while paused.
      const { clock, publisher, recorder, manager, sweeper } = setup(table);
      await recorder.record('d3-announced', { interval: 5, grace: 0 });
      clock.advance(6_000);
      await sweeper().sweep();
      await manager.configure('d3-announced', { paused: true });
      clock.advance(10_000);
      await recorder.record('d3-announced', {});
      await sweeper().sweep();
      const whilePaused = mine(publisher.alerts, 'd3-announced').length;

      // Act
      await manager.configure('d3-announced', { paused: false });
      await sweeper().sweep();

      // Assess
      expect(whilePaused).toBe(1);
      expect(mine(publisher.alerts, 'd3-announced').map((a) => a.type)).toEqual(['device.down', 'device.up']);
    });
  });

  describe('defect 4', () => {
    it('retention never deletes a device that is down: its TTL is removed while the outage is open, and restored on recovery', async () => {
      // Prepare
      const { clock, recorder, sweeper, settings } = setup(table);
      await recorder.record('d4-down', { interval: 5, grace: 0 });
      await recorder.record('d4-fail', { interval: 5, grace: 0 });
      clock.advance(6_000);

      // Act: one times out, the other reports fail.
      await sweeper().sweep();
      await recorder.record('d4-fail', { status: 'fail' });
      const whileDown = [await rawItem(table, 'd4-down'), await rawItem(table, 'd4-fail')];
      clock.advance(1_000);
      await recorder.record('d4-down', {});

      // Assess
      expect(whileDown.map((item) => item?.ttl)).toEqual([undefined, undefined]);
      expect((await rawItem(table, 'd4-down'))?.ttl?.N).toBe(String(Math.floor(clock.now() / 1000) + settings.retentionDays * 86_400));
    });

    it('retention never deletes a registered device that never beat; its first beat starts the TTL', async () => {
      // Prepare
      const { clock, recorder, manager } = setup(table);

      // Act
      await manager.configure('d4-new', { group: 'plant-a', interval: 300 });
      const registered = await rawItem(table, 'd4-new');
      await manager.configure('d4-new', { grace: 30 });
      const changed = await rawItem(table, 'd4-new');
      clock.advance(1_000);
      await recorder.record('d4-new', {});

      // Assess
      expect(registered?.ttl).toBeUndefined();
      expect(changed?.ttl).toBeUndefined();
      expect((await rawItem(table, 'd4-new'))?.ttl?.N).toBe(String(Math.floor(clock.now() / 1000) + DEFAULT_SETTINGS.retentionDays * 86_400));
    });
  });

  describe('defect 6', () => {
    it('changing the default grace keeps the stored deadline, the 200 answer and GET in agreement', async () => {
      // Prepare: a device beats under the old default (grace follows the interval: 60 + 60 s).
      const clock = new FakeClock(T0);
      const store = table.store();
      const before = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
      await before.record('d6-default', {});
      // ...then the deployment's default grace becomes 10 s.
      const settings = { ...DEFAULT_SETTINGS, defaultGraceSeconds: 10 };
      const after = new HeartbeatRecorder({ store, clock, settings, logger: silentLogger });
      clock.advance(30_000);

      // Act
      const answer = await after.record('d6-default', {});
      const shown = await new FleetManager({ store, clock, settings, history: null, maintenance: NO_MAINTENANCE_WINDOWS }).get('d6-default');

      // Assess
      expect(answer.deadline).toBe(clock.now() + 70_000);
      expect(shown?.deadline).toBe(new Date(answer.deadline).toISOString());
      expect(shown?.grace).toBe(10);
    });
  });

  describe('defect 7', () => {
    it('a filtered device list reads a bounded amount per request and returns a partial page with a cursor', async () => {
      // Prepare: 250 devices, 3 of them down; a list request may evaluate 100 items.
      const t = await createTestTable();
      try {
        let scans = 0;
        const store = t.store({ listReadBudget: 100, onCapacity: (operation) => (operation === 'listDevices' ? scans++ : undefined) });
        const { clock, recorder } = setup(t, {}, store);
        for (let i = 0; i < 250; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => recorder.record(`l-${String(i + j).padStart(3, '0')}`, {})));
        for (const id of ['l-010', 'l-120', 'l-240']) await recorder.record(id, { status: 'fail' });
        const manager = new FleetManager({ store, clock, settings: DEFAULT_SETTINGS, history: null, maintenance: NO_MAINTENANCE_WINDOWS });

        // Act: follow the cursors to the end, counting scan requests per list request.
        const found: string[] = [];
        const perRequest: number[] = [];
        let cursor: string | undefined;
        let requests = 0;
        do {
          scans = 0;
          const page = await manager.list({ status: 'down', limit: 50, ...(cursor ? { cursor } : {}) });
          perRequest.push(scans);
          found.push(...page.devices.map((d) => d.deviceId));
          cursor = page.cursor ?? undefined;
        } while (cursor && ++requests < 20);

        // Assess: each request read at most one bounded scan page; together they found all three.
        expect(Math.max(...perRequest)).toBe(1);
        expect(perRequest.length).toBeGreaterThanOrEqual(3);
        expect(found.sort()).toEqual(['l-010', 'l-120', 'l-240']);
      } finally {
        await t.drop();
      }
    });
  });

  describe('also fixed', () => {
    it('the out-of-order fallback write never recreates a deleted device as an item with no TTL', async () => {
      // Prepare: a newer beat is stored; an older one is in flight; the operator deletes the device
      // between the older beat's refused write and its fallback.
      const t = await createTestTable();
      try {
        const real = t.client;
        let deleteOnRefusal = false;
        const client = {
          send: async (command: Parameters<DynamoDBClient['send']>[0]) => {
            try {
              return await real.send(command);
            } catch (error) {
              if (deleteOnRefusal && error instanceof ConditionalCheckFailedException) {
                deleteOnRefusal = false;
                await real.send(new DeleteItemCommand({ TableName: t.tableName, Key: { pk: { S: 'stale-1' } } }));
              }
              throw error;
            }
          },
        } as unknown as DynamoDBClient;
        const store = new DynamoDbDeviceStore({ client, tableName: t.tableName });
        const clock = new FakeClock(T0 + 5_000);
        await new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger }).record('stale-1', {});
        clock.set(T0 + 4_000);
        deleteOnRefusal = true;

        // Act
        await new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger }).record('stale-1', {});

        // Assess: whatever is stored is a whole device with a TTL, never a bare counter.
        const item = await rawItem(t, 'stale-1');
        expect(item === null || (item.ttl !== undefined && item.dl !== undefined && item.st !== undefined)).toBe(true);
      } finally {
        await t.drop();
      }
    });

    it('empty query values (?status=&cursor=) are taken as absent, as the contract shows them', async () => {
      // Prepare
      const { recorder, store, clock } = setup(table);
      await recorder.record('empty-query-1', {});
      const handler = createManagementApi({ manager: new FleetManager({ store, clock, settings: DEFAULT_SETTINGS, history: null, maintenance: NO_MAINTENANCE_WINDOWS }), maintenance: new MaintenancePlanner({ store: new DynamoDbMaintenanceStore({ client: table.client, tableName: table.tableName }), clock }), authorize: trustIamAuthorizer, logger: silentLogger });

      // Act
      const result = await handler(httpEvent({ method: 'GET', path: '/v1/devices', iam: true, query: { status: '', group: '', limit: '', cursor: '' } }));

      // Assess
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body ?? '{}')).toHaveProperty('devices');
    });

    it('a lease shorter than a sweep causes double publishes: the lease lasts as long as the sweep may run', async () => {
      // Prepare: sweep A publishes slowly (130 s, longer than the old fixed 120 s lease); sweep B runs meanwhile.
      const { clock, publisher, recorder, sweeper } = setup(table);
      await recorder.record('lease-1', { interval: 5, grace: 0 });
      clock.advance(6_000);
      const other = new RecordingPublisher();
      publisher.before = async () => {
        clock.advance(130_000);
        await sweeper({ publisher: other }).sweep({ remainingMs: 300_000 });
      };

      // Act
      await sweeper().sweep({ remainingMs: 300_000 });

      // Assess: B left A's device alone.
      expect(mine(publisher.alerts, 'lease-1')).toHaveLength(1);
      expect(mine(other.alerts, 'lease-1')).toHaveLength(0);
    });

    it('lastSweepAt never moves backwards when sweeps overlap', async () => {
      const t = await createTestTable();
      try {
        // Prepare: the later sweep writes its summary first.
        const store = t.store();
        const counts = { new: 0, up: 1, down: 0, paused: 0 };
        await store.writeSummary({ lastSweepAt: T0 + 60_000, counts });

        // Act: the earlier sweep, slower, finishes last.
        await store.writeSummary({ lastSweepAt: T0, counts: { ...counts, up: 0 } });

        // Assess
        expect(await store.readSummary()).toEqual({ lastSweepAt: T0 + 60_000, counts });
      } finally {
        await t.drop();
      }
    });
  });
});
