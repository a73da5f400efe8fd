/**
 * SigningSecretSource on AWS Secrets Manager. The secret holds {"current": "...", "previous": "..."}.
 * Cached and refreshed by RefreshingSigningSecrets (read once per container, again every `refreshSeconds`).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../core/ports';
import { parseSigningSecrets } from '../core/signing-secrets';
import type { SigningSecrets } from '../core/tokens';
import { RefreshingSigningSecrets } from './refreshing-signing-secrets';

/** Re-exported for callers that already import it from here. */
export { parseSigningSecrets };

export class SecretsManagerSigningSecrets extends RefreshingSigningSecrets {
  constructor(
    private readonly options: { readonly client: SecretsManagerClient; readonly secretId: string; readonly clock: Clock; readonly refreshSeconds: number },
  ) {
    super(options);
  }

  protected async readSecrets(): Promise<SigningSecrets> {
    const result = await this.options.client.send(new GetSecretValueCommand({ SecretId: this.options.secretId }));
    return parseSigningSecrets(result.SecretString ?? '');
  }
}
