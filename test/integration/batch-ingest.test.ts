/**
 * `POST /v1/heartbeats` through the ingest handler against DynamoDB Local: one answer per entry in
 * entry order, each accepted entry exactly the single beat's one write, nothing written for a
 * rejected entry or a rejected request; and the function URL's event shape routed like API Gateway's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { deviceToken } from '../../lambdas/core/tokens';
import type { HttpHandler } from '../../lambdas/handlers/http';
import { createIngestApi } from '../../lambdas/handlers/ingest-api';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { httpEvent } from '../support/events';
import { FakeClock } from '../support/fakes';

const SECRET = 'batch-secret-for-tests-0123456789';
const JSON_UTF8 = 'application/json; charset=utf-8';

const batchEvent = (body: string | Buffer, contentType: string | null = JSON_UTF8) =>
  httpEvent({ method: 'POST', path: '/v1/heartbeats', headers: contentType === null ? {} : { 'content-type': contentType }, body });
const entry = (deviceId: string, fields: Record<string, unknown> = {}) => ({ deviceId, token: deviceToken(SECRET, deviceId), ...fields });
const parse = (body: string | undefined) => JSON.parse(body ?? 'null');

describe('batch ingest handler', () => {
  let table: TestTable;
  let handler: HttpHandler;
  const clock = new FakeClock(Date.parse('2026-11-25T10:00:00.000Z'));

  beforeAll(async () => {
    table = await createTestTable();
    handler = createIngestApi({
      recorder: new HeartbeatRecorder({ store: table.store(), clock, settings: DEFAULT_SETTINGS, logger: silentLogger }),
      secrets: { signingSecrets: async () => ({ current: SECRET }) },
      logger: silentLogger,
      throttle: (deviceId) => (deviceId === 'throttled-1' ? 7 : 0),
    });
  });
  afterAll(async () => {
    await table.drop();
  });

  it('answers every entry in order: good ones recorded, bad ones with their own code', async () => {
    // Prepare
    const beats = [
      entry('gw-good-1', { interval: 30 }),
      { deviceId: 'gw-bad-token', token: deviceToken(SECRET, 'someone-else') },
      entry('gw-bad-body', { interval: 1 }),
      entry('gw-unknown-field', { colour: 'red' }),
      { deviceId: 'bad id!', token: 'x' },
      entry('throttled-1'),
      entry('gw-good-2', { status: 'fail', message: 'overheated' }),
    ];
    // Act
    const result = await handler(batchEvent(JSON.stringify({ beats })));
    // Assess
    expect(result.statusCode).toBe(200);
    const { results } = parse(result.body);
    expect(results.map((r: { deviceId: string; error?: { code: string } }) => [r.deviceId, r.error?.code ?? 'ok'])).toEqual([
      ['gw-good-1', 'ok'],
      ['gw-bad-token', 'unauthorized'],
      ['gw-bad-body', 'invalid_body'],
      ['gw-unknown-field', 'invalid_body'],
      ['bad id!', 'invalid_device_id'],
      ['throttled-1', 'throttled'],
      ['gw-good-2', 'ok'],
    ]);
    expect(results[0]).toEqual({ deviceId: 'gw-good-1', status: 'up', lastSeen: '2026-11-25T10:00:00.000Z', deadline: '2026-11-25T10:01:00.000Z' });
    expect(results[3].error.message).toMatch(/"colour"/);
    expect(results[6]).toMatchObject({ deviceId: 'gw-good-2', status: 'down' });
    const store = table.store();
    expect(await store.getDevice('gw-good-1')).toMatchObject({ intervalSeconds: 30, beats: 1 });
    expect(await store.getDevice('gw-good-2')).toMatchObject({ state: 'down', failsLeft: 0, message: 'overheated', beats: 1 });
    for (const rejected of ['gw-bad-token', 'gw-bad-body', 'gw-unknown-field', 'throttled-1']) expect(await store.getDevice(rejected)).toBeNull();
  });

  it('records the same device twice in one batch as two beats', async () => {
    // Act
    const result = await handler(batchEvent(JSON.stringify({ beats: [entry('gw-twice'), entry('gw-twice')] })));
    // Assess
    expect(parse(result.body).results).toHaveLength(2);
    expect(await table.store().getDevice('gw-twice')).toMatchObject({ beats: 2 });
  });

  it.each([
    ['no body', Buffer.alloc(0), JSON_UTF8, 400, 'invalid_body'],
    ['a body that is not JSON', '{"beats": [', JSON_UTF8, 400, 'invalid_body'],
    ['an empty list', '{"beats": []}', JSON_UTF8, 400, 'invalid_body'],
    ['101 entries', JSON.stringify({ beats: Array.from({ length: 101 }, (_, i) => entry(`gw-many-${i}`)) }), JSON_UTF8, 400, 'invalid_body'],
    ['a text content type', JSON.stringify({ beats: [entry('gw-text')] }), 'text/plain', 415, 'unsupported_media_type'],
    ['no content type', JSON.stringify({ beats: [entry('gw-text')] }), null, 415, 'unsupported_media_type'],
    ['a body over 65536 bytes', JSON.stringify({ beats: [entry('gw-big', { message: 'x'.repeat(70_000) })] }), JSON_UTF8, 413, 'payload_too_large'],
  ])('refuses %s as a whole and writes nothing', async (_label, body, contentType, status, code) => {
    // Act
    const result = await handler(batchEvent(body, contentType));
    // Assess
    expect(result.statusCode).toBe(status);
    expect(parse(result.body)).toEqual({ error: { code, message: expect.any(String) } });
    for (const id of ['gw-text', 'gw-big', 'gw-many-0']) expect(await table.store().getDevice(id)).toBeNull();
  });

  it('accepts a body of exactly 65536 bytes', async () => {
    // Prepare: 100 entries, their meta padded up to the limit
    const padded = (pad: number) => Array.from({ length: 100 }, (_, i) => entry(`gw-full-${String(i).padStart(3, '0')}`, { meta: { pad: 'p'.repeat(pad) } }));
    const perEntry = Math.floor((65_536 - Buffer.byteLength(JSON.stringify({ beats: padded(0) }))) / 100);
    const beats = padded(perEntry);
    beats[0] = { ...beats[0], meta: { pad: 'p'.repeat(perEntry + 65_536 - Buffer.byteLength(JSON.stringify({ beats }))) } } as (typeof beats)[0];
    const body = JSON.stringify({ beats });
    // Act
    const result = await handler(batchEvent(body));
    // Assess
    expect(Buffer.byteLength(body)).toBe(65_536);
    expect(result.statusCode).toBe(200);
    expect(parse(result.body).results.every((r: { error?: unknown }) => r.error === undefined)).toBe(true);
  });

  it('routes function URL events (no path parameters, route key $default) by their raw path', async () => {
    // Prepare
    const single = { ...httpEvent({ method: 'POST', path: '/v1/heartbeats/url-device', headers: { authorization: `Bearer ${deviceToken(SECRET, 'url-device')}` } }), routeKey: '$default' };
    const batch = { ...batchEvent(JSON.stringify({ beats: [entry('url-batch')] })), routeKey: '$default' };
    const unknown = { ...httpEvent({ method: 'POST', path: '/v1/elsewhere' }), routeKey: '$default' };
    // Act
    const answers = await Promise.all([handler(single), handler(batch), handler(unknown)]);
    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 404]);
    expect(parse(answers[0]?.body)).toMatchObject({ deviceId: 'url-device', status: 'up' });
    expect(parse(answers[2]?.body)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(await table.store().getDevice('url-batch')).toMatchObject({ beats: 1 });
  });
});

describe('ingest handler as the only public door (function URL)', () => {
  it('answers GET /v1/health from the summary, HEAD with the same status and no body, and 405 naming both for another method', async () => {
    // Prepare
    const handler = createIngestApi({
      recorder: new HeartbeatRecorder({ store: { recordBeat: async () => null } as never, clock: new FakeClock(), settings: DEFAULT_SETTINGS, logger: silentLogger }),
      secrets: { signingSecrets: async () => ({ current: SECRET }) },
      logger: silentLogger,
      health: async () => ({ ok: true, lastSweepAt: null }),
    });
    // Act
    const [get, head, post] = await Promise.all([
      handler({ ...httpEvent({ method: 'GET', path: '/v1/health' }), routeKey: '$default' }),
      handler({ ...httpEvent({ method: 'HEAD', path: '/v1/health' }), routeKey: '$default' }),
      handler({ ...httpEvent({ method: 'POST', path: '/v1/health' }), routeKey: '$default' }),
    ]);
    // Assess
    expect([get.statusCode, parse(get.body)]).toEqual([200, { ok: true, lastSweepAt: null }]);
    expect([head.statusCode, head.body, head.headers?.['content-type']]).toEqual([200, '', 'application/json; charset=utf-8']);
    expect([post.statusCode, parse(post.body).error.code, post.headers?.allow]).toEqual([405, 'method_not_allowed', 'GET, HEAD']);
  });
});
