/**
 * The alert rules of the core, on a fake clock and without a store: failThreshold (a run of fails
 * opens an outage only at the threshold), recoverAfter (device.up only after staying up that long;
 * a relapse continues the same outage), and `next` (one longer wait). The functions under test are
 * the ones the sweep and the instant-alert consumer call: applyBeat, classifyForSweep, dueAlerts.
 */
import { describe, expect, it } from 'vitest';
import { classifyForSweep, dueAlerts, recoveryDue } from '../../lambdas/core/alert-outbox';
import { applyBeat, planBeat } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS, type DeviceRecord, type MonitorSettings } from '../../lambdas/core/model';
import type { BeatBody } from '../../lambdas/core/validation';
import { FakeClock } from '../support/fakes';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

/** Beats one device on a fake clock, as the recorder would (applyBeat), and records outages as the outbox would. */
class Device {
  record: DeviceRecord | null = null;
  constructor(
    readonly clock: FakeClock,
    readonly settings: MonitorSettings = DEFAULT_SETTINGS,
  ) {}
  beat(body: BeatBody = {}): DeviceRecord {
    this.record = applyBeat(this.record, planBeat('dev-1', body, this.clock.now(), this.settings));
    return this.record;
  }
  /** What the sweep would do now. */
  task() {
    return classifyForSweep(this.current(), this.clock.now(), this.settings);
  }
  /** The outbox's claim and settle, in the core's terms: records the outage, announces what is due. */
  sweep(): string[] {
    const now = this.clock.now();
    let device = this.current();
    const task = classifyForSweep(device, now, this.settings);
    if (task === 'none') return [];
    if (task === 'lapse') device = { ...device, state: 'down', downSince: device.deadline, downReason: 'timeout', recoveredAt: null, downAlerted: false };
    if (task === 'open') device = { ...device, state: 'down', downSince: device.failingSince, downReason: 'fail', recoveredAt: null, downAlerted: false };
    if (task === 'relapse') device = { ...device, state: 'down', recoveredAt: null };
    const due = dueAlerts(device, now, this.settings);
    const sent = [due.down?.type, due.up?.type].filter((t): t is NonNullable<typeof t> => t !== undefined);
    if (due.up) device = { ...device, downSince: null, downReason: null, downAlerted: false };
    else if (due.down) device = { ...device, downAlerted: true };
    this.record = device;
    return sent;
  }
  current(): DeviceRecord {
    if (this.record === null) throw new Error('no beat yet');
    return this.record;
  }
}

describe('failThreshold', () => {
  it('opens no outage before the threshold, and opens one at it, dated from the first fail of the run', () => {
    // Prepare
    const clock = new FakeClock(T0);
    const device = new Device(clock);
    device.beat();
    // Act
    clock.advance(10_000);
    device.beat({ status: 'fail', failThreshold: 3 });
    clock.advance(10_000);
    const second = device.beat({ status: 'fail' });
    const afterTwo = device.sweep();
    clock.advance(10_000);
    const third = device.beat({ status: 'fail' });
    // Assess
    expect(second).toMatchObject({ state: 'up', failsLeft: 1, failingSince: T0 + 10_000 });
    expect(afterTwo).toEqual([]);
    expect(third).toMatchObject({ state: 'down', failsLeft: 0 });
    expect(device.task()).toBe('open');
    expect(device.sweep()).toEqual(['device.down']);
    expect(device.current().downSince).toBe(T0 + 10_000);
  });

  it('restarts the count at an ok beat', () => {
    // Prepare
    const clock = new FakeClock(T0);
    const device = new Device(clock, { ...DEFAULT_SETTINGS, defaultFailThreshold: 2 });
    // Act
    device.beat({ status: 'fail' });
    clock.advance(1000);
    device.beat({ status: 'ok' });
    clock.advance(1000);
    const afterOk = device.beat({ status: 'fail' });
    // Assess
    expect(afterOk).toMatchObject({ state: 'up', failsLeft: 1, failingSince: T0 + 2000 });
    expect(device.task()).toBe('none');
  });

  it('keeps the count of a run going on when the threshold changes, and applies the new one from the next run', () => {
    // Prepare
    const clock = new FakeClock(T0);
    const device = new Device(clock);
    device.beat({ failThreshold: 3 });
    // Act
    device.beat({ status: 'fail' });
    const lowered = device.beat({ status: 'fail', failThreshold: 1 });
    device.beat({ status: 'ok' });
    const nextRun = device.beat({ status: 'fail' });
    // Assess
    expect(lowered).toMatchObject({ failsLeft: 1, failThreshold: 1, state: 'up' });
    expect(nextRun).toMatchObject({ failsLeft: 0, state: 'down' });
  });

  it('with the default of 1, a single fail turns the device down at once', () => {
    // Prepare
    const clock = new FakeClock(T0);
    const device = new Device(clock);
    // Act
    const failed = device.beat({ status: 'fail' });
    // Assess
    expect(failed).toMatchObject({ state: 'down', failsLeft: 0, failingSince: T0 });
    expect(device.sweep()).toEqual(['device.down']);
  });
});

describe('recoverAfter', () => {
  it('announces device.up only once the device stayed up that long', () => {
    // Prepare
    const clock = new FakeClock(T0);
    const device = new Device(clock);
    device.beat({ recoverAfter: 300, interval: 60 });
    device.beat({ status: 'fail' });
    expect(device.sweep()).toEqual(['device.down']);
    // Act
    clock.advance(60_000);
    device.beat();
    const tooEarly = device.sweep();
    clock.advance(299_000);
    const stillEarly = recoveryDue(device.current(), clock.now(), DEFAULT_SETTINGS);
    clock.advance(1000);
    device.beat();
    const due = device.sweep();
    // Assess
    expect(tooEarly).toEqual([]);
    expect(stillEarly).toBe(false);
    expect(due).toEqual(['device.up']);
  });

  it('pages a reboot loop once: each reboot before recoverAfter continues the same outage', () => {
    // Prepare: beats every 60 s (deadline 120 s after each), recoverAfter 10 minutes.
    const clock = new FakeClock(T0);
    const device = new Device(clock, { ...DEFAULT_SETTINGS, defaultRecoverAfterSeconds: 600 });
    device.beat();
    const sent: string[] = [];
    const sweepEvery = (seconds: number) => {
      for (let s = 0; s < seconds; s += 15) {
        clock.advance(15_000);
        sent.push(...device.sweep());
      }
    };
    // Act: five reboots, each 3 minutes silent then 3 minutes of beats.
    for (let reboot = 0; reboot < 5; reboot++) {
      sweepEvery(180);
      for (let b = 0; b < 3; b++) {
        device.beat();
        sweepEvery(60);
      }
    }
    const duringLoop = [...sent];
    // Then it stays up for good.
    for (let b = 0; b < 12; b++) {
      device.beat();
      sweepEvery(60);
    }
    // Assess
    expect(duringLoop).toEqual(['device.down']);
    expect(sent).toEqual(['device.down', 'device.up']);
  });

  it('restarts the wait when a fail comes before recoverAfter passed', () => {
    // Prepare
    const clock = new FakeClock(T0);
    const device = new Device(clock, { ...DEFAULT_SETTINGS, defaultRecoverAfterSeconds: 120, defaultFailThreshold: 3 });
    device.beat();
    clock.advance(200_000);
    expect(device.sweep()).toEqual(['device.down']);
    device.beat();
    // Act
    clock.advance(60_000);
    device.beat({ status: 'fail' });
    clock.advance(61_000);
    const afterFail = device.sweep();
    device.beat();
    clock.advance(120_000);
    device.beat();
    const later = device.sweep();
    // Assess
    expect(afterFail).toEqual([]);
    expect(later).toEqual(['device.up']);
  });
});

describe('next', () => {
  it('gives one beat a longer deadline and leaves the interval for later beats', () => {
    // Prepare
    const clock = new FakeClock(T0);
    const device = new Device(clock);
    device.beat({ interval: 60, grace: 30 });
    // Act
    const sleepy = device.beat({ next: 3600 });
    clock.advance(3_600_000 + 29_000);
    const beforeDeadline = device.task();
    clock.advance(2000);
    const afterDeadline = device.task();
    const woke = device.beat();
    // Assess
    expect(sleepy).toMatchObject({ intervalSeconds: 60, deadline: T0 + (3600 + 30) * 1000 });
    expect(beforeDeadline).toBe('none');
    expect(afterDeadline).toBe('lapse');
    expect(woke.deadline).toBe(clock.now() + 90_000);
  });

  it('adds the grace that follows the interval when none is set', () => {
    // Prepare
    const clock = new FakeClock(T0);
    const device = new Device(clock);
    // Act
    const first = device.beat({ interval: 120, next: 600 });
    // Assess
    expect(first.deadline).toBe(T0 + (600 + 120) * 1000);
  });
});
