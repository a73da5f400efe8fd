/**
 * Proves the local secrets: created once with mode 0600 and kept; a rotation written to the file is
 * picked up without a restart, at most one stat per second; a broken file keeps the last good
 * secrets; the admin check accepts only the admin token.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../lambdas/core/ports';
import { deviceToken } from '../../../lambdas/core/tokens';
import type { HttpEvent } from '../../../lambdas/handlers/http';
import { adminTokenAuthorizer } from '../../../lambdas/local/admin-auth';
import { startBanner } from '../../../lambdas/local/banner';
import { FileSigningSecrets, readOrCreateAdminToken, readOrCreateSigningSecretFile, readOrCreateWebhookSecret } from '../../../lambdas/local/secrets';
import { FakeClock } from '../../support/fakes';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'heartbeat-secrets-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const errors: string[] = [];
const logger: Logger = { info() {}, warn() {}, error: (message) => errors.push(message) };

function writeSecrets(path: string, current: string, previous = ''): void {
  writeFileSync(path, JSON.stringify({ current, previous }));
}

describe('local secret files', () => {
  it('creates the signing secret once, private to the user, and keeps it', () => {
    const path = join(dir, 'signing-secret.json');
    const first = readOrCreateSigningSecretFile(path);
    expect(first.current).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readOrCreateSigningSecretFile(path)).toEqual(first);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ current: first.current, previous: '' });
  });

  it('creates the admin token once, private to the user', () => {
    const path = join(dir, 'admin-token');
    const token = readOrCreateAdminToken(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readOrCreateAdminToken(path)).toBe(token);
  });

  it('creates the webhook secret once as whsec_<base64 key>, private to the user, and keeps it', () => {
    // Act
    const path = join(dir, 'webhook-secret');
    const key = readOrCreateWebhookSecret(path);
    const text = readFileSync(path, 'utf8');
    const again = readOrCreateWebhookSecret(path);
    // Assess
    expect(text.trim()).toBe(`whsec_${key.toString('base64')}`);
    expect(key).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(again.equals(key)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('names the file when its content is unusable', () => {
    const path = join(dir, 'signing-secret.json');
    writeFileSync(path, '{"current": "short"}');
    expect(() => readOrCreateSigningSecretFile(path)).toThrow(`${path}: The signing secret must be JSON {"current": "<at least 16 characters>"`);
  });
});

describe('FileSigningSecrets', () => {
  it('picks up a rotation without a restart, looking at the file at most once a second', async () => {
    // Prepare
    const path = join(dir, 'signing-secret.json');
    writeSecrets(path, 'first-secret-0123456789');
    const clock = new FakeClock();
    const source = new FileSigningSecrets({ path, clock, logger });
    expect(await source.signingSecrets()).toEqual({ current: 'first-secret-0123456789', previous: null });

    // Act: rotate.
    writeSecrets(path, 'second-secret-0123456789', 'first-secret-0123456789');
    clock.advance(500);
    // Assess: within the second nothing is re-read; after it, the new pair is in use.
    expect((await source.signingSecrets()).current).toBe('first-secret-0123456789');
    clock.advance(600);
    expect(await source.signingSecrets()).toEqual({ current: 'second-secret-0123456789', previous: 'first-secret-0123456789' });
  });

  it('keeps the last good secrets while the file is broken, and reports it once', async () => {
    const path = join(dir, 'signing-secret.json');
    writeSecrets(path, 'good-secret-0123456789');
    const clock = new FakeClock();
    const source = new FileSigningSecrets({ path, clock, logger });
    await source.signingSecrets();
    errors.length = 0;
    writeFileSync(path, '{"current": ');
    for (let i = 0; i < 3; i++) {
      clock.advance(1500);
      expect((await source.signingSecrets()).current).toBe('good-secret-0123456789');
    }
    expect(errors).toHaveLength(1);
    rmSync(path);
    clock.advance(1500);
    expect((await source.signingSecrets()).current).toBe('good-secret-0123456789');
  });
});

describe('adminTokenAuthorizer', () => {
  const event = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as unknown as HttpEvent;
  const authorize = adminTokenAuthorizer('the-admin-token-0123456789');

  it('accepts the admin token as a bearer token, in any case of the scheme', () => {
    expect(authorize(event('Bearer the-admin-token-0123456789'))).toBe(true);
    expect(authorize(event('bearer the-admin-token-0123456789'))).toBe(true);
  });

  it('refuses anything else, including a prefix, an empty token and a device token', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer the-admin-token', 'Bearer the-admin-token-0123456789x', 'Basic the-admin-token-0123456789', `Bearer ${deviceToken('the-admin-token-0123456789', 'sensor-1')}`]) {
      expect(authorize(event(header)), String(header)).toBe(false);
    }
  });
});

describe('startBanner', () => {
  const info = {
    url: 'http://127.0.0.1:8080',
    port: 8080,
    dataDir: '/p/.heartbeat',
    cwd: '/p',
    readySeconds: 2.04,
    adminToken: 'the-admin-token-0123456789',
    adminTokenFromEnv: false,
    signingSecretFromEnv: false,
    demoDeviceId: 'demo-1',
    demoToken: 'TOKEN',
    sweepSeconds: 60,
  };

  it('shows a generated admin token, and the commands with no extra flags at the defaults', () => {
    const text = startBanner(info).join('\n');
    expect(text).toContain('Ready in 2.0 s: http://127.0.0.1:8080');
    expect(text).toContain('admin token    the-admin-token-0123456789');
    expect(text).toContain("curl -i -X POST -H 'Authorization: Bearer TOKEN' http://127.0.0.1:8080/v1/heartbeats/demo-1");
    expect(text).toMatch(/npx heartbeat beat demo-1 +\(/);
  });

  it('links the dashboard with the admin token in the fragment, never in the query', () => {
    const text = startBanner(info).join('\n');
    expect(text).toContain('dashboard      http://127.0.0.1:8080/#token=the-admin-token-0123456789');
    expect(text).not.toMatch(/\?token=/);
  });

  it('masks an admin token from the environment and points the CLI at a non-default server', () => {
    const text = startBanner({ ...info, adminTokenFromEnv: true, port: 41000, url: 'http://127.0.0.1:41000', dataDir: '/tmp/x' }).join('\n');
    expect(text).not.toContain('the-admin-token-0123456789');
    expect(text).toContain('from HEARTBEAT_ADMIN_TOKEN');
    expect(text).toContain('dashboard      http://127.0.0.1:41000/  (paste $HEARTBEAT_ADMIN_TOKEN');
    expect(text).toContain('npx heartbeat beat demo-1 --port 41000 --data-dir /tmp/x');
  });
});
