/**
 * Secrets of local mode: the device-token signing secret and the admin token. Each comes from the
 * environment when set, else from a file in the data directory that is created once (mode 0600)
 * with a random value, so tokens stay valid across restarts.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stat, readFile } from 'node:fs/promises';
import type { Clock, Logger, SigningSecretSource } from '../core/ports';
import { parseWebhookSecret } from '../core/channels';
import { ConfigError } from '../core/settings';
import { MIN_SIGNING_SECRET_CHARS, newSigningSecret, parseSigningSecrets } from '../core/signing-secrets';
import type { SigningSecrets } from '../core/tokens';

/**
 * Writes `text` to `path` only if the file does not exist yet, atomically: the content is written to
 * a temporary file first and then hard-linked into place, so a concurrent reader never sees half a
 * file and two starters never both win. Returns false when the file already existed.
 */
function createOnce(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  try {
    chmodSync(temp, 0o600); // the umask may have taken bits away, never added: this is belt and braces
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Parses `{"current": "...", "previous": "..."}`; a problem becomes a ConfigError naming the file. */
export function parseSigningSecretFile(text: string, path: string): SigningSecrets {
  try {
    return parseSigningSecrets(text);
  } catch (error) {
    throw new ConfigError(`${path}: ${(error as Error).message} Fix it, or delete it to get a new secret.`);
  }
}

/** Reads the signing secret file, creating it with a random secret the first time. */
export function readOrCreateSigningSecretFile(path: string): SigningSecrets {
  createOnce(path, `${JSON.stringify({ current: newSigningSecret(), previous: '' }, null, 2)}\n`);
  return parseSigningSecretFile(readFileSync(path, 'utf8'), path);
}

/** Reads the webhook signing key file (`whsec_` + 32 random bytes in base64), creating it the first time. */
export function readOrCreateWebhookSecret(path: string): Buffer {
  createOnce(path, `whsec_${randomBytes(32).toString('base64')}\n`);
  return parseWebhookSecret(readFileSync(path, 'utf8'), path);
}

/** Reads the admin token file, creating it with a random token the first time. */
export function readOrCreateAdminToken(path: string): string {
  createOnce(path, `${newSigningSecret()}\n`);
  return readAdminTokenFile(path);
}

/** Reads an existing admin token file (the CLI never creates one: it would not match the server's). */
export function readAdminTokenFile(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < MIN_SIGNING_SECRET_CHARS || /\s/.test(token)) {
    throw new ConfigError(`${path} must hold one token of at least ${MIN_SIGNING_SECRET_CHARS} characters; fix it or delete it to get a new one.`);
  }
  return token;
}

/** Secrets fixed for the life of the process (from the environment). */
export class StaticSigningSecrets implements SigningSecretSource {
  constructor(private readonly secrets: SigningSecrets) {}
  async signingSecrets(): Promise<SigningSecrets> {
    return this.secrets;
  }
}

/**
 * Secrets from the data directory's file, re-read when the file changes, so a rotation (move
 * "current" to "previous", write a new "current") needs no restart. The file is looked at, with one
 * `stat`, at most once per `checkEveryMs`: a beat costs no file access in between.
 */
export class FileSigningSecrets implements SigningSecretSource {
  private secrets: SigningSecrets;
  private version: string;
  private checkedAt: number;
  private pending: Promise<SigningSecrets> | null = null;
  private lastError = '';

  constructor(
    private readonly options: {
      readonly path: string;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly checkEveryMs?: number;
    },
  ) {
    this.secrets = readOrCreateSigningSecretFile(options.path);
    this.version = '';
    this.checkedAt = Number.NEGATIVE_INFINITY;
  }

  /** The secrets as last read (for the start-up banner). */
  get current(): SigningSecrets {
    return this.secrets;
  }

  async signingSecrets(): Promise<SigningSecrets> {
    const now = this.options.clock.now();
    if (now - this.checkedAt < (this.options.checkEveryMs ?? 1000)) return this.secrets;
    this.checkedAt = now;
    // One check in flight, however many beats arrive meanwhile.
    this.pending ??= this.refresh().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async refresh(): Promise<SigningSecrets> {
    const { path, logger } = this.options;
    try {
      const info = await stat(path);
      // Size and inode too: an editor that replaces the file within one timestamp tick still shows.
      const version = `${info.mtimeMs}:${info.ctimeMs}:${info.size}:${info.ino}`;
      if (version === this.version) return this.secrets;
      // Recorded before parsing, so a broken file is reported once, not at every check.
      this.version = version;
      const next = parseSigningSecretFile(await readFile(path, 'utf8'), path);
      if (next.current !== this.secrets.current || next.previous !== this.secrets.previous) logger.info('signing secrets reloaded', { file: path });
      this.secrets = next;
    } catch (error) {
      // Keep serving the last good secrets: a half-edited or deleted file must not lock every device out.
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastError) logger.error('signing secret file unusable; still using the previous secrets', { file: path, error: message });
      this.lastError = message;
      return this.secrets;
    }
    this.lastError = '';
    return this.secrets;
  }
}

/** Shows that a secret is set without showing it. */
export function mask(secret: string): string {
  return `${'*'.repeat(8)} (${secret.length} characters)`;
}
