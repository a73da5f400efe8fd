/**
 * Device tokens over real HTTP, with local mode in the middle of a rotation (current and previous
 * secrets from the environment). Nobody beats for a device they don't own: every refused token gets
 * the same 401 (no oracle: not which part was wrong, not whether the device exists) and writes
 * nothing; a device token never opens a management route.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecurityServer, stopSecurityServer, type SecurityServer } from './support/local';
import { JsonClient, devicePath, errorShapeProblems, sendRequest, type RawResponse } from './support/raw-http';

const CURRENT = `current-${randomBytes(16).toString('hex')}`;
const PREVIOUS = `previous-${randomBytes(16).toString('hex')}`;
const ADMIN = `admin-${randomBytes(16).toString('hex')}`;

const tokenOf = (secret: string, deviceId: string) => createHmac('sha256', Buffer.from(secret, 'utf8')).update(deviceId, 'utf8').digest('base64url');

let server: SecurityServer | undefined;
let client: JsonClient | undefined;

beforeAll(async () => {
  server = await startSecurityServer({
    prefix: 'hb-sec-tokens',
    env: { HEARTBEAT_SIGNING_SECRET: CURRENT, HEARTBEAT_PREVIOUS_SIGNING_SECRET: PREVIOUS, HEARTBEAT_ADMIN_TOKEN: ADMIN },
    adminToken: ADMIN,
    secret: CURRENT,
  });
  client = new JsonClient(server.port, 4);
}); // hookTimeout (vitest.config.ts): local mode starts Java

afterAll(async () => {
  client?.close();
  const leftovers = await stopSecurityServer(server);
  expect(leftovers, 'processes left behind by local mode').toEqual([]);
}, 60_000);

function live(): { server: SecurityServer; client: JsonClient } {
  if (!server || !client) throw new Error('local mode is not running');
  return { server, client };
}

/** A beat with an exact Authorization header (or none), over a raw socket. */
function beat(deviceId: string, authorization: string | null, body?: string): Promise<RawResponse | null> {
  const headers: [string, string][] = authorization === null ? [] : [['Authorization', authorization]];
  if (body !== undefined) headers.push(['Content-Type', 'application/json']);
  return sendRequest(live().server.port, { method: 'POST', target: `/v1/heartbeats/${deviceId}`, headers, ...(body !== undefined ? { body: Buffer.from(body) } : {}) });
}

async function stored(deviceId: string) {
  return live().client.call('GET', devicePath(deviceId), { token: ADMIN });
}

/** The parts of a 401 that must not differ between refusals (date and request id may). */
function fingerprint(answer: RawResponse): string {
  const h = answer.headers;
  return JSON.stringify({ status: answer.status, body: answer.text, type: h['content-type'], auth: h['www-authenticate'], length: h['content-length'], cache: h['cache-control'] });
}

describe('device tokens during a rotation (current + previous secret from the environment)', () => {
  it('accepts a token of the current secret and one of the previous secret', async () => {
    for (const [id, secret] of [
      ['tok-current', CURRENT],
      ['tok-previous', PREVIOUS],
    ] as const) {
      const answer = await beat(id, `Bearer ${tokenOf(secret, id)}`);
      expect(answer?.status, `${id}: ${answer?.text}`).toBe(200);
      const record = await stored(id);
      expect(record.status).toBe(200);
      expect(record.body.beats).toBe(1);
    }
  });

  it('accepts the scheme in any case, as RFC 7235 makes it case-insensitive ("bearer", "BEARER")', async () => {
    for (const scheme of ['bearer', 'BEARER']) {
      const id = `tok-scheme-${scheme}`;
      const answer = await beat(id, `${scheme} ${tokenOf(CURRENT, id)}`);
      expect(answer?.status, `${scheme}: ${answer?.text}`).toBe(200);
    }
  });

  it('answers every refused token with one identical 401 and writes nothing', async () => {
    const known = 'tok-current'; // exists already: a refusal must not reveal that
    const other = 'tok-other-device';
    const cases: { name: string; deviceId: string; authorization: (id: string) => string | null; body?: string }[] = [
      { name: 'no Authorization header', deviceId: 'r-none', authorization: () => null },
      { name: 'token of another device', deviceId: 'r-other', authorization: () => `Bearer ${tokenOf(CURRENT, other)}` },
      { name: 'token of another device (previous secret)', deviceId: 'r-other-prev', authorization: () => `Bearer ${tokenOf(PREVIOUS, other)}` },
      { name: 'token of a wrong secret', deviceId: 'r-wrong-secret', authorization: (id) => `Bearer ${tokenOf(`wrong-${randomBytes(8).toString('hex')}`, id)}` },
      { name: 'token of a secret two rotations old', deviceId: 'r-old-secret', authorization: (id) => `Bearer ${tokenOf(`${PREVIOUS}-older`, id)}` },
      { name: 'token of the id in another case', deviceId: 'r-Case', authorization: () => `Bearer ${tokenOf(CURRENT, 'r-case')}` },
      { name: 'truncated token (42 of 43 characters)', deviceId: 'r-trunc42', authorization: (id) => `Bearer ${tokenOf(CURRENT, id).slice(0, 42)}` },
      { name: 'truncated token (8 characters)', deviceId: 'r-trunc8', authorization: (id) => `Bearer ${tokenOf(CURRENT, id).slice(0, 8)}` },
      { name: 'token with one character more', deviceId: 'r-longer', authorization: (id) => `Bearer ${tokenOf(CURRENT, id)}A` },
      { name: 'token with base64 padding', deviceId: 'r-padded', authorization: (id) => `Bearer ${tokenOf(CURRENT, id)}=` },
      { name: 'token with its last character changed', deviceId: 'r-flipped', authorization: (id) => `Bearer ${tokenOf(CURRENT, id).slice(0, -1)}${tokenOf(CURRENT, id).endsWith('A') ? 'B' : 'A'}` },
      { name: 'hex digest instead of base64url', deviceId: 'r-hex', authorization: (id) => `Bearer ${createHmac('sha256', CURRENT).update(id).digest('hex')}` },
      { name: 'Basic scheme with id:token', deviceId: 'r-basic', authorization: (id) => `Basic ${Buffer.from(`${id}:${tokenOf(CURRENT, id)}`).toString('base64')}` },
      { name: 'Basic scheme with the token', deviceId: 'r-basic2', authorization: (id) => `Basic ${tokenOf(CURRENT, id)}` },
      { name: 'Token scheme', deviceId: 'r-token-scheme', authorization: (id) => `Token ${tokenOf(CURRENT, id)}` },
      { name: 'no space after Bearer', deviceId: 'r-nospace', authorization: (id) => `Bearer${tokenOf(CURRENT, id)}` },
      { name: 'lower-case bearer with a wrong token', deviceId: 'r-lower-wrong', authorization: () => `bearer ${tokenOf(CURRENT, other)}` },
      { name: 'Bearer and nothing else', deviceId: 'r-empty', authorization: () => 'Bearer ' },
      { name: 'two tokens', deviceId: 'r-two', authorization: (id) => `Bearer ${tokenOf(CURRENT, id)} ${tokenOf(CURRENT, id)}` },
      { name: 'the admin token', deviceId: 'r-admin', authorization: () => `Bearer ${ADMIN}` },
      { name: 'the signing secret itself', deviceId: 'r-secret', authorization: () => `Bearer ${CURRENT}` },
      { name: 'a 6000-character token', deviceId: 'r-huge', authorization: (id) => `Bearer ${tokenOf(CURRENT, id)}${'A'.repeat(6000)}` },
      { name: 'wrong token, with a valid body', deviceId: 'r-body', authorization: () => `Bearer ${tokenOf(CURRENT, other)}`, body: '{"status":"ok","interval":30}' },
      { name: 'wrong token, with an invalid body', deviceId: 'r-bad-body', authorization: () => `Bearer ${tokenOf(CURRENT, other)}`, body: '{"nope":' },
      { name: 'wrong token for a device that exists', deviceId: known, authorization: () => `Bearer ${tokenOf(CURRENT, other)}` },
    ];
    const knownBefore = (await stored(known)).body.beats as number;
    const fingerprints = new Map<string, string[]>();
    const problems: string[] = [];
    for (const c of cases) {
      const answer = await beat(c.deviceId, c.authorization(c.deviceId), c.body);
      if (answer === null) {
        problems.push(`${c.name}: no answer`);
        continue;
      }
      if (answer.status !== 401) problems.push(`${c.name}: answered ${answer.status} ${answer.text}`);
      problems.push(...errorShapeProblems(answer, { codes: ['unauthorized'] }).map((p) => `${c.name}: ${p}`));
      const print = fingerprint(answer);
      fingerprints.set(print, [...(fingerprints.get(print) ?? []), c.name]);
      if (c.deviceId !== known) {
        const record = await stored(c.deviceId);
        if (record.status !== 404) problems.push(`${c.name}: a record was written (${record.status} ${record.text})`);
      }
    }
    expect(problems).toEqual([]);
    // One answer for all of them: nothing tells a guesser which part was wrong, or that a device exists.
    expect([...fingerprints.entries()].map(([print, names]) => ({ print, count: names.length })), 'distinct 401 answers').toHaveLength(1);
    expect((await stored(known)).body.beats).toBe(knownBefore);
  });
});

describe('management routes refuse device tokens', () => {
  it('answers 401 to every management route called with a device token, and changes nothing', async () => {
    const { client: http } = live();
    const id = 'mgmt-victim';
    expect((await beat(id, `Bearer ${tokenOf(CURRENT, id)}`))?.status).toBe(200);
    const before = await stored(id);
    expect(before.status).toBe(200);

    const tokens = [
      { name: 'current device token', token: tokenOf(CURRENT, id) },
      { name: 'previous device token', token: tokenOf(PREVIOUS, id) },
      { name: 'device token of the new id', token: tokenOf(CURRENT, 'mgmt-new') },
      { name: 'device token of "admin"', token: tokenOf(CURRENT, 'admin') },
      { name: 'device token made with the admin token as secret', token: tokenOf(ADMIN, id) },
    ];
    const routes: { method: string; path: string; body?: unknown }[] = [
      { method: 'GET', path: '/v1/devices' },
      { method: 'GET', path: '/v1/devices?limit=1000' },
      { method: 'GET', path: devicePath(id) },
      { method: 'PUT', path: devicePath(id), body: { paused: true, group: 'stolen' } },
      { method: 'PUT', path: devicePath('mgmt-new'), body: { interval: 5 } },
      { method: 'DELETE', path: devicePath(id) },
    ];
    const problems: string[] = [];
    const bodies = new Set<string>();
    for (const { name, token } of tokens) {
      for (const route of routes) {
        const answer = await http.call(route.method, route.path, { token, ...(route.body !== undefined ? { body: route.body } : {}) });
        if (answer.status !== 401 || answer.body?.error?.code !== 'unauthorized') problems.push(`${name}: ${route.method} ${route.path} answered ${answer.status} ${answer.text.slice(0, 200)}`);
        bodies.add(answer.text);
      }
    }
    expect(problems).toEqual([]);
    expect(bodies.size, 'one 401 body for all').toBe(1);

    const after = await stored(id);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    expect((await stored('mgmt-new')).status).toBe(404);
  });
});
