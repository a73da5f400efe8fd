/**
 * `heartbeat secret rotate|finish`: the two steps of a signing-secret rotation (lambdas/core/rotation.ts),
 * on the local data directory's file or, with --secret-arn, on the stack's Secrets Manager secret.
 * A running local server re-reads the file within a second: no restart, no device locked out.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { finishRotation, serializeSigningSecrets, startRotation } from '../../lambdas/core/signing-secrets';
import type { SigningSecrets } from '../../lambdas/core/tokens';
import { dataDirLayout } from '../../lambdas/local/data-dir';
import { parseSigningSecretFile } from '../../lambdas/local/secrets';
import type { Io } from './commands';
import { CliError } from './errors';
import { localDataDir } from './target';

export type RotationStep = 'start' | 'finish';

export interface SecretOptions {
  readonly dataDir?: string;
  readonly secretArn?: string;
  readonly region?: string;
}

const step = (which: RotationStep, secrets: SigningSecrets): SigningSecrets => (which === 'start' ? startRotation(secrets) : finishRotation(secrets));

/** Replaces the file atomically (write aside, then rename), so the server never reads half of it. */
function replaceFile(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
}

function rotateLocal(which: RotationStep, options: SecretOptions, io: Io): void {
  if (io.env.HEARTBEAT_SIGNING_SECRET) {
    throw new CliError(
      'The signing secret comes from HEARTBEAT_SIGNING_SECRET: rotate it there (old value into HEARTBEAT_PREVIOUS_SIGNING_SECRET, a new one into HEARTBEAT_SIGNING_SECRET) and restart.',
    );
  }
  const path = dataDirLayout(localDataDir(options.dataDir, io.env, io.cwd)).signingSecret;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`${path} does not exist; start local mode once, or point --data-dir at its data directory.`);
    throw error;
  }
  const before = parseSigningSecretFile(text, path);
  if (which === 'finish' && !before.previous) throw new CliError('No rotation is in progress: there is no previous secret to drop.');
  replaceFile(path, `${serializeSigningSecrets(step(which, before))}\n`);
  io.out(describe(which, path));
}

function regionOfArn(arn: string): string | null {
  return /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(arn)?.[1] ?? null;
}

async function rotateInSecretsManager(which: RotationStep, secretArn: string, options: SecretOptions, io: Io): Promise<void> {
  const region = options.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? regionOfArn(secretArn);
  if (!region) throw new CliError('Set --region or AWS_REGION (or pass the full secret ARN).');
  // Loaded only here: the Secrets Manager client is a large import that no other command needs.
  const [{ SecretsManagerClient }, { readSecretsManagerSigningSecrets, rotateSecretsManagerSigningSecret }] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('../../lambdas/adapters/secrets-manager-rotation'),
  ]);
  const client = new SecretsManagerClient({ region });
  try {
    if (which === 'finish' && !(await readSecretsManagerSigningSecrets(client, secretArn)).previous) {
      throw new CliError('No rotation is in progress: there is no previous secret to drop.');
    }
    await rotateSecretsManagerSigningSecret(client, secretArn, which);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Secrets Manager refused the change (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}).`);
  } finally {
    client.destroy();
  }
  io.out(describe(which, secretArn, 'Lambda containers pick the new version up within 5 minutes.'));
}

function describe(which: RotationStep, where: string, pickUp = 'A running local server picks it up within a second.'): string {
  return which === 'start'
    ? `Rotation started in ${where}: tokens of the new secret and of the previous one are both accepted. ${pickUp} Re-provision devices ("npx heartbeat token <id>"), then run "npx heartbeat secret finish".`
    : `Rotation finished in ${where}: only tokens of the current secret are accepted now. ${pickUp}`;
}

/** One rotation step, on Secrets Manager with --secret-arn, else on the local data directory. */
export async function secretCommand(which: RotationStep, options: SecretOptions, io: Io): Promise<void> {
  if (options.secretArn !== undefined) await rotateInSecretsManager(which, options.secretArn, options, io);
  else rotateLocal(which, options, io);
}
