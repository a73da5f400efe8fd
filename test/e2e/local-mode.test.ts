/**
 * Proves local mode end to end, as a person runs it: a real `heartbeat start` child process with its
 * own DynamoDB Local, spoken to over real HTTP. Time comes from short intervals (5 s, the contract's
 * minimum, grace 0) and a 1 s sweep, never from waiting real minutes. One server is shared by the
 * tests of this file, which therefore run in order: later tests use devices earlier ones made.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, descendants, isRunning, readAlerts, startLocalMode, tempDir, until, type LocalModeProcess } from './support/local-process';

const SWEEP_ARGS = ['--sweep-every', '1'];

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;

function live(): LocalModeProcess {
  if (!server) throw new Error('local mode is not running');
  return server;
}

function signingSecret(): string {
  return (JSON.parse(readFileSync(join(live().dataDir, 'signing-secret.json'), 'utf8')) as { current: string }).current;
}

function tokenFor(deviceId: string): string {
  return createHmac('sha256', signingSecret()).update(deviceId).digest('base64url');
}

interface Answer {
  status: number;
  body: any; // parsed JSON under test: any keeps the assertions short
  text: string;
  headers: Headers;
}

async function call(method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${live().url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

const beat = (deviceId: string, body?: unknown) => call('POST', `/v1/heartbeats/${deviceId}`, { token: tokenFor(deviceId), ...(body !== undefined ? { body } : {}) });
const admin = (method: string, path: string, body?: unknown) => call(method, path, { token: live().adminToken, ...(body !== undefined ? { body } : {}) });

const alerts = () => readAlerts(live().dataDir);

const alertsOf = (deviceId: string, type?: string) => alerts().filter((a) => a.deviceId === deviceId && (type === undefined || a.type === type));

/** Waits until a sweep has started after `epochMs` (health's lastSweepAt), so "no alert" means something. */
async function sweptAfter(epochMs: number): Promise<void> {
  await until('a sweep after the mark', async () => {
    const health = await call('GET', '/v1/health');
    return health.body?.lastSweepAt && Date.parse(health.body.lastSweepAt) > epochMs;
  }, 30_000, 200);
}

beforeAll(async () => {
  dataDir = tempDir('heartbeat-e2e');
  server = await startLocalMode({ dataDir, args: SWEEP_ARGS });
});

afterAll(async () => {
  await cleanUp(server, dataDir);
});

// The tests share one server and build on each other's devices: never shuffled.
describe('local mode', { shuffle: false }, () => {
  it('starts, listens on 127.0.0.1 and prints the admin token and a ready curl line for demo-1', () => {
    const out = live().stdout();
    expect(live().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(live().adminToken).toMatch(/^[0-9a-f]{64}$/);
    expect(out).toContain(`curl -i -X POST -H 'Authorization: Bearer ${tokenFor('demo-1')}' ${live().url}/v1/heartbeats/demo-1`);
    expect(out).toContain('npx heartbeat beat demo-1');
  });

  it('raises exactly one device.down after the deadline and one device.up on the next beat; a paused device stays quiet', async () => {
    // Prepare: two devices with the shortest cadence the contract allows; one of them paused.
    const first = await beat('e2e-down', { interval: 5, grace: 0 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ deviceId: 'e2e-down', status: 'up' });
    expect((await beat('e2e-paused', { interval: 5, grace: 0 })).status).toBe(200);
    expect((await admin('PUT', '/v1/devices/e2e-paused', { paused: true })).body.status).toBe('paused');
    // A fail beat is a down at once, whatever the deadline.
    expect((await beat('e2e-fail', { status: 'fail', message: 'disk full' })).body.status).toBe('down');

    // Act: silence past the deadline.
    const [down] = await until('device.down of e2e-down', () => alertsOf('e2e-down', 'device.down').length > 0 && alertsOf('e2e-down', 'device.down'), 30_000);

    // Assess: the contract's payload.
    const deadline = first.body.deadline as string;
    expect(down).toEqual({
      type: 'device.down',
      incidentId: `e2e-down:${deadline}`,
      deviceId: 'e2e-down',
      group: null,
      lastSeen: first.body.lastSeen,
      deadline,
      detectedAt: expect.any(String),
      reason: 'timeout',
      interval: 5,
      grace: 0,
      subject: expect.stringMatching(/^DOWN e2e-down: silent for \d+s$/),
    });
    expect(Date.parse(down?.detectedAt as string)).toBeGreaterThanOrEqual(Date.parse(deadline));
    // The sink appends to the file first, then prints; the printed line reaches us through a pipe a moment later.
    await until('the device.down line on stdout', () => /ALERT device\.down DOWN e2e-down: silent for \d+s \[incident e2e-down:/.test(live().stdout()), 15_000);
    expect((await admin('GET', '/v1/devices/e2e-down')).body).toMatchObject({ status: 'down', downSince: deadline });

    // Act: it beats again, now with a long interval: the checks below may take longer than 5 s on a
    // loaded machine, and a second lapse would be a second device.down.
    const back = await beat('e2e-down', { interval: 3600 });
    expect(back.body.status).toBe('up');
    const [up] = await until('device.up of e2e-down', () => alertsOf('e2e-down', 'device.up').length > 0 && alertsOf('e2e-down', 'device.up'), 30_000);
    expect(up).toMatchObject({
      type: 'device.up',
      incidentId: `e2e-down:${deadline}`,
      deviceId: 'e2e-down',
      downSince: deadline,
      downForSeconds: Math.floor((Date.parse(back.body.lastSeen) - Date.parse(deadline)) / 1000),
      subject: expect.stringMatching(/^UP e2e-down: back after /),
    });
    await until('the device.up line on stdout', () => /ALERT device\.up UP e2e-down: back after/.test(live().stdout()), 15_000);

    // Assess, after more sweeps: still exactly one of each; the paused device past its deadline raised nothing.
    await sweptAfter(Date.now() + 1000);
    expect(alertsOf('e2e-down', 'device.down')).toHaveLength(1);
    expect(alertsOf('e2e-down', 'device.up')).toHaveLength(1);
    expect(alertsOf('e2e-paused')).toEqual([]);
    expect((await admin('GET', '/v1/devices/e2e-paused')).body.status).toBe('paused');
    const failDowns = alertsOf('e2e-fail', 'device.down');
    expect(failDowns).toHaveLength(1);
    expect(failDowns[0]).toMatchObject({ reason: 'fail', message: 'disk full', subject: 'DOWN e2e-fail: reported fail' });
  }, 120_000);

  it('serves the management routes with the contract answers', async () => {
    // Create 201, then update 200.
    const created = await admin('PUT', '/v1/devices/m-1', { group: 'g1', interval: 30 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      deviceId: 'm-1',
      status: 'new',
      group: 'g1',
      interval: 30,
      grace: 30,
      lastSeen: null,
      deadline: null,
      downSince: null,
      beats: 0,
      message: null,
      meta: null,
      failThreshold: 1,
      recoverAfter: 0,
      detection: 'fixed',
    });
    const updated = await admin('PUT', '/v1/devices/m-1', { interval: 40 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ interval: 40, grace: 40, group: 'g1' });
    for (const [id, body] of [
      ['m-2', { group: 'g1' }],
      ['m-3', { group: 'g2' }],
      ['m-4', { group: 'g2', paused: true }],
    ] as const) {
      expect((await admin('PUT', `/v1/devices/${id}`, body)).status).toBe(201);
    }

    // Filters.
    const g1 = await admin('GET', '/v1/devices?group=g1');
    expect(g1.status).toBe(200);
    expect(g1.body.devices.map((d: { deviceId: string }) => d.deviceId).sort()).toEqual(['m-1', 'm-2']);
    const paused = await admin('GET', '/v1/devices?status=paused&group=g2');
    expect(paused.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(['m-4']);

    // Cursor pagination: pages of 2 add up to the whole list, each device once.
    const all = (await admin('GET', '/v1/devices?limit=1000')).body.devices.map((d: { deviceId: string }) => d.deviceId).sort();
    expect(all.length).toBeGreaterThanOrEqual(7);
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Answer = await admin('GET', `/v1/devices?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.devices.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.devices.map((d: { deviceId: string }) => d.deviceId));
      cursor = page.body.cursor;
      pages++;
    } while (cursor !== null && pages < 50);
    expect(paged.sort()).toEqual(all);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(all.length / 2));
    expect((await admin('GET', '/v1/devices?cursor=not-a-cursor')).body.error.code).toBe('invalid_query');
    expect((await admin('GET', '/v1/devices?status=sleeping')).status).toBe(400);

    // Get, delete.
    expect((await admin('GET', '/v1/devices/m-2')).body.deviceId).toBe('m-2');
    const missing = await admin('GET', '/v1/devices/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const deleted = await admin('DELETE', '/v1/devices/m-3');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await admin('DELETE', '/v1/devices/m-3')).status).toBe(404);

    // Authorization: none, a wrong one, and a device token are all 401 with the contract's shape.
    for (const token of [undefined, 'not-the-admin-token', tokenFor('m-1')]) {
      const denied = await call('GET', '/v1/devices', token === undefined ? {} : { token });
      expect(denied.status).toBe(401);
      expect(denied.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }

    // Methods and routes.
    const notAllowed = await admin('POST', '/v1/devices/m-1');
    expect(notAllowed.status).toBe(405);
    expect(notAllowed.body.error.code).toBe('method_not_allowed');
    expect((await call('GET', '/v1/heartbeats/m-1')).status).toBe(405);
    const noRoute = await call('GET', '/v2/anything');
    expect(noRoute.status).toBe(404);
    expect(noRoute.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(noRoute.text).not.toMatch(/\bat \w+ \(/); // no stack trace
  });

  it('answers the device route in the contract order, and writes nothing for a 4xx', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(5000) });
    expect((await call('POST', '/v1/heartbeats/bad%20id', { rawBody: big })).body.error.code).toBe('invalid_device_id');
    expect((await call('POST', '/v1/heartbeats/e2e-big', { rawBody: big })).status).toBe(413);
    expect((await call('POST', '/v1/heartbeats/e2e-big', { token: tokenFor('e2e-big'), rawBody: '{"status":"ok"}', contentType: 'text/plain' })).status).toBe(415);
    expect((await call('POST', '/v1/heartbeats/e2e-big', { token: tokenFor('e2e-big'), body: { colour: 'red' } })).body.error.code).toBe('invalid_body');
    expect((await call('POST', '/v1/heartbeats/e2e-big', { token: tokenFor('other') })).status).toBe(401);
    expect((await admin('GET', '/v1/devices/e2e-big')).status).toBe(404);
  });

  it('reports the fleet on the public health route after a sweep', async () => {
    const mark = Date.now();
    await sweptAfter(mark);
    const health = await call('GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({
      ok: true,
      lastSweepAt: expect.any(String),
      sweepEverySeconds: 1,
      devices: expect.objectContaining({ up: expect.any(Number), down: expect.any(Number), paused: expect.any(Number) }),
    });
    // e2e-fail is down; e2e-paused and m-4 are paused; e2e-down is up again.
    expect(health.body.devices.down).toBeGreaterThanOrEqual(1);
    expect(health.body.devices.paused).toBe(2);
  });

  it('stops within 10 s on SIGTERM, exits 0, and leaves no process behind', async () => {
    const running = live();
    const tree = descendants(running.pid);
    expect(tree.map((p) => p.comm)).toContain('java');
    const began = Date.now();
    running.child.kill('SIGTERM');
    const exit = await running.exited();
    const stopMs = Date.now() - began;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stopMs).toBeLessThan(10_000);
    expect(running.stdout()).toMatch(/Stopped in [\d.]+ s\./);
    // DynamoDB Local is gone by the time the server has exited: the server waited for it.
    expect(tree.filter((p) => p.comm === 'java' && isRunning(p.pid))).toEqual([]);
    // tsx's esbuild helper leaves when its pipe from the server closes, a moment after the exit.
    await until('every child of the server to exit', () => tree.every((p) => !isRunning(p.pid)), 15_000);
    console.info(`local mode: ready in ${running.startMs} ms, stopped in ${stopMs} ms`);
  }, 60_000);

  it('keeps devices and tokens across a restart on the same data directory', async () => {
    const before = live().adminToken;
    server = await startLocalMode({ dataDir: dataDir as string, args: SWEEP_ARGS });
    expect(live().adminToken).toBe(before);
    const device = await admin('GET', '/v1/devices/e2e-down');
    expect(device.status).toBe(200);
    expect(device.body).toMatchObject({ deviceId: 'e2e-down', beats: 2 });
    expect((await beat('e2e-down')).status).toBe(200);
  }, 120_000);

  it('takes DynamoDB Local down with it when the server is killed with SIGKILL', async () => {
    const running = live();
    const tree = descendants(running.pid);
    const java = tree.filter((p) => p.comm === 'java');
    expect(java).toHaveLength(1);
    running.child.kill('SIGKILL');
    await running.exited();
    await until('every child of the killed server to exit', () => tree.every((p) => !isRunning(p.pid)), 20_000);
  }, 60_000);
});
