/**
 * Proves the beat path against the real DynamoDB engine (DynamoDB Local): one UpdateItem per beat,
 * 1 write unit and 0 read units, and the stored result agrees with the core's reference rule.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBeat, planBeat } from '../../lambdas/core/heartbeat';
import { applyPatch, newDevice } from '../../lambdas/core/management';
import { DEFAULT_SETTINGS, type DeviceRecord, type MonitorSettings } from '../../lambdas/core/model';
import type { BeatBody } from '../../lambdas/core/validation';
import { createTestTable, type TestTable } from '../support/dynamodb';

describe('DynamoDbDeviceStore.recordBeat', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  it('costs exactly one write unit and no read unit per beat, first beat or not', async () => {
    // Prepare
    const used: { op: string; write: number; read: number }[] = [];
    const store = table.store({ onCapacity: (op, units) => used.push({ op, ...units }) });
    const t0 = Date.parse('2026-11-25T10:00:00.000Z');
    // Act
    for (let i = 0; i < 5; i++) {
      await store.recordBeat(planBeat('capacity-1', { message: 'fw 1.2.3', meta: { battery: 0.9 } }, t0 + i * 60_000, DEFAULT_SETTINGS));
    }
    // Assess
    expect(used).toHaveLength(5);
    for (const u of used) expect(u).toEqual({ op: 'recordBeat', write: 1, read: 0 });
  });

  it('costs one write unit and no read unit for every combination of next, failThreshold, recoverAfter, interval, grace and status', async () => {
    // Prepare: every subset of the optional fields, each as an ok and a fail beat, on a device with a history.
    const used: { op: string; write: number; read: number }[] = [];
    const store = table.store({ onCapacity: (op, units) => used.push({ op, ...units }) });
    const optional: BeatBody = { next: 3600, failThreshold: 3, recoverAfter: 300, interval: 30, grace: 10 };
    const keys = Object.keys(optional) as (keyof BeatBody)[];
    let t = Date.parse('2026-11-25T10:00:00.000Z');
    let beats = 0;
    // Act
    for (let mask = 0; mask < 2 ** keys.length; mask++) {
      const body: BeatBody = Object.fromEntries(keys.filter((_, i) => mask & (2 ** i)).map((key) => [key, optional[key]]));
      for (const status of ['ok', 'fail', 'fail'] as const) {
        t += 1000;
        await store.recordBeat(planBeat(`combo-${mask % 4}`, { ...body, status }, t, { ...DEFAULT_SETTINGS, defaultFailThreshold: 2 }));
        beats++;
      }
    }
    // Assess
    expect(used).toHaveLength(beats);
    for (const u of used) expect(u).toEqual({ op: 'recordBeat', write: 1, read: 0 });
  });

  it('costs one write unit and no read unit on an adaptive device too, and keeps its last four gaps', async () => {
    // Prepare: an operator set the device adaptive
    const used: { op: string; write: number; read: number }[] = [];
    const store = table.store({ onCapacity: (op, units) => used.push({ op, ...units }) });
    const t0 = Date.parse('2026-11-25T10:00:00.000Z');
    await store.configureDevice('adaptive-1', (p) => applyPatch(p ?? newDevice('adaptive-1', DEFAULT_SETTINGS), { detection: 'adaptive' }, t0, DEFAULT_SETTINGS), 2_000_000_000);
    used.length = 0;
    // Act: beats 60.0, 60.5, 59.5, 61.0 and 60.2 s apart
    let t = t0;
    await store.recordBeat(planBeat('adaptive-1', {}, t, DEFAULT_SETTINGS));
    for (const gap of [60_000, 60_500, 59_500, 61_000, 60_200]) {
      t += gap;
      await store.recordBeat(planBeat('adaptive-1', {}, t, DEFAULT_SETTINGS));
    }
    // Assess
    for (const u of used) expect(u).toEqual({ op: 'recordBeat', write: 1, read: 0 });
    expect(used).toHaveLength(6);
    expect(await store.getDevice('adaptive-1')).toMatchObject({ detection: 'adaptive', gaps: [60_200, 61_000, 59_500, 60_500] });
  });

  it('returns the previous record, so a recovery is known without a read', async () => {
    const store = table.store();
    const t0 = Date.parse('2026-11-25T10:00:00.000Z');
    expect(await store.recordBeat(planBeat('prev-1', {}, t0, DEFAULT_SETTINGS))).toBeNull();
    await store.recordBeat(planBeat('prev-1', { status: 'fail' }, t0 + 1000, DEFAULT_SETTINGS));
    const previous = await store.recordBeat(planBeat('prev-1', {}, t0 + 2000, DEFAULT_SETTINGS));
    expect(previous?.state).toBe('down');
    expect(previous?.failsLeft).toBe(0);
    expect(previous?.failingSince).toBe(t0 + 1000);
  });

  it('stores what the core rule applyBeat computes, for any sequence of beats, also when the deployment changes its defaults between beats', async () => {
    const store = table.store();
    const bodyArb: fc.Arbitrary<BeatBody> = fc.record(
      {
        interval: fc.integer({ min: 5, max: 86_400 }),
        grace: fc.integer({ min: 0, max: 86_400 }),
        status: fc.constantFrom('ok' as const, 'fail' as const),
        message: fc.string({ maxLength: 20 }),
        next: fc.integer({ min: 5, max: 604_800 }),
        failThreshold: fc.integer({ min: 1, max: 4 }),
        recoverAfter: fc.integer({ min: 0, max: 86_400 }),
      },
      { requiredKeys: [] },
    );
    const settingsArb: fc.Arbitrary<MonitorSettings> = fc.record({
      defaultIntervalSeconds: fc.integer({ min: 5, max: 600 }),
      defaultGraceSeconds: fc.option(fc.integer({ min: 0, max: 600 }), { nil: null, freq: 2 }),
      retentionDays: fc.constant(30),
      stormThreshold: fc.constant(25),
      repeatEverySeconds: fc.constant(0),
      historyDays: fc.constant(90),
      defaultFailThreshold: fc.integer({ min: 1, max: 3 }),
      defaultRecoverAfterSeconds: fc.constant(0),
      adaptivePhi: fc.constant(8),
      adaptivePauseSeconds: fc.constantFrom(0, 37),
    });
    // Gaps between beats vary (the adaptive gap register), and some devices were set adaptive by an operator first.
    const gapArb = fc.integer({ min: 1, max: 600_000 });
    let run = 0;
    await fc.assert(
      // Each beat is planned under its own settings: a redeploy may change the default interval or grace.
      fc.asyncProperty(fc.boolean(), fc.array(fc.tuple(settingsArb, bodyArb, gapArb), { minLength: 1, maxLength: 8 }), async (adaptive, beats) => {
        const deviceId = `prop-${run++}`;
        let expected: DeviceRecord | null = null;
        let t = Date.parse('2026-11-25T10:00:00.000Z');
        if (adaptive) {
          const patch = (previous: DeviceRecord | null) => applyPatch(previous ?? newDevice(deviceId, DEFAULT_SETTINGS), { detection: 'adaptive' }, t, DEFAULT_SETTINGS);
          expected = (await store.configureDevice(deviceId, patch, 2_000_000_000)).device;
          expect(expected.detection).toBe('adaptive');
        }
        for (const [settings, body, gap] of beats) {
          t += gap;
          const beat = planBeat(deviceId, body, t, settings);
          const previous = await store.recordBeat(beat);
          expect(previous).toEqual(expected);
          expected = applyBeat(previous, beat);
        }
        expect(await store.getDevice(deviceId)).toEqual(expected);
      }),
      {
        numRuns: 80,
        // The redeploy that once made the store and the core disagree: a default grace appears.
        examples: [[false, [[{ ...DEFAULT_SETTINGS, defaultGraceSeconds: null }, {}, 1234], [{ ...DEFAULT_SETTINGS, defaultGraceSeconds: 10 }, {}, 1234]]]],
      },
    );
  }, 180_000); // 80 random beat sequences against DynamoDB Local: ~20 s at a load of 20 on 2 cores

  it('never moves lastSeen or the deadline backwards when an older beat lands last, but counts it', async () => {
    // Prepare
    const store = table.store();
    const t0 = Date.parse('2026-11-25T10:00:00.000Z');
    await store.recordBeat(planBeat('order-1', {}, t0 + 5_000, DEFAULT_SETTINGS));
    // Act: a beat received earlier, written later.
    const stale = planBeat('order-1', { status: 'fail' }, t0 + 4_000, DEFAULT_SETTINGS);
    const previous = await store.recordBeat(stale);
    // Assess
    const stored = await store.getDevice('order-1');
    expect(stored).toMatchObject({ lastSeen: t0 + 5_000, deadline: t0 + 5_000 + 120_000, beats: 2, state: 'up' });
    expect(applyBeat(previous, stale)).toEqual(stored);
  });
});
