/**
 * The caching policy every remote SigningSecretSource shares: read once, serve from memory, read
 * again after `refreshSeconds` (so a rotation reaches every container within that time without a
 * read per beat), one read in flight however many beats arrive, and the last good secrets kept if a
 * refresh fails. Subclasses say only how to read.
 */
import type { Clock, SigningSecretSource } from '../core/ports';
import type { SigningSecrets } from '../core/tokens';

export abstract class RefreshingSigningSecrets implements SigningSecretSource {
  private cached: { secrets: SigningSecrets; readAt: number } | null = null;
  private pending: Promise<SigningSecrets> | null = null;

  protected constructor(private readonly refresh: { readonly clock: Clock; readonly refreshSeconds: number }) {}

  /** Reads the secrets from their store. */
  protected abstract readSecrets(): Promise<SigningSecrets>;

  async signingSecrets(): Promise<SigningSecrets> {
    const now = this.refresh.clock.now();
    if (this.cached && now - this.cached.readAt < this.refresh.refreshSeconds * 1000) return this.cached.secrets;
    this.pending ??= this.readSecrets()
      .then((secrets) => {
        this.cached = { secrets, readAt: now };
        return secrets;
      })
      .finally(() => {
        this.pending = null;
      });
    try {
      return await this.pending;
    } catch (error) {
      if (this.cached) return this.cached.secrets;
      throw error;
    }
  }
}
