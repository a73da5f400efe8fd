/**
 * Concurrent beats through local mode: 50 devices x 40 beats, all 2000 requests in flight 32 at a
 * time, ordered so that about 8 beats of one device are in flight together. No beat may be lost (each device counts
 * exactly 40) and no update may be lost (the stored lastSeen is the latest one any 200 reported,
 * and the deadline belongs to it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecurityServer, stopSecurityServer, type SecurityServer } from './support/local';
import { JsonClient, devicePath, listAllDevices } from './support/raw-http';

const DEVICES = 50;
const BEATS = 40;
const CONCURRENCY = 32;
/** The default interval and grace of local mode: a deadline is lastSeen + 120 s. */
const DEFAULT_SPAN_MS = 120_000;

let server: SecurityServer | undefined;
let client: JsonClient | undefined;

beforeAll(async () => {
  server = await startSecurityServer({ prefix: 'hb-sec-conc' });
  client = new JsonClient(server.port, CONCURRENCY);
}); // hookTimeout (vitest.config.ts): local mode starts Java

afterAll(async () => {
  client?.close();
  const leftovers = await stopSecurityServer(server);
  expect(leftovers, 'processes left behind by local mode').toEqual([]);
}, 60_000);

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= tasks.length) return;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe('concurrent beats', () => {
  it(`counts every one of ${DEVICES} x ${BEATS} concurrent beats and keeps the latest lastSeen`, async () => {
    const live = server as SecurityServer;
    const http = client as JsonClient;
    const ids = Array.from({ length: DEVICES }, (_, i) => `conc-${String(i).padStart(2, '0')}`);
    const tokens = new Map(ids.map((id) => [id, live.token(id)]));
    // Devices in blocks of BLOCK, the beats of a block interleaved: about CONCURRENCY / BLOCK beats of
    // each device are in flight together, so updates of one device really race each other.
    const BLOCK = 4;
    const tasks: (() => Promise<{ id: string; status: number; lastSeen?: string; deadline?: string; text: string }>)[] = [];
    for (let first = 0; first < DEVICES; first += BLOCK) {
      for (let k = 0; k < BEATS; k++) {
        for (const id of ids.slice(first, first + BLOCK)) {
          tasks.push(async () => {
            const answer = await http.call('POST', `/v1/heartbeats/${id}`, { token: tokens.get(id) as string });
            return { id, status: answer.status, lastSeen: answer.body?.lastSeen, deadline: answer.body?.deadline, text: answer.text };
          });
        }
      }
    }
    const started = performance.now();
    const results = await pool(tasks, CONCURRENCY);
    const seconds = (performance.now() - started) / 1000;
    // eslint-disable-next-line no-console
    console.log(`[concurrency] ${results.length} beats, ${CONCURRENCY} in flight, in ${seconds.toFixed(1)} s (${(results.length / seconds).toFixed(0)}/s)`);

    const failures = results.filter((r) => r.status !== 200);
    expect(failures.slice(0, 5), `${failures.length} beats not answered 200`).toEqual([]);

    const latest = new Map<string, { lastSeen: string; deadline: string }>();
    const answered = new Map<string, number>();
    for (const r of results) {
      answered.set(r.id, (answered.get(r.id) ?? 0) + 1);
      const seen = latest.get(r.id);
      if (!seen || (r.lastSeen as string) > seen.lastSeen) latest.set(r.id, { lastSeen: r.lastSeen as string, deadline: r.deadline as string });
    }

    const problems: string[] = [];
    for (const id of ids) {
      const stored = await http.call('GET', devicePath(id), { token: live.adminToken });
      const want = latest.get(id) as { lastSeen: string; deadline: string };
      if (stored.status !== 200) {
        problems.push(`${id}: GET answered ${stored.status}`);
        continue;
      }
      if (answered.get(id) !== BEATS) problems.push(`${id}: ${answered.get(id)} answers`);
      if (stored.body.beats !== BEATS) problems.push(`${id}: ${stored.body.beats} beats counted, ${BEATS} answered 200`);
      if (stored.body.lastSeen !== want.lastSeen) {
        problems.push(`${id}: stored lastSeen ${stored.body.lastSeen} but a 200 reported ${want.lastSeen} (${Date.parse(want.lastSeen) - Date.parse(stored.body.lastSeen)} ms later)`);
      }
      if (Date.parse(stored.body.deadline) !== Date.parse(stored.body.lastSeen) + DEFAULT_SPAN_MS) {
        problems.push(`${id}: stored deadline ${stored.body.deadline} is not lastSeen + ${DEFAULT_SPAN_MS / 1000} s`);
      }
    }
    expect(problems, `${problems.length} of ${DEVICES} devices lost an update`).toEqual([]);

    const all = await listAllDevices(http, live.adminToken);
    expect(all.map((d) => d.deviceId).sort()).toEqual([...ids].sort());
  }, 360_000); // 2000 real beats through DynamoDB Local: ~20 s idle, ~90 s seen at a load of 27 on 2 cores
});
