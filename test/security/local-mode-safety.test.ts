/**
 * Local mode's own safety: secrets on disk only for their owner, the service reachable on loopback
 * only (and its database too), every management route behind the admin token, and a signing-secret
 * rotation in the data directory taking effect without a restart.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecurityServer, stopSecurityServer, tempDir, until, type SecurityServer } from './support/local';
import { JsonClient, devicePath, errorShapeProblems, sendRequest } from './support/raw-http';

let server: SecurityServer | undefined;
let client: JsonClient | undefined;
let root: string | undefined;

beforeAll(async () => {
  // A data directory local mode creates itself, so its permissions are local mode's doing.
  root = tempDir('hb-sec-safety');
  server = await startSecurityServer({ prefix: 'hb-sec-safety', dataDir: join(root, 'data') });
  client = new JsonClient(server.port, 4);
}); // hookTimeout (vitest.config.ts): local mode starts Java

afterAll(async () => {
  client?.close();
  const leftovers = await stopSecurityServer(server);
  if (root) rmSync(root, { recursive: true, force: true });
  expect(leftovers, 'processes left behind by local mode').toEqual([]);
}, 60_000);

function live(): { server: SecurityServer; client: JsonClient } {
  if (!server || !client) throw new Error('local mode is not running');
  return { server, client };
}

const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (m: number) => `0${m.toString(8)}`;

describe('files of the data directory', () => {
  it('keeps the admin token and the signing secret readable by their owner only (0600)', () => {
    const { server: s } = live();
    expect(octal(mode(join(s.dataDir, 'admin-token')))).toBe('0600');
    expect(octal(mode(join(s.dataDir, 'signing-secret.json')))).toBe('0600');
  });

  it('creates the data directory and the database directory closed to other users', () => {
    const { server: s } = live();
    expect(mode(s.dataDir) & 0o077, `data directory mode ${octal(mode(s.dataDir))}`).toBe(0);
    expect(mode(join(s.dataDir, 'dynamodb')) & 0o077, 'dynamodb directory').toBe(0);
  });
});

describe('network exposure', () => {
  it('serves on 127.0.0.1', async () => {
    const health = await live().client.call('GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.body.ok).toBe(true);
  });

  // Read from the kernel's socket table rather than by connecting to this machine's other addresses:
  // the test sends traffic to loopback only, and still proves what anyone else could reach.
  it.skipIf(!existsSync('/proc/net/tcp'))('binds the HTTP server and its DynamoDB Local to loopback only', () => {
    const { server: s } = live();
    const printed = /DynamoDB Local ready .*port (\d+)/.exec(s.process.stdout());
    expect(printed, 'the start-up line naming the DynamoDB Local port').not.toBeNull();
    for (const port of [s.port, Number(printed?.[1])]) {
      const addresses = listeningAddresses(port);
      expect(addresses.length, `a listening socket on port ${port}`).toBeGreaterThan(0);
      expect(addresses.filter((address) => !LOOPBACK.has(address)), `non-loopback listeners on port ${port}`).toEqual([]);
    }
  });
});

/** Kernel hex forms of 127.0.0.1, ::1 and ::ffff:127.0.0.1 in /proc/net/tcp{,6}. */
const LOOPBACK = new Set(['0100007F', '00000000000000000000000001000000', '0000000000000000FFFF00000100007F']);

/** Local addresses (kernel hex) of the sockets listening on `port`. */
function listeningAddresses(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A: LISTEN
      const [address, hexPort] = local.split(':');
      if (address && hexPort && parseInt(hexPort, 16) === port) out.push(address.toUpperCase());
    }
  }
  return out;
}

describe('management routes', () => {
  it('require the admin token on every route and method, and change nothing without it', async () => {
    const { server: s, client: http } = live();
    const admin = s.adminToken;
    const victim = 'safety-victim';
    const created = await http.call('PUT', devicePath(victim), { token: admin, body: { interval: 300, group: 'plant-a' } });
    expect(created.status).toBe(201);
    const before = await http.call('GET', devicePath(victim), { token: admin });

    const swapLast = (t: string) => `${t.slice(0, -1)}${t.endsWith('a') ? 'b' : 'a'}`;
    const credentials: { name: string; headers: [string, string][] }[] = [
      { name: 'none', headers: [] },
      { name: 'empty Bearer', headers: [['Authorization', 'Bearer ']] },
      { name: 'wrong token', headers: [['Authorization', `Bearer ${randomBytes(32).toString('hex')}`]] },
      { name: 'admin token with its last character changed', headers: [['Authorization', `Bearer ${swapLast(admin)}`]] },
      { name: 'admin token cut short', headers: [['Authorization', `Bearer ${admin.slice(0, -1)}`]] },
      { name: 'admin token with a character more', headers: [['Authorization', `Bearer ${admin}0`]] },
      { name: 'admin token as Basic', headers: [['Authorization', `Basic ${Buffer.from(`admin:${admin}`).toString('base64')}`]] },
      { name: 'admin token without a scheme', headers: [['Authorization', admin]] },
      { name: 'admin token in another header', headers: [['X-Admin-Token', admin], ['X-Api-Key', admin]] },
      { name: 'admin token as a cookie', headers: [['Cookie', `token=${admin}`]] },
      { name: 'device token of the victim', headers: [['Authorization', `Bearer ${s.token(victim)}`]] },
      { name: 'two Authorization headers, one of them the admin token', headers: [['Authorization', 'Bearer nope'], ['Authorization', `Bearer ${admin}`]] },
    ];
    const routes: { method: string; target: string; body?: string; mustBe401: boolean }[] = [
      { method: 'GET', target: '/v1/devices', mustBe401: true },
      { method: 'GET', target: '/v1/devices?status=up&limit=1000', mustBe401: true },
      { method: 'GET', target: `/v1/devices?token=${admin}`, mustBe401: true },
      { method: 'GET', target: devicePath(victim), mustBe401: true },
      { method: 'PUT', target: devicePath(victim), body: '{"paused":true,"group":"stolen"}', mustBe401: true },
      { method: 'PUT', target: devicePath('safety-new'), body: '{"interval":5}', mustBe401: true },
      { method: 'PUT', target: devicePath('safety-new2'), mustBe401: true },
      { method: 'DELETE', target: devicePath(victim), mustBe401: true },
      { method: 'DELETE', target: devicePath('missing-device'), mustBe401: true },
      // Odd methods and paths: a 401 or a 404/405, never anything done.
      { method: 'POST', target: '/v1/devices', body: '{"deviceId":"safety-new3"}', mustBe401: false },
      { method: 'PATCH', target: devicePath(victim), body: '{"paused":true}', mustBe401: false },
      { method: 'DELETE', target: '/v1/devices', mustBe401: false },
      { method: 'GET', target: '/v1/devices/', mustBe401: false },
      { method: 'GET', target: '/v1//devices', mustBe401: false },
      { method: 'GET', target: '/V1/devices', mustBe401: false },
      { method: 'GET', target: `/v1/devices/${victim}/`, mustBe401: false },
      { method: 'GET', target: `/v1/devices/${victim}?x=1`, mustBe401: true },
      { method: 'HEAD', target: devicePath(victim), mustBe401: false },
    ];
    const problems: string[] = [];
    let requests = 0;
    for (const credential of credentials) {
      for (const route of routes) {
        const headers: [string, string][] = [...credential.headers];
        if (route.body !== undefined) headers.push(['Content-Type', 'application/json']);
        const answer = await sendRequest(s.port, { method: route.method, target: route.target, headers, ...(route.body !== undefined ? { body: Buffer.from(route.body) } : {}) });
        requests++;
        const where = `${credential.name}: ${route.method} ${route.target}`;
        if (answer === null) {
          problems.push(`${where}: no answer`);
          continue;
        }
        const allowed = route.mustBe401 ? [401] : [401, 404, 405];
        if (!allowed.includes(answer.status)) problems.push(`${where}: answered ${answer.status} ${answer.text.slice(0, 120)}`);
        else problems.push(...errorShapeProblems(answer, { headOnly: route.method === 'HEAD' }).map((p) => `${where}: ${p}`));
      }
    }
    expect(problems, `${problems.length} problems in ${requests} requests`).toEqual([]);

    const after = await http.call('GET', devicePath(victim), { token: admin });
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    for (const id of ['safety-new', 'safety-new2', 'safety-new3']) expect((await http.call('GET', devicePath(id), { token: admin })).status, id).toBe(404);
  });

  it('keeps /v1/health public but free of device ids', async () => {
    const health = await live().client.call('GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(Object.keys(health.body).sort()).toEqual(['devices', 'lastSweepAt', 'ok', 'sweepEverySeconds']);
    expect(health.text).not.toContain('safety-victim');
  });
});

describe('signing secret rotation in the data directory', () => {
  it('accepts the new and the previous secret after a rotation, and drops the old one when it is finished, without a restart', async () => {
    const { server: s } = live();
    const file = join(s.dataDir, 'signing-secret.json');
    const old = s.secret;
    const next = `rotated-${randomBytes(24).toString('hex')}`;
    const tokenOf = (secret: string, id: string) => createHmac('sha256', secret).update(id).digest('base64url');
    const write = (content: object) => {
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(content)}\n`, { mode: 0o600 });
      renameSync(temp, file);
    };
    const beat = async (id: string, secret: string) =>
      (await sendRequest(s.port, { method: 'POST', target: `/v1/heartbeats/${id}`, headers: [['Authorization', `Bearer ${tokenOf(secret, id)}`]] }))?.status;

    expect(await beat('rot-a', old)).toBe(200);
    expect(await beat('rot-b', next)).toBe(401);

    write({ current: next, previous: old });
    await until('a token of the new secret to be accepted', async () => (await beat('rot-b', next)) === 200, 15_000, 250);
    expect(await beat('rot-a', old), 'a token of the previous secret during the rotation').toBe(200);
    expect(await beat('rot-c', `unrelated-${randomBytes(8).toString('hex')}`)).toBe(401);

    write({ current: next, previous: '' });
    await until('a token of the dropped secret to be refused', async () => (await beat('rot-d', old)) === 401, 15_000, 250);
    expect(await beat('rot-b', next)).toBe(200);
    expect(octal(mode(file))).toBe('0600');
  }, 60_000);
});
