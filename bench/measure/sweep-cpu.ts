/**
 * The sweeper's own CPU per device, without DynamoDB Local in the way: one real Scan page (the
 * sweep's projection over the seeded healthy fleet) is replayed from memory by a client whose
 * request handler answers at once, and whole sweeps run over it. Against it, a bare Scan through
 * the SDK over the same bytes (deserialisation alone). This is the figure the projections scale:
 * a Lambda's JavaScript runs on one core, so devices/s per invocation ~ 1e6 / (us per device) at
 * one full vCPU (1,769 MB), proportionally less below.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { HttpResponse } from '@smithy/core/transport';
import type { BenchContext } from '../support/context';
import type { FleetTables } from '../support/fleet-tables';
import { progress } from '../support/progress';
import { nothingExpected, runSweep } from '../support/sweeping';
import { median, round } from '../support/stats';
import { SWEEP_PROJECTION } from '../../lambdas/adapters/dynamodb/device-item';

const log = progress('sweep-cpu');

export interface SweepCpuResult {
  readonly devicesPerPage: number;
  readonly pageBytes: number;
  /** Process CPU time (user + system) per device: what a core must give, whatever else runs on the machine. */
  readonly sweepMicrosPerDevice: number;
  readonly bareScanMicrosPerDevice: number;
  /** Wall time per device (higher when other processes share the cores). */
  readonly sweepWallMicrosPerDevice: number;
  readonly repetitions: number;
}

/** Runs `fn`, returning its wall time and the CPU time this process spent meanwhile, in ms. */
async function cpuTimed(fn: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

/** The attributes the store projects in a sweep. */
const SWEEP_ATTRIBUTES = SWEEP_PROJECTION;

/** A client that answers Scan with `scanBody` and anything else with `{}`, without any I/O. */
function replayClient(scanBody: string): DynamoDBClient {
  const respond = (body: string) =>
    new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from(body)]) });
  const handler = {
    handle: async (request: { headers: Record<string, string> }) => ({
      response: respond(request.headers['x-amz-target']?.endsWith('.Scan') ? scanBody : '{}'),
    }),
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  return new DynamoDBClient({
    region: 'local',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: handler as never,
  });
}

export async function measureSweepCpu(ctx: BenchContext, fleets: FleetTables): Promise<SweepCpuResult> {
  const fleet = await fleets.healthy(10_000);
  // One real page, as DynamoDB Local returns it for the sweep's projection.
  const names = Object.fromEntries(SWEEP_ATTRIBUTES.map((a) => [`#${a}`, a]));
  const page = await ctx.client.send(
    new ScanCommand({ TableName: fleet.tableName, ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names, Limit: 5000 }),
  );
  const items = page.Items ?? [];
  const body = JSON.stringify({ Items: items, Count: items.length, ScannedCount: items.length });
  const client = replayClient(body);
  const sweep = () =>
    cpuTimed(async () => {
      const { report } = await runSweep({ client, tableName: fleet.tableName, segments: 1, publisher: nothingExpected });
      if (report.devicesRead !== items.length) throw new Error(`replayed sweep read ${report.devicesRead} of ${items.length}`);
    });
  const bare = () =>
    cpuTimed(async () => {
      const result = await client.send(new ScanCommand({ TableName: fleet.tableName }));
      if ((result.Items?.length ?? 0) !== items.length) throw new Error('replayed scan lost items');
    });
  for (let i = 0; i < 5; i++) {
    await sweep();
    await bare();
  }
  const repetitions = ctx.options.quick ? 15 : 40;
  const sweepCpu: number[] = [];
  const sweepWall: number[] = [];
  const bareCpu: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    for (const step of r % 2 === 0 ? ['sweep', 'bare'] : ['bare', 'sweep']) {
      if (step === 'sweep') {
        const { wallMs, cpuMs } = await sweep();
        sweepCpu.push(cpuMs);
        sweepWall.push(wallMs);
      } else {
        bareCpu.push((await bare()).cpuMs);
      }
    }
  }
  client.destroy();
  const result: SweepCpuResult = {
    devicesPerPage: items.length,
    pageBytes: Buffer.byteLength(body),
    sweepMicrosPerDevice: round((median(sweepCpu) * 1000) / items.length, 3),
    bareScanMicrosPerDevice: round((median(bareCpu) * 1000) / items.length, 3),
    sweepWallMicrosPerDevice: round((median(sweepWall) * 1000) / items.length, 3),
    repetitions,
  };
  log(
    `one ${Math.round(result.pageBytes / 1024)} KB page of ${items.length} devices replayed from memory: sweep ${result.sweepMicrosPerDevice} us CPU/device ` +
      `(${result.sweepWallMicrosPerDevice} us wall), bare SDK Scan ${result.bareScanMicrosPerDevice} us CPU/device -> ${Math.round(1e6 / result.sweepMicrosPerDevice)} devices/s per core`,
  );
  return result;
}
