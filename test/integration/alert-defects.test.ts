/**
 * The defects of issue 9, each as the timeline that showed it, against DynamoDB Local. Every test
 * here is named after its defect and failed on the code before the fix.
 */
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
import { createTestTable, type TestTable } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { answerPublishBatch } from '../support/sns-limits';

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
  const manager = new FleetManager({ store, clock, settings });
  const sweeper = (options: { segments?: number; publisher?: AlertPublisher; writeConcurrency?: number } = {}) =>
    new Sweeper(
      { store, publisher: options.publisher ?? publisher, clock, settings, logger: silentLogger },
      { segments: options.segments ?? 1, writeConcurrency: options.writeConcurrency ?? 8 },
    );
  return { clock, store, publisher, recorder, manager, sweeper, settings };
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
    });
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
        const sweeper = new Sweeper({ store, publisher, clock, settings, logger: silentLogger }, { segments: 1, writeConcurrency: 4, marginMs: 30_000 });

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

  describe('also fixed', () => {
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
