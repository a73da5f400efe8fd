/**
 * Operational alarms: the signals that the monitor itself is unhealthy. They notify the ops topic,
 * never the alert topic, whose subscribers parse device alerts.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Props of the alarm set. */
export interface HeartbeatAlarmsProps {
  /** The function that records beats. */
  readonly ingestFunction: lambda.IFunction;
  /** The scheduled sweep function. */
  readonly sweeperFunction: lambda.IFunction;
  /** The table-stream consumer that announces fail beats and recoveries at once. */
  readonly instantAlertFunction: lambda.IFunction;
  /** The sweeper's timeout: the duration alarm fires at 80% of it. */
  readonly sweeperTimeout: Duration;
  /** The HTTP API whose 5xx answers are watched; none when devices use function URLs (the ingest alarms cover them). */
  readonly api?: apigw.HttpApi;
  /** The device table whose throttles and system errors are watched. */
  readonly table: dynamodb.ITable;
  /** The table has provisioned capacity: watch its write throttles on their own. */
  readonly provisionedCapacity?: boolean;
  /** Receives every alarm's ALARM and OK transitions. */
  readonly opsTopic: sns.ITopic;
}

const PERIOD = Duration.minutes(5);

/** The table operations the service performs; DynamoDB reports throttles and system errors per operation. */
const TABLE_OPERATIONS = [dynamodb.Operation.GET_ITEM, dynamodb.Operation.UPDATE_ITEM, dynamodb.Operation.DELETE_ITEM, dynamodb.Operation.SCAN];

/**
 * Sum of a per-operation table metric over the operations the service uses. DynamoDB publishes these
 * metrics only for periods in which they happened, and in metric math a missing term makes the whole
 * sum missing, so each term is FILLed with 0 (the aws-cdk-lib `...ForOperations` helpers do not, and
 * their alarm would only fire when every operation failed in the same period).
 */
function tableMetricSum(table: dynamodb.ITable, metricName: 'ThrottledRequests' | 'SystemErrors', options: cloudwatch.MetricOptions) {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  for (const operation of TABLE_OPERATIONS) {
    usingMetrics[operation.toLowerCase()] = table.metric(metricName, {
      ...options,
      dimensionsMap: { TableName: table.tableName, Operation: operation },
    });
  }
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label: `${metricName} on the device table`,
    period: options.period,
  });
}

/** The monitor's own health alarms. */
export class HeartbeatAlarms extends Construct {
  /** The sweeper threw or timed out: alerts may be late or missing. */
  public readonly sweeperErrors: cloudwatch.Alarm;
  /** The sweeper did not run for 5 minutes (schedule disabled, function broken or throttled): no alerts at all. */
  public readonly sweeperNotInvoked: cloudwatch.Alarm;
  /** A sweep took more than 80% of its timeout: the fleet is outgrowing the sweep. */
  public readonly sweeperDuration: cloudwatch.Alarm;
  /** The instant-alert consumer failed: fail and recovery alerts wait for the next sweep. */
  public readonly instantAlertErrors: cloudwatch.Alarm;
  /** The ingest function failed (not a 4xx: those are answers, not errors). */
  public readonly ingestErrors: cloudwatch.Alarm;
  /** Beats were refused because ingest hit its reserved concurrency. */
  public readonly ingestThrottles: cloudwatch.Alarm;
  /** The API answered 5xx; undefined without an HTTP API. */
  public readonly apiServerErrors?: cloudwatch.Alarm;
  /** Provisioned capacity only: writes (beats) were throttled, so auto scaling lags or hit its maximum. */
  public readonly tableWriteThrottles?: cloudwatch.Alarm;
  /** DynamoDB throttled requests on the device table. */
  public readonly tableThrottles: cloudwatch.Alarm;
  /** DynamoDB failed requests on its side (HTTP 500). */
  public readonly tableSystemErrors: cloudwatch.Alarm;
  /** Every alarm above. */
  public readonly all: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: HeartbeatAlarmsProps) {
    super(scope, id);
    const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
    const atLeast = (threshold: number) => ({
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means no traffic, which is not a failure (the sweeper has its own "not invoked" alarm).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.sweeperErrors = props.sweeperFunction.metricErrors(sum).createAlarm(this, 'SweeperErrors', {
      ...atLeast(1),
      alarmDescription: 'The sweeper failed at least once in 5 minutes: down/up alerts may be late or missing. See the sweeper log group.',
    });

    this.sweeperNotInvoked = props.sweeperFunction.metricInvocations(sum).createAlarm(this, 'SweeperNotInvoked', {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // A sweeper that never runs publishes no datapoints at all: silence is the failure here.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: 'The sweeper was not invoked for 5 minutes (schedule disabled or function throttled): no device alerts are being sent.',
    });

    const durationThresholdMs = Math.floor(props.sweeperTimeout.toMilliseconds() * 0.8);
    this.sweeperDuration = props.sweeperFunction
      .metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM })
      .createAlarm(this, 'SweeperDuration', {
        ...atLeast(durationThresholdMs),
        alarmDescription: `A sweep took at least ${durationThresholdMs} ms (80% of its timeout): raise sweepSegments or the sweeper's memory before sweeps time out.`,
      });

    this.instantAlertErrors = props.instantAlertFunction.metricErrors(sum).createAlarm(this, 'InstantAlertErrors', {
      ...atLeast(1),
      alarmDescription: 'The instant-alert consumer failed at least once in 5 minutes: fail and recovery alerts wait for the next sweep (sweepEvery). See its log group.',
    });

    this.ingestErrors = props.ingestFunction.metricErrors(sum).createAlarm(this, 'IngestErrors', {
      // A handful, not one: a single failed cold start should not wake anyone; devices retry their next beat.
      ...atLeast(5),
      alarmDescription: 'The ingest function failed at least 5 times in 5 minutes: beats are being lost.',
    });

    this.ingestThrottles = props.ingestFunction.metricThrottles(sum).createAlarm(this, 'IngestThrottles', {
      ...atLeast(1),
      alarmDescription: 'Ingest hit its reserved concurrency: beats were refused. Raise ingestReservedConcurrency or the stage throttle.',
    });

    this.apiServerErrors = props.api?.metricServerError(sum).createAlarm(this, 'ApiServerErrors', {
      ...atLeast(5),
      alarmDescription: 'The HTTP API answered 5xx at least 5 times in 5 minutes. See the API access logs (integrationError).',
    });

    // WriteThrottleEvents counts every throttled write unit, whatever the operation: the sign that
    // beats outran the provisioned capacity (auto scaling reacts in minutes, and stops at its maximum).
    this.tableWriteThrottles = props.provisionedCapacity
      ? props.table
          .metric('WriteThrottleEvents', { ...sum, period: Duration.minutes(1) })
          .createAlarm(this, 'TableWriteThrottles', {
            ...atLeast(1),
            evaluationPeriods: 3,
            datapointsToAlarm: 2,
            alarmDescription: 'Writes to the device table were throttled in 2 of 3 minutes: beats are being refused. Raise maxWriteCapacity, or switch to on-demand billing.',
          })
      : undefined;

    this.tableThrottles = tableMetricSum(props.table, 'ThrottledRequests', sum).createAlarm(this, 'TableThrottles', {
      ...atLeast(1),
      alarmDescription: 'DynamoDB throttled requests on the device table (on-demand table or account limit, or a hot partition).',
    });

    this.tableSystemErrors = tableMetricSum(props.table, 'SystemErrors', sum).createAlarm(this, 'TableSystemErrors', {
      ...atLeast(1),
      alarmDescription: 'DynamoDB answered requests on the device table with internal server errors.',
    });

    this.all = [
      this.sweeperErrors,
      this.sweeperNotInvoked,
      this.sweeperDuration,
      this.instantAlertErrors,
      this.ingestErrors,
      this.ingestThrottles,
      ...(this.apiServerErrors ? [this.apiServerErrors] : []),
      this.tableThrottles,
      ...(this.tableWriteThrottles ? [this.tableWriteThrottles] : []),
      this.tableSystemErrors,
    ];
    const action = new SnsAction(props.opsTopic);
    for (const alarm of this.all) {
      alarm.addAlarmAction(action);
      // Recovery is news too: the on-call person learns the incident is over without opening the console.
      alarm.addOkAction(action);
    }
  }
}
