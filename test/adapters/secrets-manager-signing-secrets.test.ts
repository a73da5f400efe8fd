/** The signing secret on AWS: parsed from Secrets Manager, read once per refresh period, not per beat. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseSigningSecrets, SecretsManagerSigningSecrets } from '../../lambdas/adapters/secrets-manager-signing-secrets';
import { FakeClock } from '../support/fakes';

const sm = mockClient(SecretsManagerClient);

describe('SecretsManagerSigningSecrets', () => {
  beforeEach(() => sm.reset());

  it('reads once, serves from cache, and reads again after the refresh period', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"current":"aaaaaaaaaaaaaaaaaaaa","previous":"bbbbbbbbbbbbbbbbbbbb"}' });
    const clock = new FakeClock();
    const source = new SecretsManagerSigningSecrets({ client: new SecretsManagerClient({ region: 'eu-west-1' }), secretId: 'arn:secret', clock, refreshSeconds: 300 });
    const all = await Promise.all(Array.from({ length: 20 }, () => source.signingSecrets()));
    expect(all[0]).toEqual({ current: 'aaaaaaaaaaaaaaaaaaaa', previous: 'bbbbbbbbbbbbbbbbbbbb' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock.advance(301_000);
    await source.signingSecrets();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('keeps serving the last good secrets when a refresh fails', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: '{"current":"aaaaaaaaaaaaaaaaaaaa","previous":""}' }).rejects(new Error('throttled'));
    const clock = new FakeClock();
    const source = new SecretsManagerSigningSecrets({ client: new SecretsManagerClient({ region: 'eu-west-1' }), secretId: 'arn:secret', clock, refreshSeconds: 1 });
    await source.signingSecrets();
    clock.advance(5_000);
    expect(await source.signingSecrets()).toEqual({ current: 'aaaaaaaaaaaaaaaaaaaa', previous: null });
  });
});

describe('parseSigningSecrets', () => {
  it('rejects a secret too short to be safe, with a message saying the shape', () => {
    expect(() => parseSigningSecrets('{"current":"short"}')).toThrow(/at least 16/);
  });

  it('takes a plain secret as the current one, also one that happens to parse as JSON (digits alone)', () => {
    expect(parseSigningSecrets('plain-secret-0123456789')).toEqual({ current: 'plain-secret-0123456789', previous: null });
    expect(parseSigningSecrets('12345678901234567890')).toEqual({ current: '12345678901234567890', previous: null });
    expect(parseSigningSecrets('{"current":"current-secret-0123","previous":"previous-secret-01"}')).toEqual({ current: 'current-secret-0123', previous: 'previous-secret-01' });
  });
});
