/**
 * HeartbeatMonitor: the whole service as one reusable construct. Devices POST heartbeats to an
 * HTTP API, a Lambda records them in DynamoDB, a scheduled Lambda sweeps for silent devices and
 * publishes alerts to SNS; operators manage devices through IAM-authorized routes.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
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
import { INSTANT_ALERT_FILTERS } from '../lambdas/adapters/dynamodb/stream-filters';
import { PARTITION_KEY, SUMMARY_KEY, TTL_ATTRIBUTE } from '../lambdas/adapters/dynamodb/table-schema';
import {
  END_KEY,
  FLEET_INDEX,
  FLEET_INDEX_KEY,
  GROUP_INDEX,
  GROUP_INDEX_KEY,
  HISTORY_PARTITION_KEY,
  HISTORY_SORT_KEY,
  HISTORY_TTL_ATTRIBUTE,
} from '../lambdas/adapters/dynamodb/history-schema';
import { DEPLOYMENT, PROP_SETTING_KEYS, SETTINGS, STACK_ENV, contextKey, settingProblem, settingSpec, type FunctionRole, type PropSettingKey, type SettingValue } from '../lambdas/core/settings-catalog';
import { HeartbeatAlarms } from './heartbeat-alarms';
import { HeartbeatDashboard } from './heartbeat-dashboard';
import { HeartbeatApi } from './heartbeat-api';
import { HeartbeatFunction } from './heartbeat-function';
import { HeartbeatNotifier } from './heartbeat-notifier';

const HANDLERS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lambdas', 'handlers');

/** Seconds the last sweep of an invocation may run past the schedule period before the timeout. */
const SWEEP_BUDGET_SECONDS = 60;

/** A prop or context value the monitor cannot be built with; the message names it and says what is allowed. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
}

/** The front door of device traffic: an API Gateway HTTP API, or Lambda function URLs. */
export type FrontDoor = SettingValue<'frontDoor'>;

/** How the device table is billed. */
export type TableBilling = SettingValue<'billing'>;

/** The value type of a setting prop: a setting whose default is "none" is simply left out. */
type SettingProp<K extends PropSettingKey> = Exclude<SettingValue<K>, null>;

/** One optional prop per catalog entry marked `prop` (lambdas/core/settings-catalog.ts). */
export type HeartbeatMonitorSettingProps = { readonly [K in PropSettingKey]?: SettingProp<K> };

/**
 * Props of HeartbeatMonitor. The settings are typed, defaulted and range-checked (at synth) from the
 * settings catalog, where each one's doc line, default and range are declared; the lines below name
 * them for readers and the README test. A catalog prop missing here is still accepted (the interface
 * extends the generated type), and the type check below refuses a setting prop the catalog lacks.
 */
export interface HeartbeatMonitorProps extends HeartbeatMonitorSettingProps {
  /** Interval of a device that never stated one (settings catalog: `defaultIntervalSeconds`). */
  readonly defaultIntervalSeconds?: SettingProp<'defaultIntervalSeconds'>;
  /** Grace of a device that never stated one; unset, it follows the interval (settings catalog: `defaultGraceSeconds`). */
  readonly defaultGraceSeconds?: SettingProp<'defaultGraceSeconds'>;
  /** Days a silent device is kept, more than the longest deadline (settings catalog: `retentionDays`). */
  readonly retentionDays?: SettingProp<'retentionDays'>;
  /** Parallel scan segments per sweep (settings catalog: `sweepSegments`). */
  readonly sweepSegments?: SettingProp<'sweepSegments'>;
  /** Downs of one group in one sweep above this make one `fleet.down` (settings catalog: `stormThreshold`). */
  readonly stormThreshold?: SettingProp<'stormThreshold'>;
  /** A `device.still_down` reminder every N seconds while a device stays down; 0 off, else at least 300 (settings catalog: `repeatEverySeconds`, context `repeatEvery`). */
  readonly repeatEverySeconds?: SettingProp<'repeatEverySeconds'>;
  /** Consecutive fail beats that open an outage, for devices that set none (settings catalog: `defaultFailThreshold`, context `failThreshold`). */
  readonly defaultFailThreshold?: SettingProp<'defaultFailThreshold'>;
  /** Seconds a recovered device stays up before its device.up, for devices that set none (settings catalog: `defaultRecoverAfterSeconds`, context `recoverAfter`). */
  readonly defaultRecoverAfterSeconds?: SettingProp<'defaultRecoverAfterSeconds'>;
  /** Suspicion level (phi) at which a device with detection adaptive is declared down (settings catalog: `adaptivePhi`). */
  readonly adaptivePhi?: SettingProp<'adaptivePhi'>;
  /** Silence an adaptive device may add to its usual gap before its suspicion level counts, e.g. client retries (settings catalog: `adaptivePauseSeconds`, context `adaptivePause`). */
  readonly adaptivePauseSeconds?: SettingProp<'adaptivePauseSeconds'>;
  /** Seconds between sweeps, 10 to 60 (settings catalog: `sweepEverySeconds`, context `sweepEvery`). */
  readonly sweepEverySeconds?: SettingProp<'sweepEverySeconds'>;
  /** The contract's name of `sweepEverySeconds` (its `-c` key): either name may be given, not both with different values. */
  readonly sweepEvery?: SettingProp<'sweepEverySeconds'>;
  /** The `-c` name of `repeatEverySeconds`, accepted as a prop too. */
  readonly repeatEvery?: SettingProp<'repeatEverySeconds'>;
  /** The `-c` name of `defaultFailThreshold`, accepted as a prop too. */
  readonly failThreshold?: SettingProp<'defaultFailThreshold'>;
  /** The `-c` name of `defaultRecoverAfterSeconds`, accepted as a prop too. */
  readonly recoverAfter?: SettingProp<'defaultRecoverAfterSeconds'>;
  /** How devices reach the service: `httpApi` or `functionUrl` (settings catalog: `frontDoor`). */
  readonly frontDoor?: SettingProp<'frontDoor'>;
  /** How the device table is billed: `onDemand` or `provisioned` (settings catalog: `billing`). */
  readonly billing?: SettingProp<'billing'>;
  /** Provisioned billing: fewest write capacity units (settings catalog: `minWriteCapacity`). */
  readonly minWriteCapacity?: SettingProp<'minWriteCapacity'>;
  /** Provisioned billing: most write capacity units (settings catalog: `maxWriteCapacity`). */
  readonly maxWriteCapacity?: SettingProp<'maxWriteCapacity'>;
  /** Provisioned billing: fewest read capacity units (settings catalog: `minReadCapacity`). */
  readonly minReadCapacity?: SettingProp<'minReadCapacity'>;
  /** Provisioned billing: most read capacity units (settings catalog: `maxReadCapacity`). */
  readonly maxReadCapacity?: SettingProp<'maxReadCapacity'>;
  /** Provisioned billing: the utilization auto scaling aims for (settings catalog: `targetUtilizationPercent`). */
  readonly targetUtilizationPercent?: SettingProp<'targetUtilizationPercent'>;
  /** Email subscribed to the alert and ops topics (settings catalog: `alertEmail`). */
  readonly alertEmail?: SettingProp<'alertEmail'>;
  /** Webhook receiver of every alert, an https URL (settings catalog: `webhookUrl`). */
  readonly webhookUrl?: SettingProp<'webhookUrl'>;
  /** Name of a secret holding a Slack incoming-webhook URL (settings catalog: `slackWebhookSecret`). */
  readonly slackWebhookSecret?: SettingProp<'slackWebhookSecret'>;
  /** Name of a secret holding a PagerDuty Events API v2 routing key (settings catalog: `pagerDutySecret`). */
  readonly pagerDutySecret?: SettingProp<'pagerDutySecret'>;
  /** Steady-state requests per second of the API stage (settings catalog: `throttleRateLimit`). */
  readonly throttleRateLimit?: SettingProp<'throttleRateLimit'>;
  /** Burst of the API stage (settings catalog: `throttleBurstLimit`). */
  readonly throttleBurstLimit?: SettingProp<'throttleBurstLimit'>;
  /** Reserved concurrency of the ingest function (settings catalog: `ingestReservedConcurrency`). */
  readonly ingestReservedConcurrency?: SettingProp<'ingestReservedConcurrency'>;
  /** Whether to reserve Lambda concurrency at all (settings catalog: `reserveConcurrency`). */
  readonly reserveConcurrency?: SettingProp<'reserveConcurrency'>;
  /** Days the outage history keeps a closed outage, 90 to 3650 (settings catalog: `historyDays`). */
  readonly historyDays?: SettingProp<'historyDays'>;

  /**
   * How long function and API access logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the stateful resources (the device table and the token-signing secret) when
   * they leave the stack. Losing the secret invalidates every provisioned device token.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The props that are not settings of the catalog: CDK-only choices. */
const CDK_ONLY_PROPS = ['logRetention', 'removalPolicy'] as const;

/** The `-c` context names that differ from their setting's name (`sweepEvery` for `sweepEverySeconds`, ...). */
type ContextNameProp = { [K in PropSettingKey]: (typeof SETTINGS)[K] extends { readonly context: infer Name extends string } ? Name : never }[PropSettingKey];

/** Every prop that is not a CDK-only choice must be a catalog setting or its context name (a compile error otherwise). */
const PROPS_ARE_CATALOG_SETTINGS: Exclude<keyof HeartbeatMonitorProps, (typeof CDK_ONLY_PROPS)[number]> extends PropSettingKey | ContextNameProp ? true : never = true;
void PROPS_ARE_CATALOG_SETTINGS;

/** The heartbeat monitoring service. */
export class HeartbeatMonitor extends Construct {
  /** One item per device, keyed by `pk`; items expire through the `ttl` attribute. */
  public readonly table: dynamodb.Table;
  /** The CloudWatch dashboard: fleet counts, alerts, sweep duration, API and function health. */
  public readonly dashboard: HeartbeatDashboard;
  /** The outage history: one item per outage (and per pause), kept `historyDays` after it ends. */
  public readonly historyTable: dynamodb.Table;
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
  /** Reads the table's stream, filtered to the beats that open or end an outage, and announces them at once. */
  public readonly instantAlertFunction: HeartbeatFunction;
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
      // Feeds the instant-alert consumer; filters compare old and new images. Stream reads by Lambda are free.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    if (settings.billing === 'provisioned') {
      const utilization = { targetUtilizationPercent: settings.targetUtilizationPercent };
      this.table.autoScaleWriteCapacity({ minCapacity: settings.minWriteCapacity, maxCapacity: settings.maxWriteCapacity }).scaleOnUtilization(utilization);
      this.table.autoScaleReadCapacity({ minCapacity: settings.minReadCapacity, maxCapacity: settings.maxReadCapacity }).scaleOnUtilization(utilization);
    }

    // Outages and pauses, one item each, in a table of their own: the sweep scans the device table
    // and pays by the byte, so history kept there would multiply every sweep's cost.
    this.historyTable = new dynamodb.Table(this, 'History', {
      partitionKey: { name: HISTORY_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: HISTORY_SORT_KEY, type: dynamodb.AttributeType.NUMBER },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: HISTORY_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    for (const [indexName, partitionKey] of [
      [FLEET_INDEX, FLEET_INDEX_KEY],
      [GROUP_INDEX, GROUP_INDEX_KEY],
    ] as const) {
      this.historyTable.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: END_KEY, type: dynamodb.AttributeType.NUMBER },
        projectionType: dynamodb.ProjectionType.ALL,
      });
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
      if (settings.alertEmail !== null) topic.addSubscription(new subscriptions.EmailSubscription(settings.alertEmail));
    }

    this.ingestFunction = new HeartbeatFunction(this, 'Ingest', {
      entry: path.join(HANDLERS_DIR, 'ingest.ts'),
      description: 'Records device heartbeats (POST /v1/heartbeats/{deviceId} and batches)',
      memorySize: DEPLOYMENT.memoryMb.ingest,
      timeout: Duration.seconds(5),
      reservedConcurrentExecutions: settings.reserveConcurrency ? settings.ingestReservedConcurrency : undefined,
      logRetention,
      environment: { ...settingsEnvironment('ingest', settings), [STACK_ENV.signingSecretArn]: this.signingSecret.secretArn },
    });
    // One conditional UpdateItem per beat, never a read first.
    this.ingestFunction.bindTable(this.table, ['dynamodb:UpdateItem']);
    this.signingSecret.grantRead(this.ingestFunction);

    // Each invocation sweeps for one schedule period (60 s); the last sweep it starts has the rest of
    // the timeout (at least 60 s) to finish. The schedule and the timeout fit whatever sweepEverySeconds is.
    const sweeperTimeout = Duration.seconds(DEPLOYMENT.sweepScheduleSeconds + SWEEP_BUDGET_SECONDS);
    this.sweeperFunction = new HeartbeatFunction(this, 'Sweeper', {
      entry: path.join(HANDLERS_DIR, 'sweeper.ts'),
      description: `Finds silent devices every ${settings.sweepEverySeconds} s and publishes alerts`,
      memorySize: DEPLOYMENT.memoryMb.sweeper,
      timeout: sweeperTimeout,
      // Two at most: a slow sweep may overlap the next one (its writes are compare-and-set), but never pile up.
      reservedConcurrentExecutions: settings.reserveConcurrency ? 2 : undefined,
      // No async retries, and a sweep still queued after a minute is dropped: the next scheduled sweep is the retry.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(60),
      logRetention,
      environment: { ...settingsEnvironment('sweeper', settings), [STACK_ENV.alertTopicArn]: this.alertTopic.topicArn },
    });
    // GetItem: the maintenance windows, one item read once per sweep.
    this.sweeperFunction.bindTable(this.table, ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem']);
    // The outbox records each announced outage (PutItem) and its recovery (UpdateItem) at settle.
    this.sweeperFunction.bindHistoryTable(this.historyTable, ['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    this.alertTopic.grantPublish(this.sweeperFunction);

    this.instantAlertFunction = new HeartbeatFunction(this, 'InstantAlerts', {
      entry: path.join(HANDLERS_DIR, 'instant-alerts.ts'),
      description: 'Announces fail beats and recoveries from the table stream, within seconds',
      memorySize: DEPLOYMENT.memoryMb.instantAlerts,
      timeout: Duration.seconds(30),
      logRetention,
      environment: { ...settingsEnvironment('instantAlerts', settings), [STACK_ENV.alertTopicArn]: this.alertTopic.topicArn },
    });
    // Claims and settles through the same compare-and-set writes as the sweep; never reads the table.
    // GetItem: the maintenance windows, read once per batch of stream records.
    this.instantAlertFunction.bindTable(this.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    // Its outbox records the outages it announces and the recoveries it settles, as the sweeper's does.
    this.instantAlertFunction.bindHistoryTable(this.historyTable, ['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    this.alertTopic.grantPublish(this.instantAlertFunction);
    // Stream reads, granted by hand: the event source helper would grant dynamodb:ListStreams on "*".
    const streamRead = new iam.Policy(this, 'InstantAlertsStreamRead', {
      statements: [
        new iam.PolicyStatement({
          actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          resources: [this.table.tableStreamArn as string],
        }),
        new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: [`${this.table.tableArn}/stream/*`] }),
      ],
    });
    this.instantAlertFunction.role?.attachInlinePolicy(streamRead);
    const tableLogicalId = stack.getLogicalId(this.table.node.defaultChild as CfnElement);
    Validations.of(streamRead).acknowledge({
      // cdk-nag names the finding with the wildcard resource, so exactly that one is acknowledged.
      id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/stream/*]`,
      reason:
        "dynamodb:ListStreams is authorized on the table's stream collection (<table ARN>/stream/*), as AWS documents for Lambda stream consumers; the reads themselves are granted on the one stream ARN.",
    });
    const mapping = this.instantAlertFunction.addEventSourceMapping('TableStream', {
      eventSourceArn: this.table.tableStreamArn,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 100,
      // Only the beats that open or end an outage invoke the function; ordinary beats cost nothing.
      filters: INSTANT_ALERT_FILTERS.map((pattern) => ({ pattern: JSON.stringify(pattern) })),
      // The device record is the outbox: what this consumer misses, the next sweep announces. So a
      // failing batch is retried briefly and then left behind, never allowed to block the shard.
      retryAttempts: 2,
      maxRecordAge: Duration.minutes(1),
    });
    // Lambda checks the role can read the stream when the mapping is created.
    mapping.node.addDependency(streamRead);

    new events.Rule(this, 'SweepSchedule', {
      description: `Starts the heartbeat sweeper every minute; it sweeps every ${settings.sweepEverySeconds} s inside`,
      schedule: events.Schedule.rate(Duration.seconds(DEPLOYMENT.sweepScheduleSeconds)),
      targets: [new targets.LambdaFunction(this.sweeperFunction, { retryAttempts: 0 })],
    });

    this.managementFunction = new HeartbeatFunction(this, 'Management', {
      entry: path.join(HANDLERS_DIR, 'management.ts'),
      description: 'Device management routes (IAM) and the public health route',
      memorySize: DEPLOYMENT.memoryMb.management,
      timeout: Duration.seconds(10),
      logRetention,
      // The health route reports the sweep period, so `heartbeat doctor` can tell a stopped sweep from a slow one.
      environment: settingsEnvironment('management', settings),
    });
    this.managementFunction.bindTable(this.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan']);
    // History: pages and uptime are Queries (table and the two indexes); pauses are written here.
    this.managementFunction.bindHistoryTable(this.historyTable, ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [FLEET_INDEX, GROUP_INDEX]);

    if (settings.frontDoor === 'functionUrl') {
      // No API Gateway: devices reach the ingest function directly (the handler routes by path and
      // checks tokens itself); reserved concurrency is the throttle. Health is public by contract,
      // so the ingest URL answers it too, with one read of the summary item and nothing else.
      const ingestUrl = this.ingestFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
      this.ingestFunction.addEnvironment(STACK_ENV.serveHealth, 'true');
      this.ingestFunction.addEnvironment(SETTINGS.sweepEverySeconds.lambda.env, String(settings.sweepEverySeconds));
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
    this.sweeperFunction.addEnvironment(STACK_ENV.apiUrl, pauseUrl);
    this.instantAlertFunction.addEnvironment(STACK_ENV.apiUrl, pauseUrl);

    this.alarms = new HeartbeatAlarms(this, 'Alarms', {
      ingestFunction: this.ingestFunction,
      sweeperFunction: this.sweeperFunction,
      instantAlertFunction: this.instantAlertFunction,
      sweeperTimeout,
      api: this.api?.api,
      table: this.table,
      provisionedCapacity: settings.billing === 'provisioned',
      opsTopic: this.opsTopic,
    });

    this.dashboard = new HeartbeatDashboard(this, 'Dashboard', {
      sweeperFunction: this.sweeperFunction,
      functions: {
        ingest: this.ingestFunction,
        sweeper: this.sweeperFunction,
        instantAlerts: this.instantAlertFunction,
        management: this.managementFunction,
      },
      ...(this.api ? { api: this.api.api } : {}),
    });

    if (settings.webhookUrl !== null || settings.slackWebhookSecret !== null || settings.pagerDutySecret !== null) {
      this.notifier = new HeartbeatNotifier(this, 'Notifier', {
        alertTopic: this.alertTopic,
        opsTopic: this.opsTopic,
        table: this.table,
        apiUrl: pauseUrl,
        webhookUrl: settings.webhookUrl ?? undefined,
        slackWebhookSecret: settings.slackWebhookSecret ?? undefined,
        pagerDutySecret: settings.pagerDutySecret ?? undefined,
        logRetention,
        removalPolicy,
      });
    }
  }
}

/** The setting props with the catalog's defaults applied, each checked once here so a bad value fails at synth with its name. */
type ResolvedSettings = { readonly [K in PropSettingKey]: SettingValue<K> };

function resolveSettings(props: HeartbeatMonitorProps): ResolvedSettings {
  refuseUnknownProps(props);
  const resolved: Record<string, unknown> = {};
  for (const key of PROP_SETTING_KEYS) {
    const spec = settingSpec(key);
    // A maximum may not be below its minimum (already resolved: the catalog lists the minimum first).
    const floor = spec.kind === 'integer' && spec.atLeast !== undefined ? (resolved[spec.atLeast] as number) : undefined;
    const given: unknown = givenProp(props, key);
    const value: unknown = given ?? (floor !== undefined && typeof spec.default === 'number' ? Math.max(spec.default, floor) : spec.default);
    // A token (a parameter, an import) is only known at deploy time: CloudFormation and the service check it then.
    const unresolved = typeof value === 'string' && Token.isUnresolved(value);
    const checked = floor !== undefined && spec.kind === 'integer' ? { ...spec, min: Math.max(spec.min, floor) } : spec;
    const problem = value === null || unresolved ? null : settingProblem(checked, key, value);
    if (problem !== null) throw new SettingError(`HeartbeatMonitor: ${problem}`);
    resolved[key] = value;
  }
  // A public function URL has no stage throttle: the ingest function's reserved concurrency is its only limit.
  if (resolved.frontDoor === 'functionUrl' && resolved.reserveConcurrency === false) {
    throw new SettingError(
      'HeartbeatMonitor: frontDoor functionUrl is throttled by the ingest function\'s reserved concurrency, so it needs reserveConcurrency true; on an account too small to reserve concurrency, keep frontDoor httpApi (its stage throttles).',
    );
  }
  return resolved as ResolvedSettings;
}

/**
 * The value given for a setting, under its own name or its `-c` context name (the contract names the
 * options by the latter: `sweepEvery`). Both names with different values is a mistake, said at synth.
 */
function givenProp(props: HeartbeatMonitorProps, key: PropSettingKey): unknown {
  const byKey: unknown = props[key];
  const alias = contextKey(key);
  if (alias === key) return byKey;
  const byAlias: unknown = (props as Record<string, unknown>)[alias];
  if (byKey !== undefined && byAlias !== undefined && byKey !== byAlias) {
    throw new SettingError(`HeartbeatMonitor: ${key} and ${alias} name the same setting; give one of them (got ${JSON.stringify(byKey)} and ${JSON.stringify(byAlias)}).`);
  }
  return byKey ?? byAlias;
}

/**
 * Refuses a prop the construct does not know: from JavaScript, or from a test that is not type
 * checked, a misspelt option (`sweepEverySecond`) would otherwise be ignored and deploy the default.
 */
function refuseUnknownProps(props: HeartbeatMonitorProps): void {
  const known = new Set<string>([...CDK_ONLY_PROPS, ...PROP_SETTING_KEYS, ...PROP_SETTING_KEYS.map((key) => contextKey(key))]);
  const unknown = Object.keys(props).filter((name) => !known.has(name) && (props as Record<string, unknown>)[name] !== undefined);
  if (unknown.length > 0) {
    throw new SettingError(`HeartbeatMonitor: unknown prop ${unknown.map((name) => `"${name}"`).join(', ')}; the props are: ${[...known].sort().join(', ')}.`);
  }
}

/** The Lambda environment variables of the settings the catalog sets on `role`'s function. */
function settingsEnvironment(role: FunctionRole, settings: ResolvedSettings): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const key of PROP_SETTING_KEYS) {
    const spec = settingSpec(key);
    const value = settings[key];
    if (spec.lambda?.setOn.includes(role) && value !== null) environment[spec.lambda.env] = String(value);
  }
  return environment;
}
