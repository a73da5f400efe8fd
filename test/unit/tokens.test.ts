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

  it('keys the HMAC with the UTF-8 bytes of the secret, also for a secret that is not ASCII', () => {
    const secret = 'sécret-ü-密钥-0123456789';
    const expected = createHmac('sha256', new TextEncoder().encode(secret)).update(new TextEncoder().encode('sensor-42')).digest('base64url');
    expect(deviceToken(secret, 'sensor-42')).toBe(expected);
    expect(deviceToken(secret, 'sensor-42')).not.toBe(createHmac('sha256', Buffer.from(secret, 'latin1')).update('sensor-42').digest('base64url'));
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
  it('rejects the other spellings of a token that decode to the same bytes (the last character carries 2 padding bits)', () => {
    // Prepare: every device id below gets a token, and each token's three look-alikes
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const deviceId of ['d1', 'd2', 'sensor-42', 'gw:7']) {
      const good = deviceToken('new-secret', deviceId);
      const last = alphabet.indexOf(good.slice(-1));
      const lookAlikes = [1, 2, 3].map((low) => `${good.slice(0, -1)}${alphabet[(last & ~3) | ((last + low) & 3)]}`);
      for (const token of lookAlikes) {
        // Act / Assess: same bytes once decoded, yet not the token this service mints
        expect(Buffer.from(token, 'base64url').equals(Buffer.from(good, 'base64url'))).toBe(true);
        expect(verifyDeviceToken(secrets, deviceId, token), token).toBe(false);
      }
      expect(verifyDeviceToken(secrets, deviceId, good)).toBe(true);
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
