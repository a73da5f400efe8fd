/**
 * SigningSecretSource on AWS Secrets Manager. The secret holds {"current": "...", "previous": "..."}.
 * It is read once per container and again after `refreshSeconds`, so a rotation reaches every
 * container within that time without a read per beat.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock, SigningSecretSource } from '../core/ports';
import { parseSigningSecrets } from '../core/signing-secrets';
import type { SigningSecrets } from '../core/tokens';

/** Re-exported for callers that already import it from here. */
export { parseSigningSecrets };

export class SecretsManagerSigningSecrets implements SigningSecretSource {
  private cached: { secrets: SigningSecrets; readAt: number } | null = null;
  private pending: Promise<SigningSecrets> | null = null;

  constructor(
    private readonly options: { readonly client: SecretsManagerClient; readonly secretId: string; readonly clock: Clock; readonly refreshSeconds: number },
  ) {}

  async signingSecrets(): Promise<SigningSecrets> {
    const now = this.options.clock.now();
    if (this.cached && now - this.cached.readAt < this.options.refreshSeconds * 1000) return this.cached.secrets;
    // One read in flight at a time, however many beats arrive meanwhile.
    this.pending ??= this.read(now).finally(() => {
      this.pending = null;
    });
    try {
      return await this.pending;
    } catch (error) {
      // Keep serving the last good secrets if a refresh fails; fail only when there are none.
      if (this.cached) return this.cached.secrets;
      throw error;
    }
  }

  private async read(now: number): Promise<SigningSecrets> {
    const result = await this.options.client.send(new GetSecretValueCommand({ SecretId: this.options.secretId }));
    const secrets = parseSigningSecrets(result.SecretString ?? '');
    this.cached = { secrets, readAt: now };
    return secrets;
  }
}
