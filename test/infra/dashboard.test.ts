/**
 * The CloudWatch dashboard and the sweep metrics' permissions in the template: the dashboard shows
 * the fleet counts, alerts and sweep duration of the EMF namespace HeartbeatMonitor, the API's 4xx,
 * 5xx and latency, and every function's errors and throttles; the metrics need no PutMetricData
 * grant (EMF goes through the sweeper's own log writes, which it has).
 */
import { describe, expect, it } from 'vitest';
import { SWEEP_METRIC_NAMES } from '../../lambdas/adapters/emf-sweep-metrics';
import { actionsOf, allIdentityStatements, buildHeartbeatStack, logicalId, roleIdOf, roleStatements } from './support';

/** The dashboard body as one string (CloudFormation joins it from text and references). */
function dashboardBody(template: ReturnType<typeof buildHeartbeatStack>['template']): string {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardBody: unknown } }[];
  expect(dashboards).toHaveLength(1);
  return JSON.stringify(dashboards[0]?.Properties.DashboardBody);
}

describe('HeartbeatMonitor CloudWatch dashboard', () => {
  const { stack, template } = buildHeartbeatStack();
  const body = dashboardBody(template);

  it('graphs every sweep metric of the namespace HeartbeatMonitor, by the sweeper service dimension', () => {
    // Assess
    for (const name of SWEEP_METRIC_NAMES) expect(body, name).toMatch(new RegExp(`\\\\"HeartbeatMonitor\\\\",\\\\"${name}\\\\",\\\\"service\\\\",\\\\"sweeper\\\\"`));
  });

  it("graphs the API's 4xx, 5xx and latency", () => {
    // Assess
    for (const metric of ['4xx', '5xx', 'Latency']) expect(body, metric).toContain(`\\"AWS/ApiGateway\\",\\"${metric}\\"`);
  });

  it('graphs errors and throttles of every function', () => {
    // Assess
    const m = stack.monitor;
    for (const fn of [m.ingestFunction, m.sweeperFunction, m.instantAlertFunction, m.managementFunction]) {
      const ref = JSON.stringify({ Ref: logicalId(fn) });
      const count = body.split(ref).length - 1;
      // Errors, throttles (and, for the sweeper, its duration).
      expect(count, logicalId(fn)).toBeGreaterThanOrEqual(2);
    }
    expect(body).toContain('\\"AWS/Lambda\\",\\"Errors\\"');
    expect(body).toContain('\\"AWS/Lambda\\",\\"Throttles\\"');
  });

  it('has no API Gateway widgets with the function-URL front door', () => {
    // Act
    const { template: urls } = buildHeartbeatStack({ frontDoor: 'functionUrl' });

    // Assess
    const urlsBody = dashboardBody(urls);
    expect(urlsBody).not.toContain('AWS/ApiGateway');
    expect(urlsBody).toContain('DevicesDown');
  });
});

describe('permissions of the sweep metrics', () => {
  const { stack, template } = buildHeartbeatStack();

  it('needs no cloudwatch:PutMetricData anywhere: EMF goes through the log group', () => {
    // Assess
    expect(actionsOf(allIdentityStatements(template)).filter((action) => action.startsWith('cloudwatch:'))).toEqual([]);
  });

  it('lets the sweeper write its own log group, where its EMF documents go', () => {
    // Assess
    const logWrites = roleStatements(template, roleIdOf(stack.monitor.sweeperFunction)).filter((s) => actionsOf([s]).includes('logs:PutLogEvents'));
    expect(logWrites).toHaveLength(1);
    expect(JSON.stringify(logWrites[0]?.Resource)).toMatch(/SweeperLogGroup/);
  });
});
