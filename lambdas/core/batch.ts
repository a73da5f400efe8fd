/**
 * Beats in batches (`POST /v1/heartbeats`): a gateway sends its devices' beats in one request, each
 * entry with its own device token. The batch shape is checked as a whole; every entry is then
 * checked on its own, in the single beat's order of errors, so one bad entry never spoils the others.
 */
import { verifyDeviceToken, type SigningSecrets } from './tokens';
import { BEAT_BODY, isValidDeviceId, validateObject, type BeatBody, type Validated } from './validation';

/** Limits of a batch request. */
export const BATCH_LIMITS = {
  maxEntries: 100,
  maxBodyBytes: 65_536,
} as const;

/** Error codes an entry can answer with (the whole request still answers 200). */
export type BatchEntryErrorCode = 'invalid_device_id' | 'unauthorized' | 'invalid_body' | 'throttled' | 'internal_error';

/** An entry that passed its checks: the single beat it stands for. */
export interface AcceptedEntry {
  readonly ok: true;
  readonly deviceId: string;
  readonly body: BeatBody;
}

/** An entry answered with an error; `deviceId` is null when the entry had no usable one. */
export interface RejectedEntry {
  readonly ok: false;
  readonly deviceId: string | null;
  readonly code: BatchEntryErrorCode;
  readonly message: string;
}

export type CheckedEntry = AcceptedEntry | RejectedEntry;

/** The fields an entry carries besides the beat's own. */
const ENTRY_KEYS = new Set(['deviceId', 'token']);

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The entries of a parsed batch body, or why it is not a batch (400 `invalid_body` for the whole request). */
export function parseBatch(input: unknown): Validated<readonly unknown[]> {
  if (!isPlainObject(input)) return { ok: false, message: 'The body must be a JSON object {"beats": [...]}.' };
  for (const key of Object.keys(input)) {
    if (key !== 'beats') return { ok: false, message: `Unknown field "${key}"; a batch has only "beats".` };
  }
  const beats = input.beats;
  if (!Array.isArray(beats)) return { ok: false, message: '"beats" must be an array of beat entries.' };
  if (beats.length < 1 || beats.length > BATCH_LIMITS.maxEntries) {
    return { ok: false, message: `"beats" must hold 1 to ${BATCH_LIMITS.maxEntries} entries, got ${beats.length}.` };
  }
  return { ok: true, value: beats };
}

/**
 * Checks one entry as the single beat route checks a request: device id, then token, then body.
 * Throttling comes after, in the handler, because it depends on state outside the entry.
 */
export function checkBatchEntry(entry: unknown, secrets: SigningSecrets): CheckedEntry {
  if (!isPlainObject(entry)) {
    return { ok: false, deviceId: null, code: 'invalid_body', message: 'Each entry must be a JSON object with "deviceId", "token" and beat fields.' };
  }
  const deviceId = entry.deviceId;
  if (!isValidDeviceId(deviceId)) {
    return {
      ok: false,
      deviceId: typeof deviceId === 'string' ? deviceId : null,
      code: 'invalid_device_id',
      message: '"deviceId" must be 1-128 characters of A-Z a-z 0-9 . _ : -',
    };
  }
  const token = entry.token;
  if (typeof token !== 'string' || !verifyDeviceToken(secrets, deviceId, token)) {
    return { ok: false, deviceId, code: 'unauthorized', message: 'Put the token minted for this device id in the entry\'s "token".' };
  }
  // fromEntries defines own properties: an entry's "__proto__" stays a field (and is refused as
  // unknown), where an assignment would have made it the object's prototype and hidden it.
  const fields = Object.fromEntries(Object.entries(entry).filter(([key]) => !ENTRY_KEYS.has(key)));
  const validated = validateObject<BeatBody>(fields, BEAT_BODY);
  if (!validated.ok) return { ok: false, deviceId, code: 'invalid_body', message: validated.message };
  return { ok: true, deviceId, body: validated.value };
}
