/** Two-step rotation of the signing secret: old tokens keep working until the rotation is finished. */
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { rotateSecretsManagerSigningSecret } from '../../lambdas/adapters/secrets-manager-rotation';
import { finishRotation, startRotation } from '../../lambdas/core/signing-secrets';
import { deviceToken, verifyDeviceToken } from '../../lambdas/core/tokens';

describe('rotation', () => {
  it('accepts old and new tokens while rotating, and only new ones after finishing', () => {
    const before = { current: 'old-secret-0123456789', previous: null };
    const oldToken = deviceToken(before.current, 'd1');
    const rotating = startRotation(before, 'new-secret-0123456789');
    expect(verifyDeviceToken(rotating, 'd1', oldToken)).toBe(true);
    expect(verifyDeviceToken(rotating, 'd1', deviceToken('new-secret-0123456789', 'd1'))).toBe(true);
    const done = finishRotation(rotating);
    expect(verifyDeviceToken(done, 'd1', oldToken)).toBe(false);
    expect(verifyDeviceToken(done, 'd1', deviceToken('new-secret-0123456789', 'd1'))).toBe(true);
  });

  it('stores a new Secrets Manager version with the old secret as previous', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"current":"old-secret-0123456789","previous":""}' });
    sm.on(PutSecretValueCommand).resolves({});
    const next = await rotateSecretsManagerSigningSecret(new SecretsManagerClient({ region: 'eu-west-1' }), 'arn:s', 'start');
    const stored = JSON.parse(sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString ?? '{}');
    expect(stored).toEqual({ current: next.current, previous: 'old-secret-0123456789' });
    expect(next.current).toMatch(/^[0-9a-f]{64}$/);
    sm.restore();
  });
});
