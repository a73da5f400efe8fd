/** The simulator's quality-of-service measures (Chen-Toueg-Aguilera) and its engine, on hand-made timelines. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { simulateDevice, sweepAfter, type DeviceOutcome, type Mode, type Page } from '../../simulate/engine';
import { foldStorms, outageOfPage, summarise, tallyDevice } from '../../simulate/measures';
import { mergeIntervals, type DevicePlan } from '../../simulate/scenarios';
import { seededRandom } from '../../simulate/random';
import { deviceDownAlert } from '../../lambdas/core/alerts';
import { applyBeat, planBeat } from '../../lambdas/core/heartbeat';

const T0 = Date.UTC(2026, 0, 1);
const s = (seconds: number) => T0 + seconds * 1000;

describe('outageOfPage', () => {
  it('calls a page right when a real outage overlaps the silence it reports', () => {
    // Prepare
    const outages = [{ start: s(100), end: s(200) }];
    // Act / Assess: silence from 90 s to the page at 150 s overlaps the outage
    expect(outageOfPage({ lastSeen: s(90), at: s(150) }, outages)).toBe(0);
    // the device came back at 200 s, but its first beat was late: still the same outage
    expect(outageOfPage({ lastSeen: s(90), at: s(230) }, outages)).toBe(0);
  });
  it('calls a page wrong when the device was up for the whole silence', () => {
    expect(outageOfPage({ lastSeen: s(300), at: s(430) }, [{ start: s(100), end: s(200) }])).toBe(-1);
    expect(outageOfPage({ lastSeen: s(300), at: s(430) }, [])).toBe(-1);
  });
});

describe('tallyDevice', () => {
  it('measures detection time from the outage start to its first page, and counts every page of it', () => {
    // Prepare: a real outage from 100 s; paged at 235 s and again (a second page of the same outage) at 400 s
    const pages = [
      { at: s(400), lastSeen: s(300), weight: 1 },
      { at: s(235), lastSeen: s(95), weight: 1 },
    ];
    // Act
    const tally = tallyDevice(pages, [s(300)], [{ start: s(100), end: s(500) }], s(1000));
    // Assess
    expect(tally.detectionSeconds).toEqual([135]);
    expect(tally.detected).toBe(1);
    expect(tally.truePages).toBe(2);
    expect(tally.mistakeSeconds).toEqual([]);
  });
  it('measures a mistake from the false page to the device.up that ends it, or to the end of the run', () => {
    // Prepare: no real outage; two false pages, the second never ended by a device.up
    const pages = [
      { at: s(200), lastSeen: s(60), weight: 1 },
      { at: s(900), lastSeen: s(700), weight: 1 },
    ];
    // Act
    const tally = tallyDevice(pages, [s(215)], [], s(1000));
    // Assess
    expect(tally.mistakeSeconds).toEqual([15, 100]);
    expect(tally.detected).toBe(0);
    expect(tally.truePages).toBe(0);
    expect(tally.pages).toBe(2);
  });
  it('leaves an outage that was never paged out of the detection times but counts it', () => {
    const tally = tallyDevice([], [], [{ start: s(10), end: s(40) }], s(1000));
    expect(tally).toMatchObject({ realOutages: 1, detected: 0, detectionSeconds: [] });
  });
});

describe('summarise', () => {
  it('gives false alarms per device-day, medians in seconds and pages per real outage', () => {
    // Prepare: two devices over 4 device-days
    const a = tallyDevice([{ at: s(130), lastSeen: s(0), weight: 1 }], [], [{ start: s(30), end: s(9000) }], s(9000));
    const b = tallyDevice([{ at: s(500), lastSeen: s(380), weight: 1 }, { at: s(800), lastSeen: s(680), weight: 1 }], [s(520), s(860)], [], s(9000));
    // Act
    const qos = summarise([a, b], 4);
    // Assess
    expect(qos).toMatchObject({
      deviceDays: 4, realOutages: 1, detected: 1, detectionMedianSeconds: 100, falseAlarms: 2, falseAlarmsPerDeviceDay: 0.5,
      mistakeMedianSeconds: 40, mistakeMeanSeconds: 40, pagesPerRealOutage: 1, pages: 3,
    });
  });
  it('reports no detection time and no pages per outage when there were none', () => {
    const qos = summarise([tallyDevice([], [], [], s(10))], 1);
    expect(qos.detectionMedianSeconds).toBeNull();
    expect(qos.pagesPerRealOutage).toBeNull();
    expect(qos.falseAlarmsPerDeviceDay).toBe(0);
  });
});

/** A device.down page of a device that beat last at `lastSeen`, published by the sweep at `at`. */
function page(deviceId: string, at: number, lastSeen: number): Page {
  const record = { ...applyBeat(null, planBeat(deviceId, {}, lastSeen, DEFAULT_SETTINGS)), group: 'g0' };
  return { at, lastSeen, group: 'g0', alert: deviceDownAlert({ ...record, state: 'down', downSince: record.deadline }, at) };
}

describe('foldStorms', () => {
  it('makes a group storm one page shared by its devices, with the real aggregateStorms', () => {
    // Prepare: 30 devices of one group paged in the same sweep, one more in another sweep
    const outcomes: DeviceOutcome[] = Array.from({ length: 30 }, (_, i) => ({ deviceId: `d${i}`, pages: [page(`d${i}`, s(200), s(60))], ups: [], outages: [] }));
    outcomes.push({ deviceId: 'late', pages: [page('late', s(215), s(60))], ups: [], outages: [] });
    // Act
    const folded = foldStorms(outcomes, 25);
    // Assess
    expect(folded.get('d0')).toEqual([{ at: s(200), lastSeen: s(60), weight: 1 / 30 }]);
    expect(folded.get('late')).toEqual([{ at: s(215), lastSeen: s(60), weight: 1 }]);
    expect(foldStorms(outcomes, 0).get('d0')?.[0]?.weight).toBe(1);
  });
});

describe('mergeIntervals', () => {
  it('joins the reboots of one loop into one outage and keeps loops apart', () => {
    const reboots = [{ start: 0, end: 10 }, { start: 15, end: 20 }, { start: 100, end: 110 }];
    expect(mergeIntervals(reboots, 5)).toEqual([{ start: 0, end: 20 }, { start: 100, end: 110 }]);
  });
});

describe('seededRandom', () => {
  it('draws the same numbers from the same seed and different ones from another', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const first = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(first);
    expect(c.next()).not.toBe(first[0]);
  });
});

describe('simulateDevice', () => {
  const fixed: Mode = { name: 'fixed', description: '', settings: DEFAULT_SETTINGS, beatFields: {} };
  const schedule = { phase: T0, everyMs: 15_000 };
  const plan = (beatsAtSeconds: number[], outages: { start: number; end: number }[]): DevicePlan => ({
    deviceId: 'dev', group: 'g0', arrivals: Float64Array.from(beatsAtSeconds, s), nextSeconds: null, fails: null, outages,
  });

  it('pages a device that stops at the first sweep after its deadline, once', async () => {
    // Prepare: beats every 60 s until 600 s, then silence; deadline 600 + 60 + 60 = 720 s
    const beats = Array.from({ length: 11 }, (_, i) => i * 60);
    // Act
    const outcome = await simulateDevice(plan(beats, [{ start: s(610), end: s(3600) }]), fixed, schedule, s(3600));
    // Assess: sweeps every 15 s from T0, so the first one after 720 s is at 735 s
    expect(outcome.pages.map((p) => p.at)).toEqual([s(735)]);
    expect(outcome.pages[0]?.lastSeen).toBe(s(600));
    expect(outcome.ups).toEqual([]);
  });
  it('pages nothing for one lost beat, and pages then announces the recovery for two', async () => {
    // Prepare: one lost beat (120 s silence, exactly the deadline: not past it) then two lost (180 s)
    const beats = [0, 60, 180, 240, 300, 480, 540];
    // Act
    const outcome = await simulateDevice(plan(beats, []), fixed, schedule, s(600));
    // Assess: deadline 300 + 120 = 420 s, first sweep after it 435 s; the beat at 480 s is announced at 495 s
    expect(outcome.pages.map((p) => p.at)).toEqual([s(435)]);
    expect(outcome.ups).toEqual([s(495)]);
  });
  it('pages a fail beat at the next sweep and announces the ok beat after it', async () => {
    // Prepare: the beat at 120 s says fail
    const flaky = { ...plan([0, 60, 120, 180, 240], []), fails: Uint8Array.from([0, 0, 1, 0, 0]) };
    // Act
    const outcome = await simulateDevice(flaky, fixed, schedule, s(300));
    // Assess
    expect(outcome.pages.map((p) => p.at)).toEqual([s(135)]);
    expect(outcome.ups).toEqual([s(195)]);
  });
  it('finds the first sweep strictly after a time', () => {
    expect(sweepAfter(schedule, s(15))).toBe(s(30));
    expect(sweepAfter(schedule, s(16))).toBe(s(30));
  });
});
