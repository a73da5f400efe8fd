/**
 * SweepMetrics as CloudWatch metrics in the Embedded Metric Format, through Powertools for AWS
 * Lambda (Metrics): one EMF log line per sweep on standard output, which CloudWatch Logs turns into
 * metrics of the namespace `HeartbeatMonitor`. No `PutMetricData` call and no IAM grant beyond the
 * function's own log writes.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger, SweepMetrics } from '../core/ports';
import type { SweepReport } from '../core/sweep';

/** The namespace of every metric the service emits (the stack's dashboard reads it). */
export const METRICS_NAMESPACE = 'HeartbeatMonitor';
/** The `service` dimension Powertools adds to each metric of the sweep. */
export const SWEEP_METRICS_SERVICE = 'sweeper';

/** The metric names of one sweep, as the contract lists them. */
export const SWEEP_METRIC_NAMES = ['DevicesUp', 'DevicesDown', 'DevicesPaused', 'DevicesNew', 'WentDown', 'AlertsPublished', 'AlertFailures', 'SweepDurationMs'] as const;

/** Emits each sweep's figures as one EMF document. */
export class EmfSweepMetrics implements SweepMetrics {
  private readonly metrics: Metrics;

  constructor(private readonly logger: Logger) {
    this.metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SWEEP_METRICS_SERVICE });
  }

  record(report: SweepReport): void {
    try {
      const m = this.metrics;
      // Fleet counts only from a sweep that read the whole table: a partial one would show a false dip.
      if (!report.stoppedEarly && report.scanFailures === 0) {
        m.addMetric('DevicesUp', MetricUnit.Count, report.counts.up);
        m.addMetric('DevicesDown', MetricUnit.Count, report.counts.down);
        m.addMetric('DevicesPaused', MetricUnit.Count, report.counts.paused);
        m.addMetric('DevicesNew', MetricUnit.Count, report.counts.new);
      }
      m.addMetric('WentDown', MetricUnit.Count, report.wentDown);
      m.addMetric('AlertsPublished', MetricUnit.Count, report.alertsPublished);
      m.addMetric('AlertFailures', MetricUnit.Count, report.publishFailures);
      m.addMetric('SweepDurationMs', MetricUnit.Milliseconds, report.durationMs);
      m.publishStoredMetrics();
    } catch (error) {
      // Metrics must never cost an alert.
      this.logger.warn('sweep metrics not emitted', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
