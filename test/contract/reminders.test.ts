/**
 * The contract's reminders ("Alert delivery"), through local mode's own composition (DynamoDB
 * Local, the sweep timer, the console, alerts.jsonl and the channels) with `--repeat-every 300`.
 * Reminders are at least five minutes apart, so this test runs local mode in-process on a fake
 * clock that it moves forward; the sweep timer still fires every real second, and each wait polls
 * with a deadline. PagerDuty gets no reminder; the webhook and Slack get each one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambdas/core/ports';
import { startLocalService, type LocalService } from '../../lambdas/local/runtime';
import { parseLocalSettings } from '../../lambdas/local/settings';
import { startReceiver, type Receiver } from '../support/receivers';
import { FakeClock } from '../support/fakes';
import { cleanUp, deviceTokenFor, readAlerts, tempDir, until } from '../e2e/support/local-process';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const REPEAT_MS = 300_000;

const clock = new FakeClock(T0);
const dataDir = tempDir('hb-contract-reminders');
const printed: string[] = [];
let service: LocalService | undefined;
let webhook: Receiver;
let slack: Receiver;
let pagerDuty: Receiver;

function live(): LocalService {
  if (!service) throw new Error('local mode is not running');
  return service;
}

async function beat(deviceId: string, body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const response = await fetch(`${live().url}/v1/heartbeats/${deviceId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${deviceTokenFor(dataDir, deviceId)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const alertsOf = (deviceId: string) => readAlerts(dataDir).filter((a) => a.deviceId === deviceId);
/** The alerts the webhook received for one device, in order of arrival. */
const hooksOf = (deviceId: string) => webhook.requests.map((r) => JSON.parse(r.body) as Record<string, any>).filter((b) => b.deviceId === deviceId);

/** Resolves once a sweep that started at or after `epochMs` (on the service's clock) has finished. */
async function sweptFrom(epochMs: number): Promise<void> {
  await until('a sweep on the moved clock', async () => {
    const health = (await (await fetch(`${live().url}/v1/health`)).json()) as { lastSweepAt: string | null };
    return health.lastSweepAt !== null && Date.parse(health.lastSweepAt) >= epochMs;
  }, 20_000);
}

beforeAll(async () => {
  webhook = await startReceiver();
  slack = await startReceiver();
  pagerDuty = await startReceiver([], 202);
  const settings = parseLocalSettings(
    {
      port: '0',
      dataDir,
      sweepEvery: '1',
      repeatEvery: '300',
      webhook: `${webhook.url}/hook`,
      slackWebhook: `${slack.url}/slack`,
      pagerdutyRoutingKey: 'REMINDERTESTROUTINGKEY0000000001',
      pagerdutyUrl: `${pagerDuty.url}/v2/enqueue`,
    },
    {},
    process.cwd(),
  );
  service = await startLocalService({ settings, clock, print: (line) => printed.push(line), logger: silentLogger, printError: (line) => printed.push(line) });
}, 90_000);

afterAll(async () => {
  await service?.stop();
  await cleanUp(undefined, dataDir);
  await Promise.all([webhook, slack, pagerDuty].map((r) => r?.close()));
});

describe('Alert delivery: reminders in local mode (--repeat-every 300)', () => {
  it('"a device.still_down alert (incidentId, downSince, downForSeconds, reminder: 1, 2, ...) every repeatEvery seconds" while the device stays down, to the console, the file, the webhook and Slack, never to PagerDuty', async () => {
    // Prepare: down at its fail beat.
    const id = 'rm-dies';
    const failed = await beat(id, { interval: 3600, status: 'fail', message: 'flooded' });
    const [down] = await until('the device.down', () => alertsOf(id).length > 0 && alertsOf(id), 20_000);
    const downSince = Date.parse(failed.body.lastSeen);

    // Act: just before the first reminder is due, then past it, then past the second.
    clock.set(downSince + REPEAT_MS - 1000);
    await sweptFrom(downSince + REPEAT_MS - 1000);
    const beforeDue = alertsOf(id);
    clock.set(downSince + REPEAT_MS + 1000);
    const first = await until('reminder 1', () => alertsOf(id).find((a) => a.type === 'device.still_down' && a.reminder === 1), 20_000);
    clock.set(downSince + 2 * REPEAT_MS + 1000);
    const second = await until('reminder 2', () => alertsOf(id).find((a) => a.type === 'device.still_down' && a.reminder === 2), 20_000);
    await until('both reminders on the webhook and Slack', () => hooksOf(id).length === 3 && slack.requests.filter((r) => r.body.includes(id)).length === 3, 20_000);

    // Assess: the reminders, numbered, with the outage they remind of.
    expect(down?.type).toBe('device.down');
    expect(beforeDue.map((a) => a.type)).toEqual(['device.down']);
    expect(first).toMatchObject({ type: 'device.still_down', incidentId: down?.incidentId, deviceId: id, downSince: failed.body.lastSeen, downForSeconds: 301, reminder: 1 });
    expect(second).toMatchObject({ incidentId: down?.incidentId, downSince: failed.body.lastSeen, downForSeconds: 601, reminder: 2 });
    expect(alertsOf(id).map((a) => a.type)).toEqual(['device.down', 'device.still_down', 'device.still_down']);
    expect(printed.some((line) => line.includes('device.still_down') && line.includes(id))).toBe(true);
    expect(hooksOf(id).map((a) => [a.type, a.reminder])).toEqual([
      ['device.down', undefined],
      ['device.still_down', 1],
      ['device.still_down', 2],
    ]);
    // PagerDuty: the trigger only (it re-notifies by itself).
    expect(pagerDuty.requests.map((r) => JSON.parse(r.body).event_action)).toEqual(['trigger']);

    // Act: it comes back; the outage ends and reminders stop.
    await beat(id, { status: 'ok' });
    await until('the device.up', () => alertsOf(id).some((a) => a.type === 'device.up'), 20_000);
    clock.set(downSince + 3 * REPEAT_MS + 1000);
    await sweptFrom(downSince + 3 * REPEAT_MS + 1000);

    // Assess
    expect(alertsOf(id).map((a) => a.type)).toEqual(['device.down', 'device.still_down', 'device.still_down', 'device.up']);
    await until('the PagerDuty resolve', () => pagerDuty.requests.length === 2, 20_000);
    expect(pagerDuty.requests.map((r) => JSON.parse(r.body).event_action)).toEqual(['trigger', 'resolve']);
  }, 120_000);
});
