/**
 * The scheduled sweep: an EventBridge event (once a minute) in, the reports of the sweeps it ran out.
 * With `sweepEverySeconds` under 60 the invocation sweeps repeatedly through the minute (see
 * core/sweep-loop.ts); each sweep gets the invocation's remaining time as its budget.
 */
import type { Clock, SweepMetrics } from '../core/ports';
import type { SweepReport, Sweeper } from '../core/sweep';
import { DEPLOYMENT } from '../core/settings-catalog';
import { sweepRepeatedly } from '../core/sweep-loop';

/** The part of the Lambda context the sweep needs: how long until the function times out. */
export interface SweepContext {
  getRemainingTimeInMillis(): number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The handler of the scheduled rule: sweeps every `sweepEverySeconds` for one schedule period, each within the remaining time. */
export function createSweepJob(
  sweeper: Sweeper,
  options: {
    readonly sweepEverySeconds: number;
    readonly clock: Clock;
    /** Where each sweep's figures go (EMF on AWS); none when absent. */
    readonly metrics?: SweepMetrics;
  },
): (event: unknown, context: SweepContext) => Promise<SweepReport[]> {
  return (_event, context) =>
    sweepRepeatedly({
      sweep: async () => {
        const report = await sweeper.sweep({ remainingMs: context.getRemainingTimeInMillis() });
        options.metrics?.record(report);
        return report;
      },
      clock: options.clock,
      sleep,
      everyMs: options.sweepEverySeconds * 1000,
      // Each invocation covers one period of the schedule.
      windowMs: DEPLOYMENT.sweepScheduleSeconds * 1000,
    });
}
