/**
 * The service contract, sections "Management (operator)" and "History: outages and uptime",
 * checked sentence by sentence through local mode's real HTTP server and handlers over DynamoDB
 * Local, on a fake clock (outages come from real sweeps, not from writing history by hand).
 * Every test uses device ids (and groups) of its own; listings are filtered by a group of the test.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHistoryTable, createTestTable, type TestHistoryTable, type TestTable } from '../support/dynamodb';
import { LOCAL_API_SECRET, startLocalApi, type ApiAnswer, type LocalApi } from '../support/local-api';
import { runCli, tempDir } from '../e2e/support/local-process';

let table: TestTable;
let historyTable: TestHistoryTable;
let api: LocalApi;
/** Every DynamoDB command the API has sent (no sweep runs unless a test calls one). */
const commands: string[] = [];

beforeAll(async () => {
  [table, historyTable] = await Promise.all([createTestTable(), createTestHistoryTable()]);
  api = await startLocalApi({ tableName: table.tableName, historyTableName: historyTable.tableName, commands });
});

/** The DynamoDB commands `act` made the API send. */
async function commandsOf(act: () => Promise<unknown>): Promise<string[]> {
  const from = commands.length;
  await act();
  return commands.slice(from);
}

afterAll(async () => {
  await api?.close();
  await Promise.all([table?.drop(), historyTable?.drop()]);
});

const JSON_UTF8 = 'application/json; charset=utf-8';
const SECOND = 1000;
const HOUR = 3_600 * SECOND;
const DEVICE_KEYS = ['beats', 'deadline', 'deviceId', 'downSince', 'failThreshold', 'grace', 'group', 'interval', 'lastSeen', 'message', 'meta', 'recoverAfter', 'status'];
const INCIDENT_KEYS = ['deviceId', 'downForSeconds', 'downSince', 'group', 'incidentId', 'message', 'reason', 'upAt'];

let seq = 0;
const fresh = (prefix: string) => `${prefix}-${++seq}-${Date.now().toString(36)}`;
const iso = (ms: number) => new Date(ms).toISOString();
const body = (answer: ApiAnswer): any => JSON.parse(answer.text);

const tokenOf = (deviceId: string) => createHmac('sha256', Buffer.from(LOCAL_API_SECRET, 'utf8')).update(deviceId, 'utf8').digest('base64url');
const beat = (deviceId: string, fields?: Record<string, unknown>) =>
  api.send({
    method: 'POST',
    path: `/v1/heartbeats/${deviceId}`,
    headers: { authorization: `Bearer ${tokenOf(deviceId)}`, ...(fields ? { 'content-type': 'application/json' } : {}) },
    ...(fields ? { body: JSON.stringify(fields) } : {}),
  });
const admin = (method: string, path: string, payload?: unknown) =>
  api.send({ method, path, headers: { ...api.adminAuth(), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}) });

function expectError(answer: ApiAnswer, status: number, code: string): void {
  expect({ status: answer.status, type: answer.headers['content-type'] }, answer.text).toEqual({ status, type: JSON_UTF8 });
  expect(body(answer)).toEqual({ error: { code, message: expect.any(String) } });
}

/**
 * A device (interval 5, grace 0) that beat, went silent past its deadline (swept: down), and, unless
 * `open`, beat again (swept: up) and was set to a two-day deadline, so that later clock jumps of
 * other tests open no second outage of it.
 */
async function outage(deviceId: string, options: { group?: string; open?: boolean; silentMs?: number } = {}): Promise<void> {
  if (options.group) await admin('PUT', `/v1/devices/${deviceId}`, { group: options.group });
  await beat(deviceId, { interval: 5, grace: 0, message: 'before' });
  api.clock.advance(5 * SECOND + (options.silentMs ?? SECOND));
  await api.sweep();
  if (options.open) return;
  await beat(deviceId);
  await api.sweep();
  await admin('PUT', `/v1/devices/${deviceId}`, { interval: 86_400, grace: 86_400 });
}

describe('Management: authorization', () => {
  it.each([
    ['GET', '/v1/devices'],
    ['GET', '/v1/devices/mgmt-any'],
    ['PUT', '/v1/devices/mgmt-any'],
    ['DELETE', '/v1/devices/mgmt-any'],
    ['GET', '/v1/devices/mgmt-any/incidents'],
    ['GET', '/v1/incidents'],
  ])('answers %s %s 401 unauthorized without the admin token, with a wrong one and with a device token, changing nothing', async (method, path) => {
    for (const authorization of [undefined, 'Bearer wrong-admin-token', `Bearer ${tokenOf('mgmt-any')}`, `Basic ${api.adminAuth().authorization?.slice(7)}`]) {
      const answer = await api.send({ method, path, headers: authorization ? { authorization } : {} });
      expectError(answer, 401, 'unauthorized');
    }
    expect((await admin('GET', '/v1/devices/mgmt-any')).status).toBe(404);
  });

  it('serves GET /v1/health with no credential: {"ok": true, "lastSweepAt", "devices": {"up", "down", "paused"}}', async () => {
    await api.sweep();
    const answer = await api.send({ method: 'GET', path: '/v1/health' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(JSON_UTF8);
    const health = body(answer);
    expect(health).toMatchObject({ ok: true, lastSweepAt: expect.stringMatching(/Z$/), devices: { up: expect.any(Number), down: expect.any(Number), paused: expect.any(Number) } });
    expect((await api.send({ method: 'POST', path: '/v1/health' })).status).toBe(405);
  });

  it('answers HEAD /v1/health (how uptime checkers often probe) with GET\'s status and headers and no body', async () => {
    await api.sweep();
    const answer = await api.send({ method: 'HEAD', path: '/v1/health' });
    expect({ status: answer.status, type: answer.headers['content-type'], text: answer.text }).toEqual({ status: 200, type: JSON_UTF8, text: '' });
    const other = await api.send({ method: 'DELETE', path: '/v1/health' });
    expectError(other, 405, 'method_not_allowed');
    expect(other.headers.allow).toBe('GET, HEAD');
  });

  it('reads GET /v1/health from the summary with one read per request, never a scan', async () => {
    await api.sweep();
    for (let i = 0; i < 3; i++) {
      const sent = await commandsOf(() => api.send({ method: 'GET', path: '/v1/health' }));
      expect(sent).toEqual(['GetItemCommand']);
    }
  });
});

describe('Management: devices', () => {
  it('creates with PUT (201, status "new") and updates (200), returning the Device with every field, absent values null', async () => {
    const id = fresh('put');
    const created = await admin('PUT', `/v1/devices/${id}`, { interval: 30 });
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toBe(JSON_UTF8);
    const device = body(created);
    for (const key of DEVICE_KEYS) expect(device, key).toHaveProperty(key);
    expect(device).toMatchObject({ deviceId: id, status: 'new', group: null, interval: 30, grace: 30, lastSeen: null, deadline: null, downSince: null, beats: 0, message: null, meta: null });

    const updated = await admin('PUT', `/v1/devices/${id}`, { group: 'plant-a', grace: 0, failThreshold: 3, recoverAfter: 600 });
    expect(updated.status).toBe(200);
    expect(body(updated)).toMatchObject({ deviceId: id, status: 'new', group: 'plant-a', interval: 30, grace: 0, failThreshold: 3, recoverAfter: 600 });
  });

  it('takes an empty PUT body (registers with the defaults), and paused as a boolean only', async () => {
    const id = fresh('put-empty');
    const created = await api.send({ method: 'PUT', path: `/v1/devices/${id}`, headers: api.adminAuth() });
    expect(created.status).toBe(201);
    expect(body(created)).toMatchObject({ interval: 60, grace: 60 });
    expect(body(await admin('PUT', `/v1/devices/${id}`, { paused: true })).status).toBe('paused');
    expectError(await admin('PUT', `/v1/devices/${id}`, { paused: 'false' }), 400, 'invalid_body');
    expect(body(await admin('PUT', `/v1/devices/${id}`, { paused: false })).status).toBe('new');
  });

  it.each([
    ['an unknown field', { colour: 'red' }],
    ['an interval of 4', { interval: 4 }],
    ['an interval of 86401', { interval: 86_401 }],
    ['a grace of -1', { grace: -1 }],
    ['a group of 65 characters', { group: 'g'.repeat(65) }],
    ['a group with a space', { group: 'plant a' }],
    ['a failThreshold of 101', { failThreshold: 101 }],
    ['a recoverAfter of 86401', { recoverAfter: 86_401 }],
  ])('answers PUT with %s 400 invalid_body and changes nothing', async (_label, payload) => {
    const id = fresh('put-bad');
    await admin('PUT', `/v1/devices/${id}`, { interval: 30 });
    expectError(await admin('PUT', `/v1/devices/${id}`, payload), 400, 'invalid_body');
    expect(body(await admin('GET', `/v1/devices/${id}`))).toMatchObject({ interval: 30, grace: 30, group: null });
    const unseen = fresh('put-bad');
    expectError(await admin('PUT', `/v1/devices/${unseen}`, payload), 400, 'invalid_body');
    expect((await admin('GET', `/v1/devices/${unseen}`)).status).toBe(404);
  });

  it('takes a group of exactly 64 characters of the deviceId alphabet', async () => {
    const group = `A.b_c:d-${'9'.repeat(56)}`;
    expect(group).toHaveLength(64);
    const answer = await admin('PUT', `/v1/devices/${fresh('group64')}`, { group });
    expect(answer.status).toBe(201);
    expect(body(answer).group).toBe(group);
  });

  it('answers GET of an unknown device 404 not_found, and of a known one its Device with uptime {"1d", "7d", "30d"}', async () => {
    expectError(await admin('GET', `/v1/devices/${fresh('nobody')}`), 404, 'not_found');
    const id = fresh('get');
    await beat(id, { message: 'hello', meta: { fw: '1.0' } });
    api.clock.advance(10 * SECOND);
    const device = body(await admin('GET', `/v1/devices/${id}`));
    for (const key of DEVICE_KEYS) expect(device, key).toHaveProperty(key);
    expect(device).toMatchObject({ deviceId: id, status: 'up', message: 'hello', meta: { fw: '1.0' }, beats: 1, uptime: { '1d': 1, '7d': 1, '30d': 1 } });
  });

  it('gives uptime null before the first beat, and a fraction from 0 to 1 of the time the device was not down', async () => {
    const registered = fresh('uptime-new');
    await admin('PUT', `/v1/devices/${registered}`, {});
    expect(body(await admin('GET', `/v1/devices/${registered}`)).uptime).toEqual({ '1d': null, '7d': null, '30d': null });

    const id = fresh('uptime');
    await beat(id, { interval: 5, grace: 0 });
    api.clock.advance(10 * SECOND); // 5 s up, then down from the deadline
    await api.sweep();
    api.clock.advance(5 * SECOND);
    await beat(id);
    await api.sweep();
    await admin('PUT', `/v1/devices/${id}`, { interval: 86_400 });
    api.clock.advance(10 * SECOND);
    const { uptime } = body(await admin('GET', `/v1/devices/${id}`));
    // 25 s since the first beat, down from its deadline (5 s) to the recovery (15 s): up 15 s of 25.
    for (const window of ['1d', '7d', '30d']) expect(uptime[window]).toBeCloseTo(15 / 25, 5);
  });

  it('forgets a device with DELETE (204, no body), after which it is 404 everywhere; an unknown one is 404', async () => {
    const id = fresh('delete');
    await beat(id);
    const deleted = await admin('DELETE', `/v1/devices/${id}`);
    expect({ status: deleted.status, text: deleted.text }).toEqual({ status: 204, text: '' });
    expectError(await admin('GET', `/v1/devices/${id}`), 404, 'not_found');
    expectError(await admin('GET', `/v1/devices/${id}/incidents`), 404, 'not_found');
    expectError(await admin('DELETE', `/v1/devices/${id}`), 404, 'not_found');
  });

  it('answers other methods 405 method_not_allowed with an Allow header', async () => {
    for (const [method, path, allow] of [
      ['POST', '/v1/devices', 'GET'],
      ['PATCH', `/v1/devices/${fresh('m')}`, 'GET, PUT, DELETE'],
      ['POST', `/v1/devices/${fresh('m')}`, 'GET, PUT, DELETE'],
      ['DELETE', '/v1/incidents', 'GET'],
    ] as const) {
      const answer = await admin(method, path);
      expectError(answer, 405, 'method_not_allowed');
      expect(answer.headers.allow).toBe(allow);
    }
  });
});

describe('Management: GET /v1/devices', () => {
  it('answers {"devices": [Device...], "cursor"}, page by page with limit and cursor, each device exactly once, the last cursor null', async () => {
    const group = fresh('page-group');
    const ids = Array.from({ length: 5 }, () => fresh('page'));
    for (const id of ids) await admin('PUT', `/v1/devices/${id}`, { group });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const answer = await admin('GET', `/v1/devices?group=${group}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(answer.status).toBe(200);
      const listed = body(answer);
      expect(Object.keys(listed).sort()).toEqual(['cursor', 'devices']);
      expect(listed.devices.length).toBeLessThanOrEqual(2);
      for (const device of listed.devices) for (const key of DEVICE_KEYS) expect(device, key).toHaveProperty(key);
      seen.push(...listed.devices.map((d: any) => d.deviceId));
      cursor = listed.cursor;
      if (cursor === null) break;
      expect(typeof cursor).toBe('string');
    }
    expect(cursor).toBeNull();
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('filters by status and group, and treats empty values (?status=&group=&limit=&cursor=) as not given', async () => {
    const group = fresh('filter-group');
    const [up, paused, fresh1] = [fresh('f-up'), fresh('f-paused'), fresh('f-new')];
    for (const id of [up, paused, fresh1]) await admin('PUT', `/v1/devices/${id}`, { group });
    await beat(up);
    await beat(paused);
    await admin('PUT', `/v1/devices/${paused}`, { paused: true });
    const list = async (query: string) => body(await admin('GET', `/v1/devices?${query}`)).devices.map((d: any) => d.deviceId).sort();
    expect(await list(`group=${group}&status=up`)).toEqual([up]);
    expect(await list(`group=${group}&status=paused`)).toEqual([paused]);
    expect(await list(`group=${group}&status=new`)).toEqual([fresh1]);
    expect(await list(`group=${group}&status=down`)).toEqual([]);
    expect(await list(`status=&group=${group}&limit=&cursor=`)).toEqual([up, paused, fresh1].sort());
  });

  it.each([
    ['status=UP'],
    ['status=gone'],
    ['limit=0'],
    ['limit=-1'],
    ['limit=abc'],
    ['limit=1.5'],
    ['group=plant%20a'],
    ['cursor=not-a-cursor'],
    ['colour=red'],
  ])('answers ?%s with 400 invalid_query', async (query) => {
    expectError(await admin('GET', `/v1/devices?${query}`), 400, 'invalid_query');
  });
});

describe('History: GET /v1/devices/{deviceId}/incidents', () => {
  it('lists the outages newest first, as Incident objects, with upAt and downForSeconds null while open', async () => {
    const id = fresh('inc');
    await outage(id, { group: 'plant-h' });
    const firstDown = api.clock.now();
    await outage(id, { open: true, silentMs: 3 * SECOND });
    const answer = await admin('GET', `/v1/devices/${id}/incidents`);
    expect(answer.status).toBe(200);
    const { incidents, cursor } = body(answer);
    expect(cursor).toBeNull();
    expect(incidents).toHaveLength(2);
    for (const incident of incidents) expect(Object.keys(incident).sort()).toEqual(INCIDENT_KEYS);
    const [open, closed] = incidents;
    expect(Date.parse(open.downSince)).toBeGreaterThan(Date.parse(closed.downSince));
    expect(open).toMatchObject({ deviceId: id, group: 'plant-h', reason: 'timeout', upAt: null, downForSeconds: null, incidentId: `${id}:${open.downSince}` });
    expect(closed).toMatchObject({ deviceId: id, group: 'plant-h', reason: 'timeout', upAt: iso(firstDown), downForSeconds: expect.any(Number) });
    expect(closed.downForSeconds).toBe(Math.floor((Date.parse(closed.upAt) - Date.parse(closed.downSince)) / 1000));
  });

  it('pages with limit and cursor, each outage exactly once', async () => {
    const id = fresh('inc-page');
    for (let i = 0; i < 3; i++) await outage(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = body(await admin('GET', `/v1/devices/${id}/incidents?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      expect(page.incidents.length).toBeLessThanOrEqual(1);
      seen.push(...page.incidents.map((i: any) => i.incidentId));
      cursor = page.cursor;
    } while (cursor !== null && seen.length < 10);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it('answers 404 for an unknown device, an empty list for one that never went down, and 400 invalid_query for a bad limit or cursor', async () => {
    expectError(await admin('GET', `/v1/devices/${fresh('inc-none')}/incidents`), 404, 'not_found');
    const id = fresh('inc-quiet');
    await beat(id);
    expect(body(await admin('GET', `/v1/devices/${id}/incidents`))).toEqual({ incidents: [], cursor: null });
    for (const query of ['limit=0', 'limit=x', 'cursor=zzz', 'since=2026-01-01T00:00:00Z']) expectError(await admin('GET', `/v1/devices/${id}/incidents?${query}`), 400, 'invalid_query');
  });
});

describe('History: GET /v1/incidents', () => {
  it('lists the fleet\'s outages open at or after since (default 24 hours ago), newest first, narrowed to one group', async () => {
    const group = fresh('fleet');
    const [old, recent, other] = [fresh('old'), fresh('recent'), fresh('other')];
    await outage(old, { group });
    const oldUp = api.clock.now();
    api.clock.advance(25 * HOUR);
    await outage(recent, { group });
    await outage(other, { group: fresh('elsewhere') });

    const byDefault = body(await admin('GET', `/v1/incidents?group=${group}`));
    expect(byDefault.incidents.map((i: any) => i.deviceId)).toEqual([recent]);
    expect(Object.keys(byDefault).sort()).toEqual(['cursor', 'incidents']);

    const since = iso(oldUp - SECOND);
    const reaching = body(await admin('GET', `/v1/incidents?group=${group}&since=${since}`));
    expect(reaching.incidents.map((i: any) => i.deviceId)).toEqual([recent, old]);
    for (const incident of reaching.incidents) expect(Object.keys(incident).sort()).toEqual(INCIDENT_KEYS);
    const atTheEnd = body(await admin('GET', `/v1/incidents?group=${group}&since=${iso(oldUp)}`));
    expect(atTheEnd.incidents.map((i: any) => i.deviceId)).toEqual([recent, old]);
    const justAfter = body(await admin('GET', `/v1/incidents?group=${group}&since=${iso(oldUp + 1)}`));
    expect(justAfter.incidents.map((i: any) => i.deviceId)).toEqual([recent]);
  });

  it('reads since as ISO-8601 with an offset, escaped (%2B01:00) or typed as is (+01:00, which a URL query turns into a space)', async () => {
    const group = fresh('offset');
    const id = fresh('offset-dev');
    await outage(id, { group });
    const upAt = api.clock.now();
    const local = new Date(upAt - SECOND + 3_600_000).toISOString().replace('Z', '');
    for (const query of [`since=${local}%2B01:00`, `since=${local}+01:00`]) {
      const answer = await admin('GET', `/v1/incidents?group=${group}&${query}`);
      expect(answer.status, query).toBe(200);
      expect(body(answer).incidents.map((i: any) => i.deviceId)).toEqual([id]);
    }
  });

  it.each(['since=yesterday', 'since=2026-11-25', 'since=1700000000', 'limit=0', 'group=a%20b', 'colour=red', 'cursor=zzz'])('answers ?%s with 400 invalid_query', async (query) => {
    expectError(await admin('GET', `/v1/incidents?${query}`), 400, 'invalid_query');
  });
});

describe('History: reads', () => {
  it('never scans a table to answer the history routes', async () => {
    const id = fresh('no-scan');
    await outage(id, { group: 'plant-s' });
    const sent = await commandsOf(async () => {
      expect((await admin('GET', `/v1/devices/${id}/incidents`)).status).toBe(200);
      expect((await admin('GET', '/v1/incidents?group=plant-s')).status).toBe(200);
      expect((await admin('GET', '/v1/incidents')).status).toBe(200);
    });
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((name) => name.startsWith('Scan'))).toEqual([]);
  });
});

describe('History: retention', () => {
  it('keeps history at least 90 days: local mode refuses --history-days and HEARTBEAT_HISTORY_DAYS below 90', async () => {
    const dataDir = tempDir('hb-history-days');
    const flag = await runCli(['start', '--port', '0', '--data-dir', dataDir, '--history-days', '89']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('--history-days must be a whole number from 90');
    const env = await runCli(['start', '--port', '0', '--data-dir', dataDir], { HEARTBEAT_HISTORY_DAYS: '89' });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('HEARTBEAT_HISTORY_DAYS must be a whole number from 90');
  });
});
