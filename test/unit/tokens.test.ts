/** Device tokens: the contract's formula, rotation, and rejection of everything else. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearerToken, deviceToken, verifyDeviceToken } from '../../lambdas/core/tokens';

describe('deviceToken', () => {
  it('is base64url without padding of HMAC-SHA256(secret, deviceId)', () => {
    const expected = createHmac('sha256', 's3cret').update('sensor-42').digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(deviceToken('s3cret', 'sensor-42')).toBe(expected);
    expect(deviceToken('s3cret', 'sensor-42')).toHaveLength(43);
  });
});

describe('verifyDeviceToken', () => {
  const secrets = { current: 'new-secret', previous: 'old-secret' };
  it('accepts the current and, during a rotation, the previous secret', () => {
    expect(verifyDeviceToken(secrets, 'd1', deviceToken('new-secret', 'd1'))).toBe(true);
    expect(verifyDeviceToken(secrets, 'd1', deviceToken('old-secret', 'd1'))).toBe(true);
    expect(verifyDeviceToken({ current: 'new-secret' }, 'd1', deviceToken('old-secret', 'd1'))).toBe(false);
  });
  it('rejects another device, another secret, truncated, padded and garbage tokens', () => {
    const good = deviceToken('new-secret', 'd1');
    for (const token of [deviceToken('new-secret', 'd2'), deviceToken('third', 'd1'), good.slice(0, 42), `${good}=`, `${good}A`, '', 'x'.repeat(43)]) {
      expect(verifyDeviceToken(secrets, 'd1', token), token).toBe(false);
    }
  });
});

describe('bearerToken', () => {
  it('takes the token of a Bearer header in any case, and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
