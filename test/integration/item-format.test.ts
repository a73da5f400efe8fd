/**
 * Proves the stored item format version against DynamoDB Local: every write path stamps device
 * items with this release's format in the same write, items without a version read as format 1,
 * and an item of a newer format fails loudly (naming the device and the version) on every read
 * path instead of being misread, without being relabelled by a write of this release.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM_FORMAT_VERSION, recordFromItem, UnknownItemFormatError } from '../../lambdas/adapters/dynamodb/device-item';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { FleetManager } from '../../lambdas/core/management';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { Sweeper } from '../../lambdas/core/sweep';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { FakeClock, RecordingPublisher } from '../support/fakes';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';

type Item = Record<string, AttributeValue>;

describe('recordFromItem and the format version', () => {
  const item = (extra: Item): Item => ({ pk: { S: 'sensor-7' }, st: { S: 'up' }, iv: { N: '60000' }, ls: { N: '1000' }, dl: { N: '121000' }, bc: { N: '3' }, ...extra });

  it('reads an item without a version (written by 0.1.0) and one of format 1 the same way', () => {
    // Prepare
    const legacy = item({});
    const stamped = item({ fv: { N: '1' } });
    // Act
    const records = [recordFromItem(legacy), recordFromItem(stamped)];
    // Assess
    expect(records[0]).toEqual(records[1]);
    expect(records[0]).toMatchObject({ deviceId: 'sensor-7', state: 'up', beats: 3, deadline: 121_000 });
  });

  it('refuses an item of a newer format with an error naming the device and the version', () => {
    // Prepare
    const newer = item({ fv: { N: String(ITEM_FORMAT_VERSION + 1) } });
    // Act
    const read = () => recordFromItem(newer);
    // Assess
    expect(read).toThrow(UnknownItemFormatError);
    expect(read).toThrow(`Device "sensor-7" is stored in item format ${ITEM_FORMAT_VERSION + 1}, but this release reads formats 1 to ${ITEM_FORMAT_VERSION}`);
  });

  it('refuses a version that is no format at all', () => {
    // Prepare
    const broken = [item({ fv: { N: '0' } }), item({ fv: { N: '1.5' } })];
    // Act
    const reads = broken.map((i) => () => recordFromItem(i));
    // Assess
    for (const read of reads) expect(read).toThrow(UnknownItemFormatError);
  });
});

describe('the DynamoDB store and the format version', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  const raw = async (deviceId: string): Promise<Item | undefined> =>
    (await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: deviceId } }, ConsistentRead: true }))).Item;

  function services() {
    const clock = new FakeClock();
    const store = table.store();
    const publisher = new RecordingPublisher();
    return {
      clock,
      store,
      publisher,
      recorder: new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger }),
      manager: new FleetManager({ store, clock, settings: DEFAULT_SETTINGS, history: null, maintenance: NO_MAINTENANCE_WINDOWS }),
      sweeper: new Sweeper({ store, publisher, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 }),
    };
  }

  it('stamps the current format on items created by a beat and by an operator, and keeps 1 WCU per beat', async () => {
    // Prepare
    const { recorder, manager } = services();
    const units: number[] = [];
    const metered = new HeartbeatRecorder({
      store: table.store({ onCapacity: (op, u) => op === 'recordBeat' && units.push(u.write) }),
      clock: new FakeClock(),
      settings: DEFAULT_SETTINGS,
      logger: silentLogger,
    });
    // Act
    await recorder.record('fmt-beat', {});
    await manager.configure('fmt-new', { group: 'plant-a' });
    await metered.record('fmt-metered', {});
    // Assess
    expect((await raw('fmt-beat'))?.fv).toEqual({ N: String(ITEM_FORMAT_VERSION) });
    expect((await raw('fmt-new'))?.fv).toEqual({ N: String(ITEM_FORMAT_VERSION) });
    expect(units).toEqual([1]);
  });

  it('stamps items of 0.1.0 (no version) on their next write by the sweep, its settling, and an operator', async () => {
    // Prepare: a legacy item, silent past its deadline, written without a version.
    const { clock, sweeper, manager, publisher } = services();
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { pk: { S: 'fmt-legacy' }, st: { S: 'up' }, iv: { N: '60000' }, sp: { N: '120000' }, ls: { N: String(clock.now() - 600_000) }, dl: { N: String(clock.now() - 480_000) }, bc: { N: '5' } },
      }),
    );
    // Act
    await sweeper.sweep();
    const afterSweep = await raw('fmt-legacy');
    await manager.configure('fmt-legacy', { paused: true });
    // Assess
    expect(publisher.alerts.filter((a) => 'deviceId' in a && a.deviceId === 'fmt-legacy').map((a) => a.type)).toEqual(['device.down']);
    expect(afterSweep).toMatchObject({ st: { S: 'down' }, fv: { N: String(ITEM_FORMAT_VERSION) } });
    expect((await raw('fmt-legacy'))?.fv).toEqual({ N: String(ITEM_FORMAT_VERSION) });
  });

  it('fails loudly on every read path for an item of a newer format, and a beat does not relabel it', async () => {
    // Prepare: an item as a future release (format 2) might leave it.
    const errors: { message: string; error?: unknown }[] = [];
    const logger = { ...silentLogger, error: (message: string, fields?: Record<string, unknown>) => errors.push({ message, error: fields?.error }) };
    const { recorder, manager, store, publisher, clock } = services();
    const sweeper = new Sweeper({ store, publisher, clock, settings: DEFAULT_SETTINGS, logger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS }, { segments: 1, writeConcurrency: 4 });
    clock.advance(3_600_000); // later than the sweeps of the tests above
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { pk: { S: 'fmt-future' }, st: { S: 'up' }, iv: { N: '60000' }, ls: { N: '1000' }, dl: { N: '121000' }, bc: { N: '1' }, fv: { N: String(ITEM_FORMAT_VERSION + 1) }, nx: { S: 'new meaning' } },
      }),
    );
    const loud = new RegExp(`Device "fmt-future" is stored in item format ${ITEM_FORMAT_VERSION + 1}`);
    // Act + Assess: each read names the device and the version.
    await expect(manager.get('fmt-future')).rejects.toThrow(loud);
    await expect(manager.list({ limit: 1000 })).rejects.toThrow(loud);
    const report = await sweeper.sweep();
    expect(report.scanFailures).toBe(1);
    expect(errors.map((e) => e.error).join('\n')).toMatch(loud);
    expect((await store.readSummary())?.lastSweepAt ?? 0, 'a sweep that could not read the table writes no summary').toBeLessThan(report.startedAt);
    await expect(store.getDevice('fmt-future')).rejects.toBeInstanceOf(UnknownItemFormatError);
    await expect(recorder.record('fmt-future', {})).rejects.toThrow(loud);
    expect((await raw('fmt-future'))?.fv).toEqual({ N: String(ITEM_FORMAT_VERSION + 1) });
    // Cleanup: left in the shared table, this item would fail every later sweep of the other tests.
    await table.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: { pk: { S: 'fmt-future' } } }));
  });
});
