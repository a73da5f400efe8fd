/**
 * The instant-alert filters and consumer against DynamoDB Local's real stream: the table's own
 * records (beats, the sweep's writes) are read with GetRecords, so the filters are tested on the
 * images DynamoDB really writes. Ordinary beats and the sweep's own writes match nothing; the beat
 * that opens an outage and the beat that recovers match, and the consumer announces them through
 * the same outbox as the sweep, which then has nothing left to send.
 */
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceStreamRecord } from '../../lambdas/adapters/dynamodb/stream-records';
import { matchesStreamFilters } from '../../lambdas/adapters/dynamodb/stream-filters';
import { AlertOutbox } from '../../lambdas/core/alert-outbox';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import { createInstantAlertJob } from '../../lambdas/handlers/instant-alerts-job';
import { ensureDeviceTable } from '../../lambdas/local/device-table';
import { localClientConfig } from '../../lambdas/local/dynamodb-local';
import { inject } from 'vitest';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

describe('instant alerts on the table stream', () => {
  let table: TestTable;
  let streams: DynamoDBStreamsClient;
  let iterator: string | undefined;
  let streamArn: string | undefined;
  const seen = new Set<string>();
  const clock = new FakeClock(T0);
  const publisher = new RecordingPublisher();

  beforeAll(async () => {
    table = await createTestTable({ stream: true });
    streamArn = (await ensureDeviceTable(table.client, table.tableName)).streamArn;
    streams = new DynamoDBStreamsClient(localClientConfig(inject('dynamoDbEndpoint')));
    iterator = await oldestIterator();
  });
  afterAll(async () => {
    streams.destroy();
    await table.drop();
  });

  async function oldestIterator(): Promise<string | undefined> {
    const shard = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards?.[0]?.ShardId;
    return (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  }

  /** Every stream record written since the last call. */
  async function newRecords(): Promise<DeviceStreamRecord[]> {
    const out: DeviceStreamRecord[] = [];
    let restarts = 0;
    for (let i = 0; i < 5 && iterator; i++) {
      let answer: Awaited<ReturnType<typeof getRecords>>;
      try {
        answer = await getRecords(iterator);
      } catch (error) {
        // DynamoDB Local sometimes refuses a held iterator as trimmed while other test files create and
        // drop tables; the records are still there: read again from the oldest, skipping those seen.
        if ((error as { name?: string }).name !== 'TrimmedDataAccessException' || ++restarts > 3) throw error;
        iterator = await oldestIterator();
        i--;
        continue;
      }
      for (const record of (answer.Records ?? []) as DeviceStreamRecord[]) {
        const sequence = (record.dynamodb as { SequenceNumber?: string } | undefined)?.SequenceNumber ?? '';
        if (seen.has(sequence)) continue;
        seen.add(sequence);
        out.push(record);
      }
      iterator = answer.NextShardIterator;
      if ((answer.Records ?? []).length === 0) break;
    }
    return out;
  }
  const getRecords = (shardIterator: string) => streams.send(new GetRecordsCommand({ ShardIterator: shardIterator, Limit: 1000 }));
  const matched = (records: readonly DeviceStreamRecord[]) =>
    records.filter((r) => matchesStreamFilters(r)).map((r) => `${r.eventName} ${String((r.dynamodb?.NewImage as { pk?: { S?: string } })?.pk?.S)}`);

  it('matches the opening fail beat and the recovering beat, and no ordinary beat or sweep write', async () => {
    // Prepare
    const store = table.store();
    const recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    const sweeper = new Sweeper({ store, publisher: new RecordingPublisher(), clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 });
    await newRecords();

    // Act: ordinary beats; a first beat that fails; more fails; a recovery
    await recorder.record('plain', {});
    await recorder.record('plain', {});
    const ordinary = await newRecords();
    await recorder.record('first-fail', { status: 'fail' });
    const opened = await newRecords();
    await recorder.record('first-fail', { status: 'fail' });
    const moreFails = await newRecords();
    // The outbox records the outage of the reached run (here the sweep; in service the consumer)
    await sweeper.sweep();
    const recordsOutage = await newRecords();
    // A device that goes silent: the sweep turns it down (timeout), publishes and settles
    await recorder.record('silent', {});
    clock.advance(5 * 60_000);
    await recorder.record('plain', {});
    await recorder.record('first-fail', {});
    const recovered = await newRecords();
    await sweeper.sweep();
    const sweepWrites = await newRecords();
    await recorder.record('silent', {});
    const timeoutRecovered = await newRecords();
    await recorder.record('plain', { status: 'fail' });
    const failOnUpDevice = await newRecords();

    // Assess
    expect(ordinary).toHaveLength(2);
    expect(matched(ordinary)).toEqual([]);
    expect(matched(opened)).toEqual(['INSERT first-fail']);
    expect(moreFails).toHaveLength(1);
    expect(matched(moreFails)).toEqual([]);
    expect(matched(recordsOutage)).toEqual([]);
    expect(matched(recovered)).toEqual(['MODIFY first-fail']);
    expect(sweepWrites.length).toBeGreaterThan(1);
    expect(matched(sweepWrites)).toEqual([]);
    expect(matched(timeoutRecovered)).toEqual(['MODIFY silent']);
    expect(matched(failOnUpDevice)).toEqual(['MODIFY plain']);
  });

  it('announces through the outbox: a fail becomes one device.down, and the sweep then owes nothing', async () => {
    // Prepare
    const store = table.store();
    const recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    const job = createInstantAlertJob({ outbox: new AlertOutbox({ store, publisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { writeConcurrency: 4 }), clock, logger: silentLogger });
    const sweepPublisher = new RecordingPublisher();
    const sweeper = new Sweeper({ store, publisher: sweepPublisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 });
    await recorder.record('pump-7', {});
    await newRecords();

    // Act
    await recorder.record('pump-7', { status: 'fail', message: 'stalled' });
    const report = await job(await newRecords(), 30_000);
    await sweeper.sweep();

    // Assess
    expect(report).toMatchObject({ devices: 1, alertsPublished: 1, publishFailures: 0, writeFailures: 0 });
    expect(publisher.ofType('device.down')).toEqual([expect.objectContaining({ deviceId: 'pump-7', reason: 'fail', message: 'stalled' })]);
    expect(sweepPublisher.alerts.filter((a) => a.type !== 'fleet.down' && a.deviceId === 'pump-7')).toEqual([]);
    expect(await store.getDevice('pump-7')).toMatchObject({ state: 'down', downAlerted: true, lease: null });
  });

  it('leaves an alert it could not publish to the sweep, which sends it with the same incident id', async () => {
    // Prepare
    const store = table.store();
    const recorder = new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger });
    const failing = new RecordingPublisher();
    failing.failNext(1);
    const job = createInstantAlertJob({ outbox: new AlertOutbox({ store, publisher: failing, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { writeConcurrency: 4 }), clock, logger: silentLogger });
    const sweepPublisher = new RecordingPublisher();
    const sweeper = new Sweeper({ store, publisher: sweepPublisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 });
    await newRecords();

    // Act
    await recorder.record('valve-3', { status: 'fail' });
    const report = await job(await newRecords(), 30_000);
    clock.advance(31_000); // the consumer's lease has run out
    await sweeper.sweep();

    // Assess
    expect(report).toMatchObject({ devices: 1, alertsPublished: 0, publishFailures: 1 });
    expect(failing.alerts).toEqual([]);
    expect(sweepPublisher.ofType('device.down').filter((a) => a.deviceId === 'valve-3')).toHaveLength(1);
  });
});
