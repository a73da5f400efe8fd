/**
 * The service contract, sections "Words", "Device tokens", the HTTP API's general rules and
 * `POST /v1/heartbeats/{deviceId}`, checked sentence by sentence through local mode's real HTTP
 * server and handlers over DynamoDB Local. Time comes from a fake clock, so deadlines are exact and
 * nothing waits. Every test uses device ids of its own (the table is shared by this file's tests).
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHistoryTable, createTestTable, type TestHistoryTable, type TestTable } from '../support/dynamodb';
import { LOCAL_API_SECRET, startLocalApi, type ApiAnswer, type LocalApi } from '../support/local-api';

let table: TestTable;
let historyTable: TestHistoryTable;
let api: LocalApi;

beforeAll(async () => {
  [table, historyTable] = await Promise.all([createTestTable(), createTestHistoryTable()]);
  api = await startLocalApi({ tableName: table.tableName, historyTableName: historyTable.tableName });
});

afterAll(async () => {
  await api?.close();
  await Promise.all([table?.drop(), historyTable?.drop()]);
});

const JSON_UTF8 = 'application/json; charset=utf-8';
const SECOND = 1000;

/** The contract's token, computed here from its formula (not with the service's own helper). */
const tokenOf = (secret: string, deviceId: string) => createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(deviceId, 'utf8')).digest('base64url');

/** A beat with a raw body (or none) and the device's own token unless `headers` says otherwise. */
function beat(deviceId: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const auth = { authorization: `Bearer ${tokenOf(LOCAL_API_SECRET, deviceId)}` };
  const type: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  return api.send({ method: 'POST', path: `/v1/heartbeats/${encodeURIComponent(deviceId)}`, headers: { ...auth, ...type, ...headers }, ...(body !== undefined ? { body } : {}) });
}
const beatJson = (deviceId: string, body: unknown) => beat(deviceId, JSON.stringify(body));

const admin = (method: string, path: string, body?: unknown) =>
  api.send({ method, path, headers: { ...api.adminAuth(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

/** The stored device as `GET /v1/devices/{id}` answers it, or null for a 404. */
async function device(deviceId: string): Promise<Record<string, any> | null> {
  const answer = await admin('GET', `/v1/devices/${encodeURIComponent(deviceId)}`);
  if (answer.status === 404) return null;
  expect(answer.status).toBe(200);
  return JSON.parse(answer.text);
}

const body = (answer: ApiAnswer): any => JSON.parse(answer.text);

/** Asserts the contract's error: status, JSON content type, exactly `{error: {code, message}}`, no internals. */
function expectError(answer: ApiAnswer, status: number, code: string): void {
  expect({ status: answer.status, type: answer.headers['content-type'] }, answer.text).toEqual({ status, type: JSON_UTF8 });
  const parsed = body(answer);
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(Object.keys(parsed.error).sort()).toEqual(['code', 'message']);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message).toMatch(/^\S.{5,}[.!?]?$/s);
  expect(answer.text).not.toMatch(/\bat .+:\d+:\d+|Error:|node_modules|lambdas\/|Dynamo|Exception/);
}

const iso = (ms: number) => new Date(ms).toISOString();
let seq = 0;
/** A device id of this test run alone. */
const fresh = (prefix: string) => `${prefix}-${++seq}-${Date.now().toString(36)}`;

describe('Words: deviceId', () => {
  it('accepts 1-128 characters of A-Z a-z 0-9 . _ : - (a 1-character id, a 128-character id, every class of the alphabet)', async () => {
    const ids = ['x', 'A'.repeat(128), `Az09._:-${fresh('w')}`];
    for (const id of ids) {
      const answer = await beat(id);
      expect(answer.status, id).toBe(200);
      expect(body(answer).deviceId).toBe(id);
    }
  });

  it.each([
    ['129 characters', 'B'.repeat(129)],
    ['a space', 'a b'],
    ['a slash (escaped)', 'a/b'],
    ['a plus', 'a+b'],
    ['an at sign', 'a@b'],
    ['a non-ASCII letter', 'caf\u00e9'],
    ['a tilde', 'a~b'],
  ])('answers 400 invalid_device_id for an id with %s, and keeps no record', async (_label, id) => {
    const answer = await beat(id);
    expectError(answer, 400, 'invalid_device_id');
  });

  it('answers 404 not_found for an empty id segment (no route)', async () => {
    const answer = await api.send({ method: 'POST', path: '/v1/heartbeats//', headers: { authorization: `Bearer ${tokenOf(LOCAL_API_SECRET, '')}` } });
    expectError(answer, 404, 'not_found');
  });
});

describe('Words: interval, grace and deadline', () => {
  it('defaults the interval to 60 and the grace to the interval: deadline = lastSeen + 120 s', async () => {
    const id = fresh('defaults');
    const answer = await beat(id);
    const now = api.clock.now();
    expect(body(answer)).toEqual({ deviceId: id, status: 'up', lastSeen: iso(now), deadline: iso(now + 120 * SECOND) });
    expect(await device(id)).toMatchObject({ interval: 60, grace: 60 });
  });

  it('allows an interval of 5 to 86400 and a grace of 0 to 86400, and refuses one past either end', async () => {
    const id = fresh('ranges');
    for (const [field, value, status] of [
      ['interval', 5, 200],
      ['interval', 86_400, 200],
      ['interval', 4, 400],
      ['interval', 86_401, 400],
      ['grace', 0, 200],
      ['grace', 86_400, 200],
      ['grace', -1, 400],
      ['grace', 86_401, 400],
    ] as const) {
      const answer = await beatJson(id, { [field]: value });
      expect(answer.status, `${field} ${value}`).toBe(status);
      if (status === 400) {
        expectError(answer, 400, 'invalid_body');
        expect(body(answer).error.message).toContain(`"${field}"`);
      }
    }
  });

  it('lets the grace follow the interval while it was never set explicitly, and keeps an explicit grace when the interval changes', async () => {
    const id = fresh('follows');
    const first = body(await beatJson(id, { interval: 10 }));
    expect(Date.parse(first.deadline) - Date.parse(first.lastSeen)).toBe(20 * SECOND);
    const second = body(await beatJson(id, { interval: 30 }));
    expect(Date.parse(second.deadline) - Date.parse(second.lastSeen)).toBe(60 * SECOND);
    expect(await device(id)).toMatchObject({ interval: 30, grace: 30 });

    await beatJson(id, { grace: 7 });
    const fourth = body(await beatJson(id, { interval: 50 }));
    expect(Date.parse(fourth.deadline) - Date.parse(fourth.lastSeen)).toBe(57 * SECOND);
    expect(await device(id)).toMatchObject({ interval: 50, grace: 7 });
  });

  it('is down only when silent past its deadline: up at the deadline itself, down 1 ms after', async () => {
    const id = fresh('deadline');
    const answer = body(await beatJson(id, { interval: 5, grace: 0 }));
    const deadline = Date.parse(answer.deadline);
    api.clock.set(deadline);
    await api.sweep();
    expect((await device(id))?.status).toBe('up');
    api.clock.set(deadline + 1);
    await api.sweep();
    expect(await device(id)).toMatchObject({ status: 'down', downSince: iso(deadline) });
    expect(api.published.ofType('device.down', id)).toHaveLength(1);
  });

  it('dates a timeout outage at the deadline and a fail at the beat, and counts downForSeconds in whole seconds to the recovery', async () => {
    const silent = fresh('timeout');
    const deadline = Date.parse(body(await beatJson(silent, { interval: 5, grace: 0 })).deadline);
    api.clock.set(deadline + 2_500);
    await api.sweep();
    api.clock.advance(1_700); // recovery 4.2 s after the deadline: 4 whole seconds
    await beat(silent);
    await api.sweep();
    const [up] = api.published.ofType('device.up', silent);
    expect(up).toMatchObject({ downSince: iso(deadline), downForSeconds: 4 });

    const failing = fresh('fail');
    const failedAt = api.clock.now();
    await beatJson(failing, { status: 'fail' });
    expect(await device(failing)).toMatchObject({ status: 'down', downSince: iso(failedAt) });
    api.clock.advance(61_999);
    await beat(failing);
    await api.sweep();
    expect(api.published.ofType('device.up', failing)).toEqual([expect.objectContaining({ downSince: iso(failedAt), downForSeconds: 61 })]);
  });
});

describe('Words: status', () => {
  it('keeps a registered device "new" with no alert however long it never beats, until its first beat', async () => {
    const id = fresh('new');
    expect((await admin('PUT', `/v1/devices/${id}`, { interval: 5, grace: 0 })).status).toBe(201);
    api.clock.advance(3_600 * SECOND);
    await api.sweep();
    expect((await device(id))?.status).toBe('new');
    expect(api.published.alerts.filter((a) => 'deviceId' in a && a.deviceId === id)).toEqual([]);
    const first = body(await beat(id));
    expect(first.status).toBe('up');
  });

  it('has no record of a device that never beat and was never registered, even after refused beats', async () => {
    const id = fresh('ghost');
    expect((await beat(id, undefined, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await beatJson(id, { interval: 1 })).status).toBe(400);
    expect(await device(id)).toBeNull();
  });

  it('takes lastSeen from the server clock: a time the device claims is an unknown field', async () => {
    const id = fresh('clock');
    const answer = await beatJson(id, { lastSeen: '2000-01-01T00:00:00.000Z' });
    expectError(answer, 400, 'invalid_body');
    expect(body(answer).error.message).toContain('"lastSeen"');
    const now = api.clock.now();
    expect(body(await beat(id)).lastSeen).toBe(iso(now));
  });

  it('starts a new deadline from the resume time when a paused device is resumed', async () => {
    const id = fresh('resume');
    await beatJson(id, { interval: 5, grace: 0 });
    await admin('PUT', `/v1/devices/${id}`, { paused: true });
    api.clock.advance(3_600 * SECOND);
    await api.sweep();
    const resumedAt = api.clock.now();
    const resumed = JSON.parse((await admin('PUT', `/v1/devices/${id}`, { paused: false })).text);
    expect(resumed).toMatchObject({ status: 'up', deadline: iso(resumedAt + 5 * SECOND) });
    await api.sweep();
    expect(api.published.alerts.filter((a) => 'deviceId' in a && a.deviceId === id)).toEqual([]);
  });
});

describe('Device tokens', () => {
  it('accepts base64url_no_padding(HMAC-SHA256(key = signing secret in UTF-8, message = deviceId in UTF-8)): 43 characters, no "="', async () => {
    const id = fresh('formula');
    const token = tokenOf(LOCAL_API_SECRET, id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const answer = await beat(id, undefined, { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
  });

  it.each([
    ['no Authorization header', null],
    ['the token padded with "="', (t: string) => `Bearer ${t}=`],
    ['the token in standard base64 (+ and /)', (t: string) => `Bearer ${Buffer.from(t, 'base64url').toString('base64').replace(/=+$/, '')}`],
    ['the token in hex', (t: string) => `Bearer ${Buffer.from(t, 'base64url').toString('hex')}`],
    ['the token of another device', () => `Bearer ${tokenOf(LOCAL_API_SECRET, 'someone-else')}`],
    ['a token of another secret', (_t: string, id: string) => `Bearer ${tokenOf('another-secret-0123456789', id)}`],
    ['another scheme', (t: string) => `Basic ${t}`],
    ['the scheme alone', () => 'Bearer'],
  ])('answers 401 unauthorized for %s, and writes nothing', async (_label, authorization) => {
    // An id whose token has a "-" or "_", so that its standard-base64 spelling differs from it.
    let id = fresh('refused');
    while (!/[-_]/.test(tokenOf(LOCAL_API_SECRET, id))) id = fresh('refused');
    const token = tokenOf(LOCAL_API_SECRET, id);
    const headers: Record<string, string> = authorization === null ? {} : { authorization: authorization(token, id) };
    const answer = await api.send({ method: 'POST', path: `/v1/heartbeats/${id}`, headers });
    expectError(answer, 401, 'unauthorized');
    expect(await device(id)).toBeNull();
  });

  it('reads the Authorization header and the Bearer scheme whatever their case', async () => {
    const id = fresh('case');
    const token = tokenOf(LOCAL_API_SECRET, id);
    for (const [name, scheme] of [
      ['AUTHORIZATION', 'Bearer'],
      ['authorization', 'bearer'],
      ['Authorization', 'BEARER'],
    ]) {
      const answer = await api.send({ method: 'POST', path: `/v1/heartbeats/${id}`, headers: { [name as string]: `${scheme} ${token}` } });
      expect(answer.status, `${name}: ${scheme}`).toBe(200);
    }
  });
});

describe('HTTP API: bodies and errors', () => {
  it('answers every body as JSON with content type application/json; charset=utf-8 (200, 4xx, unknown route, wrong method)', async () => {
    const id = fresh('types');
    const answers = [
      await beat(id),
      await beat('bad id!'),
      await api.send({ method: 'GET', path: '/v1/nothing-here' }),
      await api.send({ method: 'GET', path: `/v1/heartbeats/${id}` }),
      await admin('GET', `/v1/devices/${id}`),
      await api.send({ method: 'GET', path: '/v1/health' }),
    ];
    for (const answer of answers) {
      expect(answer.headers['content-type']).toBe(JSON_UTF8);
      expect(() => JSON.parse(answer.text)).not.toThrow();
    }
  });
});

describe('POST /v1/heartbeats/{deviceId}', () => {
  it('answers 200 {deviceId, status, lastSeen, deadline} with ISO-8601 UTC times, nothing else', async () => {
    const id = fresh('answer');
    const answer = await beat(id);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(JSON_UTF8);
    const parsed = body(answer);
    expect(Object.keys(parsed).sort()).toEqual(['deadline', 'deviceId', 'lastSeen', 'status']);
    expect(parsed.lastSeen).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(parsed.deadline).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('accepts an empty body with no content type, and one with any content type', async () => {
    const id = fresh('empty');
    expect((await api.send({ method: 'POST', path: `/v1/heartbeats/${id}`, headers: { authorization: `Bearer ${tokenOf(LOCAL_API_SECRET, id)}` } })).status).toBe(200);
    expect((await beat(id, undefined, { 'content-type': 'text/plain' })).status).toBe(200);
  });

  it('keeps message and meta as the last ones, and leaves them when a later beat does not send them', async () => {
    const id = fresh('kept');
    await beatJson(id, { message: 'fw 1.2', meta: { battery: 87, fw: { major: 1 } } });
    await beat(id);
    expect(await device(id)).toMatchObject({ message: 'fw 1.2', meta: { battery: 87, fw: { major: 1 } } });
    await beatJson(id, { message: 'fw 1.3', meta: { battery: 80 } });
    expect(await device(id)).toMatchObject({ message: 'fw 1.3', meta: { battery: 80 } });
  });

  it('counts message length in characters: 256 four-byte emoji are accepted, 257 are not; 256 ASCII yes, 257 no', async () => {
    const id = fresh('message');
    expect((await beatJson(id, { message: '\u{1F50B}'.repeat(256) })).status).toBe(200);
    expect((await device(id))?.message).toBe('\u{1F50B}'.repeat(256));
    expectError(await beatJson(id, { message: '\u{1F50B}'.repeat(257) }), 400, 'invalid_body');
    expect((await beatJson(id, { message: 'm'.repeat(256) })).status).toBe(200);
    expectError(await beatJson(id, { message: 'm'.repeat(257) }), 400, 'invalid_body');
    expectError(await beatJson(id, { message: 42 }), 400, 'invalid_body');
  });

  it('measures meta as the UTF-8 length of its JSON: exactly 1024 bytes (multi-byte too) accepted, 1025 refused', async () => {
    const id = fresh('meta');
    const overhead = Buffer.byteLength(JSON.stringify({ k: '' }));
    const ascii1024 = { k: 'x'.repeat(1024 - overhead) };
    const twoByte1024 = { k: '\u00e9'.repeat((1024 - overhead) / 2) };
    const ascii1025 = { k: 'x'.repeat(1025 - overhead) };
    expect(Buffer.byteLength(JSON.stringify(twoByte1024))).toBe(1024);
    expect((await beatJson(id, { meta: ascii1024 })).status).toBe(200);
    expect((await beatJson(id, { meta: twoByte1024 })).status).toBe(200);
    expect((await device(id))?.meta).toEqual(twoByte1024);
    expectError(await beatJson(id, { meta: ascii1025 }), 400, 'invalid_body');
    for (const notAnObject of [[1], null, 'text', 3]) expectError(await beatJson(id, { meta: notAnObject }), 400, 'invalid_body');
  });

  it('keeps meta of any keys as plain data ("constructor", "prototype", "__proto__") and answers it back unchanged', async () => {
    const id = fresh('meta-keys');
    const meta = '{"prototype":true,"constructor":"board-v2","nested":{"__proto__":{"x":1}}}';
    expect((await beat(id, `{"meta":${meta}}`)).status).toBe(200);
    const answer = await admin('GET', `/v1/devices/${id}`);
    expect(answer.text).toContain(`"meta":${meta}`);
  });

  it('takes next from 5 to 604800 for this one beat: deadline = lastSeen + next + grace, and the interval is unchanged for later beats', async () => {
    const id = fresh('next');
    await beatJson(id, { interval: 30, grace: 10 });
    const sleepy = body(await beatJson(id, { next: 604_800 }));
    expect(Date.parse(sleepy.deadline) - Date.parse(sleepy.lastSeen)).toBe((604_800 + 10) * SECOND);
    const short = body(await beatJson(id, { next: 5 }));
    expect(Date.parse(short.deadline) - Date.parse(short.lastSeen)).toBe((5 + 10) * SECOND);
    const later = body(await beat(id));
    expect(Date.parse(later.deadline) - Date.parse(later.lastSeen)).toBe((30 + 10) * SECOND);
    expect((await device(id))?.interval).toBe(30);
    for (const bad of [4, 604_801, 60.5, '60']) expectError(await beatJson(id, { next: bad }), 400, 'invalid_body');
  });

  it('takes status "ok" or "fail" and nothing else', async () => {
    const id = fresh('status');
    expect((await beatJson(id, { status: 'ok' })).status).toBe(200);
    for (const bad of ['OK', 'Fail', 'down', true, null]) expectError(await beatJson(id, { status: bad }), 400, 'invalid_body');
  });

  it.each([
    ['an integer written as 60.5', { interval: 60.5 }],
    ['an integer as a string', { interval: '60' }],
    ['an integer as null', { grace: null }],
    ['a boolean interval', { interval: true }],
  ])('answers 400 invalid_body for %s', async (_label, payload) => {
    expectError(await beatJson(fresh('types'), payload), 400, 'invalid_body');
  });

  it('answers 400 invalid_body naming any other field (also __proto__), and writes nothing', async () => {
    for (const [text, field] of [
      ['{"colour":"red"}', 'colour'],
      ['{"interval":30,"deviceId":"x"}', 'deviceId'],
      ['{"__proto__":{"interval":5}}', '__proto__'],
    ]) {
      const id = fresh('unknown');
      const answer = await beat(id, text);
      expectError(answer, 400, 'invalid_body');
      expect(body(answer).error.message).toContain(`"${field}"`);
      expect(await device(id)).toBeNull();
    }
  });

  it('answers 400 invalid_body for malformed JSON, JSON that is not an object, and bytes that are not UTF-8', async () => {
    for (const text of ['{', '{"interval":}', '[]', 'null', '"text"', '42', ' ', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])]) {
      const id = fresh('malformed');
      expectError(await beat(id, text), 400, 'invalid_body');
      expect(await device(id)).toBeNull();
    }
  });

  it('accepts a body of exactly 4096 bytes and answers 413 payload_too_large for 4097, writing nothing', async () => {
    const id = fresh('size');
    const fill = (size: number) => `{"message":"x"}${' '.repeat(size - 15)}`;
    expect(Buffer.byteLength(fill(4096))).toBe(4096);
    expect((await beat(id, fill(4096))).status).toBe(200);
    const other = fresh('size');
    expectError(await beat(other, fill(4097)), 413, 'payload_too_large');
    expect(await device(other)).toBeNull();
  });

  it('counts the 4096 bytes as bytes, not characters: 1368 characters that are 4100 bytes are 413', async () => {
    const id = fresh('bytes');
    const text = `"${'\u20ac'.repeat(1366)}"`;
    expect(Buffer.byteLength(text)).toBe(4100);
    expectError(await beat(id, text), 413, 'payload_too_large');
  });

  it('answers 415 unsupported_media_type for a non-empty body whose content type is not JSON in UTF-8, and writes nothing', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1', 'application/jsonx', null]) {
      const id = fresh('media');
      const headers: Record<string, string> = { authorization: `Bearer ${tokenOf(LOCAL_API_SECRET, id)}`, ...(type === null ? {} : { 'content-type': type }) };
      const answer = await api.send({ method: 'POST', path: `/v1/heartbeats/${id}`, headers, body: '{}' });
      expectError(answer, 415, 'unsupported_media_type');
      expect(await device(id)).toBeNull();
    }
  });

  it('takes JSON in UTF-8 whatever the case of the header name, media type and charset', async () => {
    for (const [name, type] of [
      ['Content-Type', 'application/json'],
      ['CONTENT-TYPE', 'Application/JSON; Charset=UTF-8'],
      ['content-type', 'application/json;charset="utf-8"'],
    ]) {
      const id = fresh('media-ok');
      const answer = await api.send({ method: 'POST', path: `/v1/heartbeats/${id}`, headers: { authorization: `Bearer ${tokenOf(LOCAL_API_SECRET, id)}`, [name as string]: type as string }, body: '{"interval":30}' });
      expect(answer.status, `${name}: ${type}`).toBe(200);
    }
  });

  it('answers the first applicable error in the order invalid_device_id, payload_too_large, unauthorized, unsupported_media_type, invalid_body', async () => {
    const big = 'x'.repeat(4097);
    const send = (id: string, headers: Record<string, string>, payload: string) => api.send({ method: 'POST', path: `/v1/heartbeats/${encodeURIComponent(id)}`, headers, body: payload });
    const id = fresh('order');
    const good = { authorization: `Bearer ${tokenOf(LOCAL_API_SECRET, id)}` };
    const bad = { authorization: 'Bearer wrong' };
    expectError(await send('bad id!', { ...bad, 'content-type': 'text/plain' }, big), 400, 'invalid_device_id');
    expectError(await send(id, { ...bad, 'content-type': 'text/plain' }, big), 413, 'payload_too_large');
    expectError(await send(id, { ...bad, 'content-type': 'text/plain' }, '{"colour":1}'), 401, 'unauthorized');
    expectError(await send(id, { ...good, 'content-type': 'text/plain' }, '{"colour":1}'), 415, 'unsupported_media_type');
    expectError(await send(id, { ...good, 'content-type': 'application/json' }, '{"colour":1}'), 400, 'invalid_body');
    expect(await device(id)).toBeNull();
  });

  it('throttles nothing locally by default: beats in the same millisecond are all recorded', async () => {
    const id = fresh('burst');
    for (let i = 0; i < 5; i++) expect((await beat(id)).status).toBe(200);
    expect((await device(id))?.beats).toBe(5);
  });

  it('records a beat of a paused device and raises no alert for it, not even for a fail', async () => {
    const id = fresh('paused');
    await beatJson(id, { interval: 5, grace: 0 });
    await admin('PUT', `/v1/devices/${id}`, { paused: true });
    const paused = body(await beatJson(id, { status: 'fail', message: 'sensor broken' }));
    expect(paused.status).toBe('paused');
    api.clock.advance(60 * SECOND);
    await api.sweep();
    expect(await device(id)).toMatchObject({ status: 'paused', beats: 2, message: 'sensor broken' });
    expect(api.published.alerts.filter((a) => 'deviceId' in a && a.deviceId === id)).toEqual([]);
  });

  it('turns the device down at a fail beat with one alert, raises none for more fails while down, and recovers at the next ok beat', async () => {
    const id = fresh('fails');
    await beat(id);
    expect(body(await beatJson(id, { status: 'fail', message: 'disk full' })).status).toBe('down');
    await api.sweep();
    api.clock.advance(SECOND);
    expect(body(await beatJson(id, { status: 'fail' })).status).toBe('down');
    await api.sweep();
    expect(api.published.ofType('device.down', id)).toEqual([expect.objectContaining({ reason: 'fail', message: 'disk full' })]);
    expect(body(await beatJson(id, { status: 'ok' })).status).toBe('up');
    await api.sweep();
    const [down] = api.published.ofType('device.down', id);
    expect(api.published.ofType('device.up', id)).toEqual([expect.objectContaining({ incidentId: down?.incidentId })]);
  });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('answers %s with 405 method_not_allowed and "Allow: POST"', async (verb) => {
    const id = fresh('method');
    const answer = await api.send({ method: verb, path: `/v1/heartbeats/${id}`, headers: { authorization: `Bearer ${tokenOf(LOCAL_API_SECRET, id)}` } });
    expectError(answer, 405, 'method_not_allowed');
    expect(answer.headers.allow).toBe('POST');
    expect(await device(id)).toBeNull();
  });

  it('answers HEAD with 405 and "Allow: POST", and no body', async () => {
    const answer = await api.send({ method: 'HEAD', path: `/v1/heartbeats/${fresh('head')}` });
    expect({ status: answer.status, allow: answer.headers.allow, text: answer.text }).toEqual({ status: 405, allow: 'POST', text: '' });
  });

  it('answers a trailing slash with 404 not_found, as API Gateway does for a path no route has', async () => {
    const id = fresh('slash');
    const answer = await api.send({ method: 'POST', path: `/v1/heartbeats/${id}/`, headers: { authorization: `Bearer ${tokenOf(LOCAL_API_SECRET, id)}` } });
    expectError(answer, 404, 'not_found');
    expect(await device(id)).toBeNull();
  });

  it('decodes a percent-escaped id: sensor%3A1 is the device sensor:1, with the token of sensor:1', async () => {
    const id = `${fresh('esc')}:1`;
    const answer = await api.send({ method: 'POST', path: `/v1/heartbeats/${id.replace(':', '%3A')}`, headers: { authorization: `Bearer ${tokenOf(LOCAL_API_SECRET, id)}` } });
    expect(answer.status).toBe(200);
    expect(body(answer).deviceId).toBe(id);
  });
});
