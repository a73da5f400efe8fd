/**
 * Device tokens: token = base64url_no_padding(HMAC-SHA256(key = signing secret, message = deviceId)).
 * A fleet can mint tokens offline; the service checks them without a database read, in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The secrets a token may be signed with: the current one, and during a rotation the previous one. */
export interface SigningSecrets {
  readonly current: string;
  readonly previous?: string | null;
}

const TOKEN_BYTES = 32;

function mac(secret: string, deviceId: string): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(deviceId, 'utf8').digest();
}

/** The token of a device under a secret. */
export function deviceToken(secret: string, deviceId: string): string {
  return mac(secret, deviceId).toString('base64url');
}

/**
 * Decodes a presented token to its 32 bytes, or null when it cannot be one (wrong alphabet or
 * length, or not the canonical spelling). 43 characters carry 258 bits: the last character's two
 * low bits are padding, so four spellings decode to the same bytes; only the one we mint is a token.
 */
function decodeToken(token: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== token) return null;
  return bytes;
}

/**
 * True when `token` was minted for `deviceId` with the current or the previous secret.
 * Both secrets are always checked, so the time taken does not tell which one matched.
 */
export function verifyDeviceToken(secrets: SigningSecrets, deviceId: string, token: string): boolean {
  const decoded = decodeToken(token);
  // A malformed token is still compared (against zeros), so its rejection takes the same time.
  const presented = decoded ?? Buffer.alloc(TOKEN_BYTES);
  const matchesCurrent = timingSafeEqual(presented, mac(secrets.current, deviceId));
  const previous = secrets.previous ? secrets.previous : null;
  const matchesPrevious = previous !== null ? timingSafeEqual(presented, mac(previous, deviceId)) : false;
  return decoded !== null && (matchesCurrent || matchesPrevious);
}

/** The token from an `Authorization: Bearer <token>` header value, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1] ?? null;
}
