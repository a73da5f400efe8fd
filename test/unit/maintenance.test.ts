/**
 * Maintenance windows in the core, on a fake clock: the request rules (list or group, from before
 * until, at most 30 days), which devices a window silences and when, the deadline a silent device
 * gets once its window ended, and what the sweep decides for it (classifyForSweep, dueAlerts).
 */
import { describe, expect, it } from 'vitest';
import { classifyForSweep, dueAlerts } from '../../lambdas/core/alert-outbox';
import { MaintenanceCalendar, validateWindowRequest, type MaintenanceWindow } from '../../lambdas/core/maintenance';
import type { DeviceRecord } from '../../lambdas/core/model';
import { FakeClock } from '../support/fakes';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const device: DeviceRecord = {
  deviceId: 'pump-1', state: 'up', paused: false, group: 'plant-a', intervalSeconds: 60, explicitGraceSeconds: null,
  lastSeen: T0, firstSeen: T0, deadline: T0 + 120_000, downSince: null, downReason: null, downAlerted: false, recoveredAt: T0,
  failsLeft: null, failingSince: null, endedFailRunSince: null, failThreshold: null, recoverAfterSeconds: null, remindersSent: 0, closesOwed: [],
  beats: 1, message: null, meta: null, lease: null, detection: 'fixed', gaps: [],
};
const window = (over: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
  windowId: 'w1', deviceIds: ['pump-1'], group: null, from: T0 + 60_000, until: T0 + 600_000, reason: null, ...over,
});

describe('validateWindowRequest', () => {
  it('accepts a device list or a group with from before until, at most 30 days apart', () => {
    // Act
    const byList = validateWindowRequest({ deviceIds: ['a', 'a', 'b'], from: iso(T0), until: iso(T0 + 3_600_000), reason: 'firmware' });
    const byGroup = validateWindowRequest({ group: 'plant-a', from: iso(T0), until: iso(T0 + 30 * 86_400_000) });
    // Assess
    expect(byList).toEqual({ ok: true, value: { deviceIds: ['a', 'b'], group: null, from: T0, until: T0 + 3_600_000, reason: 'firmware' } });
    expect(byGroup.ok).toBe(true);
  });

  it('refuses both or neither of deviceIds and group, until not after from, more than 30 days, bad times and unknown fields, naming the problem', () => {
    const cases: [unknown, RegExp][] = [
      [{ from: iso(T0), until: iso(T0 + 1000) }, /either "deviceIds"/],
      [{ deviceIds: ['a'], group: 'g', from: iso(T0), until: iso(T0 + 1000) }, /either "deviceIds"/],
      [{ deviceIds: ['a'], from: iso(T0), until: iso(T0) }, /"until" must be after "from"/],
      [{ deviceIds: ['a'], from: iso(T0), until: iso(T0 + 30 * 86_400_000 + 1) }, /at most 30 days/],
      [{ deviceIds: ['a'], from: 'tomorrow', until: iso(T0) }, /"from" must be an ISO-8601 time/],
      [{ deviceIds: ['a'], from: '2026-11-25T10:00:00', until: iso(T0 + 1000) }, /with a zone/],
      [{ deviceIds: [], from: iso(T0), until: iso(T0 + 1000) }, /1 to 100 device ids/],
      [{ deviceIds: ['bad id'], from: iso(T0), until: iso(T0 + 1000) }, /device ids of 1-128/],
      [{ group: 'g', from: iso(T0), until: iso(T0 + 1000), colour: 'red' }, /Unknown field "colour"/],
    ];
    for (const [body, message] of cases) {
      const result = validateWindowRequest(body);
      expect(result.ok, JSON.stringify(body)).toBe(false);
      if (!result.ok) expect(result.message).toMatch(message);
    }
  });
});

describe('MaintenanceCalendar', () => {
  it('silences a device named by id or by group only while the window is active', () => {
    // Prepare
    const calendar = new MaintenanceCalendar([window(), window({ windowId: 'w2', deviceIds: null, group: 'plant-b' })]);
    // Act / Assess
    expect(calendar.inMaintenance(device, T0)).toBe(false);
    expect(calendar.inMaintenance(device, T0 + 60_000)).toBe(true);
    expect(calendar.inMaintenance(device, T0 + 600_000)).toBe(false);
    expect(calendar.inMaintenance({ deviceId: 'other', group: 'plant-b' }, T0 + 60_000)).toBe(true);
    expect(calendar.inMaintenance({ deviceId: 'other', group: null }, T0 + 60_000)).toBe(false);
  });

  it('gives a device that was silent through the window a deadline counted from its end, and leaves one that beat after it alone', () => {
    // Prepare
    const calendar = new MaintenanceCalendar([window()]);
    const beatAfter = { ...device, lastSeen: T0 + 700_000, deadline: T0 + 820_000 };
    // Act / Assess
    expect(calendar.effectiveDeadline(device, T0 + 300_000)).toBe(T0 + 120_000); // window not ended yet
    expect(calendar.effectiveDeadline(device, T0 + 650_000)).toBe(T0 + 600_000 + 120_000);
    expect(calendar.effectiveDeadline(beatAfter, T0 + 750_000)).toBe(T0 + 820_000);
  });
});

describe('the sweep decisions with maintenance windows', () => {
  it('raises no device.down during the window, and lapses the device once until + interval + grace has passed', () => {
    // Prepare: the device fell silent; its deadline (T0 + 120 s) falls inside the window.
    const clock = new FakeClock(T0 + 300_000);
    const calendar = new MaintenanceCalendar([window()]);
    // Act
    const during = classifyForSweep(device, clock.now(), {}, calendar);
    clock.set(T0 + 700_000);
    const justAfter = classifyForSweep(device, clock.now(), {}, calendar);
    clock.set(T0 + 720_001);
    const later = classifyForSweep(device, clock.now(), {}, calendar);
    // Assess
    expect(during).toBe('none');
    expect(justAfter).toBe('none');
    expect(later).toBe('lapse');
  });

  it('holds back a fail outage during the window and opens it after', () => {
    // Prepare
    const failing = { ...device, state: 'down' as const, failsLeft: 0, failingSince: T0 + 100_000, lastSeen: T0 + 100_000, deadline: T0 + 220_000 };
    const calendar = new MaintenanceCalendar([window()]);
    // Act / Assess
    expect(classifyForSweep(failing, T0 + 200_000, {}, calendar)).toBe('none');
    expect(classifyForSweep(failing, T0 + 600_000, {}, calendar)).toBe('open');
  });

  it('still announces the recovery of an outage announced before the window, but no down or reminder during it', () => {
    // Prepare
    const announced = { ...device, state: 'down' as const, downSince: T0 - 60_000, downReason: 'timeout' as const, downAlerted: true, recoveredAt: null };
    const recovered = { ...announced, state: 'up' as const, recoveredAt: T0 + 200_000, lastSeen: T0 + 200_000 };
    const unannounced = { ...announced, downAlerted: false };
    const calendar = new MaintenanceCalendar([window()]);
    // Act / Assess
    expect(classifyForSweep(announced, T0 + 300_000, { repeatEverySeconds: 300 }, calendar)).toBe('none');
    expect(classifyForSweep(recovered, T0 + 300_000, {}, calendar)).toBe('announce');
    expect(dueAlerts(recovered, T0 + 300_000, {}, calendar).up?.type).toBe('device.up');
    expect(classifyForSweep(unannounced, T0 + 300_000, {}, calendar)).toBe('none');
    expect(dueAlerts(unannounced, T0 + 300_000, {}, calendar).down).toBeNull();
  });
});
