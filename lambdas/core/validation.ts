/**
 * Input validation, declared once and shared by the ingest and management paths.
 * A small hand-written validator: the rules are few, and it keeps the ingest bundle free of a schema library.
 */
import { LIMITS } from './model';

/** A rule for one field of a JSON object. */
export type FieldRule =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number; readonly nullable?: boolean }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'string'; readonly maxChars: number }
  | { readonly kind: 'pattern'; readonly pattern: RegExp; readonly describe: string; readonly nullable?: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'object'; readonly maxJsonBytes: number };

export type Schema = Readonly<Record<string, FieldRule>>;

export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** Body of `POST /v1/heartbeats/{deviceId}`. */
export const BEAT_BODY = {
  interval: { kind: 'integer', min: LIMITS.minIntervalSeconds, max: LIMITS.maxIntervalSeconds },
  grace: { kind: 'integer', min: LIMITS.minGraceSeconds, max: LIMITS.maxGraceSeconds },
  status: { kind: 'enum', values: ['ok', 'fail'] },
  message: { kind: 'string', maxChars: LIMITS.maxMessageChars },
  meta: { kind: 'object', maxJsonBytes: LIMITS.maxMetaBytes },
  next: { kind: 'integer', min: LIMITS.minNextSeconds, max: LIMITS.maxNextSeconds },
  failThreshold: { kind: 'integer', min: LIMITS.minFailThreshold, max: LIMITS.maxFailThreshold },
  recoverAfter: { kind: 'integer', min: LIMITS.minRecoverAfterSeconds, max: LIMITS.maxRecoverAfterSeconds },
} as const satisfies Schema;

/** Body of `PUT /v1/devices/{deviceId}`. `grace: null` makes the grace follow the interval again; `group: null` removes it; `failThreshold` and `recoverAfter` null go back to the defaults. */
export const DEVICE_PATCH_BODY = {
  interval: { kind: 'integer', min: LIMITS.minIntervalSeconds, max: LIMITS.maxIntervalSeconds },
  grace: { kind: 'integer', min: LIMITS.minGraceSeconds, max: LIMITS.maxGraceSeconds, nullable: true },
  group: { kind: 'pattern', pattern: LIMITS.groupPattern, describe: '1-64 characters of A-Z a-z 0-9 . _ : -', nullable: true },
  paused: { kind: 'boolean' },
  failThreshold: { kind: 'integer', min: LIMITS.minFailThreshold, max: LIMITS.maxFailThreshold, nullable: true },
  recoverAfter: { kind: 'integer', min: LIMITS.minRecoverAfterSeconds, max: LIMITS.maxRecoverAfterSeconds, nullable: true },
  detection: { kind: 'enum', values: ['fixed', 'adaptive'] },
} as const satisfies Schema;

export interface BeatBody {
  interval?: number;
  grace?: number;
  status?: 'ok' | 'fail';
  message?: string;
  meta?: Record<string, unknown>;
  /** This one time, the next beat comes this many seconds later instead of the interval. */
  next?: number;
  failThreshold?: number;
  recoverAfter?: number;
}

export interface DevicePatchBody {
  interval?: number;
  grace?: number | null;
  group?: string | null;
  paused?: boolean;
  /** `null`: back to the deployment's default. */
  failThreshold?: number | null;
  /** `null`: back to the deployment's default. */
  recoverAfter?: number | null;
  /** `adaptive`: also down as soon as the silence is improbable for this device's own cadence. */
  detection?: 'fixed' | 'adaptive';
}

export function isValidDeviceId(value: unknown): value is string {
  return typeof value === 'string' && LIMITS.deviceIdPattern.test(value);
}

export function isValidGroup(value: unknown): value is string {
  return typeof value === 'string' && LIMITS.groupPattern.test(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkField(name: string, rule: FieldRule, value: unknown): string | null {
  if (value === null && 'nullable' in rule && rule.nullable) return null;
  switch (rule.kind) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `"${name}" must be an integer.`;
      if (value < rule.min || value > rule.max) return `"${name}" must be between ${rule.min} and ${rule.max}.`;
      return null;
    case 'enum':
      if (typeof value !== 'string' || !rule.values.includes(value)) return `"${name}" must be one of ${rule.values.map((v) => `"${v}"`).join(', ')}.`;
      return null;
    case 'string':
      if (typeof value !== 'string') return `"${name}" must be a string.`;
      // Characters, not UTF-16 units: an emoji counts once.
      if ([...value].length > rule.maxChars) return `"${name}" must be at most ${rule.maxChars} characters.`;
      return null;
    case 'pattern':
      if (typeof value !== 'string' || !rule.pattern.test(value)) return `"${name}" must be ${rule.describe}.`;
      return null;
    case 'boolean':
      if (typeof value !== 'boolean') return `"${name}" must be true or false.`;
      return null;
    case 'object': {
      // Any keys and any nesting: the object is only ever stored and answered as JSON text, never
      // merged into another object, so keys such as "constructor" are plain data (a firmware may
      // well report "prototype": true).
      if (!isPlainObject(value)) return `"${name}" must be a JSON object.`;
      if (utf8Length(JSON.stringify(value)) > rule.maxJsonBytes) return `"${name}" must be at most ${rule.maxJsonBytes} bytes as JSON.`;
      return null;
    }
  }
}

/** Checks a parsed JSON value against a schema: an object, only known fields, each field valid. */
export function validateObject<T>(input: unknown, schema: Schema): Validated<T> {
  if (!isPlainObject(input)) return { ok: false, message: 'The body must be a JSON object.' };
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(schema, key)) {
      return { ok: false, message: `Unknown field "${key}"; allowed: ${Object.keys(schema).join(', ')}.` };
    }
  }
  const value: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(schema)) {
    if (!Object.hasOwn(input, key)) continue;
    const problem = checkField(key, rule, input[key]);
    if (problem) return { ok: false, message: problem };
    value[key] = input[key];
  }
  return { ok: true, value: value as T };
}

/** Parses a JSON text; a failure becomes a message, never an exception. */
export function parseJson(text: string): Validated<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: 'The body is not valid JSON.' };
  }
}

/** A whole number from a query string value. */
export function parseQueryInteger(name: string, raw: string, min: number, max: number): Validated<number> {
  if (!/^\d{1,9}$/.test(raw)) return { ok: false, message: `"${name}" must be a whole number.` };
  const value = Number(raw);
  if (value < min || value > max) return { ok: false, message: `"${name}" must be between ${min} and ${max}.` };
  return { ok: true, value };
}

const encoder = new TextEncoder();

/** Length of a string in UTF-8 bytes. */
function utf8Length(text: string): number {
  return encoder.encode(text).length;
}
