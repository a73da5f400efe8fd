/**
 * The device-token signing secrets: their stored form, and their rotation
 * (one copy of these rules for the AWS and the local runtimes).
 *
 * Rotation of the device-token signing secret, in two steps so no device is ever locked out:
 *   1. start: a new current secret; the old one becomes `previous` (tokens of both are accepted);
 *      re-provision devices with tokens of the new secret at your pace;
 *   2. finish: drop `previous` (old tokens stop working).
 */
import { randomBytes } from 'node:crypto';
import type { SigningSecrets } from './tokens';

/** Shorter secrets are refused everywhere: a short HMAC key makes tokens guessable offline. */
export const MIN_SIGNING_SECRET_CHARS = 16;

/** A fresh secret: 32 random bytes as hex (never starts with "-", so it is safe as a CLI argument). */
export function newSigningSecret(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Parses the stored form `{"current": "...", "previous": "..."}`; any other text (plain, or JSON
 * that is not an object, such as a secret of digits alone) is taken as the current secret alone.
 * Throws a message saying the expected shape.
 */
export function parseSigningSecrets(text: string): SigningSecrets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  // A secret of digits (or `true`) parses as JSON too; it is still the plain secret it was written as.
  if (typeof parsed !== 'string' && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) parsed = text;
  if (typeof parsed === 'string' && parsed.length >= MIN_SIGNING_SECRET_CHARS) return { current: parsed, previous: null };
  const { current, previous } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { current?: unknown; previous?: unknown };
  if (typeof current !== 'string' || current.length < MIN_SIGNING_SECRET_CHARS) {
    throw new Error(`The signing secret must be JSON {"current": "<at least ${MIN_SIGNING_SECRET_CHARS} characters>", "previous": "<optional>"}.`);
  }
  if (previous !== undefined && previous !== null && typeof previous !== 'string') throw new Error('The signing secret\'s "previous" must be a string.');
  return { current, previous: typeof previous === 'string' && previous.length > 0 ? previous : null };
}

/** Step 1: the new secret becomes current, the current one previous. */
export function startRotation(secrets: SigningSecrets, fresh: string = newSigningSecret()): SigningSecrets {
  if (fresh === secrets.current) throw new Error('The new signing secret must differ from the current one.');
  return { current: fresh, previous: secrets.current };
}

/** Step 2: only the current secret is accepted from now on. */
export function finishRotation(secrets: SigningSecrets): SigningSecrets {
  return { current: secrets.current, previous: null };
}

/** The stored form: `{"current": "...", "previous": "..."}` (empty string when none). */
export function serializeSigningSecrets(secrets: SigningSecrets): string {
  return JSON.stringify({ current: secrets.current, previous: secrets.previous ?? '' });
}
