/**
 * Ingest at the DynamoDB floor: what one beat consumes (write and read units, via the store's
 * onCapacity), and how long the whole handler takes (API Gateway v2 event in, answer out, real token
 * check, real store) against a bare UpdateItem of the same item on the same client, the two
 * alternated in one loop so that drift in the engine or the machine hits both alike.
 */
import { randomBytes } from 'node:crypto';
import { UpdateItemCommand, type DynamoDBClient, } from '@aws-sdk/client-dynamodb';
import { DynamoDbDeviceStore } from '../../lambdas/adapters/dynamodb/device-store';
import { systemClock } from '../../lambdas/adapters/system-clock';
import { HeartbeatRecorder, planBeat } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { captureStoreRequest, updateShape, type UpdateShape } from '../support/store-request';
import { silentLogger, type SigningSecretSource } from '../../lambdas/core/ports';
import { deviceToken, type SigningSecrets } from '../../lambdas/core/tokens';
import { createIngestApi } from '../../lambdas/handlers/ingest-api';
import type { HttpEvent, HttpHandler } from '../../lambdas/handlers/http';
import { beatEvent } from '../../test/support/events';
import type { BenchContext } from '../support/context';
import { deviceId, META_BEAT } from '../support/fleet';
import { formatMs, progress } from '../support/progress';
import { median, p99, round } from '../support/stats';

const log = progress('ingest');

export interface IngestResult {
  readonly writeUnitsPerBeat: number;
  readonly readUnitsPerBeat: number;
  readonly writeUnitsPerFirstBeat: number;
  readonly writeUnitsPerMetaBeat: number;
  readonly ratioVsBareUpdate: number;
  readonly handlerMedianMs: number;
  readonly handlerP99Ms: number;
  readonly bareMedianMs: number;
  readonly bareP99Ms: number;
  readonly pairs: number;
  /** Medians (ms) of a second, rotated loop that splits the gap into its parts. */
  readonly breakdown: Readonly<Record<BreakdownStep, number>>;
  /** Of each step, the median time between the SDK handing the signed request to HTTP and the response coming back (DynamoDB Local's share). */
  readonly breakdownWire: Readonly<Record<BreakdownStep, number>>;
  /** The size of the store's beat request (a plain beat), as replayed in the breakdown. */
  readonly storeRequestShape: UpdateShape;
}

type BreakdownStep = 'bareUpdate' | 'storeRequestRaw' | 'storeRecordBeat' | 'handler' | 'handlerWithBody';

/** A secret source as the Lambda has it after its first read: cached in memory. */
function cachedSecrets(secrets: SigningSecrets): SigningSecretSource {
  return { signingSecrets: async () => secrets };
}

/** The bare floor: one UpdateItem of the device's item, setting its last-seen time. */
function bareUpdate(client: DynamoDBClient, tableName: string, id: string): Promise<unknown> {
  return client.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: { S: id } },
      UpdateExpression: 'SET #ls = :now',
      ExpressionAttributeNames: { '#ls': 'ls' },
      ExpressionAttributeValues: { ':now': { N: String(Date.now()) } },
    }),
  );
}

async function expectOk(handler: HttpHandler, event: HttpEvent): Promise<void> {
  const answer = await handler(event);
  if (answer.statusCode !== 200) throw new Error(`ingest answered ${answer.statusCode}: ${answer.body}`);
}

export async function measureIngest(ctx: BenchContext): Promise<IngestResult> {
  const { client } = ctx;
  const tableName = await ctx.newTable('ingest');
  const secrets: SigningSecrets = { current: randomBytes(32).toString('base64url'), previous: null };
  const devices = Array.from({ length: 64 }, (_, i) => deviceId('beat', i));
  const events = devices.map((id) => beatEvent(id, { token: deviceToken(secrets.current, id) }));
  const metaEvents = devices.map((id) =>
    beatEvent(id, { token: deviceToken(secrets.current, id), body: JSON.stringify(META_BEAT), contentType: 'application/json' }),
  );

  // Capacity: a store that asks DynamoDB what each request consumed.
  const units = { read: 0, write: 0 };
  const metered = new DynamoDbDeviceStore({
    client,
    tableName,
    onCapacity: (_operation, consumed) => {
      units.read += consumed.read;
      units.write += consumed.write;
    },
  });
  const meteredHandler = createIngestApi({
    recorder: new HeartbeatRecorder({ store: metered, clock: systemClock, settings: DEFAULT_SETTINGS, logger: silentLogger }),
    secrets: cachedSecrets(secrets),
    logger: silentLogger,
  });
  const meter = async (list: readonly HttpEvent[]) => {
    units.read = 0;
    units.write = 0;
    for (const event of list) await expectOk(meteredHandler, event);
    return { read: units.read / list.length, write: units.write / list.length };
  };
  const first = await meter(events);
  const plain = await meter([...events, ...events]);
  const withMeta = await meter(metaEvents);
  log(`capacity per beat: first ${first.write} WCU, later ${plain.write} WCU / ${plain.read} RCU, with meta ${withMeta.write} WCU`);

  // Timing: the handler as the Lambda builds it (no capacity reporting).
  const store = new DynamoDbDeviceStore({ client, tableName });
  const handler = createIngestApi({
    recorder: new HeartbeatRecorder({ store, clock: systemClock, settings: DEFAULT_SETTINGS, logger: silentLogger }),
    secrets: cachedSecrets(secrets),
    logger: silentLogger,
  });
  const warmup = ctx.options.quick ? 200 : 600;
  for (let i = 0; i < warmup; i++) {
    await expectOk(handler, events[i % events.length] as HttpEvent);
    await bareUpdate(client, tableName, devices[i % devices.length] as string);
  }

  const pairs = ctx.options.quick ? 800 : 4000;
  const stopAt = performance.now() + (ctx.options.quick ? 10_000 : 40_000);
  const handlerMs: number[] = [];
  const bareMs: number[] = [];
  for (let i = 0; i < pairs && performance.now() < stopAt; i++) {
    const index = i % devices.length;
    const runHandler = async () => {
      const start = performance.now();
      await expectOk(handler, events[index] as HttpEvent);
      handlerMs.push(performance.now() - start);
    };
    const runBare = async () => {
      const start = performance.now();
      await bareUpdate(client, tableName, devices[index] as string);
      bareMs.push(performance.now() - start);
    };
    // Alternate which goes first, so neither always follows the other.
    if (i % 2 === 0) {
      await runHandler();
      await runBare();
    } else {
      await runBare();
      await runHandler();
    }
  }
  const handlerMedianMs = median(handlerMs);
  const bareMedianMs = median(bareMs);
  const ratio = handlerMedianMs / bareMedianMs;
  log(`${handlerMs.length} pairs: handler ${formatMs(handlerMedianMs)} (p99 ${formatMs(p99(handlerMs))}) vs bare UpdateItem ${formatMs(bareMedianMs)} -> ratio ${ratio.toFixed(3)}`);

  const { breakdown, breakdownWire, storeRequestShape } = await measureBreakdown(ctx, tableName, devices, events, metaEvents, secrets);
  log(`breakdown (medians, total / on the wire): ${Object.keys(breakdown).map((k) => `${k} ${formatMs(breakdown[k as BreakdownStep])} / ${formatMs(breakdownWire[k as BreakdownStep])}`).join(', ')}`);
  await ctx.dropTable(tableName);

  return {
    writeUnitsPerBeat: plain.write,
    readUnitsPerBeat: plain.read,
    writeUnitsPerFirstBeat: first.write,
    writeUnitsPerMetaBeat: withMeta.write,
    ratioVsBareUpdate: ratio,
    handlerMedianMs: round(handlerMedianMs, 4),
    handlerP99Ms: round(p99(handlerMs), 4),
    bareMedianMs: round(bareMedianMs, 4),
    bareP99Ms: round(p99(bareMs), 4),
    pairs: handlerMs.length,
    breakdown,
    breakdownWire,
    storeRequestShape,
  };
}

/**
 * Where the handler's time goes: the bare update; the store's exact UpdateItem request replayed
 * raw (its bigger expression and ALL_OLD answer, no adapter code); the store's recordBeat (adds the
 * adapter and core code); the whole handler (adds token check and HTTP translation); and the handler
 * with a JSON body. Rotated so each step runs in every position equally often; each request's time
 * on the wire (signed request out, answer in) is taken apart from the time around it.
 */
async function measureBreakdown(
  ctx: BenchContext,
  tableName: string,
  devices: readonly string[],
  events: readonly HttpEvent[],
  metaEvents: readonly HttpEvent[],
  secrets: SigningSecrets,
): Promise<{ breakdown: Record<BreakdownStep, number>; breakdownWire: Record<BreakdownStep, number>; storeRequestShape: UpdateShape }> {
  // A client of its own that times each request from the moment it is signed until the answer is back.
  const client = ctx.dynamo.client();
  let wireMs = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      const start = performance.now();
      const result = await next(args);
      wireMs = performance.now() - start;
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchWireTime' },
  );
  const store = new DynamoDbDeviceStore({ client, tableName });
  const handler = createIngestApi({
    recorder: new HeartbeatRecorder({ store, clock: systemClock, settings: DEFAULT_SETTINGS, logger: silentLogger }),
    secrets: cachedSecrets(secrets),
    logger: silentLogger,
  });
  const storeRequest = await captureStoreRequest(client, tableName, devices[0] as string);

  const steps: Record<BreakdownStep, (index: number) => Promise<unknown>> = {
    bareUpdate: (index) => bareUpdate(client, tableName, devices[index] as string),
    // The same bytes the store sends, with today's time.
    storeRequestRaw: (index) => client.send(new UpdateItemCommand(storeRequest(devices[index] as string))),
    storeRecordBeat: (index) => store.recordBeat(planBeat(devices[index] as string, {}, Date.now(), DEFAULT_SETTINGS)),
    handler: (index) => expectOk(handler, events[index] as HttpEvent),
    handlerWithBody: (index) => expectOk(handler, metaEvents[index] as HttpEvent),
  };
  const names = Object.keys(steps) as BreakdownStep[];
  const total = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<BreakdownStep, number[]>;
  const wire = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<BreakdownStep, number[]>;
  for (let r = 0; r < 100; r++) for (const name of names) await steps[name](r % devices.length); // warm-up
  const rounds = ctx.options.quick ? 300 : 1500;
  const stopAt = performance.now() + (ctx.options.quick ? 8_000 : 40_000);
  for (let r = 0; r < rounds && performance.now() < stopAt; r++) {
    const index = r % devices.length;
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length] as BreakdownStep;
      const start = performance.now();
      await steps[name](index);
      total[name].push(performance.now() - start);
      wire[name].push(wireMs);
    }
  }
  client.destroy();
  const medians = (samples: Record<BreakdownStep, number[]>) =>
    Object.fromEntries(names.map((name) => [name, round(median(samples[name]), 4)])) as Record<BreakdownStep, number>;
  return { breakdown: medians(total), breakdownWire: medians(wire), storeRequestShape: updateShape(storeRequest(devices[0] as string)) };
}
