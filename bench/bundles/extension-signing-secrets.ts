/**
 * Candidate SigningSecretSource for the ingest Lambda: reads the signing secret through the AWS
 * Parameters and Secrets Lambda Extension (a layer serving a cached GetSecretValue on
 * localhost:2773), so the ingest bundle needs no Secrets Manager client.
 * Measured by bench/measure/bundles.ts; a proposal for lambdas/adapters/, not used by the stack.
 */
import { RefreshingSigningSecrets } from '../../lambdas/adapters/refreshing-signing-secrets';
import type { Clock } from '../../lambdas/core/ports';
import type { SigningSecrets } from '../../lambdas/core/tokens';

export interface ExtensionSigningSecretsOptions {
  readonly secretId: string;
  /** AWS_SESSION_TOKEN: the extension answers only callers that present it. */
  readonly sessionToken: string;
  readonly clock: Clock;
  readonly refreshSeconds: number;
  /** PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, 2773 by default. */
  readonly port?: number;
  readonly parse: (text: string) => SigningSecrets;
}

export class ExtensionSigningSecrets extends RefreshingSigningSecrets {
  constructor(private readonly options: ExtensionSigningSecretsOptions) {
    super(options);
  }

  protected async readSecrets(): Promise<SigningSecrets> {
    const url = `http://localhost:${this.options.port ?? 2773}/secretsmanager/get?secretId=${encodeURIComponent(this.options.secretId)}`;
    const response = await fetch(url, { headers: { 'X-Aws-Parameters-Secrets-Token': this.options.sessionToken } });
    if (!response.ok) throw new Error(`Parameters and Secrets extension answered ${response.status}`);
    const body = (await response.json()) as { SecretString?: string };
    return this.options.parse(body.SecretString ?? '');
  }
}
