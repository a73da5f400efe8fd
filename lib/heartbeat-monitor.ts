/**
 * HeartbeatMonitor: the whole service as one reusable construct. Devices POST heartbeats to an
 * HTTP API, a Lambda records them in DynamoDB, a scheduled Lambda sweeps for silent devices and
 * publishes alerts to SNS; operators manage devices through IAM-authorized routes.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { PARTITION_KEY, SUMMARY_KEY, TTL_ATTRIBUTE } from '../lambdas/adapters/dynamodb/table-schema';
import { SCHEDULE_PERIOD_SECONDS } from '../lambdas/handlers/sweeper-job';
import { LIMITS } from '../lambdas/core/model';
import { HeartbeatAlarms } from './heartbeat-alarms';
import { HeartbeatApi } from './heartbeat-api';
import { HeartbeatFunction } from './heartbeat-function';
import { HeartbeatNotifier } from './heartbeat-notifier';

const HANDLERS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lambdas', 'handlers');

/** Seconds between sweeps when not set; README's "Cost" section explains the choice. */
export const DEFAULT_SWEEP_EVERY_SECONDS = 15;

/** Seconds the last sweep of an invocation may run past the schedule period before the timeout. */
const SWEEP_BUDGET_SECONDS = 60;

/** The front door of device traffic: an API Gateway HTTP API, or Lambda function URLs. */
export type FrontDoor = 'httpApi' | 'functionUrl';

/** How the device table is billed. */
export type TableBilling = 'onDemand' | 'provisioned';

/** Props of HeartbeatMonitor. */
export interface HeartbeatMonitorProps {
  /**
   * Interval (seconds between beats) of a device that never stated one. 5 to 86400.
   * @default 60
   */
  readonly defaultIntervalSeconds?: number;

  /**
   * Grace (extra seconds of silence) of a device that never stated one. 0 to 86400.
   * @default - undefined: the grace follows the interval, so one lost beat never alerts
   */
  readonly defaultGraceSeconds?: number;

  /**
   * Days a device may stay silent before its record is reclaimed (DynamoDB TTL, refreshed by every
   * `ok` beat; a device that is down or never beat has none). At least 3, a day more than the longest
   * deadline, so that a silent device always alerts before it can disappear.
   * @default 30
   */
  readonly retentionDays?: number;

  /**
   * Parallel scan segments per sweep. Raise it when the sweep duration alarm fires.
   * @default 4
   */
  readonly sweepSegments?: number;

  /**
   * More devices of one group going down in one sweep than this become one `fleet.down` alert. 0 turns aggregation off.
   * @default 25
   */
  readonly stormThreshold?: number;

  /**
   * Email address subscribed to the alert topic and to the ops (alarm) topic. Each subscription must be confirmed from the mailbox.
   * @default - no subscription
   */
  readonly alertEmail?: string;

  /**
   * Webhook receiver of every alert (an https URL): a signed POST of the alert JSON (Standard
   * Webhooks). The signing key is generated in Secrets Manager (output `WebhookSecretArn`).
   * @default - no webhook
   */
  readonly webhookUrl?: string;

  /**
   * Name of an existing Secrets Manager secret holding a Slack incoming-webhook URL; every alert is posted there.
   * @default - no Slack
   */
  readonly slackWebhookSecret?: string;

  /**
   * Name of an existing Secrets Manager secret holding a PagerDuty Events API v2 routing key:
   * `device.down` and `fleet.down` trigger an incident, `device.up` resolves it.
   * @default - no PagerDuty
   */
  readonly pagerDutySecret?: string;

  /**
   * Steady-state requests per second the API's default stage accepts (all routes together); above it, API Gateway answers 429.
   * @default 1000
   */
  readonly throttleRateLimit?: number;

  /**
   * Requests the API's default stage accepts in a burst.
   * @default 2000
   */
  readonly throttleBurstLimit?: number;

  /**
   * Reserved concurrency of the ingest function: caps what a beat storm can cost and keeps that
   * capacity for ingest. It comes out of the account's Lambda concurrency quota, whose unreserved
   * part must stay at least 100: with the defaults the account needs a quota of at least 202
   * (ingest + 2 for the sweeper + 100). New accounts may start with a quota of 10: raise it with
   * Service Quotas, or set `reserveConcurrency: false`.
   * @default 100
   */
  readonly ingestReservedConcurrency?: number;

  /**
   * Whether to reserve Lambda concurrency at all (ingest: `ingestReservedConcurrency`; sweeper: 2,
   * which bounds overlapping sweeps). Set false in accounts whose concurrency quota is too small to reserve any.
   * @default true
   */
  readonly reserveConcurrency?: boolean;

  /**
   * How long function and API access logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Seconds between sweeps, 10 to 60. EventBridge fires once a minute; below 60 the invocation sweeps
   * repeatedly through its minute (never two sweeps at once), so detection is not bound to the minute.
   * @default 15 (README, "Cost": detection within 15 s for about $0.01 per million beats at 1M devices)
   */
  readonly sweepEverySeconds?: number;

  /**
   * How devices reach the service. `httpApi`: an API Gateway HTTP API (stage throttling, access logs,
   * custom domains). `functionUrl`: Lambda function URLs, with no per-request API Gateway charge: beats
   * and health on a public URL throttled by the ingest function's reserved concurrency, management on
   * its own IAM-authorized URL (output `ManagementUrl`).
   * @default 'httpApi'
   */
  readonly frontDoor?: FrontDoor;

  /**
   * How the device table is billed. `provisioned`: capacity that auto scaling keeps at
   * `targetUtilizationPercent` between the min and max capacities; cheaper for a steady fleet.
   * @default 'onDemand'
   */
  readonly billing?: TableBilling;

  /**
   * Provisioned billing only: the fewest write capacity units auto scaling may set.
   * @default 5
   */
  readonly minWriteCapacity?: number;

  /**
   * Provisioned billing only: the most write capacity units auto scaling may set. Beats beyond it are throttled (alarm `TableWriteThrottles`).
   * @default 1000
   */
  readonly maxWriteCapacity?: number;

  /**
   * Provisioned billing only: the fewest read capacity units auto scaling may set.
   * @default 5
   */
  readonly minReadCapacity?: number;

  /**
   * Provisioned billing only: the most read capacity units auto scaling may set (the sweep's scans read in bursts).
   * @default 1000
   */
  readonly maxReadCapacity?: number;

  /**
   * Provisioned billing only: the consumed share of capacity, in percent (20 to 90), that auto scaling aims for.
   * @default 70
   */
  readonly targetUtilizationPercent?: number;

  /**
   * What happens to the stateful resources (the device table and the token-signing secret) when
   * they leave the stack. Losing the secret invalidates every provisioned device token.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The heartbeat monitoring service. */
export class HeartbeatMonitor extends Construct {
  /** One item per device, keyed by `pk`; items expire through the `ttl` attribute. */
  public readonly table: dynamodb.Table;
  /** The HTTP API (routes and default stage); undefined with `frontDoor: 'functionUrl'`. */
  public readonly api?: HeartbeatApi;
  /** Device alerts (`device.down`, `device.up`, `fleet.down`) as JSON messages. */
  public readonly alertTopic: sns.Topic;
  /** CloudWatch alarm notifications about the monitor itself; not alert JSON. */
  public readonly opsTopic: sns.Topic;
  /** JSON `{"current", "previous"}`: the keys device tokens are signed with. */
  public readonly signingSecret: secretsmanager.Secret;
  /** Records heartbeats. */
  public readonly ingestFunction: HeartbeatFunction;
  /** Runs every minute and sweeps every `sweepEverySeconds` inside: finds silent devices and publishes alerts. */
  public readonly sweeperFunction: HeartbeatFunction;
  /** Serves the operator routes and the health route. */
  public readonly managementFunction: HeartbeatFunction;
  /** Base URL of the API (or of the ingest function URL), ending in `/`. */
  public readonly apiUrl: string;
  /** With `frontDoor: 'functionUrl'`: the IAM-authorized URL of the management routes, ending in `/`. */
  public readonly managementUrl?: string;
  /** The monitor's own health alarms; they notify `opsTopic`. */
  public readonly alarms: HeartbeatAlarms;
  /** Delivery to webhook, Slack and PagerDuty; only when at least one of them is configured. */
  public readonly notifier?: HeartbeatNotifier;

  constructor(scope: Construct, id: string, props: HeartbeatMonitorProps = {}) {
    super(scope, id);
    const settings = resolveSettings(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.table = new dynamodb.Table(this, 'Devices', {
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      ...(settings.billing === 'provisioned'
        ? { billingMode: dynamodb.BillingMode.PROVISIONED, readCapacity: settings.minReadCapacity, writeCapacity: settings.minWriteCapacity }
        : { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST }),
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    if (settings.billing === 'provisioned') {
      const utilization = { targetUtilizationPercent: settings.targetUtilizationPercent };
      this.table.autoScaleWriteCapacity({ minCapacity: settings.minWriteCapacity, maxCapacity: settings.maxWriteCapacity }).scaleOnUtilization(utilization);
      this.table.autoScaleReadCapacity({ minCapacity: settings.minReadCapacity, maxCapacity: settings.maxReadCapacity }).scaleOnUtilization(utilization);
    }

    this.signingSecret = new secretsmanager.Secret(this, 'SigningSecret', {
      description: 'Device-token signing keys: "current" signs and verifies, "previous" still verifies during a rotation.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ previous: '' }),
        generateStringKey: 'current',
        passwordLength: 48,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy,
    });
    Validations.of(this.signingSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotation is a deliberate two-step operator procedure (`heartbeat secret rotate`, re-provision devices, then `heartbeat secret finish`): tokens are provisioned to devices offline, so an automatic rotation would lock the fleet out.',
    });

    this.alertTopic = new sns.Topic(this, 'AlertTopic', { displayName: 'Heartbeat alerts', enforceSSL: true });
    this.opsTopic = new sns.Topic(this, 'OpsTopic', { displayName: 'Heartbeat monitor alarms', enforceSSL: true });
    // The topic policy that enforceSSL creates replaces SNS's default one, so CloudWatch must be allowed explicitly.
    const stack = Stack.of(this);
    this.opsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.opsTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        },
      }),
    );
    // No SSE-KMS on the topics: messages carry device ids, times and alarm states only, and CloudWatch
    // alarms cannot publish to a topic under the AWS-managed aws/sns key (it would need a customer key).
    for (const topic of [this.alertTopic, this.opsTopic]) {
      if (settings.alertEmail !== undefined) topic.addSubscription(new subscriptions.EmailSubscription(settings.alertEmail));
    }

    const common: Record<string, string> = {
      DEFAULT_INTERVAL_SECONDS: String(settings.defaultIntervalSeconds),
      RETENTION_DAYS: String(settings.retentionDays),
      ...(settings.defaultGraceSeconds === undefined ? {} : { DEFAULT_GRACE_SECONDS: String(settings.defaultGraceSeconds) }),
    };

    this.ingestFunction = new HeartbeatFunction(this, 'Ingest', {
      entry: path.join(HANDLERS_DIR, 'ingest.ts'),
      description: 'Records device heartbeats (POST /v1/heartbeats/{deviceId} and batches)',
      memorySize: 256,
      timeout: Duration.seconds(5),
      reservedConcurrentExecutions: settings.reserveConcurrency ? settings.ingestReservedConcurrency : undefined,
      logRetention,
      environment: { ...common, SIGNING_SECRET_ARN: this.signingSecret.secretArn },
    });
    // One conditional UpdateItem per beat, never a read first.
    this.ingestFunction.bindTable(this.table, ['dynamodb:UpdateItem']);
    this.signingSecret.grantRead(this.ingestFunction);

    // Each invocation sweeps for one schedule period (60 s); the last sweep it starts has the rest of
    // the timeout (at least 60 s) to finish. The schedule and the timeout fit whatever sweepEverySeconds is.
    const sweeperTimeout = Duration.seconds(SCHEDULE_PERIOD_SECONDS + SWEEP_BUDGET_SECONDS);
    this.sweeperFunction = new HeartbeatFunction(this, 'Sweeper', {
      entry: path.join(HANDLERS_DIR, 'sweeper.ts'),
      description: `Finds silent devices every ${settings.sweepEverySeconds} s and publishes alerts`,
      memorySize: 512,
      timeout: sweeperTimeout,
      // Two at most: a slow sweep may overlap the next one (its writes are compare-and-set), but never pile up.
      reservedConcurrentExecutions: settings.reserveConcurrency ? 2 : undefined,
      // No async retries, and a sweep still queued after a minute is dropped: the next scheduled sweep is the retry.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(60),
      logRetention,
      environment: {
        ...common,
        ALERT_TOPIC_ARN: this.alertTopic.topicArn,
        SWEEP_SEGMENTS: String(settings.sweepSegments),
        STORM_THRESHOLD: String(settings.stormThreshold),
        SWEEP_EVERY_SECONDS: String(settings.sweepEverySeconds),
      },
    });
    this.sweeperFunction.bindTable(this.table, ['dynamodb:Scan', 'dynamodb:UpdateItem']);
    this.alertTopic.grantPublish(this.sweeperFunction);

    new events.Rule(this, 'SweepSchedule', {
      description: `Starts the heartbeat sweeper every minute; it sweeps every ${settings.sweepEverySeconds} s inside`,
      schedule: events.Schedule.rate(Duration.seconds(SCHEDULE_PERIOD_SECONDS)),
      targets: [new targets.LambdaFunction(this.sweeperFunction, { retryAttempts: 0 })],
    });

    this.managementFunction = new HeartbeatFunction(this, 'Management', {
      entry: path.join(HANDLERS_DIR, 'management.ts'),
      description: 'Device management routes (IAM) and the public health route',
      memorySize: 256,
      timeout: Duration.seconds(10),
      logRetention,
      // The health route reports the sweep period, so `heartbeat doctor` can tell a stopped sweep from a slow one.
      environment: { ...common, SWEEP_EVERY_SECONDS: String(settings.sweepEverySeconds) },
    });
    this.managementFunction.bindTable(this.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan']);

    if (settings.frontDoor === 'functionUrl') {
      // No API Gateway: devices reach the ingest function directly (the handler routes by path and
      // checks tokens itself); reserved concurrency is the throttle. Health is public by contract,
      // so the ingest URL answers it too, with one read of the summary item and nothing else.
      const ingestUrl = this.ingestFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
      this.ingestFunction.addEnvironment('SERVE_HEALTH', 'true');
      this.ingestFunction.addEnvironment('SWEEP_EVERY_SECONDS', String(settings.sweepEverySeconds));
      this.ingestFunction.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem'],
          resources: [this.table.tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [SUMMARY_KEY] } },
        }),
      );
      const managementUrl = this.managementFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
      this.apiUrl = ingestUrl.url;
      this.managementUrl = managementUrl.url;
    } else {
      this.api = new HeartbeatApi(this, 'Api', {
        ingestFunction: this.ingestFunction,
        managementFunction: this.managementFunction,
        throttleRateLimit: settings.throttleRateLimit,
        throttleBurstLimit: settings.throttleBurstLimit,
        logRetention,
      });
      this.apiUrl = this.api.url;
    }
    // The emails the sweep publishes tell a person how to pause a device through the management API.
    const pauseUrl = this.managementUrl ?? this.apiUrl;
    this.sweeperFunction.addEnvironment('API_URL', pauseUrl);

    this.alarms = new HeartbeatAlarms(this, 'Alarms', {
      ingestFunction: this.ingestFunction,
      sweeperFunction: this.sweeperFunction,
      sweeperTimeout,
      api: this.api?.api,
      table: this.table,
      provisionedCapacity: settings.billing === 'provisioned',
      opsTopic: this.opsTopic,
    });

    if (settings.webhookUrl !== undefined || settings.slackWebhookSecret !== undefined || settings.pagerDutySecret !== undefined) {
      this.notifier = new HeartbeatNotifier(this, 'Notifier', {
        alertTopic: this.alertTopic,
        opsTopic: this.opsTopic,
        table: this.table,
        apiUrl: pauseUrl,
        webhookUrl: settings.webhookUrl,
        slackWebhookSecret: settings.slackWebhookSecret,
        pagerDutySecret: settings.pagerDutySecret,
        logRetention,
        removalPolicy,
      });
    }
  }
}

/** The props with defaults applied, each checked once here so a bad value fails at synth with its name. */
function resolveSettings(props: HeartbeatMonitorProps) {
  const minWriteCapacity = integerProp('minWriteCapacity', props.minWriteCapacity ?? 5, 1, 1_000_000);
  const minReadCapacity = integerProp('minReadCapacity', props.minReadCapacity ?? 5, 1, 1_000_000);
  return {
    defaultIntervalSeconds: integerProp('defaultIntervalSeconds', props.defaultIntervalSeconds ?? 60, 5, 86_400),
    defaultGraceSeconds:
      props.defaultGraceSeconds === undefined ? undefined : integerProp('defaultGraceSeconds', props.defaultGraceSeconds, 0, 86_400),
    retentionDays: integerProp('retentionDays', props.retentionDays ?? LIMITS.defaultRetentionDays, LIMITS.minRetentionDays, LIMITS.maxRetentionDays),
    sweepSegments: integerProp('sweepSegments', props.sweepSegments ?? 4, 1, 1000),
    stormThreshold: integerProp('stormThreshold', props.stormThreshold ?? 25, 0, 1_000_000),
    throttleRateLimit: numberProp('throttleRateLimit', props.throttleRateLimit ?? 1000),
    throttleBurstLimit: integerProp('throttleBurstLimit', props.throttleBurstLimit ?? 2000, 1, 1_000_000),
    ingestReservedConcurrency: integerProp('ingestReservedConcurrency', props.ingestReservedConcurrency ?? 100, 1, 100_000),
    reserveConcurrency: props.reserveConcurrency ?? true,
    alertEmail: props.alertEmail === undefined ? undefined : emailProp('alertEmail', props.alertEmail),
    sweepEverySeconds: integerProp('sweepEverySeconds', props.sweepEverySeconds ?? DEFAULT_SWEEP_EVERY_SECONDS, 10, SCHEDULE_PERIOD_SECONDS),
    frontDoor: oneOf<FrontDoor>('frontDoor', props.frontDoor ?? 'httpApi', ['httpApi', 'functionUrl']),
    billing: oneOf<TableBilling>('billing', props.billing ?? 'onDemand', ['onDemand', 'provisioned']),
    minWriteCapacity,
    maxWriteCapacity: integerProp('maxWriteCapacity', props.maxWriteCapacity ?? Math.max(1000, minWriteCapacity), minWriteCapacity, 1_000_000),
    minReadCapacity,
    maxReadCapacity: integerProp('maxReadCapacity', props.maxReadCapacity ?? Math.max(1000, minReadCapacity), minReadCapacity, 1_000_000),
    targetUtilizationPercent: integerProp('targetUtilizationPercent', props.targetUtilizationPercent ?? 70, 20, 90),
    webhookUrl: props.webhookUrl === undefined ? undefined : httpsUrlProp('webhookUrl', props.webhookUrl),
    slackWebhookSecret: props.slackWebhookSecret === undefined ? undefined : secretNameProp('slackWebhookSecret', props.slackWebhookSecret),
    pagerDutySecret: props.pagerDutySecret === undefined ? undefined : secretNameProp('pagerDutySecret', props.pagerDutySecret),
  };
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`HeartbeatMonitor: ${name} must be one of ${allowed.join(', ')}, got "${value}".`);
  }
  return value as T;
}

function httpsUrlProp(name: string, value: string): string {
  if (Token.isUnresolved(value)) return value;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url === null || url.protocol !== 'https:') throw new Error(`HeartbeatMonitor: ${name} must be an https URL such as https://example.com/hooks/heartbeat, got "${value}".`);
  return value;
}

function secretNameProp(name: string, value: string): string {
  // Secrets Manager's own rule for names; whether the secret exists is only known at deploy time.
  if (!Token.isUnresolved(value) && !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(value)) {
    throw new Error(`HeartbeatMonitor: ${name} must name a Secrets Manager secret (1-512 characters of A-Z a-z 0-9 / _ + = . @ -), got "${value}".`);
  }
  return value;
}

function emailProp(name: string, value: string): string {
  // Deliberately loose: SNS sends a confirmation mail, which is the real check. This catches typos like a missing '@'.
  if (!Token.isUnresolved(value) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
    throw new Error(`HeartbeatMonitor: ${name} must be an email address, got "${value}".`);
  }
  return value;
}

function integerProp(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`HeartbeatMonitor: ${name} must be a whole number from ${min} to ${max}, got ${value}.`);
  }
  return value;
}

function numberProp(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`HeartbeatMonitor: ${name} must be a positive number, got ${value}.`);
  }
  return value;
}
