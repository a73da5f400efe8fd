/**
 * The contract's section "Alert rules", checked sentence by sentence against local mode as an
 * outside test meets it: a real `heartbeat start` child (sweep every second, deployment defaults
 * `--fail-threshold 2 --recover-after 4`), real HTTP, alerts read back from alerts.jsonl and
 * filtered by each test's own device ids. Waits poll with a deadline; "no alert" is only
 * asserted after a sweep that started later has finished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalMode, stopLocalMode, tempDir, until, type LocalModeProcess } from '../e2e/support/local-process';
import { serviceOf } from './support/service';

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;

function live(): LocalModeProcess {
  if (!server) throw new Error('local mode is not running');
  return server;
}
const service = serviceOf(live);
const { admin, alertsOf, beat, sweptAfter } = service;

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  dataDir = tempDir('hb-contract-rules');
  server = await startLocalMode({ dataDir, args: ['--sweep-every', '1', '--fail-threshold', '2', '--recover-after', '4'] });
});

afterAll(() => stopLocalMode(server, dataDir));

describe('Alert rules: failThreshold and recoverAfter', () => {
  it('"deployment-wide defaults (local flags)": a device that states neither follows --fail-threshold and --recover-after', async () => {
    // Act
    const first = await beat('cr-defaults');
    const device = await admin('GET', '/v1/devices/cr-defaults');
    // Assess
    expect(first.status).toBe(200);
    expect(device.body).toMatchObject({ deviceId: 'cr-defaults', failThreshold: 2, recoverAfter: 4 });
  });

  it('"consecutive fail beats needed to open an outage": with the default 2, one fail pages nothing and the second opens one outage', async () => {
    // Prepare
    const id = 'cr-threshold-flag';
    await beat(id, { interval: 600 });
    // Act
    const first = await beat(id, { status: 'fail', message: 'sensor glitch' });
    await sweptAfter(Date.now());
    const afterOne = alertsOf(id);
    const second = await beat(id, { status: 'fail', message: 'sensor dead' });
    const [down] = await until('the device.down of the second fail', () => alertsOf(id, 'device.down').length > 0 && alertsOf(id, 'device.down'), 15_000);
    // Assess
    expect([first.body.status, second.body.status]).toEqual(['up', 'down']);
    expect(afterOne).toEqual([]);
    expect(down).toMatchObject({ type: 'device.down', reason: 'fail', message: 'sensor dead', incidentId: `${id}:${first.body.lastSeen}` });
  });

  it('"an ok beat resets the count": fail, ok, fail never reaches a threshold of 2', async () => {
    // Prepare
    const id = 'cr-reset';
    await beat(id, { interval: 600 });
    // Act
    const statuses = [];
    for (const status of ['fail', 'ok', 'fail']) statuses.push((await beat(id, { status })).body.status);
    await sweptAfter(Date.now());
    // Assess
    expect(statuses).toEqual(['up', 'up', 'up']);
    expect(alertsOf(id)).toEqual([]);
    expect((await admin('GET', `/v1/devices/${id}`)).body.status).toBe('up');
  });

  it('"a device.up is sent only once the device has stayed up this long": the default recoverAfter 4 s holds the device.up back 4 s after the ok beat', async () => {
    // Prepare: down at its first fail (its own threshold 1).
    const id = 'cr-recover-flag';
    await beat(id, { interval: 600, failThreshold: 1 });
    await beat(id, { status: 'fail' });
    await until('the device.down', () => alertsOf(id, 'device.down').length === 1, 15_000);
    // Act
    const back = await beat(id);
    const seenAt = await until('the device.up', () => alertsOf(id, 'device.up').length > 0 && Date.now(), 20_000, 50);
    // Assess: the file got it no sooner than 4 s after the recovering beat (one clock: this machine's).
    expect(back.body.status).toBe('up');
    expect(seenAt - Date.parse(back.body.lastSeen)).toBeGreaterThanOrEqual(4000);
    expect(alertsOf(id).map((a) => a.type)).toEqual(['device.down', 'device.up']);
  });

  it('"going down again before that continues the same outage (no new device.down)": a fail inside the recoverAfter wait pages nothing, and the outage ends with one device.up', async () => {
    // Prepare: down at its first fail; recoverAfter 10 s.
    const id = 'cr-relapse';
    await beat(id, { interval: 600, failThreshold: 1, recoverAfter: 10 });
    await beat(id, { status: 'fail', message: 'reboot 1' });
    await until('the device.down', () => alertsOf(id, 'device.down').length === 1, 15_000);
    // Act: back, and failing again at once (inside the 10 s), then back for good.
    await beat(id);
    const relapse = await beat(id, { status: 'fail', message: 'reboot 2' });
    await sweptAfter(Date.now());
    const afterRelapse = alertsOf(id).map((a) => a.type);
    const back = await beat(id);
    const seenAt = await until('the device.up', () => alertsOf(id, 'device.up').length > 0 && Date.now(), 30_000, 50);
    // Assess
    expect(relapse.body.status).toBe('down');
    expect(afterRelapse).toEqual(['device.down']);
    expect(seenAt - Date.parse(back.body.lastSeen)).toBeGreaterThanOrEqual(10_000);
    const [down, up] = alertsOf(id);
    expect([down?.type, up?.type]).toEqual(['device.down', 'device.up']);
    expect(up?.incidentId).toBe(down?.incidentId);
    expect(alertsOf(id)).toHaveLength(2);
  }, 60_000);

  it('"per device (beat body, PUT)": failThreshold 1 to 100 and recoverAfter 0 to 86400 are taken from either, and PUT null goes back to the default', async () => {
    // Act
    const viaBeat = await beat('cr-own-beat', { failThreshold: 100, recoverAfter: 86_400 });
    const viaPut = await admin('PUT', '/v1/devices/cr-own-put', { failThreshold: 1, recoverAfter: 0 });
    const reset = await admin('PUT', '/v1/devices/cr-own-put', { failThreshold: null, recoverAfter: null });
    // Assess
    expect(viaBeat.status).toBe(200);
    expect((await admin('GET', '/v1/devices/cr-own-beat')).body).toMatchObject({ failThreshold: 100, recoverAfter: 86_400 });
    expect(viaPut.status).toBe(201);
    expect(viaPut.body).toMatchObject({ failThreshold: 1, recoverAfter: 0 });
    expect(reset.body).toMatchObject({ failThreshold: 2, recoverAfter: 4 });
  });

  it('refuses a failThreshold outside 1 to 100 or a recoverAfter outside 0 to 86400 (400 invalid_body naming the field), and writes nothing', async () => {
    // Prepare
    const bad: Record<string, unknown>[] = [
      { failThreshold: 0 },
      { failThreshold: 101 },
      { failThreshold: 2.5 },
      { failThreshold: '3' },
      { recoverAfter: -1 },
      { recoverAfter: 86_401 },
      { recoverAfter: 1.5 },
    ];
    for (const [n, body] of bad.entries()) {
      const field = Object.keys(body)[0] as string;
      // Act
      const viaBeat = await beat(`cr-bad-beat-${n}`, body);
      const viaPut = await admin('PUT', `/v1/devices/cr-bad-put-${n}`, body);
      // Assess
      for (const refused of [viaBeat, viaPut]) {
        expect(refused.status, JSON.stringify(body)).toBe(400);
        expect(refused.body.error.code).toBe('invalid_body');
        expect(refused.body.error.message).toContain(field);
      }
      expect((await admin('GET', `/v1/devices/cr-bad-beat-${n}`)).status).toBe(404);
      expect((await admin('GET', `/v1/devices/cr-bad-put-${n}`)).status).toBe(404);
    }
  });
});

describe('Alert rules: maintenance windows', () => {
  it('"POST /v1/maintenance ... 201 Window": a window of devices, and one of a group, answered as {windowId, deviceIds or group, from, until, reason}', async () => {
    // Prepare
    const from = Date.now() + DAY_MS;
    // Act
    const byDevices = await admin('POST', '/v1/maintenance', { deviceIds: ['cr-w-1', 'cr-w-2'], from: iso(from), until: iso(from + 3_600_000), reason: 'firmware 2.1' });
    const byGroup = await admin('POST', '/v1/maintenance', { group: 'cr-plant', from: iso(from), until: iso(from + 30 * DAY_MS) });
    // Assess
    expect(byDevices.status).toBe(201);
    expect(byDevices.body).toEqual({ windowId: expect.any(String), deviceIds: ['cr-w-1', 'cr-w-2'], from: iso(from), until: iso(from + 3_600_000), reason: 'firmware 2.1' });
    expect(byGroup.status).toBe(201);
    expect(byGroup.body).toEqual({ windowId: expect.any(String), group: 'cr-plant', from: iso(from), until: iso(from + 30 * DAY_MS), reason: null });
    const listed = await admin('GET', '/v1/maintenance');
    expect(listed.status).toBe(200);
    expect(listed.body.windows).toEqual(expect.arrayContaining([byDevices.body, byGroup.body]));
  });

  it('refuses a window whose until is not after from, is more than 30 days later, or names both or neither of deviceIds and group, and keeps none of them', async () => {
    // Prepare
    const from = Date.now() + DAY_MS;
    const before = (await admin('GET', '/v1/maintenance')).body.windows.length;
    const bad = [
      { deviceIds: ['cr-w-bad'], from: iso(from), until: iso(from) },
      { deviceIds: ['cr-w-bad'], from: iso(from), until: iso(from - 1000) },
      { deviceIds: ['cr-w-bad'], from: iso(from), until: iso(from + 30 * DAY_MS + 1000) },
      { deviceIds: ['cr-w-bad'], group: 'cr-plant', from: iso(from), until: iso(from + 1000) },
      { from: iso(from), until: iso(from + 1000) },
      { deviceIds: ['cr-w-bad'], from: 'tomorrow', until: iso(from + 1000) },
    ];
    // Act
    const answers = [];
    for (const body of bad) answers.push(await admin('POST', '/v1/maintenance', body));
    // Assess
    for (const refused of answers) {
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ error: { code: 'invalid_body', message: expect.any(String) } });
    }
    expect((await admin('GET', '/v1/maintenance')).body.windows).toHaveLength(before);
  });

  it('"DELETE /v1/maintenance/{windowId}: 204; ends it now": the window leaves the list of windows not yet ended', async () => {
    // Prepare
    const added = await admin('POST', '/v1/maintenance', { deviceIds: ['cr-w-end'], from: iso(Date.now()), until: iso(Date.now() + 3_600_000) });
    // Act
    const ended = await admin('DELETE', `/v1/maintenance/${added.body.windowId}`);
    // Assess
    expect(ended.status).toBe(204);
    expect(ended.text).toBe('');
    const ids = (await admin('GET', '/v1/maintenance')).body.windows.map((w: { windowId: string }) => w.windowId);
    expect(ids).not.toContain(added.body.windowId);
  });

  it('answers the maintenance routes only with the admin token', async () => {
    // Act
    const list = await service.call('GET', '/v1/maintenance');
    const add = await service.call('POST', '/v1/maintenance', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deviceIds: ['cr-w-auth'], from: iso(Date.now()), until: iso(Date.now() + 60_000) }),
    });
    // Assess
    expect([list.status, add.status]).toEqual([401, 401]);
    expect((await admin('GET', '/v1/maintenance')).body.windows.flatMap((w: { deviceIds?: string[] }) => w.deviceIds ?? [])).not.toContain('cr-w-auth');
  });

  it('"its devices raise no device.down (beats are still recorded)": a fail beat inside an active window, by device list or by group, is recorded and pages nothing until the window ends', async () => {
    // Prepare: their own threshold 1, so one fail would page at once without the windows.
    const [byId, byGroup] = ['cr-w-quiet', 'cr-w-quiet-grouped'];
    for (const id of [byId, byGroup]) await beat(id, { interval: 600, failThreshold: 1 });
    await admin('PUT', `/v1/devices/${byGroup}`, { group: 'cr-quiet-plant' });
    const hour = { from: iso(Date.now() - 1000), until: iso(Date.now() + 3_600_000) };
    const windows = [
      await admin('POST', '/v1/maintenance', { deviceIds: [byId], ...hour, reason: 'bench test' }),
      await admin('POST', '/v1/maintenance', { group: 'cr-quiet-plant', ...hour }),
    ];
    // Act
    const failed = [];
    for (const id of [byId, byGroup]) failed.push(await beat(id, { status: 'fail', message: 'unplugged on purpose' }));
    await sweptAfter(Date.now());
    const inside = [...alertsOf(byId), ...alertsOf(byGroup)];
    const devices = [(await admin('GET', `/v1/devices/${byId}`)).body, (await admin('GET', `/v1/devices/${byGroup}`)).body];
    for (const window of windows) await admin('DELETE', `/v1/maintenance/${window.body.windowId}`);
    const downs = await until('the device.downs once the windows ended', () => alertsOf(byId, 'device.down').length > 0 && alertsOf(byGroup, 'device.down').length > 0 && [alertsOf(byId, 'device.down')[0], alertsOf(byGroup, 'device.down')[0]], 15_000);
    // Assess
    expect(failed.map((f) => f.status)).toEqual([200, 200]);
    expect(inside).toEqual([]);
    for (const [n, device] of devices.entries()) expect(device).toMatchObject({ beats: 2, lastSeen: failed[n]?.body.lastSeen, message: 'unplugged on purpose' });
    for (const down of downs) expect(down).toMatchObject({ reason: 'fail', message: 'unplugged on purpose' });
  });

  it('"a device that was silent during it gets a new deadline counted from until": the device shows that deadline once the window is over', async () => {
    // Prepare: deadline 10 s after the beat; a window that ends 2 s after it. (The window must be
    // there before the deadline passes, or a sweep turns the device down first: 10 s leaves a loaded
    // machine room for the POST.)
    const id = 'cr-w-deadline';
    const first = await beat(id, { interval: 10, grace: 0, failThreshold: 1, recoverAfter: 0 });
    const untilMs = Date.parse(first.body.lastSeen) + 2000;
    const window = await admin('POST', '/v1/maintenance', { deviceIds: [id], from: first.body.lastSeen, until: iso(untilMs) });
    // Act
    await until('the window to be over', () => Date.now() > untilMs + 100, 10_000);
    const after = (await admin('GET', `/v1/devices/${id}`)).body;
    const [down] = await until('the device.down after the window', () => alertsOf(id, 'device.down').length > 0 && alertsOf(id, 'device.down'), 40_000);
    // Assess
    expect(window.status).toBe(201);
    expect(after.deadline).toBe(iso(untilMs + 10_000));
    expect(down).toMatchObject({ incidentId: `${id}:${iso(untilMs + 10_000)}`, deadline: iso(untilMs + 10_000) });
    expect((await admin('GET', `/v1/devices/${id}`)).body).toMatchObject({ status: 'down', deadline: iso(untilMs + 10_000), downSince: iso(untilMs + 10_000) });
  }, 90_000);

  it('"a device that was already down and announced before the window stays down and its recovery is announced as usual"', async () => {
    // Prepare: down and announced; then a window over it.
    const id = 'cr-w-down-before';
    await beat(id, { interval: 600, failThreshold: 1, recoverAfter: 0 });
    await beat(id, { status: 'fail', message: 'overheated' });
    await until('the device.down before the window', () => alertsOf(id, 'device.down').length === 1, 15_000);
    const window = await admin('POST', '/v1/maintenance', { deviceIds: [id], from: iso(Date.now() - 1000), until: iso(Date.now() + 3_600_000) });
    await sweptAfter(Date.now());
    const during = (await admin('GET', `/v1/devices/${id}`)).body.status;
    // Act: it comes back inside the window.
    const back = await beat(id);
    const [up] = await until('the device.up inside the window', () => alertsOf(id, 'device.up').length > 0 && alertsOf(id, 'device.up'), 15_000);
    // Assess
    expect(during).toBe('down');
    expect(back.body.status).toBe('up');
    expect(up).toMatchObject({ type: 'device.up', incidentId: alertsOf(id, 'device.down')[0]?.incidentId });
    expect(alertsOf(id).map((a) => a.type)).toEqual(['device.down', 'device.up']);
    await admin('DELETE', `/v1/maintenance/${window.body.windowId}`);
  });
});
