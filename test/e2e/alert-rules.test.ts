/**
 * The alert rules in local mode as a person meets them (a real `heartbeat start` child process,
 * real HTTP, alerts read from alerts.jsonl), on the real clock with short intervals and a sweep
 * every second: a reboot loop with recoverAfter pages once; with failThreshold 3, two fails page
 * nothing and the third pages; a maintenance window planned with `npx heartbeat maintenance add`
 * silences a device that dies inside it, which is alerted after the window, counted from its end.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTokenFor, runCli, startLocalMode, stopLocalMode, tempDir, type LocalModeProcess, until as waitFor } from './support/local-process';

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;

function live(): LocalModeProcess {
  if (!server) throw new Error('local mode is not running');
  return server;
}

function tokenFor(deviceId: string): string {
  return deviceTokenFor(live().dataDir, deviceId);
}

async function beat(deviceId: string, body: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${live().url}/v1/heartbeats/${deviceId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenFor(deviceId)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function device(deviceId: string): Promise<any> {
  const response = await fetch(`${live().url}/v1/devices/${deviceId}`, { headers: { authorization: `Bearer ${live().adminToken}` } });
  return response.json();
}

/** The alert types alerts.jsonl holds for one device, in order. */
function alertsOf(deviceId: string): string[] {
  return alertRecordsOf(deviceId).map((alert) => alert.type);
}

function alertRecordsOf(deviceId: string): { type: string; deviceId?: string; incidentId?: string; detectedAt?: string }[] {
  const file = join(live().dataDir, 'alerts.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { type: string; deviceId?: string; incidentId?: string; detectedAt?: string })
    .filter((alert) => alert.deviceId === deviceId);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until a sweep has started after `epochMs` (health's lastSweepAt), so "no alert" means something. */
async function sweptAfter(epochMs: number): Promise<void> {
  await waitFor('a sweep after the mark', async () => {
    const health = (await (await fetch(`${live().url}/v1/health`)).json()) as { lastSweepAt: string | null };
    return health.lastSweepAt !== null && Date.parse(health.lastSweepAt) > epochMs;
  }, 30_000, 200);
}

beforeAll(async () => {
  dataDir = tempDir('hb-rules');
  server = await startLocalMode({ dataDir, args: ['--sweep-every', '1'] });
});

afterAll(() => stopLocalMode(server, dataDir));

describe('local mode: alert rules', () => {
  it('pages a reboot loop once with recoverAfter, and its device.up once it stayed up', async () => {
    // Prepare: deadline 5 s after each beat; recoverAfter 20 s. A reboot is back for two beats 2 s
    // apart and then silent: its deadline passes long before its recoverAfter would (a sweep sees
    // the relapse first however late it comes), even when a loaded machine stretches the 2 s.
    const id = 'e2e-reboot-loop';
    expect((await beat(id, { interval: 5, grace: 0, recoverAfter: 20 })).status).toBe(200);
    await waitFor('the first device.down', () => alertsOf(id).includes('device.down'), 30_000);
    // Act: two reboots.
    for (let reboot = 0; reboot < 2; reboot++) {
      await beat(id);
      await sleep(2000);
      await beat(id);
      await waitFor('the device to be down again', async () => (await device(id)).status === 'down', 30_000);
    }
    const duringLoop = alertsOf(id);
    // Then it stays up: a long interval now, so that no stall of this test can make it lapse again.
    const stableSince = Date.now();
    expect((await beat(id, { interval: 60 })).status).toBe(200);
    await waitFor('the device.up', () => alertsOf(id).includes('device.up'), 60_000);
    // Assess (a lower bound on wall time only: a loaded machine can make the alert later, never earlier)
    expect(duringLoop).toEqual(['device.down']);
    expect(alertsOf(id)).toEqual(['device.down', 'device.up']);
    expect(Date.now() - stableSince).toBeGreaterThanOrEqual(20_000);
  }, 180_000);

  it('pages nothing for two fail beats with failThreshold 3, and pages the third', async () => {
    // Prepare
    const id = 'e2e-threshold';
    await beat(id, { interval: 600, failThreshold: 3 });
    // Act
    const first = await beat(id, { status: 'fail', message: 'retry 1' });
    const second = await beat(id, { status: 'fail', message: 'retry 2' });
    await sweptAfter(Date.now() + 2000); // sweeps and the stream consumer had their chance
    const afterTwo = alertsOf(id);
    const third = await beat(id, { status: 'fail', message: 'gave up' });
    await waitFor('the device.down of the third fail', () => alertsOf(id).includes('device.down'), 30_000);
    // Assess
    expect([first.body.status, second.body.status, third.body.status]).toEqual(['up', 'up', 'down']);
    expect(afterTwo).toEqual([]);
    expect(alertsOf(id)).toEqual(['device.down']);
    expect(await device(id)).toMatchObject({ status: 'down', failThreshold: 3, message: 'gave up', downSince: first.body.lastSeen });
  }, 90_000);

  it('silences a device that dies inside a maintenance window, and alerts it after the window, counted from its end', async () => {
    // Prepare: a window of 20 s from now, planned with the CLI; then the device's last beat, whose
    // deadline (5 s later) falls inside the window however long the CLI took.
    const id = 'e2e-maintenance';
    const cli = await runCli(['maintenance', 'add', '--devices', id, '--for', '20s', '--reason', 'firmware', '--url', live().url, '--data-dir', live().dataDir]);
    expect(cli.code, cli.stderr).toBe(0);
    const windowId = /Window (\S+):/.exec(cli.stdout)?.[1];
    const last = await beat(id, { interval: 5, grace: 0 });
    const listed = await runCli(['maintenance', 'list', '--json', '--url', live().url, '--data-dir', live().dataDir]);
    const until = (JSON.parse(listed.stdout) as { windows: { windowId: string; until: string }[] }).windows.find((w) => w.windowId === windowId)?.until as string;
    expect(Date.parse(last.body.deadline)).toBeLessThan(Date.parse(until));
    // Act: the device dies now; its deadline passes inside the window.
    await waitFor('the device.down after the window', () => alertsOf(id).includes('device.down'), 90_000);
    // Assess: its only alert is one device.down after the window (so nothing inside it), for an
    // outage from until + interval + grace.
    expect(windowId).toMatch(/^[0-9a-f-]{36}$/);
    expect(alertsOf(id)).toEqual(['device.down']);
    const down = alertRecordsOf(id).find((a) => a.type === 'device.down');
    expect(down?.incidentId).toBe(`${id}:${new Date(Date.parse(until) + 5000).toISOString()}`);
    expect(Date.parse(down?.detectedAt as string)).toBeGreaterThanOrEqual(Date.parse(until) + 5000);
  }, 150_000);

  it('ends a window with the CLI, and lists no ended window', async () => {
    // Prepare
    const added = await runCli(['maintenance', 'add', '--group', 'e2e-group', '--for', '1h', '--url', live().url, '--data-dir', live().dataDir]);
    const windowId = /Window (\S+):/.exec(added.stdout)?.[1] as string;
    // Act
    const ended = await runCli(['maintenance', 'end', windowId, '--url', live().url, '--data-dir', live().dataDir]);
    const again = await runCli(['maintenance', 'end', windowId, '--url', live().url, '--data-dir', live().dataDir]);
    const list = await runCli(['maintenance', 'list', '--url', live().url, '--data-dir', live().dataDir]);
    // Assess
    expect(ended.code, ended.stderr).toBe(0);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('maintenance list');
    expect(list.stdout).not.toContain(windowId);
  }, 90_000);
});
