/**
 * The ingest handler end to end against DynamoDB Local: the contract's answers, the order of its
 * errors, and that nothing is written for a request answered 4xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { deviceToken } from '../../lambdas/core/tokens';
import { createIngestApi } from '../../lambdas/handlers/ingest-api';
import type { HttpHandler } from '../../lambdas/handlers/http';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { beatEvent } from '../support/events';
import { FakeClock } from '../support/fakes';

const SECRET = 'current-secret-for-tests-0123456789';
const PREVIOUS = 'previous-secret-for-tests-0123456789';
const JSON_UTF8 = 'application/json; charset=utf-8';

describe('ingest handler', () => {
  let table: TestTable;
  let handler: HttpHandler;
  let clock: FakeClock;

  beforeAll(async () => {
    table = await createTestTable();
    clock = new FakeClock(Date.parse('2026-11-25T10:00:00.000Z'));
    const store = table.store();
    handler = createIngestApi({
      recorder: new HeartbeatRecorder({ store, clock, settings: DEFAULT_SETTINGS, logger: silentLogger }),
      secrets: { signingSecrets: async () => ({ current: SECRET, previous: PREVIOUS }) },
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await table.drop();
  });

  const exists = async (deviceId: string) => (await table.store().getDevice(deviceId)) !== null;
  const parse = (body: string | undefined) => JSON.parse(body ?? 'null');

  it('records a beat and answers 200 with status, lastSeen and deadline', async () => {
    const result = await handler(beatEvent('sensor-1', { token: deviceToken(SECRET, 'sensor-1'), body: '{"interval":30,"message":"hi"}', contentType: JSON_UTF8 }));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(parse(result.body)).toEqual({
      deviceId: 'sensor-1',
      status: 'up',
      lastSeen: '2026-11-25T10:00:00.000Z',
      deadline: '2026-11-25T10:01:00.000Z',
    });
    const stored = await table.store().getDevice('sensor-1');
    expect(stored).toMatchObject({ intervalSeconds: 30, explicitGraceSeconds: null, message: 'hi', beats: 1 });
  });

  it('accepts an empty body without a content type, and a token of the previous secret', async () => {
    const result = await handler(beatEvent('sensor-2', { token: deviceToken(PREVIOUS, 'sensor-2') }));
    expect(result.statusCode).toBe(200);
  });

  it.each([
    ['no token', undefined],
    ['a token of another device', deviceToken(SECRET, 'sensor-other')],
    ['a token of an unknown secret', deviceToken('some-other-secret-0123456789', 'sensor-3')],
    ['a truncated token', deviceToken(SECRET, 'sensor-3').slice(0, 30)],
    ['garbage', 'not a token!'],
  ])('answers 401 and writes nothing for %s', async (_label, token) => {
    const result = await handler(beatEvent('sensor-3', token === undefined ? {} : { token }));
    expect(result.statusCode).toBe(401);
    expect(parse(result.body)).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect(await exists('sensor-3')).toBe(false);
  });

  it('answers 401 for a token in another scheme', async () => {
    const result = await handler(beatEvent('sensor-3', { headers: { authorization: `Basic ${deviceToken(SECRET, 'sensor-3')}` } }));
    expect(result.statusCode).toBe(401);
  });

  it.each([
    ['an unknown field', '{"color":"red"}', /"color"/],
    ['a fractional interval', '{"interval":1.5}', /interval/],
    ['an interval below 5', '{"interval":4}', /between 5 and 86400/],
    ['a grace above 86400', '{"grace":86401}', /grace/],
    ['a bad status', '{"status":"meh"}', /status/],
    ['a long message', JSON.stringify({ message: 'x'.repeat(257) }), /256/],
    ['big meta', JSON.stringify({ meta: { blob: 'x'.repeat(1100) } }), /1024/],
    ['meta that is an array', '{"meta":[1]}', /meta/],
    ['a __proto__ key', '{"__proto__":{"polluted":true}}', /__proto__/],
    ['JSON that is not an object', '[1,2]', /object/],
    ['JSON null', 'null', /object/],
    ['broken JSON', '{"interval":', /not valid JSON/],
  ])('answers 400 invalid_body for %s and writes nothing', async (_label, body, message) => {
    const id = `bad-body-${Math.random().toString(36).slice(2)}`;
    const result = await handler(beatEvent(id, { token: deviceToken(SECRET, id), body, contentType: 'application/json' }));
    expect(result.statusCode).toBe(400);
    const error = parse(result.body).error;
    expect(error.code).toBe('invalid_body');
    expect(error.message).toMatch(message);
    expect(await exists(id)).toBe(false);
  });

  it('counts message length in characters, not bytes', async () => {
    const id = 'emoji-1';
    const result = await handler(beatEvent(id, { token: deviceToken(SECRET, id), body: JSON.stringify({ message: '🔋'.repeat(256) }), contentType: JSON_UTF8 }));
    expect(result.statusCode).toBe(200);
  });

  it('answers 415 for a body that is not JSON in UTF-8', async () => {
    for (const contentType of [undefined, 'text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded']) {
      const result = await handler(beatEvent('media-1', { token: deviceToken(SECRET, 'media-1'), body: '{}', ...(contentType ? { contentType } : {}) }));
      expect(result.statusCode, String(contentType)).toBe(415);
    }
    expect(await exists('media-1')).toBe(false);
  });

  it('answers 413 for a body over 4096 bytes, before checking the token', async () => {
    const result = await handler(beatEvent('big-1', { body: 'x'.repeat(4097), contentType: 'text/plain' }));
    expect(result.statusCode).toBe(413);
    expect(parse(result.body).error.code).toBe('payload_too_large');
  });

  it('answers 400 invalid_device_id first, whatever else is wrong', async () => {
    const result = await handler(beatEvent('bad id!', { body: 'x'.repeat(5000) }));
    expect(result.statusCode).toBe(400);
    expect(parse(result.body).error.code).toBe('invalid_device_id');
    const tooLong = await handler(beatEvent('a'.repeat(129), {}));
    expect(parse(tooLong.body).error.code).toBe('invalid_device_id');
  });

  it('orders unauthorized before unsupported media type and invalid body', async () => {
    const result = await handler(beatEvent('order-1', { token: 'wrong', body: 'not json', contentType: 'text/plain' }));
    expect(result.statusCode).toBe(401);
    const next = await handler(beatEvent('order-1', { token: deviceToken(SECRET, 'order-1'), body: 'not json', contentType: 'text/plain' }));
    expect(next.statusCode).toBe(415);
  });

  it('answers 405 for another method', async () => {
    const result = await handler(beatEvent('m-1', { method: 'GET', token: deviceToken(SECRET, 'm-1') }));
    expect(result.statusCode).toBe(405);
    expect(result.headers?.allow).toBe('POST');
  });

  it('answers 500 with the contract shape and no internals when the store fails', async () => {
    const failing = createIngestApi({
      recorder: new HeartbeatRecorder({
        store: { recordBeat: async () => { throw new Error('ECONNREFUSED 127.0.0.1:8000 at DynamoDbDeviceStore'); } } as never,
        clock,
        settings: DEFAULT_SETTINGS,
        logger: silentLogger,
      }),
      secrets: { signingSecrets: async () => ({ current: SECRET }) },
      logger: silentLogger,
    });
    const result = await failing(beatEvent('s-1', { token: deviceToken(SECRET, 's-1') }));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/ECONNREFUSED|DynamoDb|at /);
    expect(parse(result.body).error.code).toBe('internal_error');
  });

  it('decodes a path parameter the front door handed over still escaped (sensor%3A1 is the device sensor:1)', async () => {
    const event = beatEvent('esc:1', { token: deviceToken(SECRET, 'esc:1') });
    const result = await handler({ ...event, pathParameters: { deviceId: 'esc%3A1' } });
    expect(result.statusCode).toBe(200);
    expect(parse(result.body).deviceId).toBe('esc:1');
    const malformed = await handler({ ...event, pathParameters: { deviceId: 'esc%3' } });
    expect(parse(malformed.body).error.code).toBe('invalid_device_id');
  });

  it('routes a hand-built event that has the path only in its request context (no rawPath, no path parameters)', async () => {
    const event = beatEvent('ctx-1', { token: deviceToken(SECRET, 'ctx-1') });
    const { rawPath: _rawPath, pathParameters: _parameters, ...bare } = event;
    const result = await handler(bare as typeof event);
    expect(result.statusCode).toBe(200);
    expect(parse(result.body).deviceId).toBe('ctx-1');
  });

  it('answers 500 in the contract shape, not a thrown error, for an event it cannot read at all', async () => {
    const event = { ...beatEvent('odd-1', { token: deviceToken(SECRET, 'odd-1') }), body: 12 as unknown as string, isBase64Encoded: true };
    const result = await handler(event);
    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toBe(JSON_UTF8);
    expect(parse(result.body)).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
    expect(await exists('odd-1')).toBe(false);
  });

  it('answers 429 with Retry-After when the throttle says so, after every other check, writing nothing', async () => {
    const throttled = createIngestApi({
      recorder: new HeartbeatRecorder({ store: table.store(), clock, settings: DEFAULT_SETTINGS, logger: silentLogger }),
      secrets: { signingSecrets: async () => ({ current: SECRET }) },
      logger: silentLogger,
      throttle: () => 7,
    });
    const bad = await throttled(beatEvent('thr-1', { token: deviceToken(SECRET, 'thr-1'), body: '{"x":1}', contentType: JSON_UTF8 }));
    expect(bad.statusCode).toBe(400);
    const result = await throttled(beatEvent('thr-1', { token: deviceToken(SECRET, 'thr-1') }));
    expect(result.statusCode).toBe(429);
    expect(result.headers?.['retry-after']).toBe('7');
    expect(parse(result.body).error.code).toBe('throttled');
    expect(await exists('thr-1')).toBe(false);
  });
});
