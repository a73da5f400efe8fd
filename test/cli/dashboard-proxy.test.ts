/**
 * Proves `heartbeat dashboard --url <ApiUrl>` as an operator runs it (a real child process): it
 * serves the page on 127.0.0.1 and passes the page's reads on to the stack SigV4-signed with the
 * operator's AWS credentials, and it lends those credentials to nobody else: not without the
 * session token from its link, not for a write, not to a request addressed to another host name
 * (DNS rebinding). The "stack" is a small HTTP server on 127.0.0.2 that records what reaches it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, childEnv, until } from '../e2e/support/local-process';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_EC2_METADATA_DISABLED: 'true',
  HEARTBEAT_ADMIN_TOKEN: 'must-never-be-sent-0123',
};

const seen: Seen[] = [];
let stack: Server;
let stackUrl = '';
let child: ChildProcess;
let stdout = '';
let base = '';
let sessionToken = '';

/** A GET with a Host header of our choosing (fetch does not let a caller set Host). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  stack = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ devices: [{ deviceId: 'far-away-1', status: 'up' }], cursor: null }));
  });
  await new Promise<void>((resolve) => stack.listen(0, '127.0.0.2', resolve));
  stackUrl = `http://127.0.0.2:${(stack.address() as { port: number }).port}`;

  child = spawn(process.execPath, [CLI, 'dashboard', '--url', stackUrl, '--region', 'eu-west-1', '--listen', '0'], {
    cwd: REPO_ROOT,
    env: childEnv(AWS_ENV),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  const link = await until('the dashboard link', () => /Open (http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(stdout) ?? undefined, 30_000);
  base = link[1] as string;
  sessionToken = link[2] as string;
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((resolve) => stack.close(resolve));
});

// One proxy process for the file, which the last test stops: never shuffled.
describe('heartbeat dashboard --url (a deployed stack)', { shuffle: false }, () => {
  it('serves the page itself, with a policy that keeps every request on its own origin', async () => {
    // Act
    const response = await fetch(`${base}/`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await response.text()).toContain('<script src="/dashboard/app.js"');
    expect(seen).toHaveLength(0);
  });

  it('passes a read on signed with SigV4 for execute-api, never with the admin token', async () => {
    // Prepare
    seen.length = 0;

    // Act
    const response = await fetch(`${base}/v1/devices?limit=1000&status=down`, { headers: { authorization: `Bearer ${sessionToken}` } });

    // Assess
    expect(response.status).toBe(200);
    expect(((await response.json()) as { devices: { deviceId: string }[] }).devices[0]?.deviceId).toBe('far-away-1');
    expect(seen).toHaveLength(1);
    const request = seen[0] as Seen;
    expect(request.url).toBe('/v1/devices?limit=1000&status=down');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /);
    expect(JSON.stringify(request.headers)).not.toContain('must-never-be-sent');
    expect(JSON.stringify(request.headers)).not.toContain(sessionToken);
  });

  it('lends the credentials to nobody without the session token, for no write, and to no other host name', async () => {
    // Prepare
    seen.length = 0;

    // Act
    const noToken = await fetch(`${base}/v1/devices`);
    const wrongToken = await fetch(`${base}/v1/devices`, { headers: { authorization: 'Bearer guessed' } });
    const write = await fetch(`${base}/v1/devices/x`, { method: 'DELETE', headers: { authorization: `Bearer ${sessionToken}` } });
    const rebound = await rawGet('/v1/devices', { host: `attacker.example:${new URL(base).port}`, authorization: `Bearer ${sessionToken}` });

    // Assess
    expect(noToken.status).toBe(401);
    expect(wrongToken.status).toBe(401);
    expect(write.status).toBe(405);
    expect(rebound.status).toBe(421);
    expect(seen).toHaveLength(0);
  });

  it('stops on SIGINT', async () => {
    // Act
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    child.kill('SIGINT');

    // Assess
    expect(await exited).toBe(0);
  });
});
