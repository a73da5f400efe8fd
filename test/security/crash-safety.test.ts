/**
 * Crash safety of local mode: a beat answered 200 is in the store, whatever happens next.
 *
 * 1. SIGKILL of the local-mode node process in the middle of a burst of beats: its DynamoDB Local
 *    (guard shell and java) must go away by itself within a few seconds; after a restart on the same
 *    data directory every acknowledged beat is there.
 * 2. Harsher: SIGKILL of the node process and of java at the same instant (an OOM kill, `kill -9`
 *    of everything): acknowledged beats must still be there (DynamoDB Local keeps them in SQLite).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, startSecurityServer, stopSecurityServer, tempDir, until, type SecurityServer } from './support/local';
import { JsonClient, devicePath } from './support/raw-http';

const DEVICES = 20;
/** The burst lasts at least this long, and until every device has MIN_ACKED beats answered 200 ... */
const BURST_MS = 2000;
const MIN_ACKED = 3;
/** ... but no longer than this (a machine too slow for that fails the test, with numbers). */
const BURST_LIMIT_MS = 25_000;
/** "Within a few seconds": the guard notices its parent is gone and stops java. */
const CHILD_EXIT_LIMIT_MS = 10_000;

const ids = Array.from({ length: DEVICES }, (_, i) => `crash-${String(i).padStart(2, '0')}`);
let dataDir: string | undefined;
let server: SecurityServer | undefined;

beforeAll(async () => {
  dataDir = tempDir('hb-sec-crash');
  server = await startSecurityServer({ prefix: 'hb-sec-crash', dataDir });
}); // hookTimeout (vitest.config.ts): local mode starts Java

afterAll(async () => {
  const leftovers = await stopSecurityServer(server);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  expect(leftovers, 'processes left behind by local mode').toEqual([]);
}, 60_000);

interface Acked {
  /** 200 answers received. */
  count: number;
  /** Latest lastSeen any 200 reported. */
  lastSeen: string;
  /** Requests that failed (connection reset or refused once the server was killed). */
  failed: number;
}

/**
 * Every device beats in a loop of its own (DEVICES requests in flight) until `kill` has been called
 * (after BURST_MS, once every device has MIN_ACKED acknowledged beats); a loop ends at its first
 * failed request after the kill. Returns what was acknowledged.
 */
async function burstThenKill(live: SecurityServer, kill: () => void): Promise<Map<string, Acked>> {
  const http = new JsonClient(live.port, DEVICES);
  const acked = new Map<string, Acked>(ids.map((id) => [id, { count: 0, lastSeen: '', failed: 0 }]));
  let killed = false;
  let burstError: unknown = null;
  const loops = ids.map(async (id) => {
    const token = live.token(id);
    const mine = acked.get(id) as Acked;
    while (!killed || mine.failed === 0) {
      try {
        const answer = await http.call('POST', `/v1/heartbeats/${id}`, { token });
        if (answer.status !== 200) throw new Error(`${id}: ${answer.status} ${answer.text}`);
        mine.count++;
        if (answer.body.lastSeen > mine.lastSeen) mine.lastSeen = answer.body.lastSeen;
      } catch (error) {
        if (!killed) burstError ??= error;
        mine.failed++;
        return;
      }
    }
  });
  const started = Date.now();
  await until(
    `${BURST_MS} ms of beats and ${MIN_ACKED} acknowledged beats per device`,
    () => {
      if (burstError) throw burstError;
      return Date.now() - started >= BURST_MS && [...acked.values()].every((a) => a.count >= MIN_ACKED);
    },
    BURST_LIMIT_MS,
    20,
  ).catch((error: unknown) => {
    kill();
    killed = true;
    throw error;
  });
  kill();
  killed = true;
  await Promise.all(loops);
  http.close();
  return acked;
}

/** Everything acknowledged since the data directory was created (the store keeps counting across restarts). */
const acknowledged = new Map<string, { count: number; lastSeen: string }>(ids.map((id) => [id, { count: 0, lastSeen: '' }]));

/**
 * Restarts local mode on the same data directory and compares the store with what was acknowledged
 * so far: per device at least as many beats, and a lastSeen no older than the last acknowledged one.
 */
async function restartAndCompare(burst: Map<string, Acked>, label: string): Promise<void> {
  let burstTotal = 0;
  for (const [id, got] of burst) {
    const sum = acknowledged.get(id) as { count: number; lastSeen: string };
    sum.count += got.count;
    if (got.lastSeen > sum.lastSeen) sum.lastSeen = got.lastSeen;
    burstTotal += got.count;
  }
  server = await startSecurityServer({ prefix: 'hb-sec-crash', dataDir: dataDir as string });
  const http = new JsonClient(server.port, 4);
  const lost: string[] = [];
  let ackedTotal = 0;
  let storedTotal = 0;
  for (const id of ids) {
    const want = acknowledged.get(id) as { count: number; lastSeen: string };
    ackedTotal += want.count;
    const got = await http.call('GET', devicePath(id), { token: server.adminToken });
    const beats = got.status === 200 ? (got.body.beats as number) : 0;
    storedTotal += beats;
    if (want.count === 0) continue;
    if (got.status !== 200) lost.push(`${id}: ${want.count} beats acknowledged, GET answered ${got.status}`);
    else {
      if (beats < want.count) lost.push(`${id}: ${want.count} beats acknowledged, ${beats} stored`);
      if (got.body.lastSeen < want.lastSeen) lost.push(`${id}: last acknowledged lastSeen ${want.lastSeen}, stored ${got.body.lastSeen}`);
    }
  }
  http.close();
  // eslint-disable-next-line no-console
  console.log(
    `[crash-safety] ${label}: ${burstTotal} beats acknowledged in this burst (${ackedTotal} in all so far), ${storedTotal} in the store after the restart, ${lost.length} devices short`,
  );
  expect(burstTotal, 'the burst got beats acknowledged').toBeGreaterThanOrEqual(DEVICES * MIN_ACKED);
  expect(lost, `acknowledged beats lost after ${label}`).toEqual([]);
}

describe('crash safety of local mode', () => {
  it('keeps every acknowledged beat when the node process is SIGKILLed, and its DynamoDB Local goes away by itself', async () => {
    const live = server as SecurityServer;
    const dynamo = live.children;
    expect(dynamo.some((p) => p.comm === 'java'), `DynamoDB Local among ${JSON.stringify(dynamo)}`).toBe(true);

    const acked = await burstThenKill(live, () => live.process.child.kill('SIGKILL'));
    const exit = await live.process.exited();
    expect(exit.signal).toBe('SIGKILL');

    const killedAt = Date.now();
    await until(`DynamoDB Local (${dynamo.map((p) => `${p.comm} ${p.pid}`).join(', ')}) to exit after its parent was killed`, () => dynamo.every((p) => !isRunning(p.pid)), CHILD_EXIT_LIMIT_MS, 100);
    // eslint-disable-next-line no-console
    console.log(`[crash-safety] DynamoDB Local gone ${Date.now() - killedAt} ms after the SIGKILL`);

    await restartAndCompare(acked, 'SIGKILL of node');
  }, 240_000); // a burst, the children's exit, and a restart of local mode (Java) on a loaded machine

  it('keeps every acknowledged beat when node and DynamoDB Local are SIGKILLed at once', async () => {
    const live = server as SecurityServer;
    const java = live.children.find((p) => p.comm === 'java');
    expect(java, `java among ${JSON.stringify(live.children)}`).toBeDefined();

    const acked = await burstThenKill(live, () => {
      process.kill((java as { pid: number }).pid, 'SIGKILL');
      live.process.child.kill('SIGKILL');
    });
    await live.process.exited();
    await until('the processes of the killed local mode to exit', () => live.children.every((p) => !isRunning(p.pid)), CHILD_EXIT_LIMIT_MS, 100);

    await restartAndCompare(acked, 'SIGKILL of node and java');
  }, 240_000);
});
