/**
 * The notifier: one SNS event from the alert topic in, every alert delivered to every configured
 * channel at once (each with its own timeout and retries), and whatever exhausted its retries put
 * in the dead-letter queue. If even that fails, the invocation fails, and Lambda retries it and
 * finally hands the event to the function's own dead-letter queue.
 */
import type { SNSEvent } from 'aws-lambda';
import type { Alert } from '../core/alerts';
import type { AlertDispatcher, UndeliveredSink } from '../core/delivery';
import type { Logger } from '../core/ports';

const ALERT_TYPES = new Set(['device.down', 'device.up', 'device.still_down', 'fleet.down']);

/** The alert JSON of an SNS message (its `default` part); throws for anything else. */
export function parseAlertMessage(text: string): Alert {
  const value = JSON.parse(text) as { type?: unknown } | null;
  if (value === null || typeof value !== 'object' || typeof value.type !== 'string' || !ALERT_TYPES.has(value.type)) {
    throw new Error('the SNS message is not an alert of this service');
  }
  return value as Alert;
}

/** What one invocation did. */
export interface NotifierReport {
  readonly alerts: number;
  readonly delivered: number;
  readonly undelivered: number;
}

/** Builds the Lambda handler; `dispatcher` is built once per container (it reads the channel secrets). */
export function createNotifierJob(deps: {
  readonly dispatcher: () => Promise<AlertDispatcher>;
  readonly undelivered: UndeliveredSink;
  readonly logger: Logger;
}): (event: SNSEvent) => Promise<NotifierReport> {
  return async (event) => {
    const dispatcher = await deps.dispatcher();
    const alerts = event.Records.map((record) => parseAlertMessage(record.Sns.Message));
    const reports = await Promise.all(alerts.map((alert) => dispatcher.dispatch(alert)));
    const undelivered = reports.flatMap((r) => r.undelivered);
    for (const u of undelivered) deps.logger.error('alert undelivered after every retry; kept in the dead-letter queue', { channel: u.channel, type: u.alert.type, attempts: u.attempts, error: u.error });
    if (undelivered.length > 0) await deps.undelivered.keep(undelivered);
    return { alerts: alerts.length, delivered: reports.reduce((sum, r) => sum + r.delivered, 0), undelivered: undelivered.length };
  };
}
