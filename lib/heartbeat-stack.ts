/**
 * The deployable stack: one HeartbeatMonitor, configured from CDK context
 * (`npx cdk deploy -c alertEmail=oncall@example.com -c stormThreshold=10`; the keys are the catalog
 * settings marked `context`, lambdas/core/settings-catalog.ts, and the construct checks their values),
 * and the outputs the contract promises: ApiUrl, AlertTopicArn, TableName, SigningSecretArn (and
 * ManagementUrl with `-c frontDoor=functionUrl`).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CONTEXT_SETTING_KEYS, contextKey, settingSpec } from '../lambdas/core/settings-catalog';
import { HeartbeatMonitor, SettingError, type HeartbeatMonitorSettingProps } from './heartbeat-monitor';

/** The stack with the heartbeat monitoring service. */
export class HeartbeatStack extends Stack {
  /** The service construct, exposed for tests and for stacks that add to it. */
  public readonly monitor: HeartbeatMonitor;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description: 'Heartbeat monitor: devices beat to an HTTP API, a sweep every minute alerts on silent devices through SNS.',
      ...props,
    });

    this.monitor = new HeartbeatMonitor(this, 'Monitor', contextSettings(this));

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

/** The construct props given as context, typed by their catalog kind; the construct checks the values. */
function contextSettings(scope: Construct): HeartbeatMonitorSettingProps {
  const props: Record<string, unknown> = {};
  for (const key of CONTEXT_SETTING_KEYS) {
    const spec = settingSpec(key);
    const name = contextKey(key);
    const value =
      spec.kind === 'boolean'
        ? booleanContext(scope, name)
        : spec.kind === 'integer'
          ? integerContext(scope, name)
          : spec.kind === 'positive'
            ? numberContext(scope, name)
            : spec.kind === 'text' && spec.contextWhat !== undefined
              ? requiredWhenGiven(scope, name, spec.contextWhat)
              : stringContext(scope, name);
    if (value !== undefined) props[key] = value;
  }
  return props as HeartbeatMonitorSettingProps;
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

function numberContext(scope: Construct, key: string): number | undefined {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number') throw contextError(key, raw, 'a number');
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
  return new SettingError(`Context value "${key}" must be ${expected}, got ${JSON.stringify(raw)} (set it with -c ${key}=...).`);
}
