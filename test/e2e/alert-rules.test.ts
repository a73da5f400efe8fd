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

beforeAll(async () => {
  dataDir = tempDir('hb-rules');
  server = await startLocalMode({ dataDir, args: ['--sweep-every', '1'] });
});

afterAll(() => stopLocalMode(server, dataDir));

describe('local mode: alert rules', () => {
  it('pages a reboot loop once with recoverAfter, and its device.up once it stayed up', async () => {
    // Prepare: deadline 5 s after each beat; recoverAfter 10 s.
    const id = 'e2e-reboot-loop';
    expect((await beat(id, { interval: 5, grace: 0, recoverAfter: 10 })).status).toBe(200);
    await waitFor('the first device.down', () => alertsOf(id).includes('device.down'), 15_000);
    // Act: two reboots, each back for 2 s then silent past its deadline before recoverAfter passed.
    for (let reboot = 0; reboot < 2; reboot++) {
      await beat(id);
      await sleep(2000);
      await beat(id);
      await waitFor('the device to be down again', async () => (await device(id)).status === 'down', 15_000);
    }
    const duringLoop = alertsOf(id);
    // Then it stays up, beating every 2 s, past recoverAfter.
    const stableSince = Date.now();
    while (!alertsOf(id).includes('device.up') && Date.now() - stableSince < 20_000) {
      await beat(id);
      await sleep(2000);
    }
    // Assess
    expect(duringLoop).toEqual(['device.down']);
    expect(alertsOf(id)).toEqual(['device.down', 'device.up']);
    expect(Date.now() - stableSince).toBeGreaterThanOrEqual(10_000);
  }, 90_000);

  it('pages nothing for two fail beats with failThreshold 3, and pages the third', async () => {
    // Prepare
    const id = 'e2e-threshold';
    await beat(id, { interval: 600, failThreshold: 3 });
    // Act
    const first = await beat(id, { status: 'fail', message: 'retry 1' });
    const second = await beat(id, { status: 'fail', message: 'retry 2' });
    await sleep(3000); // three sweeps and the stream consumer had their chance
    const afterTwo = alertsOf(id);
    const third = await beat(id, { status: 'fail', message: 'gave up' });
    await waitFor('the device.down of the third fail', () => alertsOf(id).includes('device.down'), 10_000);
    // Assess
    expect([first.body.status, second.body.status, third.body.status]).toEqual(['up', 'up', 'down']);
    expect(afterTwo).toEqual([]);
    expect(alertsOf(id)).toEqual(['device.down']);
    expect(await device(id)).toMatchObject({ status: 'down', failThreshold: 3, message: 'gave up', downSince: first.body.lastSeen });
  }, 60_000);

  it('silences a device that dies inside a maintenance window, and alerts it after the window, counted from its end', async () => {
    // Prepare: deadline 5 s after each beat; a window of 8 s from now, planned with the CLI.
    const id = 'e2e-maintenance';
    await beat(id, { interval: 5, grace: 0 });
    const cli = await runCli(['maintenance', 'add', '--devices', id, '--for', '8s', '--reason', 'firmware', '--url', live().url, '--data-dir', live().dataDir]);
    expect(cli.code, cli.stderr).toBe(0);
    const windowId = /Window (\S+):/.exec(cli.stdout)?.[1];
    const listed = await runCli(['maintenance', 'list', '--json', '--url', live().url, '--data-dir', live().dataDir]);
    const until = (JSON.parse(listed.stdout) as { windows: { windowId: string; until: string }[] }).windows.find((w) => w.windowId === windowId)?.until;
    // Act: the device dies now; its deadline (5 s) passes inside the window.
    await sleep(7000);
    const insideWindow = alertsOf(id);
    await waitFor('the device.down after the window', () => alertsOf(id).includes('device.down'), 20_000);
    // Assess: nothing inside the window; one device.down after it, for an outage from until + interval + grace.
    expect(windowId).toMatch(/^[0-9a-f-]{36}$/);
    expect(insideWindow).toEqual([]);
    const down = alertRecordsOf(id).find((a) => a.type === 'device.down');
    expect(down?.incidentId).toBe(`${id}:${new Date(Date.parse(until as string) + 5000).toISOString()}`);
    expect(Date.parse(down?.detectedAt as string)).toBeGreaterThanOrEqual(Date.parse(until as string) + 5000);
  }, 60_000);

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
  }, 30_000);
});
