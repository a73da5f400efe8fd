/** The simulator's target checks (issue 13's "Done when"), on hand-made scores. */
import { describe, expect, it } from 'vitest';
import type { QualityOfService } from '../../simulate/measures';
import { checkTargets, type ScoredRun } from '../../simulate/report';

const qos = (over: Partial<QualityOfService>): QualityOfService => ({
  deviceDays: 100,
  realOutages: 0,
  detected: 0,
  detectionMedianSeconds: null,
  detectionP99Seconds: null,
  falseAlarms: 0,
  falseAlarmsPerDeviceDay: 0,
  mistakeMedianSeconds: null,
  mistakeMeanSeconds: null,
  pagesPerRealOutage: null,
  pages: 0,
  ...over,
});
const run = (scenario: string, mode: string, over: Partial<QualityOfService> = {}): ScoredRun => ({ scenario, mode, qos: qos(over) });

/** A full set of runs where adaptive is faster and never worse; `over` replaces runs by scenario and mode. */
function runs(...over: ScoredRun[]): ScoredRun[] {
  const base = [
    run('loss-1%-retry', 'fixed'),
    run('loss-1%-retry', 'adaptive'),
    run('loss-1%-raw', 'fixed', { falseAlarms: 17, falseAlarmsPerDeviceDay: 0.17 }),
    run('loss-1%-raw', 'adaptive', { falseAlarms: 17, falseAlarmsPerDeviceDay: 0.17 }),
    run('reboot-loop', 'fixed', { pagesPerRealOutage: 5 }),
    run('reboot-loop', 'rules', { pagesPerRealOutage: 1 }),
    run('dying', 'fixed', { detectionMedianSeconds: 96 }),
    run('dying', 'adaptive', { detectionMedianSeconds: 80 }),
  ];
  return base.map((b) => over.find((o) => o.scenario === b.scenario && o.mode === b.mode) ?? b);
}
const target = (checks: ReturnType<typeof checkTargets>, part: string) => checks.find((c) => c.target.includes(part));

describe('checkTargets', () => {
  it('checks fixed mode at 1 % loss under each network model', () => {
    // Act
    const checks = checkTargets(runs());
    // Assess
    expect(target(checks, "attempts lost and the default grace, the shipped clients' retries")?.met).toBe(true);
    expect(target(checks, 'beats lost and the default grace, no retry')).toMatchObject({ met: false, detail: expect.stringContaining('17 false alarms in 100 device-days') });
  });
  it('meets the adaptive target only when it is faster on dying devices and no worse anywhere, per network model', () => {
    // Act
    const good = checkTargets(runs());
    const worseWithRetries = checkTargets(runs(run('loss-1%-retry', 'adaptive', { falseAlarms: 3, falseAlarmsPerDeviceDay: 0.03 })));
    const slower = checkTargets(runs(run('dying', 'adaptive', { detectionMedianSeconds: 97 })));
    // Assess
    expect(target(good, "any scenario, the shipped clients' retries")?.met).toBe(true);
    expect(target(good, 'any scenario, no retry')?.met).toBe(true);
    expect(target(worseWithRetries, "any scenario, the shipped clients' retries")).toMatchObject({ met: false, detail: expect.stringContaining('loss-1%-retry 0.03 vs 0') });
    expect(target(worseWithRetries, 'any scenario, no retry')?.met).toBe(true);
    expect(target(slower, "any scenario, the shipped clients' retries")).toMatchObject({ met: false, detail: expect.stringContaining('median T_D 97 s vs 96 s fixed') });
  });
  it('checks the reboot loop with recoverAfter', () => {
    expect(target(checkTargets(runs()), 'reboot loop')).toMatchObject({ met: true });
    expect(target(checkTargets(runs(run('reboot-loop', 'rules', { pagesPerRealOutage: 2 }))), 'reboot loop')).toMatchObject({ met: false });
  });
});
