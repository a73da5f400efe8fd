/**
 * Alert throughput: L devices fall due at once; one sweep turns each down (a conditional write),
 * publishes one `device.down` each through the local sink (one append to a temp alerts.jsonl), and
 * settles it (a second conditional write). Storm aggregation is off, so every device gets its own
 * alert. Measured with local mode's sweeper settings (the runtime that uses this sink) and the
 * Lambda's, each against its floor: the same two conditional UpdateItems per device at the same
 * concurrency, with no sweep around them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LocalAlertSink } from '../../lambdas/adapters/local-alert-sink';
import { TaskPool } from '../../lambdas/core/concurrency';
import type { BenchContext } from '../support/context';
import { deviceId, seedFleet } from '../support/fleet';
import type { FleetTables } from '../support/fleet-tables';
import { formatMs, progress, withTicks } from '../support/progress';
import { runSweep, SWEEPER_CONFIGS } from '../support/sweeping';
import { median, round } from '../support/stats';

const log = progress('alerts');

type ConfigName = keyof typeof SWEEPER_CONFIGS;

export interface AlertsConfigResult {
  readonly segments: number;
  readonly writeConcurrency: number;
  readonly alertsPerSecond: number;
  readonly floorAlertsPerSecond: number;
  readonly ratioVsFloor: number;
  readonly sweepMedianMs: number;
}

export interface AlertsResult {
  readonly lateDevices: number;
  readonly repetitions: number;
  /** The key: local mode's sweeper settings (this sink is local mode's). */
  readonly alertsPerSecond: number;
  readonly byConfig: Readonly<Record<ConfigName, AlertsConfigResult>>;
}

/** The floor of one alert: two conditional UpdateItems on the device's item, at `concurrency`. */
async function floorWrites(client: DynamoDBClient, tableName: string, late: number, concurrency: number): Promise<number> {
  const pool = new TaskPool(concurrency);
  const write = (id: string, value: string) =>
    client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: id } },
        UpdateExpression: 'SET #lo = :v',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#lo': 'lo', '#pk': 'pk' },
        ExpressionAttributeValues: { ':v': { S: value } },
        ReturnValues: 'ALL_NEW',
      }),
    );
  const start = performance.now();
  for (let i = 0; i < late; i++) await pool.run(async () => void (await write(deviceId('late', i), 'floor')));
  for (let i = 0; i < late; i++) await pool.run(async () => void (await write(deviceId('late', i), 'settled')));
  await pool.drain();
  return late / ((performance.now() - start) / 1000);
}

export async function measureAlerts(ctx: BenchContext, fleets: FleetTables): Promise<AlertsResult> {
  const late = ctx.options.quick ? 500 : 2000;
  const repetitions = ctx.options.quick ? 2 : 3;
  const templates = await fleets.beatTemplates();
  const tableName = await ctx.newTable('late');
  const span = Number(templates.plain.sp?.N ?? '0');
  const seedLate = async () => {
    // Every device's deadline passed a minute ago (re-seeding restores them after each sweep).
    const now = Date.now();
    await seedFleet(ctx.client, tableName, { count: late, prefix: 'late', templates, lastSeen: (index) => now - span - 60_000 - index });
  };
  const sweepOnce = async (config: ConfigName) => {
    await seedLate();
    const file = join(await ctx.scratch('alerts'), 'alerts.jsonl');
    let printed = 0;
    const sink = new LocalAlertSink({ file, print: () => printed++ });
    const { ms, report } = await runSweep({ client: ctx.client, tableName, ...SWEEPER_CONFIGS[config], publisher: sink, settings: { stormThreshold: 0 } });
    const lines = (await readFile(file, 'utf8')).trim().split('\n').length;
    if (report.wentDown !== late || report.alertsPublished !== late || lines !== late || printed !== late) {
      throw new Error(`expected ${late} alerts; went down ${report.wentDown}, published ${report.alertsPublished}, ${lines} lines`);
    }
    return ms;
  };

  log(`warm-up: ${late} late devices alerted in ${formatMs(await withTicks(log, 'warm-up sweep', () => sweepOnce('local')))}`);
  const samples: Record<ConfigName, { sweep: number[]; floor: number[] }> = { local: { sweep: [], floor: [] }, lambda: { sweep: [], floor: [] } };
  for (let r = 0; r < repetitions; r++) {
    for (const config of (r % 2 === 0 ? ['local', 'lambda'] : ['lambda', 'local']) as ConfigName[]) {
      const ms = await withTicks(log, `rep ${r + 1}/${repetitions} ${config} sweep`, () => sweepOnce(config));
      const floor = await withTicks(log, `rep ${r + 1}/${repetitions} ${config} floor`, () => floorWrites(ctx.client, tableName, late, SWEEPER_CONFIGS[config].writeConcurrency));
      samples[config].sweep.push(ms);
      samples[config].floor.push(floor);
      log(`rep ${r + 1}/${repetitions} ${config} (K=${SWEEPER_CONFIGS[config].segments}, ${SWEEPER_CONFIGS[config].writeConcurrency} writes in flight): ${late} alerts in ${formatMs(ms)} -> ${Math.round(late / (ms / 1000))}/s; floor (2 conditional writes each) ${Math.round(floor)}/s`);
    }
  }
  await ctx.dropTable(tableName);
  const summarise = (config: ConfigName): AlertsConfigResult => {
    const ms = median(samples[config].sweep);
    const rate = late / (ms / 1000);
    const floor = median(samples[config].floor);
    return {
      ...SWEEPER_CONFIGS[config],
      alertsPerSecond: round(rate, 1),
      floorAlertsPerSecond: round(floor, 1),
      ratioVsFloor: round(rate / floor, 3),
      sweepMedianMs: round(ms, 1),
    };
  };
  const byConfig = { local: summarise('local'), lambda: summarise('lambda') };
  log(`alerts/s: local settings ${byConfig.local.alertsPerSecond} (floor ${byConfig.local.floorAlertsPerSecond}), Lambda settings ${byConfig.lambda.alertsPerSecond} (floor ${byConfig.lambda.floorAlertsPerSecond})`);
  return { lateDevices: late, repetitions, alertsPerSecond: byConfig.local.alertsPerSecond, byConfig };
}
