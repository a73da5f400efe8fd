/** Rotates the signing secret kept in AWS Secrets Manager (used by `heartbeat secret rotate|finish --secret-arn`). */
import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { finishRotation, parseSigningSecrets, serializeSigningSecrets, startRotation } from '../core/signing-secrets';
import type { SigningSecrets } from '../core/tokens';

export async function readSecretsManagerSigningSecrets(client: SecretsManagerClient, secretId: string): Promise<SigningSecrets> {
  const current = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  return parseSigningSecrets(current.SecretString ?? '');
}

/** Applies one rotation step and stores the result as a new secret version; returns it. */
export async function rotateSecretsManagerSigningSecret(
  client: SecretsManagerClient,
  secretId: string,
  step: 'start' | 'finish',
): Promise<SigningSecrets> {
  const secrets = await readSecretsManagerSigningSecrets(client, secretId);
  const next = step === 'start' ? startRotation(secrets) : finishRotation(secrets);
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: serializeSigningSecrets(next) }));
  return next;
}
