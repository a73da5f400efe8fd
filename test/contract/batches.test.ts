/**
 * The service contract, section "Beats in batches: `POST /v1/heartbeats`", checked sentence by
 * sentence through local mode's real HTTP server and handlers over DynamoDB Local, on a fake clock.
 * Every test uses device ids of its own.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { LOCAL_API_SECRET, startLocalApi, type ApiAnswer, type LocalApi } from '../support/local-api';

let table: TestTable;
let api: LocalApi;
let throttled: LocalApi;

beforeAll(async () => {
  table = await createTestTable();
  api = await startLocalApi({ tableName: table.tableName });
  throttled = await startLocalApi({ tableName: table.tableName, minBeatSpacingSeconds: 60, clock: api.clock });
});

afterAll(async () => {
  await api?.close();
  await throttled?.close();
  await table?.drop();
});

const JSON_UTF8 = 'application/json; charset=utf-8';
const tokenOf = (deviceId: string) => createHmac('sha256', Buffer.from(LOCAL_API_SECRET, 'utf8')).update(deviceId, 'utf8').digest('base64url');
let seq = 0;
const fresh = (prefix: string) => `${prefix}-${++seq}-${Date.now().toString(36)}`;
const entry = (deviceId: string, fields: Record<string, unknown> = {}) => ({ deviceId, token: tokenOf(deviceId), ...fields });

function postBatch(payload: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, on: LocalApi = api): Promise<ApiAnswer> {
  return on.send({ method: 'POST', path: '/v1/heartbeats', headers, body: payload });
}
const batch = (beats: unknown[], on: LocalApi = api) => postBatch(JSON.stringify({ beats }), undefined, on);
const body = (answer: ApiAnswer): any => JSON.parse(answer.text);

async function device(deviceId: string): Promise<Record<string, any> | null> {
  const answer = await api.send({ method: 'GET', path: `/v1/devices/${encodeURIComponent(deviceId)}`, headers: api.adminAuth() });
  return answer.status === 404 ? null : JSON.parse(answer.text);
}

function expectError(answer: ApiAnswer, status: number, code: string): void {
  expect({ status: answer.status, type: answer.headers['content-type'] }, answer.text).toEqual({ status, type: JSON_UTF8 });
  expect(body(answer)).toEqual({ error: { code, message: expect.any(String) } });
}

describe('POST /v1/heartbeats', () => {
  it('answers 200 {"results": [...]} in the order of the entries, each the single beat\'s 200 body', async () => {
    const ids = [fresh('order'), fresh('order'), fresh('order')];
    const answer = await batch(ids.map((id) => entry(id)));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(JSON_UTF8);
    const now = new Date(api.clock.now()).toISOString();
    const deadline = new Date(api.clock.now() + 120_000).toISOString();
    expect(body(answer)).toEqual({ results: ids.map((deviceId) => ({ deviceId, status: 'up', lastSeen: now, deadline })) });
  });

  it('answers each bad entry {"deviceId", "error": {"code", "message"}} with its own code, and one bad entry never spoils the others', async () => {
    const [good1, good2, wrongToken, badBody, unknown] = [fresh('g'), fresh('g'), fresh('t'), fresh('b'), fresh('u')];
    const answer = await batch([
      entry(good1),
      { deviceId: 'bad id!', token: tokenOf('bad id!') },
      { deviceId: wrongToken, token: tokenOf(good1) },
      entry(badBody, { interval: 4 }),
      entry(unknown, { colour: 'red' }),
      entry(good2, { status: 'fail' }),
    ]);
    expect(answer.status).toBe(200);
    const { results } = body(answer);
    expect(results.map((r: any) => r.error?.code ?? r.status)).toEqual(['up', 'invalid_device_id', 'unauthorized', 'invalid_body', 'invalid_body', 'down']);
    expect(results.slice(1, 5).map((r: any) => r.deviceId)).toEqual(['bad id!', wrongToken, badBody, unknown]);
    for (const rejected of results.slice(1, 5)) expect(Object.keys(rejected.error).sort()).toEqual(['code', 'message']);
    expect(results[4].error.message).toContain('"colour"');
    expect(await device(wrongToken)).toBeNull();
    expect(await device(badBody)).toBeNull();
    expect(await device(unknown)).toBeNull();
    expect(await device(good2)).toMatchObject({ status: 'down', beats: 1 });
  });

  it('refuses an entry field "__proto__" as an unknown field, as the single beat does, and writes nothing for it', async () => {
    const id = fresh('proto');
    const answer = await postBatch(`{"beats":[{"deviceId":"${id}","token":"${tokenOf(id)}","__proto__":{"interval":5}}]}`);
    expect(body(answer).results).toEqual([{ deviceId: id, error: { code: 'invalid_body', message: expect.stringContaining('"__proto__"') } }]);
    expect(await device(id)).toBeNull();
  });

  it('answers an entry over the configured rate throttled, while the others are recorded', async () => {
    const [busy, calm] = [fresh('busy'), fresh('calm')];
    expect((await batch([entry(busy)], throttled)).status).toBe(200);
    const { results } = body(await batch([entry(busy), entry(calm)], throttled));
    expect(results).toEqual([{ deviceId: busy, error: { code: 'throttled', message: expect.any(String) } }, expect.objectContaining({ deviceId: calm, status: 'up' })]);
    expect((await device(busy))?.beats).toBe(1);
  });

  it('makes each accepted entry exactly the single beat: same answer, same stored device', async () => {
    const [viaBatch, viaSingle] = [fresh('same'), fresh('same')];
    const fields = { interval: 30, grace: 5, message: 'fw 2', meta: { battery: 50 }, next: 600 };
    const batched = body(await batch([entry(viaBatch, fields)])).results[0];
    const single = body(
      await api.send({ method: 'POST', path: `/v1/heartbeats/${viaSingle}`, headers: { authorization: `Bearer ${tokenOf(viaSingle)}`, 'content-type': 'application/json' }, body: JSON.stringify(fields) }),
    );
    expect({ ...batched, deviceId: 'x' }).toEqual({ ...single, deviceId: 'x' });
    const [a, b] = [await device(viaBatch), await device(viaSingle)];
    expect({ ...a, deviceId: 'x' }).toEqual({ ...b, deviceId: 'x' });
    expect(a?.beats).toBe(1);
  });

  it('needs no Authorization header (each entry carries its own token) and ignores one that is sent', async () => {
    const id = fresh('noauth');
    const answer = await postBatch(JSON.stringify({ beats: [entry(id)] }), { 'content-type': 'application/json', authorization: 'Bearer not-a-token' });
    expect(body(answer).results[0]).toMatchObject({ deviceId: id, status: 'up' });
  });

  it('takes 1 to 100 entries: 100 are recorded, 0 and 101 are 400 invalid_body and write nothing', async () => {
    const hundred = Array.from({ length: 100 }, () => fresh('hundred'));
    const answer = await batch(hundred.map((id) => entry(id)));
    expect(body(answer).results.map((r: any) => r.deviceId)).toEqual(hundred);
    expect(body(answer).results.every((r: any) => r.status === 'up')).toBe(true);

    const tooMany = Array.from({ length: 101 }, () => fresh('too-many'));
    expectError(await batch(tooMany.map((id) => entry(id))), 400, 'invalid_body');
    expect(await device(tooMany[0] as string)).toBeNull();
    expectError(await batch([]), 400, 'invalid_body');
  });

  it('accepts a body of exactly 65536 bytes and answers 413 payload_too_large for 65537, writing nothing', async () => {
    const [fits, over] = [fresh('fits'), fresh('over')];
    const padded = (id: string, size: number) => {
      const text = JSON.stringify({ beats: [entry(id)] });
      return `${text}${' '.repeat(size - Buffer.byteLength(text))}`;
    };
    expect((await postBatch(padded(fits, 65_536))).status).toBe(200);
    expectError(await postBatch(padded(over, 65_537)), 413, 'payload_too_large');
    expect(await device(over)).toBeNull();
  });

  it.each([
    ['an empty body', ''],
    ['malformed JSON', '{"beats":['],
    ['an array', '[]'],
    ['"beats" that is not an array', '{"beats":{}}'],
    ['another top-level field', '{"beats":[],"gateway":"g1"}'],
    ['a top-level field next to good entries', null],
  ])('answers 400 invalid_body for a body that is not such a batch (%s), writing nothing', async (_label, text) => {
    const id = fresh('whole');
    const payload = text ?? JSON.stringify({ beats: [entry(id)], gateway: 'g1' });
    expectError(await postBatch(payload), 400, 'invalid_body');
    expect(await device(id)).toBeNull();
  });

  it('answers 415 unsupported_media_type for a non-JSON content type, writing nothing', async () => {
    for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/json; charset=utf-16' }, {}] as Record<string, string>[]) {
      const id = fresh('media');
      expectError(await postBatch(JSON.stringify({ beats: [entry(id)] }), headers), 415, 'unsupported_media_type');
      expect(await device(id)).toBeNull();
    }
  });

  it.each(['GET', 'PUT', 'DELETE'])('answers %s with 405 and "Allow: POST"', async (verb) => {
    const answer = await api.send({ method: verb, path: '/v1/heartbeats' });
    expectError(answer, 405, 'method_not_allowed');
    expect(answer.headers.allow).toBe('POST');
  });
});
