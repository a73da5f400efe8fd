/**
 * The service contract, section "Alerts", locally: what `<data dir>/alerts.jsonl` and standard
 * output hold, through a real `heartbeat start` child. A storm must fall in ONE sweep, which a
 * running server cannot promise for beats sent one after the other; so the devices beat, local mode
 * stops, their deadlines pass while it is down, and the restart's first sweep finds them all at once.
 * (SNS's Subject, Message and MessageAttributes are checked on the adapter with aws-sdk-client-mock
 * in test/adapters/sns-alert-publisher.test.ts, and against an SNS stand-in in test/bundles.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { deviceTokenFor, readAlerts, startLocalMode, stopLocalMode, tempDir, until, type LocalModeProcess } from '../e2e/support/local-process';
import { serviceOf } from './support/service';

let server: LocalModeProcess | undefined;
const dataDir = tempDir('hb-contract-alerts');
const service = serviceOf(() => {
  if (!server) throw new Error('local mode is not running');
  return server;
});

afterAll(async () => {
  await stopLocalMode(server, dataDir);
});

const run = Date.now().toString(36);
const STORM = ['storm-a', 'storm-b', 'storm-c'].map((id) => `${id}-${run}`);
const CALM = ['calm-a', 'calm-b'].map((id) => `${id}-${run}`);
const [STORM_GROUP, CALM_GROUP] = [`storm-${run}`, `calm-${run}`];
const SOLO = `solo-${run}`;

describe('Alerts in local mode', () => {
  it('sends one fleet.down {type, group, count, deviceIds} in place of one device.down each when more devices of one group than --storm-threshold go down in one sweep; as many as the threshold get one each', async () => {
    // Prepare: five devices in two groups beat once (interval 5, grace 0) and local mode stops.
    server = await startLocalMode({ dataDir, args: ['--sweep-every', '60'] });
    for (const id of STORM) expect((await service.admin('PUT', `/v1/devices/${id}`, { group: STORM_GROUP })).status).toBe(201);
    for (const id of CALM) expect((await service.admin('PUT', `/v1/devices/${id}`, { group: CALM_GROUP })).status).toBe(201);
    const beats = [...STORM, ...CALM].map((deviceId) => ({ deviceId, token: deviceTokenFor(dataDir, deviceId), interval: 5, grace: 0 }));
    const answer = await service.call('POST', '/v1/heartbeats', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ beats }) });
    expect(answer.body.results.map((r: { status: string }) => r.status)).toEqual(['up', 'up', 'up', 'up', 'up']);
    const lastDeadline = Math.max(...answer.body.results.map((r: { deadline: string }) => Date.parse(r.deadline)));
    server.child.kill('SIGTERM');
    await server.exited();
    server = undefined;
    expect(readAlerts(dataDir).filter((a) => [...STORM, ...CALM].includes(a.deviceId as string))).toEqual([]);

    // Act: every deadline passes while local mode is down; the restart sweeps at once.
    await until('every deadline to pass', () => Date.now() > lastDeadline + 500, 30_000, 100);
    server = await startLocalMode({ dataDir, args: ['--sweep-every', '1', '--storm-threshold', '2'] });
    const fleet = await until('the fleet.down', () => service.alerts().find((a) => a.type === 'fleet.down' && a.group === STORM_GROUP), 30_000);
    await until('the calm group\'s two device.down', () => CALM.every((id) => service.alertsOf(id, 'device.down').length === 1), 30_000);

    // Assess: one fleet.down naming the three, no device.down of its own for any of them.
    expect(fleet).toMatchObject({ type: 'fleet.down', group: STORM_GROUP, count: 3, subject: expect.stringMatching(/^FLEET DOWN /) });
    expect([...((fleet?.deviceIds ?? []) as string[])].sort()).toEqual([...STORM].sort());
    expect(service.alerts().filter((a) => a.type === 'fleet.down' && a.group === STORM_GROUP)).toHaveLength(1);
    for (const id of STORM) expect(service.alertsOf(id, 'device.down')).toEqual([]);
    expect(service.alerts().filter((a) => a.type === 'fleet.down' && a.group === CALM_GROUP)).toEqual([]);
    await until('the fleet.down line on stdout', () => new RegExp(`ALERT fleet\\.down FLEET DOWN ${STORM_GROUP}: 3 devices down`).test(server?.stdout() ?? ''), 15_000);
  });

  it('writes each alert as one line of alerts.jsonl: the alert JSON with "subject" added (at most 100 characters), the same subject printed on stdout', async () => {
    // Prepare: a device with a group and a long id beats, then reports a fail (announced at once).
    const id = `${SOLO}-${'x'.repeat(100)}`;
    expect((await service.admin('PUT', `/v1/devices/${id}`, { group: 'plant-a' })).status).toBe(201);
    const first = await service.beat(id, { interval: 3600 });
    expect(first.status).toBe(200);
    const failed = await service.beat(id, { status: 'fail', message: 'disk full' });
    expect(failed.body.status).toBe('down');

    // Act: it recovers.
    const [down] = await until('device.down', () => service.alertsOf(id, 'device.down').length > 0 && service.alertsOf(id, 'device.down'), 30_000);
    const back = await service.beat(id);
    const [up] = await until('device.up', () => service.alertsOf(id, 'device.up').length > 0 && service.alertsOf(id, 'device.up'), 30_000);

    // Assess: the contract's fields, the group, the pairing by incidentId, subjects within 100 characters.
    expect(down).toMatchObject({
      type: 'device.down',
      incidentId: `${id}:${failed.body.lastSeen}`,
      deviceId: id,
      group: 'plant-a',
      lastSeen: failed.body.lastSeen,
      deadline: expect.any(String),
      detectedAt: failed.body.lastSeen,
      reason: 'fail',
      interval: 3600,
      grace: 3600,
    });
    expect(up).toMatchObject({
      type: 'device.up',
      incidentId: down?.incidentId,
      deviceId: id,
      group: 'plant-a',
      downSince: failed.body.lastSeen,
      downForSeconds: Math.floor((Date.parse(back.body.lastSeen) - Date.parse(failed.body.lastSeen)) / 1000),
      reason: 'fail',
      interval: 3600,
      grace: 3600,
    });
    // "device.up (adds downSince and downForSeconds)": it has every key of the contract's alert JSON, and those two.
    const contractKeys = ['type', 'incidentId', 'deviceId', 'group', 'lastSeen', 'deadline', 'detectedAt', 'reason', 'interval', 'grace'];
    for (const key of contractKeys) expect(down, key).toHaveProperty(key);
    for (const key of [...contractKeys, 'downSince', 'downForSeconds']) expect(up, key).toHaveProperty(key);
    for (const alert of [down, up]) {
      expect(typeof alert?.subject).toBe('string');
      expect(String(alert?.subject).length).toBeLessThanOrEqual(100);
    }
    await until('both subjects on stdout', () => [down, up].every((a) => (server?.stdout() ?? '').includes(`${a?.subject as string} [incident ${a?.incidentId as string}]`)), 15_000);
  });
});
