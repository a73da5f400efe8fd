/** Lambda entry point of the scheduled sweep: the composition root of the AWS runtime for alerts. */
import { systemClock } from '../adapters/system-clock';
import { Sweeper } from '../core/sweep';
import { awsAlertPathDeps } from './alert-path';
import { sweepEverySeconds, sweepSegments } from './lambda-config';
import { createSweepJob } from './sweeper-job';

const sweeper = new Sweeper(awsAlertPathDeps(process.env), { segments: sweepSegments(process.env), writeConcurrency: 32 });

export const handler = createSweepJob(sweeper, { sweepEverySeconds: sweepEverySeconds(process.env) ?? 60, clock: systemClock });
