/**
 * Property-based fuzzing of `POST /v1/heartbeats/{deviceId}` through the real local-mode HTTP server,
 * on raw sockets: hostile methods, ids, Authorization headers, content types, bodies and framings.
 *
 * Properties, for every generated request:
 * - never a 5xx, always an answer;
 * - the answer is the one the contract prescribes (support/contract-model.ts, written from
 *   the service contract), including its order when several errors apply;
 * - every error is `{"error": {"code", "message"}}` as application/json with a listed code and no internals;
 * - a 200 is `{deviceId, status, lastSeen, deadline}` and matches what the store then holds;
 * - nothing is written for a rejected request: after each request the device (when its id is a valid
 *   one) has exactly as many beats as it got 200 answers, and at the end the store holds no device
 *   that never got a 200.
 *
 * Seeds are fixed (FUZZ_SEED overrides); fast-check prints seed, path and counterexample on failure.
 */
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_ID, ID_ALPHABET, classifyBody, decodeSegment, expectedAnswer, type RequestFacts } from './support/contract-model';
import { startSecurityServer, stopSecurityServer, type SecurityServer } from './support/local';
import { JsonClient, devicePath, errorCode, errorShapeProblems, listAllDevices, sendRaw, sendRequest, type RawResponse, type RequestSpec } from './support/raw-http';

const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const MAIN_RUNS = Number(process.env.FUZZ_RUNS ?? 1100);
const ORDER_RUNS = Number(process.env.FUZZ_ORDER_RUNS ?? 400);

let server: SecurityServer | undefined;
let admin: JsonClient | undefined;
/** 200 answers per device id: the number of beats the store must hold. */
const accepted = new Map<string, number>();
const counters = { requests: 0, ok: 0, rejected: 0, byStatus: {} as Record<string, number>, byBody: {} as Record<string, Record<string, number>> };

function live(): SecurityServer {
  if (!server) throw new Error('local mode is not running');
  return server;
}

beforeAll(async () => {
  server = await startSecurityServer({ prefix: 'hb-sec-fuzz' });
  admin = new JsonClient(server.port, 4);
}); // hookTimeout (vitest.config.ts): local mode starts Java

afterAll(async () => {
  admin?.close();
  const leftovers = await stopSecurityServer(server);
  // eslint-disable-next-line no-console
  console.log(`[ingest-fuzz] seed ${SEED}: ${counters.requests} requests, ${counters.ok} answered 200, by status ${JSON.stringify(counters.byStatus)}`);
  // eslint-disable-next-line no-console
  console.log(`[ingest-fuzz] answers by body kind (main property): ${JSON.stringify(counters.byBody)}`);
  expect(leftovers, 'processes left behind by local mode').toEqual([]);
}, 60_000);

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const idChar = fc.constantFrom(...ID_ALPHABET);
const validId = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: idChar, minLength: 1, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: idChar, minLength: 120, maxLength: 128 }) },
  { weight: 1, arbitrary: fc.constantFrom('.', '..', '-', ':', '_', 'A'.repeat(128), 'sensor-42', 'a:b.c_d-e', 'x.json', 'CON') },
);

const hex = (byte: number, upper: boolean) => {
  const text = byte.toString(16).padStart(2, '0');
  return upper ? text.toUpperCase() : text;
};

/** A path segment for the device id. The model derives everything from the segment itself. */
const segmentArb: fc.Arbitrary<{ kind: string; segment: string }> = fc.oneof(
  { weight: 12, arbitrary: validId.map((id) => ({ kind: 'valid', segment: id })) },
  {
    weight: 2,
    arbitrary: fc.tuple(validId, fc.boolean(), fc.boolean()).map(([id, all, upper]) => ({
      kind: 'percent-encoded valid',
      segment: [...id].map((c, i) => (all || i % 2 === 0 ? `%${hex(c.charCodeAt(0), upper)}` : c)).join(''),
    })),
  },
  { weight: 1, arbitrary: fc.string({ unit: idChar, minLength: 129, maxLength: 400 }).map((id) => ({ kind: 'too long', segment: id })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(validId, fc.nat(), fc.constantFrom(' ', '/', '@', '#', '?', '%', '~', '!', '*', '+', '\u0000', '\n', 'é', '😀', '\\', '"', "'", '<', ',', ';', '=', '&', '$', '\u202e', '\uff0e'))
      .map(([id, at, bad]) => {
        const i = at % (id.length + 1);
        return { kind: 'bad alphabet', segment: encodeURIComponent(id.slice(0, i) + bad + id.slice(i)) };
      }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map((s) => ({ kind: 'unicode', segment: encodeURIComponent(s) })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('a%2Fb', '%2F', '..%2F..%2Fdevices', 'a%2fb', '%2Fv1%2Fdevices', 'a%5Cb', '%2E%2E%2F', '%00abc', '%23summary', '#summary', 'a%20', '%09a')
      .map((segment) => ({ kind: 'encoded slash and friends', segment })),
  },
  { weight: 1, arbitrary: fc.constantFrom('abc%', '%zz', 'a%E9b', '%', '%%41', '%C3%28', 'a%2', '%u0041').map((segment) => ({ kind: 'malformed escape', segment })) },
  { weight: 1, arbitrary: fc.constantFrom('', 'a/b', 'abc/', 'a//b').map((segment) => ({ kind: 'no single segment', segment })) },
);

const prefixArb = fc.oneof(
  { weight: 30, arbitrary: fc.constant('/v1/heartbeats/') },
  { weight: 1, arbitrary: fc.constantFrom('/V1/heartbeats/', '/v1/Heartbeats/', '//v1/heartbeats/', '/v1/heartbeat/', '/v2/heartbeats/', '/v1/devices/../heartbeats/') },
);
const queryArb = fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('?a=1', '?deviceId=someone-else', '?', '?%zz=%', '?token=x&token=y') });

const methodArb = fc.oneof(
  { weight: 14, arbitrary: fc.constant('POST') },
  { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
);

type AuthSpec =
  | { kind: 'none' }
  | { kind: 'bearer'; scheme: string; spaces: number; leading: number; trailing: number }
  | { kind: 'basic' }
  | { kind: 'other scheme'; scheme: string }
  | { kind: 'random token'; token: string }
  | { kind: 'other device'; other: string }
  | { kind: 'wrong secret'; secret: string }
  | { kind: 'truncated'; keep: number }
  | { kind: 'extended'; extra: string }
  | { kind: 'padded' }
  | { kind: 'standard base64' }
  | { kind: 'space inside'; at: number }
  | { kind: 'huge'; length: number }
  | { kind: 'tab' }
  | { kind: 'duplicate' }
  | { kind: 'scheme only' }
  | { kind: 'empty value' }
  | { kind: 'hex digest' }
  | { kind: 'token of raw segment' }
  | { kind: 'case flipped id' };

const b64urlChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
const authArb: fc.Arbitrary<AuthSpec> = fc.oneof(
  {
    weight: 14,
    arbitrary: fc.record({
      kind: fc.constant('bearer' as const),
      scheme: fc.oneof({ weight: 6, arbitrary: fc.constant('Bearer') }, { weight: 1, arbitrary: fc.constantFrom('bearer', 'BEARER', 'BeArEr') }),
      spaces: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) }),
      leading: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
      trailing: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'basic' as const }) },
  { weight: 1, arbitrary: fc.constantFrom('Token', 'Digest', 'HMAC', 'Bearer:', 'Bearer=', 'Bearertoken', 'Bearer\u00a0').map((scheme) => ({ kind: 'other scheme' as const, scheme })) },
  { weight: 1, arbitrary: fc.string({ unit: b64urlChar, minLength: 43, maxLength: 43 }).map((token) => ({ kind: 'random token' as const, token })) },
  { weight: 2, arbitrary: validId.map((other) => ({ kind: 'other device' as const, other })) },
  { weight: 1, arbitrary: fc.string({ minLength: 16, maxLength: 40 }).map((secret) => ({ kind: 'wrong secret' as const, secret: `x${secret}` })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 42 }).map((keep) => ({ kind: 'truncated' as const, keep })) },
  { weight: 1, arbitrary: fc.string({ unit: b64urlChar, minLength: 1, maxLength: 5 }).map((extra) => ({ kind: 'extended' as const, extra })) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'padded' as const }, { kind: 'standard base64' as const }, { kind: 'tab' as const }, { kind: 'duplicate' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 42 }).map((at) => ({ kind: 'space inside' as const, at })) },
  { weight: 1, arbitrary: fc.integer({ min: 44, max: 8000 }).map((length) => ({ kind: 'huge' as const, length })) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'scheme only' as const }, { kind: 'empty value' as const }, { kind: 'hex digest' as const }) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'token of raw segment' as const }, { kind: 'case flipped id' as const }) },
);

const hmac = (secret: string, id: string) => createHmac('sha256', Buffer.from(secret, 'utf8')).update(id, 'utf8').digest();
const flipCase = (s: string) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');

/** The Authorization header lines of a spec, and whether the contract counts them as proof of `deviceId`. */
function authorization(spec: AuthSpec, deviceId: string, segment: string, secret: string, nameCase: string): { lines: [string, string][]; authorized: boolean } {
  const token = hmac(secret, deviceId).toString('base64url');
  const line = (value: string): [string, string][] => [[nameCase, value]];
  switch (spec.kind) {
    case 'none':
      return { lines: [], authorized: false };
    case 'bearer':
      // RFC 7235: the scheme is case-insensitive, 1*SP before the credentials; OWS around a value is not part of it.
      return { lines: line(`${' '.repeat(spec.leading)}${spec.scheme}${' '.repeat(spec.spaces)}${token}${' '.repeat(spec.trailing)}`), authorized: true };
    case 'basic':
      return { lines: line(`Basic ${Buffer.from(`${deviceId}:${token}`).toString('base64')}`), authorized: false };
    case 'other scheme':
      return { lines: line(spec.scheme.endsWith(':') || spec.scheme.endsWith('=') || spec.scheme === 'Bearertoken' ? `${spec.scheme}${token}` : `${spec.scheme} ${token}`), authorized: false };
    case 'random token':
      return { lines: line(`Bearer ${spec.token}`), authorized: spec.token === token };
    case 'other device':
      return { lines: line(`Bearer ${hmac(secret, spec.other).toString('base64url')}`), authorized: spec.other === deviceId };
    case 'wrong secret':
      return { lines: line(`Bearer ${hmac(spec.secret, deviceId).toString('base64url')}`), authorized: spec.secret === secret };
    case 'truncated':
      return { lines: line(`Bearer ${token.slice(0, spec.keep)}`), authorized: false };
    case 'extended':
      return { lines: line(`Bearer ${token}${spec.extra}`), authorized: false };
    case 'padded':
      return { lines: line(`Bearer ${token}=`), authorized: false };
    case 'standard base64': {
      const standard = hmac(secret, deviceId).toString('base64').replace(/=+$/, '');
      return { lines: line(`Bearer ${standard}`), authorized: standard === token };
    }
    case 'space inside':
      return { lines: line(`Bearer ${token.slice(0, spec.at)} ${token.slice(spec.at)}`), authorized: false };
    case 'huge':
      return { lines: line(`Bearer ${token}${'A'.repeat(spec.length - token.length)}`), authorized: false };
    case 'tab':
      return { lines: line(`Bearer\t${token}`), authorized: false };
    case 'duplicate':
      // Authorization is not a list header: two of them are not a credential.
      return { lines: [...line(`Bearer ${token}`), ...line(`Bearer ${token}`)], authorized: false };
    case 'scheme only':
      return { lines: line('Bearer'), authorized: false };
    case 'empty value':
      return { lines: line(''), authorized: false };
    case 'hex digest':
      return { lines: line(`Bearer ${hmac(secret, deviceId).toString('hex')}`), authorized: false };
    case 'token of raw segment':
      return { lines: line(`Bearer ${hmac(secret, segment).toString('base64url')}`), authorized: segment === deviceId };
    case 'case flipped id':
      return { lines: line(`Bearer ${hmac(secret, flipCase(deviceId)).toString('base64url')}`), authorized: flipCase(deviceId) === deviceId };
  }
}

const CONTENT_TYPES: readonly { value: string | null; json: boolean }[] = [
  { value: 'application/json', json: true },
  { value: 'application/json; charset=utf-8', json: true },
  { value: 'application/json;charset=UTF-8', json: true },
  { value: 'APPLICATION/JSON', json: true },
  { value: 'application/json; charset="utf-8"', json: true },
  { value: 'application/json ; charset=utf-8', json: true },
  { value: null, json: false },
  { value: '', json: false },
  { value: 'text/plain', json: false },
  { value: 'text/plain; charset=utf-8', json: false },
  { value: 'application/json; charset=latin1', json: false },
  { value: 'application/json; charset=iso-8859-1', json: false },
  { value: 'application/json; charset=utf-16', json: false },
  { value: 'application/x-www-form-urlencoded', json: false },
  { value: 'multipart/form-data; boundary=zz', json: false },
  { value: 'application/octet-stream', json: false },
  { value: '*/*', json: false },
  { value: 'garbage', json: false },
  { value: 'application/jsonx', json: false },
  { value: 'json', json: false },
  { value: 'application/xml', json: false },
  { value: '/json', json: false },
];
const contentTypeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...CONTENT_TYPES.filter((c) => c.json)) },
  { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES.filter((c) => !c.json)) },
);

const utf8 = (text: string) => Buffer.from(text, 'utf8');

const validBeat = fc.record(
  {
    interval: fc.integer({ min: 5, max: 86_400 }),
    grace: fc.integer({ min: 0, max: 86_400 }),
    status: fc.constantFrom('ok', 'fail'),
    message: fc.string({ unit: 'binary', maxLength: 256 }),
    meta: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  },
  { requiredKeys: [] },
);

/** Pads a JSON object's text with spaces after its "{" to exactly `size` bytes (when it fits). */
function padTo(json: string, size: number): Buffer {
  const bytes = utf8(json);
  if (bytes.length >= size || !json.startsWith('{')) return bytes;
  return Buffer.concat([utf8('{'), Buffer.alloc(size - bytes.length, 0x20), bytes.subarray(1)]);
}

const INVALID_UTF8: readonly number[][] = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xfe, 0xfe]];

const bodyArbRaw: fc.Arbitrary<{ kind: string; bytes: Buffer }> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'empty', bytes: Buffer.alloc(0) }) },
  { weight: 10, arbitrary: validBeat.map((o) => ({ kind: 'beat object', bytes: utf8(JSON.stringify(o)) })) },
  {
    weight: 2,
    arbitrary: fc.tuple(validBeat, fc.constantFrom(4095, 4096, 4096, 4097)).map(([o, size]) => {
      const small = JSON.stringify({ ...o, meta: undefined, message: undefined });
      return { kind: `padded to ${size}`, bytes: padTo(small, size) };
    }),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(validBeat, fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })).map(([o, key, value]) => ({
      kind: 'unknown field',
      bytes: utf8(JSON.stringify({ ...o, [key]: value })),
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '{"__proto__":{"polluted":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        '{"prototype":1}',
        '{"status":"ok","__proto__":null}',
        '{"meta":{"__proto__":{"polluted":true}}}',
        '{"meta":{"a":{"constructor":{"prototype":{"polluted":true}}}}}',
        '{"meta":{"prototype":[]}}',
        '{"toString":1}',
        '{"hasOwnProperty":"x"}',
        '{"meta":{"toString":1,"valueOf":2}}',
        // Fields a device must not set: the server's own (contract names and stored attribute names).
        '{"paused":true}',
        '{"lastSeen":"2099-01-01T00:00:00.000Z"}',
        '{"deadline":4102444800000}',
        '{"beats":1000000}',
        '{"deviceId":"someone-else"}',
        '{"group":"plant-a"}',
        '{"downSince":null}',
        '{"st":"up","ls":4102444800000,"dl":4102444800000}',
        '{"pk":"#summary"}',
        '{"bc":{"N":"1"}}',
        '{"status":"ok","ttl":0}',
      )
      .map((text) => ({ kind: 'keys a device must not set', bytes: utf8(text) })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          interval: fc.jsonValue({ maxDepth: 1 }),
          grace: fc.jsonValue({ maxDepth: 1 }),
          status: fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('OK', 'Fail', 'down', 'up', 'ok ', '')),
          message: fc.jsonValue({ maxDepth: 1 }),
          meta: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      )
      .map((o) => ({ kind: 'wrong types', bytes: utf8(JSON.stringify(o)) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.integer({ min: -1_000_000_000, max: 4 }).map((v) => `{"interval":${v}}`),
        fc.integer({ min: 86_401, max: 2_147_483_647 }).map((v) => `{"interval":${v}}`),
        fc.integer({ min: -1_000_000_000, max: -1 }).map((v) => `{"grace":${v}}`),
        fc.integer({ min: 86_401, max: 2_147_483_647 }).map((v) => `{"grace":${v}}`),
        fc.constantFrom(
          '{"interval":1e400}',
          '{"interval":-1e400}',
          '{"interval":9007199254740993}',
          '{"interval":99999999999999999999999}',
          '{"grace":-0}',
          '{"interval":5.0}',
          '{"interval":1e1}',
          '{"interval":86400.0000000000001}',
          '{"interval":4.9999999999999999}',
          '{"interval":5,"interval":"x"}',
          '{"interval":"x","interval":5}',
        ),
      )
      .map((text) => ({ kind: 'ranges', bytes: utf8(text) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ interval: fc.double({ noNaN: false }), grace: fc.double({ min: -1, max: 100 }) }, { requiredKeys: [] })
      .map((o) => ({ kind: 'floats', bytes: utf8(JSON.stringify(o)) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 250, max: 262 }).map((n) => JSON.stringify({ message: 'x'.repeat(n) })),
        fc.integer({ min: 250, max: 262 }).map((n) => JSON.stringify({ message: '😀'.repeat(n) })),
        fc.integer({ min: 250, max: 262 }).map((n) => JSON.stringify({ message: 'é'.repeat(n) })),
        fc.string({ unit: 'binary', minLength: 257, maxLength: 700 }).map((message) => JSON.stringify({ message })),
        fc.integer({ min: 1010, max: 1020 }).map((n) => JSON.stringify({ meta: { a: 'x'.repeat(n) } })),
        fc.integer({ min: 335, max: 342 }).map((n) => JSON.stringify({ meta: { a: '€'.repeat(n) } })),
      )
      .map((text) => ({ kind: 'length limits', bytes: utf8(text) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 1, max: 2000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
        fc.integer({ min: 1, max: 800 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
        fc.integer({ min: 1, max: 60 }).map((d) => `{"meta":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`),
        fc.integer({ min: 1, max: 300 }).map((d) => `{"meta":{"a":${'['.repeat(d)}${']'.repeat(d)}}}`),
      )
      .map((text) => ({ kind: 'deep nesting', bytes: utf8(text) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('null', '[]', '[{}]', '1', '-0', '"x"', 'true', 'false', '""', '1e999', '{}[]', '{} {}', ' ', '\n', '{', '}', '{"interval":}', "{'a':1}", '{"a":1,}', 'NaN', '{"status":"ok"', '\uFEFF{}', ' {} ', '\n{"status":"ok"}\n', '{"status":"o\\u006b"}', '{"message":"\\u0000"}', '{"message":"\\ud800"}', '{"message":"\\ud800\\udc00"}', '{"meta":{"":{}}}')
      .map((text) => ({ kind: 'odd JSON', bytes: utf8(text) })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...INVALID_UTF8), fc.constantFrom('message', 'meta-key', 'raw')).map(([bad, where]) => ({
      kind: 'invalid UTF-8',
      bytes:
        where === 'message'
          ? Buffer.concat([utf8('{"message":"'), Buffer.from(bad), utf8('"}')])
          : where === 'meta-key'
            ? Buffer.concat([utf8('{"meta":{"'), Buffer.from(bad), utf8('":1}}')])
            : Buffer.from(bad),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).map((s) => ({ kind: 'random text', bytes: utf8(s) })),
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => ({ kind: 'random bytes', bytes: Buffer.from(a) })),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 4097, max: 70_000 }).map((n) => Buffer.alloc(n, 0x61)),
        fc.integer({ min: 4097, max: 9000 }).map((n) => padTo('{"status":"ok"}', n)),
        fc.integer({ min: 4200, max: 6000 }).map((n) => utf8(JSON.stringify({ message: 'y'.repeat(n) }))),
        fc.constant(utf8(JSON.stringify({ meta: { k: 'z'.repeat(300_000) } }))),
      )
      .map((bytes) => ({ kind: 'too large', bytes })),
  },
);

/** Bodies print as a short preview in fast-check's counterexamples, not as a 300 KB byte list. */
const bodyArb = bodyArbRaw.map((b) => ({
  ...b,
  [fc.toStringMethod]: () => `${b.kind} (${b.bytes.length} bytes): ${JSON.stringify(b.bytes.subarray(0, 120).toString('latin1'))}`,
}));

const framingArb = fc.record({
  chunked: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 4 }),
  upperHex: fc.boolean(),
  lengthForEmpty: fc.boolean(),
  http10: fc.oneof({ weight: 20, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const NOISE: readonly [string, string][] = [
  ['X-Forwarded-For', '10.0.0.1'],
  ['Cookie', 'session=abc; other=1'],
  ['Expect', '100-continue'],
  ['X-HTTP-Method-Override', 'DELETE'],
  ['Accept', '*/*'],
  ['User-Agent', 'fuzz/1.0'],
  ['X-Device-Id', 'someone-else'],
  ['Content-Encoding', 'identity'],
];

const caseArb = fc.record({
  method: methodArb,
  prefix: prefixArb,
  segment: segmentArb,
  query: queryArb,
  auth: authArb,
  authName: fc.oneof({ weight: 6, arbitrary: fc.constant('Authorization') }, { weight: 1, arbitrary: fc.constantFrom('authorization', 'AUTHORIZATION') }),
  contentType: contentTypeArb,
  contentTypeName: fc.oneof({ weight: 6, arbitrary: fc.constant('Content-Type') }, { weight: 1, arbitrary: fc.constantFrom('content-type', 'CONTENT-TYPE') }),
  body: bodyArb,
  framing: framingArb,
  noise: fc.subarray([...NOISE], { maxLength: 3 }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  readonly request: RequestSpec;
  readonly facts: RequestFacts;
}

/** A generated case as a request on the wire, and the facts the contract model needs. */
function build(c: Case, secret: string): Built {
  const segment = c.segment.segment;
  const routeMatches = c.prefix === '/v1/heartbeats/' && segment !== '' && !segment.includes('/');
  const deviceId = decodeSegment(segment);
  const auth = authorization(c.auth, deviceId, segment, secret, c.authName);
  const headers: [string, string][] = [...auth.lines];
  if (c.contentType.value !== null) headers.push([c.contentTypeName, c.contentType.value]);
  for (const noise of c.noise) headers.push([noise[0], noise[1]]);
  const body = c.body.bytes;
  const http10 = c.framing.http10 && !c.framing.chunked;
  const framing = c.framing.chunked ? 'chunked' : body.length > 0 || c.framing.lengthForEmpty ? 'length' : 'none';
  return {
    request: {
      method: c.method,
      target: `${c.prefix}${segment}${c.query}`,
      headers,
      body,
      framing,
      chunkSizes: c.framing.chunkSizes,
      upperHex: c.framing.upperHex,
      httpVersion: http10 ? '1.0' : '1.1',
    },
    facts: {
      method: c.method,
      routeMatches,
      deviceId,
      body: classifyBody(body),
      authorized: auth.authorized,
      jsonContentType: c.contentType.json,
    },
  };
}

function describeRequest(built: Built): string {
  const r = built.request;
  const headers = r.headers.map(([n, v]) => `${n}: ${v.length > 80 ? `${v.slice(0, 80)}...(${v.length})` : v}`);
  const body = r.body ?? Buffer.alloc(0);
  return JSON.stringify(
    {
      line: `${r.method} ${r.target.length > 160 ? `${r.target.slice(0, 160)}...` : r.target} HTTP/${r.httpVersion ?? '1.1'}`,
      headers,
      framing: r.framing,
      bodyBytes: body.length,
      bodyStart: body.subarray(0, 160).toString('latin1'),
      facts: built.facts,
    },
    null,
    1,
  );
}

/** Checks the store against what was acknowledged; re-syncs the bookkeeping before failing. */
async function storeProblems(deviceId: string, answer: RawResponse): Promise<string[]> {
  const problems: string[] = [];
  const got = await (admin as JsonClient).call('GET', devicePath(deviceId), { token: live().adminToken });
  const beats = accepted.get(deviceId) ?? 0;
  if (beats === 0) {
    if (got.status !== 404) {
      problems.push(`a record exists for "${deviceId}" although no beat was accepted: ${got.status} ${got.text.slice(0, 300)}`);
      if (got.status === 200) accepted.set(deviceId, Number(got.body.beats));
    }
    return problems;
  }
  if (got.status !== 200) return [`GET of accepted device "${deviceId}" answered ${got.status}: ${got.text.slice(0, 200)}`];
  if (got.body.beats !== beats) {
    problems.push(`"${deviceId}" holds ${got.body.beats} beats, but ${beats} were answered 200`);
    accepted.set(deviceId, Number(got.body.beats));
  }
  if (answer.status === 200) {
    const sent = JSON.parse(answer.text) as { lastSeen: string; deadline: string };
    if (got.body.lastSeen !== sent.lastSeen) problems.push(`stored lastSeen ${got.body.lastSeen} differs from the answer's ${sent.lastSeen}`);
    if (got.body.deadline !== sent.deadline) problems.push(`stored deadline ${got.body.deadline} differs from the answer's ${sent.deadline}`);
  }
  return problems;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function okShapeProblems(answer: RawResponse, deviceId: string): string[] {
  const problems: string[] = [];
  if (!/^application\/json\b/i.test(answer.headers['content-type'] ?? '')) problems.push(`200 content-type ${answer.headers['content-type']}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    return [`200 body is not JSON: ${answer.text.slice(0, 200)}`];
  }
  if (Object.keys(body).sort().join() !== 'deadline,deviceId,lastSeen,status') problems.push(`200 body keys ${Object.keys(body).join()}`);
  if (body.deviceId !== deviceId) problems.push(`200 deviceId ${JSON.stringify(body.deviceId)} is not ${JSON.stringify(deviceId)}`);
  if (body.status !== 'up' && body.status !== 'down') problems.push(`200 status ${JSON.stringify(body.status)}`);
  for (const key of ['lastSeen', 'deadline'] as const) if (typeof body[key] !== 'string' || !ISO.test(body[key] as string)) problems.push(`200 ${key} ${JSON.stringify(body[key])} is not ISO-8601 UTC`);
  const lastSeen = Date.parse(String(body.lastSeen));
  if (Math.abs(lastSeen - Date.now()) > 30_000) problems.push(`lastSeen ${String(body.lastSeen)} is not the receive time`);
  if (!(Date.parse(String(body.deadline)) > lastSeen)) problems.push('deadline is not after lastSeen');
  return problems;
}

/** Sends one case and returns every way the answer breaks the contract. */
async function check(built: Built): Promise<string[]> {
  const answer = await sendRequest(live().port, built.request, { timeoutMs: 20_000 });
  counters.requests++;
  if (answer === null) return ['the server closed the connection without an answer'];
  counters.byStatus[answer.status] = (counters.byStatus[answer.status] ?? 0) + 1;
  const { facts } = built;
  const idIsValid = facts.routeMatches && DEVICE_ID.test(facts.deviceId);
  if (answer.status === 200) {
    counters.ok++;
    if (idIsValid) accepted.set(facts.deviceId, (accepted.get(facts.deviceId) ?? 0) + 1);
  } else counters.rejected++;

  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`5xx: ${answer.status} ${answer.text.slice(0, 300)}`);
  const headOnly = built.request.method === 'HEAD';
  const code = answer.status === 200 ? null : errorCode(answer);
  const expected = expectedAnswer(facts);
  const fits = expected.answers.some((a) => a.status === answer.status && (headOnly || a.code === code));
  if (!fits) problems.push(`answered ${answer.status} ${code ?? ''} but the contract says ${expected.answers.map((a) => `${a.status} ${a.code ?? ''}`).join(' or ')} (${expected.why}): ${answer.text.slice(0, 200)}`);
  if (answer.status >= 400) problems.push(...errorShapeProblems(answer, { headOnly }));
  if (answer.status === 401 && !/^Bearer/i.test(answer.headers['www-authenticate'] ?? '')) problems.push('401 without WWW-Authenticate: Bearer');
  if (answer.status === 405 && !(answer.headers.allow ?? '').includes('POST')) problems.push('405 without Allow: POST');
  if (answer.status === 200) problems.push(...okShapeProblems(answer, facts.deviceId));
  if (idIsValid) problems.push(...(await storeProblems(facts.deviceId, answer)));
  return problems;
}

async function assertCase(built: Built): Promise<void> {
  const problems = await check(built);
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\nrequest: ${describeRequest(built)}`);
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

// The last test checks the store against what the fuzzing before it got acknowledged: never shuffled.
describe('ingest fuzzing through the local HTTP server', { shuffle: false }, () => {
  it(`answers ${MAIN_RUNS} hostile requests as the contract says, never 5xx, and writes only accepted beats (seed ${SEED})`, async () => {
    const before = counters.requests;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const statusBefore = { ...counters.byStatus };
        try {
          await assertCase(build(c, live().secret));
        } finally {
          const status = Object.keys(counters.byStatus).find((k) => counters.byStatus[k] !== statusBefore[k]) ?? 'none';
          const kind = c.body.kind;
          counters.byBody[kind] ??= {};
          (counters.byBody[kind] as Record<string, number>)[status] = ((counters.byBody[kind] as Record<string, number>)[status] ?? 0) + 1;
        }
      }),
      { seed: SEED, numRuns: MAIN_RUNS, endOnFailure: false },
    );
    expect(counters.requests - before).toBeGreaterThanOrEqual(MAIN_RUNS);
    // The generators must reach every outcome, or the property proves little.
    for (const status of ['200', '400', '401', '404', '405', '413', '415']) expect(counters.byStatus[status] ?? 0, `answers with status ${status}`).toBeGreaterThan(0);
  }, 300_000); // 1,100 real requests: 34 s at a load of 20, 84 s at 30

  it(`applies the contract's error order when several errors apply (seed ${SEED + 1})`, async () => {
    const ORDER = ['id', 'size', 'auth', 'media', 'body'] as const;
    const CODE: Record<(typeof ORDER)[number], string> = {
      id: 'invalid_device_id',
      size: 'payload_too_large',
      auth: 'unauthorized',
      media: 'unsupported_media_type',
      body: 'invalid_body',
    };
    const badSegment = fc.oneof(
      fc.string({ unit: idChar, minLength: 129, maxLength: 200 }),
      fc.constantFrom('a%2Fb', 'bad%20id', '%C3%A9', 'a%', '%zz', 'a@b', 'a~b', '%00', '%F0%9F%98%80'),
    );
    const badAuth = authArb.filter((a) => a.kind !== 'bearer' && a.kind !== 'other device' && a.kind !== 'random token' && a.kind !== 'wrong secret' && a.kind !== 'standard base64' && a.kind !== 'token of raw segment' && a.kind !== 'case flipped id');
    const orderCase = fc.record({
      faults: fc.subarray([...ORDER], { minLength: 2 }),
      goodId: validId,
      badSegment,
      badAuth,
      badType: fc.constantFrom(...CONTENT_TYPES.filter((t) => !t.json)),
      goodType: fc.constantFrom(...CONTENT_TYPES.filter((t) => t.json)),
      goodBody: validBeat.map((o) => JSON.stringify(o)).filter((t) => classifyBody(utf8(t)) === 'valid'),
      badBody: fc.constantFrom('{"interval":1}', '[]', 'null', '{"nope":1}', '{', `{"message":${'"x"'.padEnd(10, ' ')},"status":"maybe"}`, '\u00ff'),
      bigSize: fc.integer({ min: 4097, max: 12_000 }),
      chunked: fc.boolean(),
    });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(orderCase, async (o) => {
        runs++;
        const has = (f: (typeof ORDER)[number]) => o.faults.includes(f);
        const segment = has('id') ? o.badSegment : o.goodId;
        const deviceId = decodeSegment(segment);
        const small = has('body') ? utf8(o.badBody) : utf8(o.goodBody);
        const bytes = has('size') ? (has('body') ? Buffer.concat([utf8('{"bad":'), Buffer.alloc(o.bigSize, 0x20), utf8('1}')]) : padTo(o.goodBody, o.bigSize)) : small;
        const auth = has('auth') ? authorization(o.badAuth, deviceId, segment, live().secret, 'Authorization') : authorization({ kind: 'bearer', scheme: 'Bearer', spaces: 1, leading: 0, trailing: 0 }, deviceId, segment, live().secret, 'Authorization');
        const type = has('media') ? o.badType : o.goodType;
        const headers: [string, string][] = [...auth.lines];
        if (type.value !== null) headers.push(['Content-Type', type.value]);
        const built: Built = {
          request: { method: 'POST', target: `/v1/heartbeats/${segment}`, headers, body: bytes, framing: o.chunked ? 'chunked' : 'length', chunkSizes: [1000] },
          facts: { method: 'POST', routeMatches: true, deviceId, body: classifyBody(bytes), authorized: auth.authorized, jsonContentType: type.json },
        };
        // The test's own premise: the model agrees that the first fault in the contract's order wins.
        const first = ORDER.find((f) => has(f)) as (typeof ORDER)[number];
        const modelCodes = expectedAnswer(built.facts).answers.map((a) => a.code);
        if (!modelCodes.includes(CODE[first])) throw new Error(`test premise: model says ${modelCodes.join()} for faults ${o.faults.join()}`);
        await assertCase(built);
      }),
      { seed: SEED + 1, numRuns: ORDER_RUNS, endOnFailure: false },
    );
    expect(runs).toBeGreaterThanOrEqual(ORDER_RUNS);
  }, 240_000);

  it('holds no device that was never answered 200, and exactly the acknowledged beats of the others', async () => {
    const client = admin as JsonClient;
    const stored = await listAllDevices(client, live().adminToken);
    const unexpected = stored.filter((d) => !accepted.has(d.deviceId)).map((d) => d.deviceId);
    expect(unexpected, 'devices in the store that no 200 answer created').toEqual([]);
    const wrongCounts = stored.filter((d) => accepted.get(d.deviceId) !== d.beats).map((d) => ({ deviceId: d.deviceId, stored: d.beats, acknowledged: accepted.get(d.deviceId) }));
    expect(wrongCounts).toEqual([]);
    expect(stored.length).toBe([...accepted.values()].filter((n) => n > 0).length);
    expect(counters.ok, 'some fuzzed beats were accepted').toBeGreaterThan(20);
    const health = await client.call('GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.body.ok).toBe(true);
  });
});

describe('requests that are not valid HTTP/1.1 (refused before any handler runs)', () => {
  const malformed = (id: string, token: string): { name: string; bytes: Buffer }[] => {
    const head = (extra: string) => `POST /v1/heartbeats/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n${extra}`;
    return [
      { name: 'raw UTF-8 in the path', bytes: Buffer.concat([utf8(`POST /v1/heartbeats/${id}`), utf8('é'), utf8(` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`)]) },
      { name: 'a space in the path', bytes: utf8(`POST /v1/heartbeats/${id} x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`) },
      { name: 'a bad chunk size', bytes: utf8(`${head('Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n')}zz\r\n{}\r\n0\r\n\r\n`) },
      { name: 'Content-Length and Transfer-Encoding together', bytes: utf8(`${head('Transfer-Encoding: chunked\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n')}2\r\n{}\r\n0\r\n\r\n`) },
      { name: 'two different Content-Lengths', bytes: utf8(`${head('Content-Length: 2\r\nContent-Length: 3\r\nContent-Type: application/json\r\n\r\n')}{} `) },
      { name: 'a non-numeric Content-Length', bytes: utf8(`${head('Content-Length: two\r\nContent-Type: application/json\r\n\r\n')}{}`) },
      { name: 'headers over 16 KB', bytes: utf8(`${head(`X-Pad: ${'p'.repeat(20_000)}\r\n\r\n`)}`) },
      { name: 'a control character in a header', bytes: utf8(`${head('X-Bad: a\u0001b\r\n\r\n')}`) },
      { name: 'a space in a header name', bytes: utf8(`${head('Bad Header: 1\r\n\r\n')}`) },
      { name: 'a lower-case method', bytes: utf8(`post /v1/heartbeats/${id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`) },
      { name: 'no Host header', bytes: utf8(`POST /v1/heartbeats/${id} HTTP/1.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`) },
      { name: 'an obsolete line folding', bytes: utf8(`${head('X-Fold: a\r\n b\r\n\r\n')}`) },
      { name: 'a bare LF line ending', bytes: utf8(`POST /v1/heartbeats/${id} HTTP/1.1\nHost: x\nAuthorization: Bearer ${token}\nConnection: close\n\n`) },
    ];
  };

  it('never answers 5xx to them and writes nothing', async () => {
    const problems: string[] = [];
    const count = malformed('x', 'x').length;
    for (let i = 0; i < count; i++) {
      // A fresh, valid device id with its valid token: had the request been processed, it would be written.
      const id = `malformed-${i}`;
      const c = malformed(id, live().token(id))[i] as { name: string; bytes: Buffer };
      const answer = await sendRaw(live().port, c.bytes, { timeoutMs: 15_000 });
      counters.requests++;
      if (answer && answer.status >= 500) problems.push(`${c.name}: ${answer.status}`);
      if (answer && answer.status === 200) {
        accepted.set(id, (accepted.get(id) ?? 0) + 1);
        continue;
      }
      const stored = await (admin as JsonClient).call('GET', devicePath(id), { token: live().adminToken });
      if (stored.status !== 404) problems.push(`${c.name}: answered ${answer?.status ?? 'nothing'}, yet a record exists (${stored.status})`);
    }
    expect(problems).toEqual([]);
  });

  it("answers them with the contract's error JSON (every error has the shape {error: {code, message}})", async () => {
    const problems: string[] = [];
    for (const c of malformed('malformed-shape', live().token('malformed-shape'))) {
      const answer = await sendRaw(live().port, c.bytes, { timeoutMs: 15_000 });
      counters.requests++;
      if (answer === null) {
        problems.push(`${c.name}: no answer at all`);
        continue;
      }
      if (answer.status < 400) continue;
      // Any code is fine here (the contract lists none for broken HTTP); the shape is not negotiable.
      const shape = errorShapeProblems(answer, { codes: [errorCode(answer) ?? '(none)'] }).filter((p) => !p.startsWith('code '));
      if (shape.length > 0) problems.push(`${c.name}: ${answer.status} ${answer.reason}: ${shape.join('; ')}`);
    }
    expect(problems).toEqual([]);
  });
});
