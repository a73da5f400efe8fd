/**
 * The deployable stack: one HeartbeatMonitor, configured from CDK context
 * (`npx cdk deploy -c alertEmail=oncall@example.com -c stormThreshold=10`), and the outputs the
 * contract promises: ApiUrl, AlertTopicArn, TableName, SigningSecretArn (and ManagementUrl with
 * `-c frontDoor=functionUrl`). The construct checks `frontDoor` and `billing` values and names a bad one.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { HeartbeatMonitor, type FrontDoor, type TableBilling } from './heartbeat-monitor';

/** The stack with the heartbeat monitoring service. */
export class HeartbeatStack extends Stack {
  /** The service construct, exposed for tests and for stacks that add to it. */
  public readonly monitor: HeartbeatMonitor;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description: 'Heartbeat monitor: devices beat to an HTTP API, a sweep every minute alerts on silent devices through SNS.',
      ...props,
    });

    this.monitor = new HeartbeatMonitor(this, 'Monitor', {
      alertEmail: stringContext(this, 'alertEmail'),
      webhookUrl: requiredWhenGiven(this, 'webhookUrl', 'the receiver URL'),
      slackWebhookSecret: requiredWhenGiven(this, 'slackWebhookSecret', 'the name of the secret holding the Slack webhook URL'),
      pagerDutySecret: requiredWhenGiven(this, 'pagerDutySecret', 'the name of the secret holding the PagerDuty routing key'),
      stormThreshold: integerContext(this, 'stormThreshold'),
      sweepSegments: integerContext(this, 'sweepSegments'),
      retentionDays: integerContext(this, 'retentionDays'),
      reserveConcurrency: booleanContext(this, 'reserveConcurrency'),
      sweepEverySeconds: integerContext(this, 'sweepEvery'),
      frontDoor: stringContext(this, 'frontDoor') as FrontDoor | undefined,
      billing: stringContext(this, 'billing') as TableBilling | undefined,
      minWriteCapacity: integerContext(this, 'minWriteCapacity'),
      maxWriteCapacity: integerContext(this, 'maxWriteCapacity'),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.monitor.apiUrl, description: 'Base URL of the HTTP API (of the device function URL with frontDoor=functionUrl)' });
    if (this.monitor.managementUrl !== undefined) {
      new CfnOutput(this, 'ManagementUrl', { value: this.monitor.managementUrl, description: 'IAM-authorized (SigV4, service lambda) URL of the management routes' });
    }
    new CfnOutput(this, 'AlertTopicArn', { value: this.monitor.alertTopic.topicArn, description: 'SNS topic of device alerts' });
    new CfnOutput(this, 'TableName', { value: this.monitor.table.tableName, description: 'DynamoDB table of devices' });
    if (this.monitor.notifier?.webhookSecret) {
      new CfnOutput(this, 'WebhookSecretArn', {
        value: this.monitor.notifier.webhookSecret.secretArn,
        description: 'Secrets Manager secret of the webhook signing key: receivers verify with "whsec_" followed by its value',
      });
    }
    if (this.monitor.notifier) {
      new CfnOutput(this, 'UndeliveredQueueUrl', {
        value: this.monitor.notifier.deadLetterQueue.queueUrl,
        description: 'SQS queue of alerts that could not be delivered to a channel after every retry',
      });
    }
    new CfnOutput(this, 'SigningSecretArn', {
      value: this.monitor.signingSecret.secretArn,
      description: 'Secrets Manager secret holding the device-token signing keys',
    });
  }
}

// Context arrives as a string from `-c key=value` and as JSON from cdk.json: both are accepted.

function stringContext(scope: Construct, key: string): string | undefined {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw contextError(key, raw, 'a string');
  return raw;
}

/** A string context value that, once given, must not be empty: `-c slackWebhookSecret=` is a mistake, not "off". */
function requiredWhenGiven(scope: Construct, key: string, what: string): string | undefined {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim() === '') throw contextError(key, raw, `${what} (a non-empty string)`);
  return raw.trim();
}

function integerContext(scope: Construct, key: string): number | undefined {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw contextError(key, raw, 'a whole number');
  return value;
}

function booleanContext(scope: Construct, key: string): boolean | undefined {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined) return undefined;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw contextError(key, raw, 'true or false');
}

function contextError(key: string, raw: unknown, expected: string): Error {
  return new Error(`Context value "${key}" must be ${expected}, got ${JSON.stringify(raw)} (set it with -c ${key}=...).`);
}
