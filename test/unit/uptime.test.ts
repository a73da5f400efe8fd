/**
 * Uptime from the outage history (core/history.ts), on a fake clock: the edge cases of the
 * contract (an outage still open, an outage crossing the window's start, a device younger than the
 * window, paused time left out, nothing before the first beat) and the incident view.
 */
import { describe, expect, it } from 'vitest';
import { incidentView, uptimeOver, uptimeView, type UptimeInput } from '../../lambdas/core/history';
import { FakeClock } from '../support/fakes';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('uptimeOver', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T12:00:00.000Z'));
  const now = clock.now();
  const base: UptimeInput = { now, firstSeen: now - 60 * DAY, incidents: [], excluded: [] };

  it('is 1 for a device that was never down', () => {
    // Act
    const view = uptimeView(base);

    // Assess
    expect(view).toEqual({ '1d': 1, '7d': 1, '30d': 1 });
  });

  it('is null before the first beat', () => {
    // Act
    const view = uptimeView({ ...base, firstSeen: null });

    // Assess
    expect(view).toEqual({ '1d': null, '7d': null, '30d': null });
  });

  it('counts an outage that is still open as down until now', () => {
    // Prepare: down for the last 6 hours, not recovered
    const input = { ...base, incidents: [{ downSince: now - 6 * HOUR, upAt: null }] };

    // Act
    const day = uptimeOver(DAY, input);
    const week = uptimeOver(7 * DAY, input);

    // Assess
    expect(day).toBeCloseTo(18 / 24, 10);
    expect(week).toBeCloseTo(1 - 6 / (7 * 24), 10);
  });

  it('counts only the part of an outage inside the window when it began before the window', () => {
    // Prepare: down from 30 hours ago to 20 hours ago; the 1-day window starts 24 hours ago
    const input = { ...base, incidents: [{ downSince: now - 30 * HOUR, upAt: now - 20 * HOUR }] };

    // Act
    const day = uptimeOver(DAY, input);

    // Assess: 4 of its 10 hours fall inside the day
    expect(day).toBeCloseTo(20 / 24, 10);
  });

  it('measures a device younger than the window from its first beat', () => {
    // Prepare: first beat 2 days ago, down 12 hours of it
    const input = { ...base, firstSeen: now - 2 * DAY, incidents: [{ downSince: now - 36 * HOUR, upAt: now - 24 * HOUR }] };

    // Act
    const month = uptimeOver(30 * DAY, input);
    const day = uptimeOver(DAY, input);

    // Assess
    expect(month).toBeCloseTo(36 / 48, 10);
    expect(day).toBe(1);
  });

  it('leaves paused time out of both the window and the outage', () => {
    // Prepare: the last day: down 2 h, then paused 6 h (an outage overlapping the pause by 1 h)
    const input = {
      ...base,
      incidents: [{ downSince: now - 8 * HOUR, upAt: now - 6 * HOUR }],
      excluded: [{ from: now - 7 * HOUR, to: now - HOUR }],
    };

    // Act
    const day = uptimeOver(DAY, input);

    // Assess: 18 observed hours, 1 of them down
    expect(day).toBeCloseTo(1 - 1 / 18, 10);
  });

  it('is null when the whole window was paused, and ignores outages outside it', () => {
    // Prepare
    const paused = { ...base, excluded: [{ from: now - 2 * DAY, to: now }] };
    const old = { ...base, incidents: [{ downSince: now - 40 * DAY, upAt: now - 35 * DAY }] };

    // Act + Assess
    expect(uptimeOver(DAY, paused)).toBeNull();
    expect(uptimeView(old)).toEqual({ '1d': 1, '7d': 1, '30d': 1 });
  });

  it('counts overlapping records of one outage once', () => {
    // Prepare: two records covering the same 3 hours (a retried write, say)
    const input = { ...base, incidents: [{ downSince: now - 5 * HOUR, upAt: now - 2 * HOUR }, { downSince: now - 4 * HOUR, upAt: now - 3 * HOUR }] };

    // Act
    const day = uptimeOver(DAY, input);

    // Assess
    expect(day).toBeCloseTo(21 / 24, 10);
  });
});

describe('incidentView', () => {
  it('shows an open outage with null upAt and duration, and a closed one in whole seconds', () => {
    // Prepare
    const downSince = Date.parse('2026-11-25T10:00:00.000Z');
    const open = { deviceId: 'sensor-42', group: 'plant-a', reason: 'timeout' as const, downSince, upAt: null, message: null };

    // Act
    const openView = incidentView(open);
    const closedView = incidentView({ ...open, upAt: downSince + 185_900 });

    // Assess
    expect(openView).toEqual({
      incidentId: 'sensor-42:2026-11-25T10:00:00.000Z',
      deviceId: 'sensor-42',
      group: 'plant-a',
      reason: 'timeout',
      downSince: '2026-11-25T10:00:00.000Z',
      upAt: null,
      downForSeconds: null,
      message: null,
    });
    expect(closedView.upAt).toBe('2026-11-25T10:03:05.900Z');
    expect(closedView.downForSeconds).toBe(185);
  });
});
