/**
 * The fast paths of issue 11, each in the real local server (`heartbeat start`, its own file-backed
 * DynamoDB Local) and against a floor measured in the same run:
 * - batch: beats sent as `POST /v1/heartbeats` batches of BATCH_SIZE over BATCH_CONNECTIONS
 *   connections, against bare UpdateItems with as many writes in flight (connections x batch size)
 *   on the same DynamoDB Local, in alternating rounds;
 * - instant: with the sweep at 60 s, the time from a `fail` beat's 200 (and from a recovering `ok`
 *   beat's 200) to its `device.down` (`device.up`) line on the server's stdout: only the stream
 *   consumer can be that fast;
 * - cost: the cost model's price per million beats at 1M devices beating every 60 s, default
 *   deployment and cheapest combination (lambdas/cost/cost-model.ts).
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { deviceToken } from '../../lambdas/core/tokens';
import { compareOptions, DEFAULT_CHOICE } from '../../lambdas/cost/cost-model';
import { localClientConfig } from '../../lambdas/local/dynamodb-local';
import type { BenchBasics } from '../support/context';
import { deviceId } from '../support/fleet';
import { LOCAL_TABLE_NAME, startLocalServer } from '../support/local-server';
import { progress } from '../support/progress';
import { median, p99, round } from '../support/stats';

const log = progress('speed');

export const BATCH_SIZE = 100;
export const BATCH_CONNECTIONS = 4;
const BATCH_DEVICES = 2000;
const INSTANT_DEVICES = 40;

export interface BatchResult {
  readonly batchSize: number;
  readonly connections: number;
  /** Beats recorded per second through the HTTP server in batches. */
  readonly beatsPerSecond: number;
  /** Bare UpdateItems per second with connections x batch size in flight. */
  readonly bareUpdatesPerSecond: number;
  readonly ratioVsBareUpdate: number;
  readonly rounds: number;
  readonly roundSeconds: number;
}

export interface InstantResult {
  readonly alerts: number;
  readonly sweepSeconds: number;
  readonly p99Seconds: number;
  readonly medianSeconds: number;
  readonly maxSeconds: number;
}

export interface CostResult {
  readonly devices: number;
  readonly intervalSeconds: number;
  readonly perMillionBeats: { readonly default: number; readonly cheapest: number };
  /** What the cheapest combination is (front door, billing, batch, sweep period). */
  readonly cheapestChoice: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `worker` on `lanes` lanes for `seconds`; returns units done per second. */
async function perSecond(lanes: number, seconds: number, worker: () => Promise<number>): Promise<number> {
  let done = 0;
  const start = performance.now();
  const stopAt = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < stopAt) {
        // Not `done += await worker()`: that reads `done` before the await and loses the other lanes' counts.
        const units = await worker();
        done += units;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

export async function measureBatch(ctx: BenchBasics): Promise<BatchResult> {
  const server = await startLocalServer({ dataDir: await ctx.scratch('batch'), sweepSeconds: 60 });
  const client = new DynamoDBClient(localClientConfig(`http://127.0.0.1:${server.dynamoDbPort}`));
  try {
    const devices = Array.from({ length: BATCH_DEVICES }, (_, i) => deviceId('batch', i));
    const tokens = devices.map((id) => deviceToken(server.signingSecret, id));
    let nextBatch = 0;
    const sendBatch = async (): Promise<number> => {
      const start = (nextBatch++ * BATCH_SIZE) % BATCH_DEVICES;
      const beats = Array.from({ length: BATCH_SIZE }, (_, i) => ({ deviceId: devices[start + i] as string, token: tokens[start + i] as string }));
      const response = await fetch(`${server.url}/v1/heartbeats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ beats }) });
      const answer = (await response.json()) as { results?: { error?: unknown }[] };
      const recorded = answer.results?.filter((r) => r.error === undefined).length ?? 0;
      if (response.status !== 200 || recorded !== BATCH_SIZE) throw new Error(`a batch answered ${response.status} with ${recorded} of ${BATCH_SIZE} recorded`);
      return recorded;
    };
    let nextBare = 0;
    const bareUpdate = async (): Promise<number> => {
      await client.send(
        new UpdateItemCommand({
          TableName: LOCAL_TABLE_NAME,
          Key: { pk: { S: devices[nextBare++ % BATCH_DEVICES] as string } },
          UpdateExpression: 'SET #ls = :now',
          ExpressionAttributeNames: { '#ls': 'ls' },
          ExpressionAttributeValues: { ':now': { N: String(Date.now()) } },
        }),
      );
      return 1;
    };
    const inFlight = BATCH_CONNECTIONS * BATCH_SIZE;
    const roundSeconds = ctx.options.quick ? 3 : 6;
    const rounds = ctx.options.quick ? 2 : 3;
    // Warm-up: creates every device, warms both processes.
    await perSecond(BATCH_CONNECTIONS, 2, sendBatch);
    await perSecond(inFlight, 2, bareUpdate);
    const batched: number[] = [];
    const bare: number[] = [];
    for (let r = 0; r < rounds; r++) {
      bare.push(await perSecond(inFlight, roundSeconds, bareUpdate));
      batched.push(await perSecond(BATCH_CONNECTIONS, roundSeconds, sendBatch));
      log(`batch round ${r + 1}/${rounds}: ${Math.round(batched.at(-1) ?? 0)} batched beats/s, ${Math.round(bare.at(-1) ?? 0)} bare UpdateItems/s (${inFlight} in flight)`);
    }
    const beatsPerSecond = median(batched);
    const bareUpdatesPerSecond = median(bare);
    return {
      batchSize: BATCH_SIZE,
      connections: BATCH_CONNECTIONS,
      beatsPerSecond: round(beatsPerSecond, 1),
      bareUpdatesPerSecond: round(bareUpdatesPerSecond, 1),
      ratioVsBareUpdate: round(beatsPerSecond / bareUpdatesPerSecond, 4),
      rounds,
      roundSeconds,
    };
  } finally {
    client.destroy();
    await server.stop();
  }
}

export async function measureInstant(ctx: BenchBasics): Promise<InstantResult> {
  const sweepSeconds = 60;
  const server = await startLocalServer({ dataDir: await ctx.scratch('instant'), sweepSeconds, flags: ['--storm-threshold', '0'] });
  const seen = new Map<string, number>();
  server.onLine((line, at) => {
    const alert = /^ALERT (device\.down|device\.up) .*\[incident (.+):\d{4}-\d\d-\d\dT[^\]]*\]$/.exec(line);
    if (alert?.[1] && alert[2]) seen.set(`${alert[1]} ${alert[2]}`, at);
  });
  try {
    const beat = async (id: string, status: 'ok' | 'fail') => {
      const response = await fetch(`${server.url}/v1/heartbeats/${id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${deviceToken(server.signingSecret, id)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status }),
      });
      if (response.status !== 200) throw new Error(`beat for ${id} answered ${response.status}`);
      return performance.now();
    };
    const devices = Array.from({ length: INSTANT_DEVICES }, (_, i) => deviceId('instant', i));
    for (const id of devices) await beat(id, 'ok');
    // Let the start-up sweep pass, so nothing but the stream consumer can announce.
    await sleep(1500);
    const answered = new Map<string, number>();
    for (const id of devices) {
      answered.set(`device.down ${id}`, await beat(id, 'fail'));
      await sleep(50 + Math.random() * 100);
    }
    for (const id of devices) {
      answered.set(`device.up ${id}`, await beat(id, 'ok'));
      await sleep(50 + Math.random() * 100);
    }
    const waitUntil = performance.now() + 10_000;
    while ([...answered.keys()].some((key) => !seen.has(key)) && performance.now() < waitUntil) await sleep(50);
    const missing = [...answered.keys()].filter((key) => !seen.has(key));
    if (missing.length > 0) throw new Error(`${missing.length} alerts never came, e.g. ${missing[0]}`);
    const delays = [...answered].map(([key, at]) => ((seen.get(key) as number) - at) / 1000);
    const result = {
      alerts: delays.length,
      sweepSeconds,
      p99Seconds: round(p99(delays), 3),
      medianSeconds: round(median(delays), 3),
      maxSeconds: round(Math.max(...delays), 3),
    };
    log(`beat answered -> alert line, ${result.alerts} alerts with the sweep at ${sweepSeconds} s: median ${result.medianSeconds} s, p99 ${result.p99Seconds} s`);
    return result;
  } finally {
    await server.stop();
  }
}

/** Prices at 1M devices beating every 60 s (the fleet); no measuring, the model's numbers. */
export function measureCost(): CostResult {
  const devices = 1_000_000;
  const intervalSeconds = 60;
  const comparison = compareOptions({ devices, intervalSeconds }, DEFAULT_CHOICE, 100);
  const column = (name: string) => comparison.columns.find((c) => c.name === name);
  const cheapest = column('cheapest');
  const defaults = column('default');
  if (!cheapest || !defaults) throw new Error('the cost comparison has no default or cheapest column');
  const c = cheapest.choice;
  return {
    devices,
    intervalSeconds,
    perMillionBeats: { default: round(defaults.estimate.perMillionBeatsUsd, 4), cheapest: round(cheapest.estimate.perMillionBeatsUsd, 4) },
    cheapestChoice: `${c.frontDoor}, ${c.billing}, batch ${c.batchSize}, sweep ${c.sweepEverySeconds} s`,
  };
}
