/**
 * The CloudWatch dashboard on-call opens first: the fleet as the sweep counts it (EMF metrics of the
 * namespace HeartbeatMonitor), alerts, sweep duration, the API's 4xx/5xx and latency, and the
 * functions' errors and throttles. Metrics only: a dashboard costs $3 a month, whatever it shows.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SWEEP_METRICS_SERVICE } from '../lambdas/adapters/emf-sweep-metrics';

/** Props of the dashboard. */
export interface HeartbeatDashboardProps {
  /** Emits the sweep metrics (EMF); its duration is shown beside them. */
  readonly sweeperFunction: lambda.IFunction;
  /** Every function of the stack, for errors and throttles, by the name the widgets show. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The HTTP API; absent with the function-URL front door (no API Gateway metrics then). */
  readonly api?: apigw.IHttpApi;
}

const PERIOD = Duration.minutes(1);

/** One metric of the sweep, as the EMF documents of lambdas/adapters/emf-sweep-metrics.ts carry it. */
function sweepMetric(metricName: string, statistic: string, label: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SWEEP_METRICS_SERVICE }, statistic, period: PERIOD, label });
}

/** The stack's CloudWatch dashboard. */
export class HeartbeatDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: HeartbeatDashboardProps) {
    super(scope, id);
    const width = 8;
    const fleet = new cloudwatch.GraphWidget({
      title: 'Fleet (devices by status, each sweep)',
      width,
      left: [
        sweepMetric('DevicesUp', cloudwatch.Stats.MAXIMUM, 'up'),
        sweepMetric('DevicesDown', cloudwatch.Stats.MAXIMUM, 'down'),
        sweepMetric('DevicesPaused', cloudwatch.Stats.MAXIMUM, 'paused'),
        sweepMetric('DevicesNew', cloudwatch.Stats.MAXIMUM, 'new'),
      ],
    });
    const down = new cloudwatch.SingleValueWidget({
      title: 'Down now',
      width: 4,
      metrics: [sweepMetric('DevicesDown', cloudwatch.Stats.MAXIMUM, 'down')],
    });
    const alerts = new cloudwatch.GraphWidget({
      title: 'Outages and alerts (per minute)',
      width,
      left: [
        sweepMetric('WentDown', cloudwatch.Stats.SUM, 'went down'),
        sweepMetric('AlertsPublished', cloudwatch.Stats.SUM, 'alerts published'),
        sweepMetric('AlertFailures', cloudwatch.Stats.SUM, 'alerts not delivered (retried)'),
      ],
    });
    const sweep = new cloudwatch.GraphWidget({
      title: 'Sweep duration (ms)',
      width: 4 + width,
      left: [sweepMetric('SweepDurationMs', cloudwatch.Stats.MAXIMUM, 'slowest sweep'), sweepMetric('SweepDurationMs', cloudwatch.Stats.AVERAGE, 'average sweep')],
      right: [props.sweeperFunction.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'sweeper invocation' })],
    });
    const rows: cloudwatch.IWidget[][] = [[down, fleet, alerts], [sweep]];

    if (props.api) {
      const api = props.api;
      rows.push([
        new cloudwatch.GraphWidget({
          title: 'API errors (per minute)',
          width: 12,
          left: [api.metricClientError({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: '4xx' }), api.metricServerError({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: '5xx' })],
        }),
        new cloudwatch.GraphWidget({
          title: 'API latency (ms)',
          width: 12,
          left: [
            api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.percentile(50), label: 'p50' }),
            api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.percentile(99), label: 'p99' }),
          ],
        }),
      ]);
    }

    const entries = Object.entries(props.functions);
    rows.push([
      new cloudwatch.GraphWidget({
        title: 'Function errors (per minute)',
        width: 12,
        left: entries.map(([name, fn]) => fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: name })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Function throttles (per minute)',
        width: 12,
        left: entries.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: name })),
      }),
    ]);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { widgets: rows, defaultInterval: Duration.hours(3) });
  }
}
