/** The outbox's decisions, from one record read at one instant; and storm aggregation. */
import { describe, expect, it } from 'vitest';
import { deviceDownAlert } from '../../lambdas/core/alerts';
import type { DeviceRecord } from '../../lambdas/core/model';
import { aggregateStorms, classifyForSweep, dueAlerts, MAX_FLEET_ALERT_BYTES } from '../../lambdas/core/alert-outbox';

const NOW = Date.parse('2026-11-25T10:00:00.000Z');
const up: DeviceRecord = {
  deviceId: 'd1', state: 'up', paused: false, group: null, intervalSeconds: 60, explicitGraceSeconds: null,
  lastSeen: NOW - 100_000, firstSeen: NOW - 900_000, deadline: NOW + 20_000, downSince: null, downReason: null, downAlerted: false,
  recoveredAt: NOW - 500_000, failsLeft: null, failingSince: null, endedFailRunSince: null, failThreshold: null, recoverAfterSeconds: null, beats: 9, message: null, meta: null, lease: null, remindersSent: 0, closesOwed: [], detection: 'fixed', gaps: [],
};

describe('classifyForSweep', () => {
  it('leaves a device alone before its deadline and lapses it after', () => {
    expect(classifyForSweep(up, NOW)).toBe('none');
    expect(classifyForSweep({ ...up, deadline: NOW - 1 }, NOW)).toBe('lapse');
    expect(classifyForSweep({ ...up, deadline: NOW }, NOW)).toBe('none');
  });
  it('never touches a paused device, a new one, or one another sweeper holds', () => {
    expect(classifyForSweep({ ...up, deadline: NOW - 1, paused: true }, NOW)).toBe('none');
    expect(classifyForSweep({ ...up, state: 'new', deadline: null }, NOW)).toBe('none');
    expect(classifyForSweep({ ...up, deadline: NOW - 1, lease: { until: NOW + 1, owner: 'x' } }, NOW)).toBe('none');
    expect(classifyForSweep({ ...up, deadline: NOW - 1, lease: { until: NOW - 1, owner: 'x' } }, NOW)).toBe('lapse');
  });
  it('announces an outage not yet published, and a recovery', () => {
    const downUnannounced = { ...up, state: 'down' as const, downSince: NOW - 5000, downReason: 'timeout' as const };
    expect(classifyForSweep(downUnannounced, NOW)).toBe('announce');
    expect(classifyForSweep({ ...downUnannounced, downAlerted: true }, NOW)).toBe('none');
    expect(classifyForSweep({ ...downUnannounced, downAlerted: true, state: 'up' }, NOW)).toBe('announce');
  });
  it('continues an outage whose recovery was never announced once the device is silent past its deadline again', () => {
    const recovered = { ...up, downSince: NOW - 50_000, downReason: 'timeout' as const, downAlerted: true, recoveredAt: NOW - 40_000 };
    expect(classifyForSweep({ ...recovered, deadline: NOW - 1 }, NOW)).toBe('relapse');
    expect(classifyForSweep({ ...recovered, deadline: NOW + 1 }, NOW)).toBe('announce');
  });
});

describe('dueAlerts', () => {
  it('owes both a down and an up for an outage that ended before anyone announced it', () => {
    const due = dueAlerts({ ...up, downSince: NOW - 5000, downReason: 'fail', recoveredAt: NOW - 1000 }, NOW);
    expect(due.down?.type).toBe('device.down');
    expect(due.up).toMatchObject({ type: 'device.up', downForSeconds: 4 });
  });
  it('owes nothing without an open outage', () => {
    expect(dueAlerts(up, NOW, { repeatEverySeconds: 300 })).toEqual({ down: null, up: null, reminder: null });
  });
});

describe('aggregateStorms', () => {
  const downs = (group: string | null, count: number) =>
    Array.from({ length: count }, (_, i) => deviceDownAlert({ ...up, deviceId: `${group}-${i}`, group, state: 'down', downSince: NOW - 1000, downReason: 'timeout' }, NOW));

  it('replaces more than threshold downs of one group by one fleet.down', () => {
    const out = aggregateStorms([...downs('a', 4), ...downs('b', 3)], 3, NOW);
    expect(out.filter((o) => o.alert.type === 'fleet.down')).toHaveLength(1);
    const fleet = out.find((o) => o.alert.type === 'fleet.down');
    expect(fleet?.alert).toMatchObject({ group: 'a', count: 4, deviceIds: ['a-0', 'a-1', 'a-2', 'a-3'] });
    expect(fleet?.covers).toHaveLength(4);
    expect(out.filter((o) => o.alert.type === 'device.down')).toHaveLength(3);
  });
  it('splits a storm so that each fleet.down stays under the SNS message limit, whatever the id length', () => {
    // Prepare: 2,000 devices with the longest ids the contract allows.
    const long = Array.from({ length: 2000 }, (_, i) => deviceDownAlert({ ...up, deviceId: `${'x'.repeat(120)}-${String(i).padStart(7, '0')}`, group: 'g', state: 'down', downSince: NOW - 1000, downReason: 'timeout' }, NOW));
    // Act
    const out = aggregateStorms(long, 25, NOW);
    // Assess: several parts, each within the budget, together naming every device once.
    expect(out.length).toBeGreaterThan(1);
    for (const o of out) expect(Buffer.byteLength(JSON.stringify(o.alert))).toBeLessThanOrEqual(MAX_FLEET_ALERT_BYTES);
    expect(out.flatMap((o) => o.covers)).toEqual(long.map((d) => d.deviceId));
  });
  it('keeps a storm of short ids in one fleet.down', () => {
    const out = aggregateStorms(downs('big', 1234), 25, NOW);
    expect(out.map((o) => (o.alert.type === 'fleet.down' ? o.alert.count : 0))).toEqual([1234]);
  });
  it('sends one message each when the threshold is 0 (off)', () => {
    expect(aggregateStorms(downs('a', 50), 0, NOW)).toHaveLength(50);
  });
});
