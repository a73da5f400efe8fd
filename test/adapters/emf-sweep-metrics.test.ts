/**
 * The sweep's CloudWatch metrics: one Embedded Metric Format document per sweep on standard output
 * (Powertools Metrics), namespace HeartbeatMonitor, the contract's metric names and units; fleet
 * counts left out of a sweep that did not read the whole table; and the scheduled job records every
 * sweep it runs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmfSweepMetrics, METRICS_NAMESPACE, SWEEP_METRIC_NAMES } from '../../lambdas/adapters/emf-sweep-metrics';
import { silentLogger } from '../../lambdas/core/ports';
import type { SweepReport, Sweeper } from '../../lambdas/core/sweep';
import { createSweepJob } from '../../lambdas/handlers/sweeper-job';
import { FakeClock } from '../support/fakes';

const REPORT: SweepReport = {
  startedAt: Date.parse('2026-11-25T10:00:00.000Z'),
  durationMs: 1234,
  devicesRead: 60,
  wentDown: 3,
  alertsPublished: 4,
  publishFailures: 1,
  writeFailures: 0,
  scanFailures: 0,
  stoppedEarly: false,
  counts: { new: 2, up: 50, down: 5, paused: 3 },
};

type Emf = { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] }; [key: string]: unknown };

describe('EmfSweepMetrics', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const documents = () => lines.filter((line) => line.includes('_aws')).map((line) => JSON.parse(line) as Emf);

  it('writes one EMF document per sweep with every metric of the contract', () => {
    // Act
    new EmfSweepMetrics(silentLogger).record(REPORT);

    // Assess
    const [doc, ...more] = documents();
    expect(more).toEqual([]);
    const directive = doc?._aws.CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
    expect(METRICS_NAMESPACE).toBe('HeartbeatMonitor');
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(directive?.Metrics.map((m) => m.Name).sort()).toEqual([...SWEEP_METRIC_NAMES].sort());
    expect(directive?.Metrics.find((m) => m.Name === 'SweepDurationMs')?.Unit).toBe('Milliseconds');
    expect(doc).toMatchObject({ service: 'sweeper', DevicesUp: 50, DevicesDown: 5, DevicesPaused: 3, DevicesNew: 2, WentDown: 3, AlertsPublished: 4, AlertFailures: 1, SweepDurationMs: 1234 });
  });

  it('leaves the fleet counts out of a sweep that stopped early (they would show a false dip)', () => {
    // Act
    new EmfSweepMetrics(silentLogger).record({ ...REPORT, stoppedEarly: true });

    // Assess
    const names = documents()[0]?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name);
    expect(names?.sort()).toEqual(['AlertFailures', 'AlertsPublished', 'SweepDurationMs', 'WentDown']);
  });
});

describe('createSweepJob with metrics', () => {
  it('records the report of every sweep of the invocation', async () => {
    // Prepare: sweeps every 20 s through a 60 s window: three sweeps
    const clock = new FakeClock();
    const sweeper = { sweep: async () => ({ ...REPORT, startedAt: clock.now() }) } as unknown as Sweeper;
    const recorded: SweepReport[] = [];
    vi.useFakeTimers({ now: clock.now() });
    const job = createSweepJob(sweeper, { sweepEverySeconds: 20, clock: { now: () => Date.now() }, metrics: { record: (r) => recorded.push(r) } });

    // Act
    const running = job({}, { getRemainingTimeInMillis: () => 120_000 });
    await vi.runAllTimersAsync();
    const reports = await running;
    vi.useRealTimers();

    // Assess
    expect(reports).toHaveLength(3);
    expect(recorded).toEqual(reports);
  });
});
