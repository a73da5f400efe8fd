/**
 * The bench's own arithmetic: DynamoDB item sizes (the scan floor depends on them), the stats
 * helper, target checks, and the sweep projections' bounds and verdicts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { itemSize, numberSize, valueSize } from '../../bench/support/item-size';
import { withTicks } from '../../bench/support/progress';
import { updateShape } from '../../bench/support/store-request';
import { median, p99, quantile, round } from '../../bench/support/stats';
import { budgetUsed, meets, TARGETS } from '../../bench/support/targets';
import { projectSweep, SWEEP_BUDGET_SECONDS, TABLE_READ_UNITS_PER_SECOND } from '../../bench/projections';

describe('numberSize', () => {
  it('counts one byte per two significant digits plus one', () => {
    expect(numberSize('1795609921347')).toBe(8); // 13 digits
    expect(numberSize('60000')).toBe(2); // trailing zeros are not significant
    expect(numberSize('0.0012')).toBe(2);
    expect(numberSize('-5')).toBe(3);
    expect(numberSize('0')).toBe(2);
  });
});

describe('itemSize', () => {
  it('adds attribute names to value sizes, by type', () => {
    // Prepare
    const item = {
      pk: { S: 'sensor-0000042' }, // 2 + 14
      st: { S: 'up' }, // 2 + 2
      ls: { N: '1795609921575' }, // 2 + 8
      p: { BOOL: true }, // 1 + 1
      m: { M: { a: { S: 'xy' } } }, // 1 + (3 + 1 + 1 + 2)
      l: { L: [{ N: '1' }, { NULL: true }] }, // 1 + (3 + (1 + 2) + (1 + 1))
    };
    // Act / Assess
    expect(itemSize(item)).toBe(16 + 4 + 10 + 2 + 8 + 9);
    expect(valueSize({ SS: ['ab', 'é'] })).toBe(4);
  });
});

describe('withTicks', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('says a long step is still running every period, with its status, and stops when it ends', async () => {
    // Prepare
    vi.useFakeTimers();
    const lines: string[] = [];
    let written = 0;
    let finish: (value: string) => void = () => {};
    const work = () => new Promise<string>((resolve) => (finish = resolve));
    // Act
    const running = withTicks((line) => lines.push(line), 'seeding 100', work, () => `${written} written`, 10_000);
    written = 25;
    await vi.advanceTimersByTimeAsync(25_000);
    finish('done');
    const result = await running;
    await vi.advanceTimersByTimeAsync(30_000);
    // Assess
    expect(result).toBe('done');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^seeding 100 \.\.\. still running after \d+ s: 25 written$/);
  });

  it('stops ticking when the step fails, and passes the failure on', async () => {
    // Prepare
    vi.useFakeTimers();
    const lines: string[] = [];
    // Act
    const failing = withTicks((line) => lines.push(line), 'scan', () => Promise.reject(new Error('engine gone')), undefined, 1000);
    // Assess
    await expect(failing).rejects.toThrow('engine gone');
    await vi.advanceTimersByTimeAsync(5000);
    expect(lines).toEqual([]);
  });
});

describe('updateShape', () => {
  it('counts actions across SET, REMOVE and ADD, not the commas inside function calls', () => {
    // Prepare
    const input = {
      UpdateExpression: 'SET #a = :v0, #b = if_not_exists(#c, if_not_exists(#b, :v1)), #d = if_not_exists(#d, :v2) + :v0 REMOVE #e, #f ADD #g :v3',
      ConditionExpression: 'attribute_not_exists(#a) OR #a <= :v0',
      ExpressionAttributeNames: { '#a': 'a', '#b': 'b', '#c': 'c', '#d': 'd', '#e': 'e', '#f': 'f', '#g': 'g' },
      ExpressionAttributeValues: { ':v0': { N: '1' }, ':v1': { N: '2' }, ':v2': { N: '3' }, ':v3': { N: '4' } },
    };
    // Act
    const shape = updateShape(input);
    // Assess
    expect(shape).toEqual({ actions: 6, ifNotExists: 3, names: 7, values: 4 });
    expect(updateShape({ UpdateExpression: 'SET #ls = :now' }).actions).toBe(1);
  });
});

describe('stats', () => {
  it('takes medians, nearest-rank quantiles and p99 without reordering the input', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(median(samples)).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile(samples, 0.5)).toBe(3);
    expect(p99(Array.from({ length: 100 }, (_, i) => i + 1))).toBe(99);
    expect(p99([7])).toBe(7);
    expect(samples).toEqual([5, 1, 4, 2, 3]);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(round(1.23456, 2)).toBe(1.23);
  });
});

describe('targets', () => {
  it('lists the keys of the issues, each once with a direction: the first ten, and issue 11\'s three', () => {
    expect(TARGETS.map((t) => t.key)).toHaveLength(13);
    expect(new Set(TARGETS.map((t) => t.key)).size).toBe(13);
    expect(TARGETS.map((t) => t.key)).toEqual(expect.arrayContaining(['batch.ratioVsBareUpdate', 'instant.p99Seconds', 'cost.perMillionBeats.cheapest']));
  });

  it('meets "<=" and ">=" targets inclusively, and says null when not measured', () => {
    const ratio = TARGETS.find((t) => t.key === 'ingest.ratioVsBareUpdate')!;
    const alerts = TARGETS.find((t) => t.key === 'sweep.alertsPerSecond')!;
    expect(meets(ratio, 1.1)).toBe(true);
    expect(meets(ratio, 1.11)).toBe(false);
    expect(meets(alerts, 500)).toBe(true);
    expect(meets(alerts, 499)).toBe(false);
    expect(meets(alerts, null)).toBeNull();
    expect(budgetUsed(alerts, 250)).toBe(2);
    expect(budgetUsed(ratio, 0.55)).toBeCloseTo(0.5, 10);
  });
});

describe('projectSweep', () => {
  const measured = { readUnitRatio: 1.04, sweepMicrosPerDevice: 4, measuredItemBytes: 79 };

  it('scales read units with devices and item size, and keeps 1M devices in the deployed design', () => {
    // Act
    const row = projectSweep(measured, 1_000_000);
    // Assess: 1M x 200 B / 8 KB x 1.04
    expect(row.readUnitsPerSweep).toBeCloseTo(25_390.6, 1);
    expect(row.cpuSecondsFullCore).toBeCloseTo(4, 6);
    expect(row.deployedSweepSeconds).toBeLessThanOrEqual(SWEEP_BUDGET_SECONDS);
    expect(row.verdict).toMatch(/^fits the deployed design/);
  });

  it('asks for a fan-out and a higher read quota at 100M devices', () => {
    const row = projectSweep(measured, 100_000_000);
    expect(row.workersNeeded).toBeGreaterThan(1);
    expect(row.readUnitsPerSecondNeeded).toBeGreaterThan(TABLE_READ_UNITS_PER_SECOND);
    expect(row.verdict).toMatch(/fan out/);
    expect(row.verdict).toMatch(/read quota/);
  });
});
