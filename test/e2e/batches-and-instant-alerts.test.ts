/**
 * Local mode as a person runs it (a real `heartbeat start` child process over real HTTP), for the
 * fast paths: a gateway's batch of beats answered entry by entry, and a `fail` beat's `device.down`
 * in alerts.jsonl from the table stream's consumer. The server sweeps once at start and then only
 * every 86400 s, so an alert that arrives at all came from the stream, not from a sweep; how fast
 * it comes is measured by the benchmark (instant.p99Seconds), not timed here, where a loaded
 * machine would make any bound flaky.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTokenFor, readAlerts, startLocalMode, stopLocalMode, tempDir, type LocalModeProcess } from './support/local-process';

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;

function live(): LocalModeProcess {
  if (!server) throw new Error('local mode is not running');
  return server;
}

function tokenFor(deviceId: string): string {
  return deviceTokenFor(live().dataDir, deviceId);
}

async function post(path: string, body: string, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${live().url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  dataDir = tempDir('hb-speed');
  server = await startLocalMode({ dataDir, args: ['--sweep-every', '86400'] });
});

afterAll(() => stopLocalMode(server, dataDir));

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

describe('local mode: instant alerts from the table stream', () => {
  /** Generous: no sweep runs during the test, so waiting longer cannot let a sweep answer for the stream. */
  const STREAM_WAIT_MS = 30_000;
  const alertsOf = (deviceId: string) => readAlerts(live().dataDir).filter((alert) => alert.deviceId === deviceId);
  const waitFor = async (check: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return check();
  };
  const beat = (deviceId: string, body: unknown) =>
    fetch(`${live().url}/v1/heartbeats/${deviceId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenFor(deviceId)}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("announces a fail beat's device.down without waiting for a sweep, and the recovery's device.up too", async () => {
    // Prepare: a healthy device, and no alert for it yet
    expect((await beat('instant-1', { status: 'ok' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(alertsOf('instant-1')).toEqual([]);

    // Act: it reports a failure
    const failedAt = Date.now();
    expect((await beat('instant-1', { status: 'fail', message: 'pump stalled' })).status).toBe(200);
    const downInTime = await waitFor(() => alertsOf('instant-1').some((a) => a.type === 'device.down'), STREAM_WAIT_MS);
    const downAfterMs = Date.now() - failedAt;

    // Assess
    expect(downInTime, `device.down after ${downAfterMs} ms`).toBe(true);
    const [down] = alertsOf('instant-1');
    expect(down).toMatchObject({ type: 'device.down', reason: 'fail' });

    // Act: it recovers
    const recoveredAt = Date.now();
    expect((await beat('instant-1', { status: 'ok' })).status).toBe(200);
    const upInTime = await waitFor(() => alertsOf('instant-1').some((a) => a.type === 'device.up'), STREAM_WAIT_MS);

    // Assess: one down, one up, paired by incident id
    expect(upInTime, `device.up after ${Date.now() - recoveredAt} ms`).toBe(true);
    const alerts = alertsOf('instant-1');
    expect(alerts.map((a) => a.type)).toEqual(['device.down', 'device.up']);
    expect(alerts[1]?.incidentId).toBe(alerts[0]?.incidentId);
  }, 90_000);

  it('raises nothing for ordinary beats and for more fails while down', async () => {
    // Prepare
    await beat('instant-2', { status: 'ok' });
    await beat('instant-2', { status: 'fail' });
    expect(await waitFor(() => alertsOf('instant-2').length === 1, STREAM_WAIT_MS)).toBe(true);
    // Act
    await beat('instant-2', { status: 'fail' });
    await beat('instant-2', { status: 'fail' });
    await beat('instant-3', { status: 'ok' });
    await beat('instant-3', { status: 'ok' });
    await new Promise((r) => setTimeout(r, 1000));
    // Assess
    expect(alertsOf('instant-2').map((a) => a.type)).toEqual(['device.down']);
    expect(alertsOf('instant-3')).toEqual([]);
  });
});
