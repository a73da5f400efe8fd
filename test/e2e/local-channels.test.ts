/**
 * Local mode delivers to the same channels with the same code as the AWS notifier: a real
 * `heartbeat start` child with `--webhook`, `--slack-webhook` and `--pagerduty-*` pointed at
 * receivers on 127.0.0.1. The webhook receiver never succeeds: its alert ends in undelivered.jsonl
 * and one line on standard error, while Slack and PagerDuty get theirs; PagerDuty sees the trigger
 * and then the resolve of the same outage. The retry schedule is shortened through the test variables.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receivers';
import { cleanUp, deviceTokenFor, startLocalMode, tempDir, type LocalModeProcess, until } from './support/local-process';

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;
let webhook: Receiver;
let slack: Receiver;
let pagerDuty: Receiver;
const ROUTING_KEY = 'R0UTINGKEYFORTHELOCALTEST0000001';

function live(): LocalModeProcess {
  if (!server) throw new Error('local mode is not running');
  return server;
}

function tokenFor(deviceId: string): string {
  return deviceTokenFor(live().dataDir, deviceId);
}

async function beat(deviceId: string, body?: unknown): Promise<{ lastSeen: string; deadline: string }> {
  const response = await fetch(`${live().url}/v1/heartbeats/${deviceId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenFor(deviceId)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { lastSeen: string; deadline: string };
}

const lines = (file: string) => {
  try {
    return readFileSync(join(live().dataDir, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
  } catch {
    return [];
  }
};
const pdEvents = () => pagerDuty.requests.map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string; routing_key: string; payload?: any });

beforeAll(async () => {
  webhook = await startReceiver([], 500);
  slack = await startReceiver();
  pagerDuty = await startReceiver([], 202);
  dataDir = tempDir('heartbeat-channels');
  server = await startLocalMode({
    dataDir,
    args: ['--sweep-every', '1', '--webhook', `${webhook.url}/hook`, '--slack-webhook', `${slack.url}/slack`, '--pagerduty-routing-key', ROUTING_KEY, '--pagerduty-url', `${pagerDuty.url}/v2/enqueue`],
    // Short backoff; the receivers answer at once, so a timeout as generous as the contract's costs
    // nothing and a loaded machine cannot turn a slow answer into a retry (a second Slack message).
    env: { HEARTBEAT_DELIVERY_TIMEOUT_MS: '10000', HEARTBEAT_DELIVERY_BACKOFF_MS: '50,100' },
  });
});

afterAll(async () => {
  await cleanUp(server, dataDir);
  await Promise.all([webhook, slack, pagerDuty].map((r) => r?.close()));
});

// The last test reads what the first one made happen: never shuffled.
describe('local mode with delivery channels', { shuffle: false }, () => {
  it('delivers an outage to Slack and PagerDuty, and keeps the webhook delivery that never succeeded', async () => {
    // Prepare: a device with the shortest cadence.
    const first = await beat('ch-1', { interval: 5, grace: 0, message: 'battery 12%' });
    const incidentId = `ch-1:${first.deadline}`;

    // Act: silence past the deadline; then the webhook exhausts its 3 attempts.
    const [undelivered] = await until('the undelivered webhook record', () => lines('undelivered.jsonl').length > 0 && lines('undelivered.jsonl'), 60_000);

    // Assess: the webhook was tried 3 times with one webhook-id, each attempt validly signed.
    expect(undelivered).toMatchObject({ channel: 'webhook', attempts: 3, error: 'HTTP 500', alert: { type: 'device.down', incidentId, deviceId: 'ch-1' } });
    expect(webhook.requests).toHaveLength(3);
    expect(new Set(webhook.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const secret = readFileSync(join(live().dataDir, 'webhook-secret'), 'utf8').trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(statSync(join(live().dataDir, 'webhook-secret')).mode & 0o777).toBe(0o600);
    for (const r of webhook.requests) expect(new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).toMatchObject({ type: 'device.down', incidentId });
    await until('the UNDELIVERED line on standard error', () => /UNDELIVERED webhook device\.down "DOWN ch-1: silent for \d+s" after 3 attempts: HTTP 500 \(kept in .*undelivered\.jsonl\)/.test(live().stderr()), 15_000);

    // ... and Slack and PagerDuty got theirs, once.
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]?.path).toBe('/slack');
    const message = JSON.parse(slack.requests[0]?.body ?? '{}') as { text: string; blocks: unknown[] };
    expect(message.text).toMatch(/^DOWN ch-1: silent for \d+s$/);
    expect(JSON.stringify(message.blocks)).toContain('battery 12%');
    expect(JSON.stringify(message.blocks)).toContain(`npx heartbeat pause ch-1 --url ${live().url}`);
    expect(pdEvents()).toEqual([
      { routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: incidentId, payload: expect.objectContaining({ source: 'ch-1', severity: 'critical', summary: message.text }) },
    ]);

    // Act: the device beats again, with a long interval now: a second lapse (5 s after this beat, which
    // the checks below may outlast on a loaded machine) would be a second outage on every channel.
    await beat('ch-1', { interval: 3600 });

    // Assess: PagerDuty resolves the same incident.
    await until('the PagerDuty resolve', () => pdEvents().length === 2, 30_000);
    expect(pdEvents()[1]).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: incidentId });
    await until('the device.up on Slack', () => slack.requests.length === 2, 30_000);
    expect(JSON.parse(slack.requests[1]?.body ?? '{}').text).toMatch(/^UP ch-1: back after/);
  }, 180_000);

  it('names the channels at start, but neither the Slack URL nor the routing key', () => {
    const banner = live().stdout();
    expect(banner).toMatch(/ {2}delivery {7}webhook http:\/\/127\.0\.0\.1:\d+\/hook, Slack, PagerDuty; what fails every retry goes to .*undelivered\.jsonl/);
    expect(banner).not.toContain(ROUTING_KEY);
    expect(banner).not.toContain('/slack');
  });

  it('still writes every alert to alerts.jsonl, whatever the channels did', () => {
    expect(lines('alerts.jsonl').filter((a) => a.deviceId === 'ch-1').map((a) => a.type)).toEqual(['device.down', 'device.up']);
  });
});
