/**
 * Proves `heartbeat doctor --url` against a deployed stack: the canary's token is minted from the
 * secret read out of Secrets Manager (--secret-arn) with the operator's credentials, management calls
 * are SigV4-signed for `execute-api` in the stack's region, and a 403 from API Gateway names the IAM
 * permission to grant. The "stack" is a small HTTP server on 127.0.0.2 (no AWS account needed);
 * Secrets Manager is aws-sdk-client-mock.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../bin/cli/doctor';
import { signingService } from '../../bin/cli/http-client';
import { regionFromHost } from '../../bin/cli/target';
import type { Io } from '../../bin/cli/commands';

const SECRET = 'stack-signing-secret-0123456789abcdef';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:MonitorSigningSecret-AbCdEf';
const CANARY = 'heartbeat-doctor-canary';
const token = (deviceId: string) => createHmac('sha256', SECRET).update(deviceId).digest('base64url');

let stack: Server;
let url = '';
let managementOnly: Server;
let managementUrl = '';
/** Paths of the management requests each fake server received. */
const hits: { stack: string[]; management: string[] } = { stack: [], management: [] };
let forbidManagement = false;
let canaryLastSeen: string | null = null;
const signedRegions: string[] = [];

/** The fake stack's answers; `which` records where management requests landed. */
function handler(which: 'stack' | 'management') {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/v1/devices')) hits[which].push(req.url);
    res.setHeader('content-type', 'application/json');
    const send = (status: number, body: unknown) => {
      res.statusCode = status;
      res.end(JSON.stringify(body));
    };
    if (req.url === '/v1/health') return send(200, { ok: true, lastSweepAt: new Date(Date.now() - 20_000).toISOString(), sweepEverySeconds: 60, devices: { new: 0, up: 3, down: 0, paused: 0 } });
    if (req.method === 'POST' && req.url === `/v1/heartbeats/${CANARY}`) {
      if (req.headers.authorization !== `Bearer ${token(CANARY)}`) return send(401, { error: { code: 'unauthorized', message: 'Bad token.' } });
      canaryLastSeen = new Date().toISOString();
      return send(200, { deviceId: CANARY, status: 'up', lastSeen: canaryLastSeen, deadline: canaryLastSeen });
    }
    if (req.url?.startsWith('/v1/devices')) {
      // API Gateway's IAM authorizer: a SigV4 signature or 403, before any function runs.
      const auth = req.headers.authorization ?? '';
      const region = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/execute-api\/aws4_request/.exec(auth)?.[1];
      if (!region || forbidManagement) return send(403, { message: 'Forbidden' });
      signedRegions.push(region);
      if (req.url.startsWith(`/v1/devices/${CANARY}`)) return send(200, { deviceId: CANARY, status: 'up', lastSeen: canaryLastSeen, beats: 1 });
      return send(200, { devices: [], cursor: null });
    }
    return send(404, { message: 'Not Found' });
  };
}

beforeAll(async () => {
  stack = createServer(handler('stack'));
  await new Promise<void>((resolve) => stack.listen(0, '127.0.0.2', resolve));
  url = `http://127.0.0.2:${(stack.address() as { port: number }).port}`;
  managementOnly = createServer(handler('management'));
  await new Promise<void>((resolve) => managementOnly.listen(0, '127.0.0.3', resolve));
  managementUrl = `http://127.0.0.3:${(managementOnly.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => stack.close(resolve));
  await new Promise((resolve) => managementOnly.close(resolve));
});

const savedEnv = { ...process.env };
afterEach(() => {
  forbidManagement = false;
  signedRegions.length = 0;
  hits.stack.length = 0;
  hits.management.length = 0;
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

function io(lines: string[]): Io {
  // The SigV4 signer reads the credential chain from process.env: the test's example keys.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  return { out: (line) => lines.push(line), err: (line) => lines.push(line), env: {}, cwd: process.cwd(), now: () => Date.now() };
}

describe('heartbeat doctor --url (a deployed stack)', () => {
  it('reads the signing secret from Secrets Manager, signs management calls for the ARN region, and passes', async () => {
    // Prepare
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: SECRET, previous: '' }) });
    try {
      // Act
      const report = await runDoctor({ url, secretArn: ARN, region: 'eu-west-1' }, io([]));
      // Assess
      expect(report.checks.map((c) => [c.check, c.status])).toEqual([
        ['service', 'pass'],
        ['sweep', 'pass'],
        ['canary-beat', 'pass'],
        ['management', 'pass'],
        ['canary-read', 'pass'],
      ]);
      expect(report.ok).toBe(true);
      expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: ARN });
      expect(signedRegions).toEqual(['eu-west-1', 'eu-west-1']);
    } finally {
      sm.restore();
    }
  });

  it('names the IAM permission when API Gateway answers 403 to the management call', async () => {
    // Prepare
    forbidManagement = true;
    // Act
    const report = await runDoctor({ url, secret: SECRET, region: 'eu-west-1' }, io([]));
    // Assess
    const management = report.checks.find((c) => c.check === 'management');
    expect(management).toMatchObject({ status: 'fail', detail: 'GET /v1/devices answered HTTP 403: Forbidden' });
    expect(management?.fix).toContain('execute-api:Invoke');
    expect(report.checks.find((c) => c.check === 'canary-read')?.status).toBe('skip');
    expect(report.ok).toBe(false);
  });

  it('asks for --secret-arn when no signing secret is given for a deployed stack', async () => {
    // Prepare
    const options = { url, region: 'eu-west-1' };
    // Act
    const report = await runDoctor(options, io([]));
    // Assess
    const beat = report.checks.find((c) => c.check === 'canary-beat');
    expect(beat).toMatchObject({ status: 'fail' });
    expect(beat?.detail).toContain('--secret-arn <SigningSecretArn>');
    expect(beat?.fix).toContain('--secret-arn');
  });

  it('sends the management checks to --management-url (frontDoor=functionUrl) and the beat to --url', async () => {
    // Prepare
    const options = { url, managementUrl, secret: SECRET, region: 'eu-west-1' };
    // Act
    const report = await runDoctor(options, io([]));
    // Assess
    expect(report.ok).toBe(true);
    expect(hits).toEqual({ stack: [], management: ['/v1/devices?limit=1', `/v1/devices/${CANARY}`] });
    expect(report.checks.find((c) => c.check === 'management')?.detail).toContain(`at ${managementUrl}`);
  });
});

describe('signing a deployed stack URL', () => {
  it('signs function URLs for service lambda and API URLs for execute-api, with the region from the host', () => {
    // Prepare
    const hosts = ['abc123.lambda-url.eu-west-1.on.aws', 'abc123.execute-api.us-east-2.amazonaws.com', 'monitor.example.com'];
    // Act
    const signed = hosts.map((host) => [signingService(host), regionFromHost(host)]);
    // Assess
    expect(signed).toEqual([
      ['lambda', 'eu-west-1'],
      ['execute-api', 'us-east-2'],
      ['execute-api', null],
    ]);
  });
});
