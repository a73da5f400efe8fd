/**
 * The contract's section "Alert delivery", checked against local mode with every channel on and
 * a real receiver for each on 127.0.0.1: a webhook that fails twice then succeeds (its key from
 * HEARTBEAT_WEBHOOK_SECRET), a Slack webhook that never answers, and PagerDuty. The storm threshold
 * is 1, so two devices of one group that go down in one sweep become a fleet.down. Only the backoff
 * is shortened (HEARTBEAT_DELIVERY_BACKOFF_MS: 100 ms, 200 ms, then a minute); the 10 s timeout is the contract's.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receivers';
import { cleanUp, readAlerts, startLocalMode, tempDir, until, type AlertLine, type LocalModeProcess } from '../e2e/support/local-process';
import { serviceOf } from './support/service';

const KEY = Buffer.from('contract-webhook-key-of-32-bytes');
const WEBHOOK_SECRET = `whsec_${KEY.toString('base64')}`;
const ROUTING_KEY = 'CONTRACTROUTINGKEY00000000000001';

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;
let webhook: Receiver;
let slack: Receiver;
let pagerDuty: Receiver;

function live(): LocalModeProcess {
  if (!server) throw new Error('local mode is not running');
  return server;
}
const { admin, alertsOf, beat } = serviceOf(live);

async function start(): Promise<LocalModeProcess> {
  return startLocalMode({
    dataDir: dataDir as string,
    args: [
      '--sweep-every', '1',
      '--storm-threshold', '1',
      '--webhook', `${webhook.url}/hook`,
      '--slack-webhook', `${slack.url}/slack`,
      '--pagerduty-routing-key', ROUTING_KEY,
      '--pagerduty-url', `${pagerDuty.url}/v2/enqueue`,
    ],
    env: { HEARTBEAT_WEBHOOK_SECRET: WEBHOOK_SECRET, HEARTBEAT_DELIVERY_BACKOFF_MS: '100,200,60000' },
  });
}

/** An alert as alerts.jsonl holds it, without the `subject` local mode adds: the alert JSON itself. */
function alertJson(line: AlertLine): Record<string, unknown> {
  const { subject: _subject, ...alert } = line;
  return alert;
}

interface PagerDutyEvent {
  routing_key: string;
  event_action: string;
  dedup_key: string;
  payload?: { summary: string; source: string; severity: string; custom_details: unknown };
}
const pdEvents = (): PagerDutyEvent[] => pagerDuty.requests.map((r) => JSON.parse(r.body) as PagerDutyEvent);
const pdEventsFor = (dedupKey: string) => pdEvents().filter((e) => e.dedup_key === dedupKey);
const hooksFor = (deviceId: string) => webhook.requests.filter((r) => (JSON.parse(r.body) as { deviceId?: string }).deviceId === deviceId);
/** The channels of the deliveries local mode gave up on (undelivered.jsonl), for one device. */
function undeliveredChannels(deviceId: string): string[] {
  const file = join(live().dataDir, 'undelivered.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { channel: string; alert: { deviceId?: string } })
    .filter((u) => u.alert.deviceId === deviceId)
    .map((u) => u.channel);
}
const slacksFor = (deviceId: string) => slack.requests.filter((r) => r.body.includes(deviceId));

beforeAll(async () => {
  // cd-hook's first two deliveries fail, whichever test's alert reaches the shared webhook first.
  const cdHook = (r: { body: string }) => (JSON.parse(r.body) as { deviceId?: string }).deviceId === 'cd-hook';
  webhook = await startReceiver((request, earlier) => (cdHook(request) && earlier.filter(cdHook).length < 2 ? 500 : 200));
  slack = await startReceiver([], 'hang');
  pagerDuty = await startReceiver([], 202);
  dataDir = tempDir('hb-contract-delivery');
  server = await start();
});

afterAll(async () => {
  await cleanUp(server, dataDir);
  await Promise.all([webhook, slack, pagerDuty].map((r) => r?.close()));
});

describe('Alert delivery: webhook', () => {
  it('"POST of the alert JSON, signed as Standard Webhooks": a receiver that fails twice gets it a third time with the same webhook-id, each attempt signed with the HEARTBEAT_WEBHOOK_SECRET key', async () => {
    // Act: the webhook answers 500 to this device's first two deliveries.
    const sentAt = Math.floor(Date.now() / 1000);
    await beat('cd-hook', { status: 'fail', message: 'pump stalled' });
    const attempts = await until('three webhook attempts', () => hooksFor('cd-hook').length >= 3 && hooksFor('cd-hook'), 20_000);
    const [line] = alertsOf('cd-hook', 'device.down');

    // Assess: the same delivery three times, the third accepted; nothing left undelivered.
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    for (const attempt of attempts) {
      expect(attempt.method).toBe('POST');
      expect(attempt.path).toBe('/hook');
      expect(JSON.parse(attempt.body)).toEqual(alertJson(line as AlertLine));
      const id = attempt.headers['webhook-id'] as string;
      const timestamp = attempt.headers['webhook-timestamp'] as string;
      expect(timestamp).toMatch(/^\d+$/);
      expect(Number(timestamp)).toBeGreaterThanOrEqual(sentAt);
      expect(Number(timestamp)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      const expected = createHmac('sha256', KEY).update(`${id}.${timestamp}.${attempt.body}`).digest('base64');
      expect(attempt.headers['webhook-signature']).toBe(`v1,${expected}`);
      expect(new Webhook(WEBHOOK_SECRET).verify(attempt.body, attempt.headers as Record<string, string>)).toMatchObject({ deviceId: 'cd-hook' });
    }
    expect(undeliveredChannels('cd-hook')).not.toContain('webhook');
    // The key came from the environment: none was created in the data directory.
    expect(existsSync(join(live().dataDir, 'webhook-secret'))).toBe(false);
  }, 90_000);
});

describe('Alert delivery: Slack and channels side by side', () => {
  it('"POST {text, blocks}: subject first, then the fields a person needs"', async () => {
    // Prepare
    const id = 'cd-slack';
    await beat(id, { interval: 600, message: 'battery 3%' });
    await admin('PUT', `/v1/devices/${id}`, { group: 'cd-plant' });
    // Act
    await beat(id, { status: 'fail', message: 'battery 2%' });
    const [request] = await until('the Slack message', () => slacksFor(id).length > 0 && slacksFor(id), 15_000);
    // Assess
    const [line] = alertsOf(id, 'device.down');
    const message = JSON.parse(request?.body ?? '{}') as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };
    expect(request?.path).toBe('/slack');
    expect(Object.keys(message).sort()).toEqual(['blocks', 'text']);
    expect(message.text).toBe(line?.subject);
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: line?.subject } });
    const fields = message.blocks.flatMap((b) => b.fields ?? []).map((f) => f.text);
    for (const [label, value] of [
      ['Device', id],
      ['Group', 'cd-plant'],
      ['Last message', 'battery 2%'],
      ['Incident', line?.incidentId as string],
    ]) {
      expect(fields).toContain(`*${label}*\n${value}`);
    }
    expect(fields.some((f) => f.startsWith('*Down since*\n'))).toBe(true);
    expect(fields.some((f) => f.startsWith('*Last seen*\n'))).toBe(true);
  });

  it('"a failed channel never delays another channel": with Slack never answering, PagerDuty and the webhook get the alert at once', async () => {
    // Prepare: Slack hangs on every request; each attempt waits out the 10 s timeout, and the third retry comes a minute later.
    const id = 'cd-not-delayed';
    await beat(id, { interval: 600 });
    // Act
    const down = await beat(id, { status: 'fail' });
    // Assess: well before Slack could have given up (over a minute), the others have it.
    await until('the PagerDuty trigger', () => pdEvents().some((e) => e.payload?.source === id), 15_000);
    await until('the webhook delivery', () => hooksFor(id).length > 0, 15_000);
    await until('the Slack request that hangs', () => slacksFor(id).length > 0, 15_000);
    expect(down.body.status).toBe('down');
    expect(undeliveredChannels(id)).toEqual([]);
  });
});

describe('Alert delivery: PagerDuty Events API v2', () => {
  it('"device.down triggers (dedup_key = incidentId, summary = the subject, source = the device id, severity critical, custom_details = the alert JSON); device.up resolves its incidentId"', async () => {
    // Prepare
    const id = 'cd-page';
    await beat(id, { interval: 600, recoverAfter: 0 });
    // Act
    await beat(id, { status: 'fail', message: 'no signal' });
    await until('the device.down', () => alertsOf(id, 'device.down').length === 1, 15_000);
    const line = alertsOf(id, 'device.down')[0] as AlertLine;
    const incidentId = line.incidentId as string;
    await until('the trigger', () => pdEventsFor(incidentId).length === 1, 15_000);
    await beat(id);
    await until('the resolve', () => pdEventsFor(incidentId).length === 2, 15_000);
    // Assess
    expect(pagerDuty.requests.every((r) => r.path === '/v2/enqueue' && r.method === 'POST')).toBe(true);
    expect(pdEventsFor(incidentId)).toEqual([
      {
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: incidentId,
        payload: expect.objectContaining({ summary: line.subject, source: id, severity: 'critical', custom_details: alertJson(line) }),
      },
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: incidentId },
    ]);
  });

  it('"fleet.down triggers (dedup_key fleet:<group>:<first incidentId>, source = the group); a fleet.down incident is resolved when its last device is up"', async () => {
    // Prepare: two devices of one group, then local mode stopped past both deadlines: its first sweep after the restart finds both down.
    const ids = ['cd-fleet-1', 'cd-fleet-2'];
    const beats = [];
    for (const id of ids) beats.push(await beat(id, { interval: 10, grace: 0, recoverAfter: 0 }));
    for (const id of ids) await admin('PUT', `/v1/devices/${id}`, { group: 'cd-fleet' });
    live().child.kill('SIGTERM');
    await live().exited();
    const lastDeadline = Math.max(...beats.map((b) => Date.parse(b.body.deadline)));
    await until('both deadlines to pass', () => Date.now() > lastDeadline + 500, 20_000);

    // Act
    server = await start();
    const fleet = await until('the fleet.down', () => readAlerts(live().dataDir).find((a) => a.type === 'fleet.down' && a.group === 'cd-fleet'), 20_000);
    const incidentIds = fleet.incidentIds as string[];
    const dedupKey = `fleet:cd-fleet:${incidentIds[0]}`;
    const trigger = await until('the fleet trigger', () => pdEventsFor(dedupKey)[0], 15_000);

    // Assess: one trigger for the fleet, none per device.
    expect(fleet).toMatchObject({ count: 2, deviceIds: expect.arrayContaining(ids) });
    expect(trigger).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: expect.objectContaining({ summary: fleet.subject, source: 'cd-fleet', severity: 'critical', custom_details: alertJson(fleet) }),
    });
    expect(pdEvents().filter((e) => e.event_action === 'trigger' && ids.includes(e.payload?.source as string))).toEqual([]);

    // Act: the first device comes back.
    const firstDevice = fleet.deviceIds as string[];
    await beat(firstDevice[0] as string);
    await until('the resolve of the first device', () => pdEventsFor(incidentIds[0] as string).some((e) => e.event_action === 'resolve'), 15_000);
    const fleetAfterOne = pdEventsFor(dedupKey).map((e) => e.event_action);
    // Act: the last device comes back.
    await beat(firstDevice[1] as string);
    await until('the fleet resolve', () => pdEventsFor(dedupKey).some((e) => e.event_action === 'resolve'), 15_000);

    // Assess
    expect(fleetAfterOne).toEqual(['trigger']);
    expect(pdEventsFor(dedupKey)).toEqual([trigger, { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: dedupKey }]);
  }, 180_000); // stops and starts local mode (Java) inside the test
});
