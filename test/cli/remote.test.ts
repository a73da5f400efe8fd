/**
 * Proves how the CLI talks to a deployed stack (a --url that is not this machine's 127.0.0.1):
 * management calls are SigV4-signed for `execute-api` in the given region with the caller's AWS
 * credentials, never sent with an admin token; beats carry the device token minted from --secret.
 * The "stack" is a small HTTP server on 127.0.0.2 that records requests (no AWS account needed).
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretCommand } from '../../bin/cli/secret';
import { CLI, REPO_ROOT, childEnv } from '../e2e/support/local-process';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

const seen: Seen[] = [];
let stack: Server;
let url = '';

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_EC2_METADATA_DISABLED: 'true',
};

function cli(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  stack = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/v1/heartbeats/')) {
      res.end(JSON.stringify({ deviceId: 'remote-1', status: 'up', lastSeen: '2026-11-25T10:00:00.000Z', deadline: '2026-11-25T10:02:00.000Z' }));
    } else {
      res.end(JSON.stringify({ devices: [], cursor: null }));
    }
  });
  await new Promise<void>((resolve) => stack.listen(0, '127.0.0.2', resolve));
  url = `http://127.0.0.2:${(stack.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => stack.close(resolve));
});

describe('the CLI against a deployed stack', () => {
  it('signs management calls with SigV4 for execute-api in the region, and sends no bearer token', async () => {
    seen.length = 0;
    const result = await cli(['devices', '--url', url, '--region', 'eu-west-1', '--status', 'down'], { ...AWS_ENV, HEARTBEAT_ADMIN_TOKEN: 'must-never-be-sent-0123' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(seen).toHaveLength(1);
    const request = seen[0] as Seen;
    expect(request.url).toBe('/v1/devices?status=down&limit=1000');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('beats with the token minted from --secret', async () => {
    seen.length = 0;
    const secret = 'deployed-secret-0123456789';
    const result = await cli(['beat', 'remote-1', '--url', url, '--secret', secret]);
    expect(result.code).toBe(0);
    const expected = createHmac('sha256', secret).update('remote-1').digest('base64url');
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${expected}`);
  });

  it('fails with one line when it cannot tell the region or has no way to a device token', async () => {
    const noRegion = await cli(['devices', '--url', url], { ...AWS_ENV, AWS_REGION: '', AWS_DEFAULT_REGION: '' });
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toBe('error: Set --region or AWS_REGION: SigV4 signing needs the region of the stack.\n');
    const noToken = await cli(['beat', 'remote-1', '--url', url]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^error: A deployed stack needs --token, or --secret \/ HEARTBEAT_SIGNING_SECRET/);
  });
});

describe('heartbeat secret rotate --secret-arn', () => {
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:HeartbeatSigningSecret-AbCdEf';
  const io = (lines: string[]) => ({ out: (l: string) => lines.push(l), err: () => {}, env: {}, cwd: REPO_ROOT, now: () => 0 });

  it("stores a new version in the stack's secret, taking the region from the ARN, and refuses a finish with nothing to finish", async () => {
    const sm = mockClient(SecretsManagerClient);
    try {
      sm.on(GetSecretValueCommand).resolves({ SecretString: '{"current":"old-secret-0123456789","previous":""}' });
      sm.on(PutSecretValueCommand).resolves({});
      const lines: string[] = [];
      await secretCommand('start', { secretArn: arn }, io(lines));
      const put = sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
      expect(put?.SecretId).toBe(arn);
      expect(JSON.parse(put?.SecretString ?? '{}')).toMatchObject({ previous: 'old-secret-0123456789' });
      expect(await sm.call(0).thisValue.config.region()).toBe('eu-west-1');
      expect(lines[0]).toMatch(/^Rotation started in arn:aws:secretsmanager:.*within 5 minutes/);
      await expect(secretCommand('finish', { secretArn: arn }, io([]))).rejects.toThrow('No rotation is in progress');
    } finally {
      sm.restore();
    }
  });
});

