/** Alert messages: the contract's JSON and a subject line a person reads on a pager (<= 100 chars). */
import { describe, expect, it } from 'vitest';
import { alertAttributes, alertSubject, deviceDownAlert, deviceUpAlert, formatDuration } from '../../lambdas/core/alerts';
import type { DeviceRecord } from '../../lambdas/core/model';

const down: DeviceRecord = {
  deviceId: 'sensor-42', state: 'down', paused: false, group: 'plant-a', intervalSeconds: 60, explicitGraceSeconds: null,
  lastSeen: Date.parse('2026-11-25T09:58:00.000Z'), firstSeen: Date.parse('2026-11-25T09:00:00.000Z'), deadline: Date.parse('2026-11-25T10:00:00.000Z'),
  downSince: Date.parse('2026-11-25T10:00:00.000Z'), downReason: 'timeout', downAlerted: false, recoveredAt: null, failsLeft: null, failingSince: null, endedFailRunSince: null, failThreshold: null, recoverAfterSeconds: null,
  beats: 3, message: null, meta: null, lease: null, remindersSent: 0, closesOwed: [], detection: 'fixed', gaps: [],
};

describe('formatDuration', () => {
  it.each([
    [0, '0s'], [45, '45s'], [185, '3m 05s'], [3600, '1h 00m'], [7380, '2h 03m'], [273_600, '3d 04h'],
  ])('formats %i s as %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));
});

describe('deviceDownAlert', () => {
  it('builds the contract example exactly', () => {
    const alert = deviceDownAlert(down, Date.parse('2026-11-25T10:00:41.000Z'));
    expect(alert).toEqual({
      type: 'device.down', incidentId: 'sensor-42:2026-11-25T10:00:00.000Z', deviceId: 'sensor-42', group: 'plant-a',
      lastSeen: '2026-11-25T09:58:00.000Z', deadline: '2026-11-25T10:00:00.000Z', detectedAt: '2026-11-25T10:00:41.000Z',
      reason: 'timeout', interval: 60, grace: 60,
    });
    expect(alertSubject(alert)).toBe('DOWN sensor-42: silent for 2m 41s');
  });

  it('dates a fail at the beat that reported it', () => {
    const failed = { ...down, downReason: 'fail' as const, downSince: Date.parse('2026-11-25T09:59:00.000Z'), message: 'disk full' };
    const alert = deviceDownAlert(failed, Date.parse('2026-11-25T10:00:41.000Z'));
    expect(alert.detectedAt).toBe('2026-11-25T09:59:00.000Z');
    expect(alert.incidentId).toBe('sensor-42:2026-11-25T09:59:00.000Z');
    expect(alert.message).toBe('disk full');
    expect(alertSubject(alert)).toBe('DOWN sensor-42: reported fail');
  });

  it('refuses a device with no open outage', () => {
    expect(() => deviceDownAlert({ ...down, downSince: null }, 0)).toThrow(/no open outage/);
  });
});

describe('deviceUpAlert', () => {
  it('carries the incident it ends and whole seconds of downtime', () => {
    const recovered = { ...down, state: 'up' as const, recoveredAt: Date.parse('2026-11-25T10:04:10.900Z'), lastSeen: Date.parse('2026-11-25T10:05:00.000Z') };
    const alert = deviceUpAlert(recovered, Date.parse('2026-11-25T10:06:00.000Z'));
    expect(alert).toMatchObject({
      type: 'device.up', incidentId: 'sensor-42:2026-11-25T10:00:00.000Z', downSince: '2026-11-25T10:00:00.000Z',
      downForSeconds: 250, detectedAt: '2026-11-25T10:04:10.900Z', reason: 'timeout',
    });
    // The contract's alert JSON, with downSince and downForSeconds added: every key of the device.down example is there.
    for (const key of ['type', 'incidentId', 'deviceId', 'group', 'lastSeen', 'deadline', 'detectedAt', 'reason', 'interval', 'grace']) expect(alert).toHaveProperty(key);
    expect(deviceUpAlert({ ...recovered, downReason: 'fail' }, Date.parse('2026-11-25T10:06:00.000Z')).reason).toBe('fail');
    expect(alertSubject(alert)).toBe('UP sensor-42: back after 4m 10s');
  });
});

describe('alertSubject', () => {
  it('never exceeds 100 characters, even for a 128-character device id', () => {
    const long = { ...down, deviceId: 'd'.repeat(128) };
    const subject = alertSubject(deviceDownAlert(long, Date.parse('2026-12-25T10:00:00.000Z')));
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^DOWN d+\.\.\.: silent for 30d 00h$/);
  });

  it('names the group and count of a fleet.down', () => {
    expect(alertSubject({ type: 'fleet.down', group: 'plant-a', count: 30, deviceIds: [], incidentIds: [], detectedAt: '' })).toBe('FLEET DOWN plant-a: 30 devices down');
  });
});

describe('alertAttributes', () => {
  it('gives event, deviceId and group (when set) for subscription filters', () => {
    const alert = deviceDownAlert(down, down.deadline as number);
    expect(alertAttributes(alert)).toEqual({ event: 'device.down', deviceId: 'sensor-42', group: 'plant-a' });
    expect(alertAttributes({ ...alert, group: null })).toEqual({ event: 'device.down', deviceId: 'sensor-42' });
  });
});
