/**
 * Rotation of the device-token signing secret, in two steps so no device is ever locked out:
 *   1. start: a new current secret; the old one becomes `previous` (tokens of both are accepted);
 *      re-provision devices with tokens of the new secret at your pace;
 *   2. finish: drop `previous` (old tokens stop working).
 */
import { randomBytes } from 'node:crypto';
import type { SigningSecrets } from './tokens';

/** A fresh secret: 32 random bytes, base64url (43 characters). */
export function newSigningSecret(): string {
  return randomBytes(32).toString('base64url');
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
