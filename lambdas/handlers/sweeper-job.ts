/** The scheduled sweep: an EventBridge event in, a sweep report out (also logged). */
import type { SweepReport, Sweeper } from '../core/sweep';

/** The part of the Lambda context the sweep needs: how long until the function times out. */
export interface SweepContext {
  getRemainingTimeInMillis(): number;
}

/** The handler: sweeps within the invocation's remaining time (the sweep keeps its own margin). */
export function createSweepJob(sweeper: Sweeper): (event: unknown, context: SweepContext) => Promise<SweepReport> {
  return (_event, context) => sweeper.sweep({ remainingMs: context.getRemainingTimeInMillis() });
}
