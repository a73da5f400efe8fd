/**
 * The ingest contract as an oracle, written from the service contract (docs/api.md describes it), not
 * from the code under test: what `POST /v1/heartbeats/{deviceId}` must answer to a request, in the contract's order.
 * Where the contract is silent, the model says "either" and the test accepts both answers.
 */

export const DEVICE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-';
export const MAX_BODY_BYTES = 4096;

/** How the contract classifies a body. */
export type BodyClass = 'empty' | 'too_large' | 'valid' | 'invalid' | 'either';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function depth(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depth));
  if (isPlainObject(value)) return 1 + Math.max(0, ...Object.values(value).map(depth));
  return 0;
}

function hasKeyAnywhere(value: unknown, keys: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((item) => hasKeyAnywhere(item, keys));
  if (isPlainObject(value)) return Object.keys(value).some((key) => keys.has(key) || hasKeyAnywhere(value[key], keys));
  return false;
}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The contract's verdict on a parsed beat body (a JSON value). */
export function classifyBeatValue(value: unknown): 'valid' | 'invalid' | 'either' {
  if (!isPlainObject(value)) return 'invalid';
  let verdict: 'valid' | 'either' = 'valid';
  for (const [key, field] of Object.entries(value)) {
    switch (key) {
      case 'interval':
        if (typeof field !== 'number' || !Number.isInteger(field) || field < 5 || field > 86_400) return 'invalid';
        break;
      case 'grace':
        if (typeof field !== 'number' || !Number.isInteger(field) || field < 0 || field > 86_400) return 'invalid';
        break;
      case 'status':
        if (field !== 'ok' && field !== 'fail') return 'invalid';
        break;
      case 'message':
        // "String lengths count characters."
        if (typeof field !== 'string' || [...field].length > 256) return 'invalid';
        break;
      case 'meta':
        if (!isPlainObject(field)) return 'invalid';
        // "the meta size is the UTF-8 length of its JSON"
        if (Buffer.byteLength(JSON.stringify(field), 'utf8') > 1024) return 'invalid';
        // Silent in the contract: prototype-ish keys and very deep nesting (the service takes them as plain data).
        if (hasKeyAnywhere(field, PROTOTYPE_KEYS) || depth(field) > 16) verdict = 'either';
        break;
      default:
        // "Any other field is rejected with 400."
        return 'invalid';
    }
  }
  return verdict;
}

/** The contract's verdict on the raw body bytes. */
export function classifyBody(bytes: Buffer): BodyClass {
  if (bytes.length === 0) return 'empty';
  if (bytes.length > MAX_BODY_BYTES) return 'too_large';
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return 'invalid';
  }
  // A byte-order mark is outside what the contract talks about.
  if (text.startsWith('\uFEFF')) return 'either';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'invalid';
  }
  return classifyBeatValue(value);
}

/** The decoded device id of a path segment, as a URL means it (malformed escapes stay as sent). */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface Expected {
  /** Acceptable (status, code) pairs; code null for 200. */
  readonly answers: readonly { status: number; code: string | null }[];
  /** A short reason for reports. */
  readonly why: string;
}

export interface RequestFacts {
  readonly method: string;
  /** The route matched (a non-empty single path segment after /v1/heartbeats/). */
  readonly routeMatches: boolean;
  /** Decoded id (meaningful when the route matches). */
  readonly deviceId: string;
  readonly body: BodyClass;
  /** The Authorization header proves this device id. */
  readonly authorized: boolean;
  /** The content type says JSON in UTF-8. */
  readonly jsonContentType: boolean;
}

/** What the contract says the answer is. */
export function expectedAnswer(facts: RequestFacts): Expected {
  if (!facts.routeMatches) return { answers: [{ status: 404, code: 'not_found' }], why: 'no such route' };
  if (facts.method !== 'POST') return { answers: [{ status: 405, code: 'method_not_allowed' }], why: 'heartbeats are POSTed' };
  // The contract's order: invalid_device_id, payload_too_large, unauthorized, unsupported_media_type, invalid_body.
  if (!DEVICE_ID.test(facts.deviceId)) return { answers: [{ status: 400, code: 'invalid_device_id' }], why: 'bad id' };
  if (facts.body === 'too_large') return { answers: [{ status: 413, code: 'payload_too_large' }], why: 'body over 4096 bytes' };
  if (!facts.authorized) return { answers: [{ status: 401, code: 'unauthorized' }], why: 'no valid token' };
  if (facts.body === 'empty') return { answers: [{ status: 200, code: null }], why: 'empty body' };
  if (!facts.jsonContentType) return { answers: [{ status: 415, code: 'unsupported_media_type' }], why: 'body not declared JSON in UTF-8' };
  if (facts.body === 'invalid') return { answers: [{ status: 400, code: 'invalid_body' }], why: 'bad body' };
  if (facts.body === 'either') {
    return {
      answers: [
        { status: 200, code: null },
        { status: 400, code: 'invalid_body' },
      ],
      why: 'body the contract is silent about',
    };
  }
  return { answers: [{ status: 200, code: null }], why: 'a good beat' };
}
