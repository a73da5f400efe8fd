/**
 * Beats through the real local HTTP server (node:http -> API Gateway v2 event -> the ingest handler
 * -> DynamoDB Local), 16 connections with autocannon, against bare UpdateItems at concurrency 16 on
 * the very DynamoDB Local that server started (file-backed, under its data directory), and against
 * the store's own beat UpdateItem replayed at the same concurrency (which splits the gap between
 * the richer write and the HTTP path). All alternate in rounds of equal length.
 */
import { UpdateItemCommand, DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import autocannon, { type AutocannonResult } from 'autocannon';
import { localClientConfig } from '../../lambdas/local/dynamodb-local';
import { captureStoreRequest } from '../support/store-request';
import { deviceToken } from '../../lambdas/core/tokens';
import type { BenchBasics } from '../support/context';
import { deviceId, META_BEAT } from '../support/fleet';
import { LOCAL_TABLE_NAME, startLocalServer } from '../support/local-server';
import { commandName, descendants, processCpuSeconds } from '../support/proc-cpu';
import { progress } from '../support/progress';
import { median, round } from '../support/stats';

const log = progress('http');

export const HTTP_CONCURRENCY = 16;

export interface HttpResult {
  readonly throughputRatioVsBareUpdate: number;
  readonly beatsPerSecond: number;
  /** Beats with a JSON body (full runs only; NaN in quick mode). */
  readonly beatsPerSecondWithBody: number;
  readonly bareUpdatesPerSecond: number;
  /** The store's own beat UpdateItem, replayed raw at the same concurrency: the floor of a beat without HTTP or handler. */
  readonly storeRequestUpdatesPerSecond: number;
  /** HTTP beats/s over storeRequestUpdatesPerSecond: what the server and handler cost on their own. */
  readonly throughputRatioVsStoreRequest: number;
  /** CPU ms per completed request, by process, per step (medians over rounds); empty without /proc. */
  readonly cpuMsPerRequest: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly httpLatencyP50Ms: number;
  readonly httpLatencyP99Ms: number;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly serverStartSeconds: number;
  readonly serverStopMs: number;
}

/** Requests built by `request(deviceId)` at `concurrency` for `seconds`; returns completed updates per second. */
async function updatesPerSecond(
  client: DynamoDBClient,
  devices: readonly string[],
  concurrency: number,
  seconds: number,
  request: (deviceId: string) => UpdateItemCommandInput,
): Promise<number> {
  let done = 0;
  let next = 0;
  const stopAt = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < stopAt) {
        await client.send(new UpdateItemCommand(request(devices[next++ % devices.length] as string)));
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** The bare floor: one SET of the last-seen time. */
const bareRequest = (deviceId: string): UpdateItemCommandInput => ({
  TableName: LOCAL_TABLE_NAME,
  Key: { pk: { S: deviceId } },
  UpdateExpression: 'SET #ls = :now',
  ExpressionAttributeNames: { '#ls': 'ls' },
  ExpressionAttributeValues: { ':now': { N: String(Date.now()) } },
});

/** Beats through the server at HTTP_CONCURRENCY connections for `seconds`. */
async function httpBeats(url: string, devices: readonly string[], tokens: ReadonlyMap<string, string>, seconds: number, withBody: boolean): Promise<AutocannonResult> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: HTTP_CONCURRENCY,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const id = devices[next++ % devices.length] as string;
          return {
            ...request,
            path: `/v1/heartbeats/${id}`,
            headers: {
              authorization: `Bearer ${tokens.get(id)}`,
              ...(withBody ? { 'content-type': 'application/json' } : {}),
            },
            ...(withBody ? { body: JSON.stringify(META_BEAT) } : {}),
          };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`beats through HTTP: ${result.non2xx} non-2xx answers, ${result.errors} errors (${JSON.stringify(result.statusCodeStats)})`);
  }
  return result;
}

export async function measureHttp(ctx: BenchBasics): Promise<HttpResult> {
  const dataDir = await ctx.scratch('http');
  const server = await startLocalServer({ dataDir, sweepSeconds: 60 });
  log(`local server ${server.url} ready in ${server.startSeconds.toFixed(1)} s (DynamoDB Local on port ${server.dynamoDbPort})`);
  if (server.dynamoDbPort === null) {
    await server.stop();
    throw new Error('the local server did not print its DynamoDB Local port');
  }
  const client = new DynamoDBClient(localClientConfig(`http://127.0.0.1:${server.dynamoDbPort}`));
  try {
    const devices = Array.from({ length: 256 }, (_, i) => deviceId('http', i));
    const tokens = new Map(devices.map((id) => [id, deviceToken(server.signingSecret, id)]));
    const roundSeconds = ctx.options.quick ? 3 : 8;
    const rounds = ctx.options.quick ? 3 : 4;
    // Warm-up: creates every device and warms the JIT of both processes and of the server's fresh,
    // file-backed DynamoDB Local, whose throughput still climbs for tens of seconds after start.
    const storeBeat = await captureStoreRequest(client, LOCAL_TABLE_NAME, devices[0] as string);
    for (let w = 0; w < (ctx.options.quick ? 1 : 3); w++) {
      await httpBeats(server.url, devices, tokens, ctx.options.quick ? 4 : 5, false);
      await updatesPerSecond(client, devices, HTTP_CONCURRENCY, ctx.options.quick ? 2 : 4, storeBeat);
      await updatesPerSecond(client, devices, HTTP_CONCURRENCY, ctx.options.quick ? 2 : 4, bareRequest);
    }
    // Where the cores go: this process (load generator and SDK), the server, and its DynamoDB Local (Java).
    const javaPid = descendants(server.pid).find((pid) => commandName(pid) === 'java');
    const cpuNow = () => ({
      bench: ((usage) => (usage.user + usage.system) / 1e6)(process.cpuUsage()),
      server: processCpuSeconds(server.pid),
      dynamoDbLocal: javaPid === undefined ? null : processCpuSeconds(javaPid),
    });
    const cpuSamples: Record<string, Record<string, number[]>> = {};
    const measureCpu = async (step: string, run: () => Promise<number>) => {
      const before = cpuNow();
      const rate = await run();
      const after = cpuNow();
      const requests = rate * roundSeconds;
      for (const proc of ['bench', 'server', 'dynamoDbLocal'] as const) {
        const a = after[proc];
        const b = before[proc];
        if (a === null || b === null || requests <= 0) continue;
        cpuSamples[step] ??= {};
        const samples = cpuSamples[step];
        samples[proc] ??= [];
        samples[proc].push(((a - b) * 1000) / requests);
      }
      return rate;
    };

    const bare: number[] = [];
    const store: number[] = [];
    const http: number[] = [];
    const httpBody: number[] = [];
    const p50: number[] = [];
    const p99s: number[] = [];
    // Beats with a body only in full runs: quick mode keeps its time budget.
    const steps = ctx.options.quick ? ['bare', 'store', 'http'] : ['bare', 'store', 'http', 'body'];
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < steps.length; k++) {
        const step = steps[(r + k) % steps.length];
        if (step === 'bare') {
          bare.push(await measureCpu(step, () => updatesPerSecond(client, devices, HTTP_CONCURRENCY, roundSeconds, bareRequest)));
        } else if (step === 'store') {
          store.push(await measureCpu(step, () => updatesPerSecond(client, devices, HTTP_CONCURRENCY, roundSeconds, storeBeat)));
        } else {
          let result: AutocannonResult | undefined;
          const rate = await measureCpu(step as string, async () => {
            result = await httpBeats(server.url, devices, tokens, roundSeconds, step === 'body');
            return result['2xx'] / result.duration;
          });
          if (!result) throw new Error('autocannon returned nothing');
          if (step === 'http') {
            http.push(rate);
            p50.push(result.latency.p50);
            p99s.push(result.latency.p99);
          } else {
            httpBody.push(rate);
          }
        }
      }
      log(
        `round ${r + 1}/${rounds}: HTTP ${Math.round(http.at(-1) ?? 0)} beats/s${httpBody.length > 0 ? ` (with body ${Math.round(httpBody.at(-1) ?? 0)})` : ''}, ` +
          `the store's UpdateItem ${Math.round(store.at(-1) ?? 0)}/s, bare UpdateItem ${Math.round(bare.at(-1) ?? 0)}/s, all at concurrency ${HTTP_CONCURRENCY}`,
      );
    }
    const ratio = median(http) / median(bare);
    log(`HTTP ${Math.round(median(http))} beats/s vs bare ${Math.round(median(bare))} UpdateItem/s -> ratio ${ratio.toFixed(3)} (vs the store's own UpdateItem ${Math.round(median(store))}/s: ${(median(http) / median(store)).toFixed(3)})`);
    const cpuMsPerRequest = Object.fromEntries(
      Object.entries(cpuSamples).map(([step, byProc]) => [step, Object.fromEntries(Object.entries(byProc).map(([proc, list]) => [proc, round(median(list), 3)]))]),
    );
    if (Object.keys(cpuMsPerRequest).length > 0) {
      log(`CPU ms per request: ${Object.entries(cpuMsPerRequest).map(([step, byProc]) => `${step} {${Object.entries(byProc).map(([p, v]) => `${p} ${v}`).join(', ')}}`).join('; ')}`);
    }
    const stopped = await server.stop();
    log(`server stopped ${Math.round(stopped.exitedWithinMs)} ms after SIGTERM`);
    return {
      throughputRatioVsBareUpdate: ratio,
      beatsPerSecond: Math.round(median(http)),
      beatsPerSecondWithBody: httpBody.length > 0 ? Math.round(median(httpBody)) : Number.NaN,
      bareUpdatesPerSecond: Math.round(median(bare)),
      storeRequestUpdatesPerSecond: Math.round(median(store)),
      throughputRatioVsStoreRequest: round(median(http) / median(store), 3),
      cpuMsPerRequest,
      httpLatencyP50Ms: round(median(p50), 2),
      httpLatencyP99Ms: round(median(p99s), 2),
      rounds,
      roundSeconds,
      serverStartSeconds: round(server.startSeconds, 2),
      serverStopMs: Math.round(stopped.exitedWithinMs),
    };
  } finally {
    client.destroy();
    await server.stop();
  }
}
