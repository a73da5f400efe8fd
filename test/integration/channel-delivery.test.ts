/**
 * Delivery to real HTTP receivers on 127.0.0.1, through the real fetch sender: each channel's exact
 * payload and headers, the Standard Webhooks signature checked by the reference verifier
 * (standardwebhooks), retries with the same webhook-id, every kind of failing receiver, a hanging
 * channel that delays no other, and PagerDuty trigger/resolve pairs (fleet state on DynamoDB Local).
 * Backoff waits are injected, so no test waits for the real two minutes.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchHttpSender, retryAfter } from '../../lambdas/adapters/delivery/fetch-http-sender';
import { DynamoDbFleetIncidents } from '../../lambdas/adapters/dynamodb/fleet-incidents';
import { slackMessage } from '../../lambdas/core/alert-rendering';
import type { DeviceDownAlert, DeviceStillDownAlert, DeviceUpAlert, FleetDownAlert } from '../../lambdas/core/alerts';
import { pagerDutyChannel, slackChannel, webhookChannel, webhookId, parseWebhookSecret } from '../../lambdas/core/channels';
import { AlertDispatcher, CONTRACT_RETRY_POLICY, type Channel, type RetryPolicy } from '../../lambdas/core/delivery';
import { silentLogger } from '../../lambdas/core/ports';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { startReceiver, unreachableUrl, type Answer, type Receiver } from '../support/receivers';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const RENDER = { serviceUrl: 'https://api.example.com/' };
// Short waits between attempts; a timeout as long as the contract's, since these receivers answer at
// once (a tight one lets a loaded machine turn a slow answer into a retry, and a test's count wrong).
const FAST: RetryPolicy = { timeoutMs: 10_000, backoffMs: [1, 2, 4] };
const clock = { now: () => Date.now() };

const down: DeviceDownAlert = {
  type: 'device.down', incidentId: 'sensor-42:2026-11-25T10:00:00.000Z', deviceId: 'sensor-42', group: 'plant-a',
  lastSeen: '2026-11-25T09:58:00.000Z', deadline: '2026-11-25T10:00:00.000Z', detectedAt: '2026-11-25T10:00:41.000Z',
  reason: 'timeout', interval: 60, grace: 60,
};
const upOf = (alert: DeviceDownAlert): DeviceUpAlert => ({
  type: 'device.up', incidentId: alert.incidentId, deviceId: alert.deviceId, group: alert.group, lastSeen: '2026-11-25T10:05:00.000Z',
  deadline: '2026-11-25T10:07:00.000Z', detectedAt: '2026-11-25T10:05:00.000Z', downSince: '2026-11-25T10:00:00.000Z',
  downForSeconds: 300, reason: alert.reason, interval: 60, grace: 60,
});
const downOf = (deviceId: string, group = 'plant-b'): DeviceDownAlert => ({ ...down, deviceId, group, incidentId: `${deviceId}:2026-11-25T10:00:00.000Z` });

const receivers: Receiver[] = [];
async function receiver(script: readonly Answer[] = [], then: Answer = 200): Promise<Receiver> {
  const r = await startReceiver(script, then);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function dispatcher(channels: readonly Channel[], retry: RetryPolicy = FAST, waits: number[] = []) {
  return new AlertDispatcher({
    channels,
    sender: fetchHttpSender,
    clock,
    sleep: async (ms) => {
      waits.push(ms);
      await new Promise((r) => setTimeout(r, ms));
    },
    retry,
    logger: silentLogger,
  });
}

describe('webhook channel', () => {
  it('POSTs the alert JSON with Standard Webhooks headers that the reference verifier accepts', async () => {
    // Prepare
    const target = await receiver();
    const channel = webhookChannel({ url: `${target.url}/hooks/heartbeat`, secret: parseWebhookSecret(SECRET, 'test') });

    // Act
    const report = await dispatcher([channel]).dispatch(down);

    // Assess
    expect(report).toEqual({ delivered: 1, undelivered: [] });
    const [request] = target.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/hooks/heartbeat');
    expect(request?.body).toBe(JSON.stringify(down));
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request?.headers['webhook-id']).toBe(webhookId(down));
    expect(request?.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const verified = new Webhook(SECRET).verify(request?.body ?? '', request?.headers as Record<string, string>);
    expect(verified).toEqual(down);
  });

  it('fails verification when the body was changed on the way', async () => {
    const target = await receiver();
    await dispatcher([webhookChannel({ url: target.url, secret: parseWebhookSecret(SECRET, 'test') })]).dispatch(down);
    const [request] = target.requests;
    expect(() => new Webhook(SECRET).verify((request?.body ?? '').replace('sensor-42', 'sensor-43'), request?.headers as Record<string, string>)).toThrow();
  });

  it('delivers again after two failures, with the same webhook-id and body each time', async () => {
    // Prepare
    const target = await receiver([500, 503], 200);

    // Act
    const report = await dispatcher([webhookChannel({ url: target.url, secret: parseWebhookSecret(SECRET, 'test') })]).dispatch(down);

    // Assess
    expect(report.delivered).toBe(1);
    expect(target.requests).toHaveLength(3);
    expect(new Set(target.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([webhookId(down)]));
    expect(new Set(target.requests.map((r) => r.body)).size).toBe(1);
    for (const r of target.requests) expect(new Webhook(SECRET).verify(r.body, r.headers as Record<string, string>)).toEqual(down);
  });

  it('gives a different webhook-id to each alert of an outage, and each reminder', () => {
    const reminder = (n: number): DeviceStillDownAlert => ({
      type: 'device.still_down', incidentId: down.incidentId, deviceId: 'sensor-42', group: 'plant-a', lastSeen: null,
      detectedAt: '2026-11-25T10:10:00.000Z', downSince: '2026-11-25T10:00:00.000Z', downForSeconds: 600, reminder: n,
    });
    const ids = [webhookId(down), webhookId(upOf(down)), webhookId(reminder(1)), webhookId(reminder(2))];
    expect(new Set(ids).size).toBe(4);
    expect(webhookId({ ...down })).toBe(ids[0]);
  });

  it('refuses a secret that is not whsec_ with 24 to 64 bytes of base64, naming the setting', () => {
    expect(() => parseWebhookSecret('whsec_c2hvcnQ=', 'HEARTBEAT_WEBHOOK_SECRET')).toThrow(/HEARTBEAT_WEBHOOK_SECRET must be a webhook secret/);
    expect(() => parseWebhookSecret('not base64!', 'webhook secret')).toThrow(/webhook secret must be/);
  });
});

describe('failing receivers', () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ['an unreachable receiver', () => unreachableUrl(), /connection failed \(ECONNREFUSED\)/],
    ['a 3xx (never followed)', async () => (await receiver([], 302)).url, /HTTP 302 \(redirects are not followed\)/],
    ['a 4xx', async () => (await receiver([], 410)).url, /HTTP 410/],
    ['a 5xx', async () => (await receiver([], 500)).url, /HTTP 500/],
    ['one that closes mid-response', async () => (await receiver([], 'close-mid-response')).url, /terminated|other side closed|socket/i],
    ['one that never answers', async () => (await receiver([], 'hang')).url, /no answer within 0.2 s/],
  ];
  it.each(cases)('%s is retried on the schedule, then reported undelivered with why', async (name, url, why) => {
    // Prepare: a short timeout for the receiver that never answers, a generous one for the others (a loaded machine is slow).
    const waits: number[] = [];
    const channel = slackChannel({ url: await url(), render: RENDER });
    const timeoutMs = name === 'one that never answers' ? 200 : 5000;

    // Act
    const report = await dispatcher([channel], { timeoutMs, backoffMs: [1, 2, 4] }, waits).dispatch(down);

    // Assess
    expect(report.delivered).toBe(0);
    expect(report.undelivered).toEqual([{ channel: 'slack', alert: down, attempts: 4, error: expect.stringMatching(why), failedAt: expect.any(String) }]);
    expect(waits).toEqual([1, 2, 4]);
  });

  it("waits as long as a rate-limited receiver's Retry-After asks, never less than the backoff", async () => {
    // Prepare: 429 asking for 2 s, then 429 asking for nothing usable, then OK.
    const waits: number[] = [];
    const target = await receiver([{ status: 429, headers: { 'retry-after': '2' } }, { status: 429, headers: { 'retry-after': 'soon' } }], 200);
    const d = new AlertDispatcher({
      channels: [slackChannel({ url: target.url, render: RENDER })], sender: fetchHttpSender, clock,
      sleep: async (ms) => void waits.push(ms), retry: { timeoutMs: 5000, backoffMs: [5, 10, 20] }, logger: silentLogger,
    });

    // Act
    const report = await d.dispatch(down);

    // Assess
    expect(report.delivered).toBe(1);
    expect(waits).toEqual([2000, 10]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-25T10:00:00.000Z');
    expect(retryAfter('120', now)).toBe(120_000);
    expect(retryAfter('Wed, 25 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfter('Wed, 25 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfter('later', now)).toBeNull();
    expect(retryAfter(null, now)).toBeNull();
  });

  it('a 3xx receiver gets one request per attempt and nothing at its Location', async () => {
    const target = await receiver([], 301);
    await dispatcher([slackChannel({ url: target.url, render: RENDER })]).dispatch(down);
    expect(target.requests.map((r) => r.path)).toEqual(['/', '/', '/', '/']);
  });

  it('uses the contract policy by default: at least 3 retries, exponential, over at least 2 minutes, 10 s per attempt', async () => {
    // Prepare: waits are recorded, not slept.
    const waits: number[] = [];
    const target = await receiver([], 500);
    const d = new AlertDispatcher({
      channels: [slackChannel({ url: target.url, render: RENDER })], sender: fetchHttpSender, clock,
      sleep: async (ms) => void waits.push(ms), retry: CONTRACT_RETRY_POLICY, logger: silentLogger,
    });

    // Act
    const report = await d.dispatch(down);

    // Assess
    expect(report.undelivered[0]?.attempts).toBe(waits.length + 1);
    expect(waits.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBe((waits[i - 1] as number) * 2);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(120_000);
    expect(CONTRACT_RETRY_POLICY.timeoutMs).toBe(10_000);
  });
});

describe('channels side by side', () => {
  it('a hanging channel does not delay the others', async () => {
    // Prepare: the webhook never answers (5 s timeout: long enough that Slack's answer always comes
    // first, even on a loaded machine); Slack answers at once.
    const hanging = await receiver([], 'hang');
    const slack = await receiver();
    const d = dispatcher(
      [webhookChannel({ url: hanging.url, secret: parseWebhookSecret(SECRET, 'test') }), slackChannel({ url: slack.url, render: RENDER })],
      { timeoutMs: 5000, backoffMs: [] },
    );

    // Act
    let settled = false;
    const dispatching = d.dispatch(down).finally(() => {
      settled = true;
    });
    await slack.received(1);
    await hanging.received(1);

    // Assess: Slack has its message while the webhook's first attempt is still waiting for an answer.
    expect(settled).toBe(false);
    expect(JSON.parse(slack.requests[0]?.body ?? '')).toEqual(slackMessage(down, RENDER));
    const report = await dispatching;
    expect(report.delivered).toBe(1);
    expect(report.undelivered.map((u) => u.channel)).toEqual(['webhook']);
  });

  it('Slack gets text and blocks, with the subject first', async () => {
    const slack = await receiver();
    await dispatcher([slackChannel({ url: slack.url, render: RENDER })]).dispatch(down);
    const body = JSON.parse(slack.requests[0]?.body ?? '') as { text: string; blocks: unknown[] };
    expect(slack.requests[0]?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(body).toEqual(slackMessage(down, RENDER));
    expect(body.text).toBe('DOWN sensor-42: silent for 2m 41s');
  });
});

describe('PagerDuty channel', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });
  const pd = (url: string) =>
    pagerDutyChannel({ url: `${url}/v2/enqueue`, routingKey: 'R0UTINGKEY0123456789012345678901', fleets: new DynamoDbFleetIncidents({ client: table.client, tableName: table.tableName, clock }) });
  const events = (r: Receiver) => r.requests.map((q) => JSON.parse(q.body) as { event_action: string; dedup_key: string; routing_key: string; payload?: Record<string, unknown> });

  it('triggers a device.down and resolves it on device.up with the same dedup_key', async () => {
    // Prepare
    const events_ = await receiver([], 202);
    const d = dispatcher([pd(events_.url)]);

    // Act
    await d.dispatch(down);
    await d.dispatch(upOf(down));

    // Assess
    expect(events_.requests.map((r) => r.path)).toEqual(['/v2/enqueue', '/v2/enqueue']);
    const [trigger, resolve] = events(events_);
    expect(trigger).toEqual({
      routing_key: 'R0UTINGKEY0123456789012345678901', event_action: 'trigger', dedup_key: down.incidentId,
      payload: { summary: 'DOWN sensor-42: silent for 2m 41s', source: 'sensor-42', severity: 'critical', timestamp: down.detectedAt, group: 'plant-a', class: 'device.down', custom_details: down },
    });
    expect(resolve).toEqual({ routing_key: 'R0UTINGKEY0123456789012345678901', event_action: 'resolve', dedup_key: down.incidentId });
  });

  it('sends no reminders', async () => {
    const events_ = await receiver([], 202);
    const report = await dispatcher([pd(events_.url)]).dispatch({
      type: 'device.still_down', incidentId: down.incidentId, deviceId: 'sensor-42', group: 'plant-a', lastSeen: null,
      detectedAt: '2026-11-25T10:10:00.000Z', downSince: '2026-11-25T10:00:00.000Z', downForSeconds: 600, reminder: 1,
    });
    expect(report).toEqual({ delivered: 0, undelivered: [] });
    expect(events_.requests).toHaveLength(0);
  });

  it('resolves a fleet.down only when its last device is up', async () => {
    // Prepare
    const events_ = await receiver([], 202);
    const d = dispatcher([pd(events_.url)]);
    const downs = ['f-1', 'f-2', 'f-3'].map((id) => downOf(id));
    const fleet: FleetDownAlert = {
      type: 'fleet.down', group: 'plant-b', count: 3, deviceIds: downs.map((x) => x.deviceId), incidentIds: downs.map((x) => x.incidentId),
      detectedAt: '2026-11-25T10:00:41.000Z',
    };
    const fleetKey = 'fleet:plant-b:f-1:2026-11-25T10:00:00.000Z';
    const fleetResolves = () => events(events_).filter((e) => e.event_action === 'resolve' && e.dedup_key === fleetKey);

    // Act + Assess: trigger, then two recoveries leave it open, the third resolves it.
    await d.dispatch(fleet);
    expect(events(events_)[0]).toMatchObject({ event_action: 'trigger', dedup_key: fleetKey, payload: { source: 'plant-b', severity: 'critical' } });
    await d.dispatch(upOf(downs[0] as DeviceDownAlert));
    await d.dispatch(upOf(downs[2] as DeviceDownAlert));
    expect(fleetResolves()).toHaveLength(0);
    await d.dispatch(upOf(downs[1] as DeviceDownAlert));
    expect(fleetResolves()).toHaveLength(1);

    // A repeated device.up (at-least-once) resolves nothing twice.
    await d.dispatch(upOf(downs[1] as DeviceDownAlert));
    expect(fleetResolves()).toHaveLength(1);
  });

  it('resolves a fleet exactly once when its last two devices recover at the same moment', async () => {
    // Prepare
    const events_ = await receiver([], 202);
    const d = dispatcher([pd(events_.url)]);
    const downs = ['r-1', 'r-2'].map((id) => downOf(id, 'plant-c'));
    await d.dispatch({ type: 'fleet.down', group: 'plant-c', count: 2, deviceIds: ['r-1', 'r-2'], incidentIds: downs.map((x) => x.incidentId), detectedAt: down.detectedAt });

    // Act: two notifiers (separate dispatchers, as separate containers would be).
    await Promise.all(downs.map((x) => dispatcher([pd(events_.url)]).dispatch(upOf(x))));

    // Assess
    expect(events(events_).filter((e) => e.dedup_key === 'fleet:plant-c:r-1:2026-11-25T10:00:00.000Z' && e.event_action === 'resolve')).toHaveLength(1);
  });

  it('sends a resolve only after the trigger of the same incident, even while the trigger is being retried', async () => {
    // Prepare: the first two trigger attempts fail.
    const events_ = await receiver([500, 500], 202);
    const d = dispatcher([pd(events_.url)], { timeoutMs: 10_000, backoffMs: [30, 30, 30] });

    // Act: the recovery is dispatched while the trigger is still retrying.
    const triggering = d.dispatch(down);
    await events_.received(1);
    await Promise.all([triggering, d.dispatch(upOf(down))]);

    // Assess
    expect(events(events_).map((e) => e.event_action)).toEqual(['trigger', 'trigger', 'trigger', 'resolve']);
  });
});
