/** The scheduled sweep: an EventBridge event in, a sweep report out (also logged). */
import type { SweepReport, Sweeper } from '../core/sweep';

export function createSweepJob(sweeper: Sweeper): () => Promise<SweepReport> {
  return () => sweeper.sweep();
}
