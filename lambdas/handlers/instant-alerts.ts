/** Lambda entry point of the table-stream consumer: the composition root of the AWS runtime for instant alerts. */
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { AlertOutbox } from '../core/alert-outbox';
import { awsAlertPathDeps } from './alert-path';
import { createInstantAlertJob } from './instant-alerts-job';

const deps = awsAlertPathDeps(process.env);
const job = createInstantAlertJob({
  outbox: new AlertOutbox(deps, { writeConcurrency: 16 }),
  clock: deps.clock,
  logger: deps.logger,
});

export const handler = (event: DynamoDBStreamEvent, context: Context) => job(event.Records, context.getRemainingTimeInMillis());
