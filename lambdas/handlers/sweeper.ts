/** Lambda entry point of the scheduled sweep: the composition root of the AWS runtime for alerts. */
import { EmfSweepMetrics } from '../adapters/emf-sweep-metrics';
import { systemClock } from '../adapters/system-clock';
import { Sweeper } from '../core/sweep';
import { awsAlertPathDeps } from './alert-path';
import { sweepEverySeconds, sweepSegments } from './lambda-config';
import { createSweepJob } from './sweeper-job';

const deps = awsAlertPathDeps(process.env);
const sweeper = new Sweeper(deps, { segments: sweepSegments(process.env), writeConcurrency: 32 });

export const handler = createSweepJob(sweeper, {
  sweepEverySeconds: sweepEverySeconds(process.env) ?? 60,
  clock: systemClock,
  metrics: new EmfSweepMetrics(deps.logger),
});
