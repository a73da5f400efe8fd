/**
 * HeartbeatNotifier: delivers the alert topic's alerts to the configured channels (signed webhook,
 * Slack, PagerDuty). One function subscribed once to the topic delivers to every channel at once,
 * each with its own timeout and retries; what exhausts its retries goes to an SQS dead-letter queue
 * whose alarm notifies the ops topic. The function reads only the secrets of its channels.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONTRACT_RETRY_POLICY, MAX_RETRY_AFTER_MS } from '../lambdas/core/delivery';
import { DEPLOYMENT, STACK_ENV } from '../lambdas/core/settings-catalog';
import { HeartbeatFunction } from './heartbeat-function';

const HANDLER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lambdas', 'handlers', 'notifier.ts');

/** Props of HeartbeatNotifier. */
export interface HeartbeatNotifierProps {
  /** The topic whose alerts are delivered. */
  readonly alertTopic: sns.ITopic;
  /** Receives the dead-letter alarm. */
  readonly opsTopic: sns.ITopic;
  /** The device table: PagerDuty fleet incidents are tracked there (one small item per group). */
  readonly table: dynamodb.ITable;
  /** Base URL of the API, for the pause command in messages. */
  readonly apiUrl: string;
  /** Webhook receiver URL (https); a signing secret is generated for it. */
  readonly webhookUrl?: string;
  /** Name of an existing Secrets Manager secret holding the Slack incoming-webhook URL. */
  readonly slackWebhookSecret?: string;
  /** Name of an existing Secrets Manager secret holding the PagerDuty Events API v2 routing key. */
  readonly pagerDutySecret?: string;
  /** How long the function's logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** What happens to the generated webhook signing secret when it leaves the stack. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Every attempt may take its full timeout, and every wait its backoff or a receiver's longest
 * honoured Retry-After, plus a margin for the secrets and the dead-letter queue: about 7 minutes.
 */
const WORST_CASE_MS =
  (CONTRACT_RETRY_POLICY.backoffMs.length + 1) * CONTRACT_RETRY_POLICY.timeoutMs +
  CONTRACT_RETRY_POLICY.backoffMs.reduce((sum, wait) => sum + Math.max(wait, MAX_RETRY_AFTER_MS), 0) +
  30_000;

/** Delivery of alerts to webhook, Slack and PagerDuty. */
export class HeartbeatNotifier extends Construct {
  /** Delivers every alert of the topic to every configured channel. */
  public readonly function: HeartbeatFunction;
  /** Deliveries that exhausted their retries, and events the function itself failed on. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Fires when the dead-letter queue holds anything; notifies the ops topic. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The generated `whsec_` key material of the webhook (only with a webhook). */
  public readonly webhookSecret?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: HeartbeatNotifierProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'Undelivered', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue.node.defaultChild as Construct).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of alert delivery; an operator reads it after its alarm fires.',
    });

    const environment: Record<string, string> = {
      [STACK_ENV.apiUrl]: props.apiUrl,
      [STACK_ENV.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
    };
    const readable: secretsmanager.ISecret[] = [];
    if (props.webhookUrl !== undefined) {
      // 44 characters of A-Z a-z 0-9 are valid base64 (33 bytes): receivers verify with "whsec_" + the secret's value.
      this.webhookSecret = new secretsmanager.Secret(this, 'WebhookSecret', {
        description: 'Standard Webhooks signing key of alert webhooks: receivers verify with "whsec_" followed by this value.',
        generateSecretString: { passwordLength: 44, excludePunctuation: true, includeSpace: false },
        removalPolicy: props.removalPolicy,
      });
      Validations.of(this.webhookSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Webhook receivers hold a copy of this key to verify signatures; rotating it is a coordinated change with every receiver.',
      });
      environment[STACK_ENV.webhookUrl] = props.webhookUrl;
      environment[STACK_ENV.webhookSecretArn] = this.webhookSecret.secretArn;
      readable.push(this.webhookSecret);
    }
    if (props.slackWebhookSecret !== undefined) {
      const secret = secretsmanager.Secret.fromSecretNameV2(this, 'SlackSecret', props.slackWebhookSecret);
      environment[STACK_ENV.slackSecretArn] = secret.secretArn;
      readable.push(secret);
    }
    if (props.pagerDutySecret !== undefined) {
      const secret = secretsmanager.Secret.fromSecretNameV2(this, 'PagerDutySecret', props.pagerDutySecret);
      environment[STACK_ENV.pagerDutySecretArn] = secret.secretArn;
      readable.push(secret);
    }

    this.function = new HeartbeatFunction(this, 'Function', {
      entry: HANDLER,
      description: 'Delivers alerts to the webhook, Slack and PagerDuty, retrying each channel on its own',
      memorySize: DEPLOYMENT.memoryMb.notifier,
      timeout: Duration.millis(Math.ceil(WORST_CASE_MS / 60_000) * 60_000),
      // A crash mid-delivery is tried again (receivers drop duplicates by webhook-id / dedup_key), then kept.
      retryAttempts: 2,
      deadLetterQueue: this.deadLetterQueue,
      logRetention: props.logRetention,
      environment,
    });
    for (const secret of readable) secret.grantRead(this.function);
    this.deadLetterQueue.grantSendMessages(this.function);
    if (props.pagerDutySecret !== undefined) this.function.bindTable(props.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);

    // If SNS cannot invoke the function at all, it keeps the message in the same queue.
    props.alertTopic.addSubscription(new subscriptions.LambdaSubscription(this.function, { deadLetterQueue: this.deadLetterQueue }));

    this.deadLetterAlarm = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM })
      .createAlarm(this, 'UndeliveredAlerts', {
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: 'Alerts could not be delivered to a channel after every retry: they wait in the dead-letter queue. Fix the channel, then read the queue.',
      });
    const action = new SnsAction(props.opsTopic);
    this.deadLetterAlarm.addAlarmAction(action);
    this.deadLetterAlarm.addOkAction(action);
  }
}
