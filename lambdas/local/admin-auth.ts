/**
 * The local stand-in for the IAM authorizer of the management routes: `Authorization: Bearer <admin token>`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminAuthorizer } from '../handlers/management-api';
import { header } from '../handlers/http';
import { bearerToken } from '../core/tokens';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Compares in constant time. Both sides are hashed first so that the compared buffers always have
 * the same length: neither the length nor a prefix of the token leaks through timing.
 */
export function adminTokenAuthorizer(adminToken: string): AdminAuthorizer {
  const expected = digest(adminToken);
  return (event) => {
    const presented = bearerToken(header(event, 'authorization'));
    return timingSafeEqual(digest(presented ?? ''), expected) && presented !== null;
  };
}
