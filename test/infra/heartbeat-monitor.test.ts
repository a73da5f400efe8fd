/**
 * Proves that the HeartbeatMonitor construct's props reach the resources they document, and that a
 * bad prop fails synthesis with a message naming it. The construct sits in a bare stack here.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { HeartbeatMonitor, type HeartbeatMonitorProps } from '../../lib/heartbeat-monitor';
import { roleIdOf, testApp } from './support';

function build(props: HeartbeatMonitorProps = {}): { monitor: HeartbeatMonitor; template: Template } {
  const stack = new Stack(testApp(), 'Bare');
  const monitor = new HeartbeatMonitor(stack, 'Monitor', props);
  return { monitor, template: Template.fromStack(stack) };
}

describe('HeartbeatMonitor defaults', () => {
  it('lets the grace follow the interval: DEFAULT_GRACE_SECONDS is not set', () => {
    const { template } = build();
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      const variables = (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
      expect(variables).toMatchObject({ DEFAULT_INTERVAL_SECONDS: '60', RETENTION_DAYS: '30' });
      expect(variables).not.toHaveProperty('DEFAULT_GRACE_SECONDS');
    }
  });

  it('tells the management function the sweep period (15 s by default), which the health route reports', () => {
    // Prepare
    const { monitor, template } = build();
    // Act
    const management = template.findResources('AWS::Lambda::Function', { Properties: { Role: { 'Fn::GetAtt': [roleIdOf(monitor.managementFunction), 'Arn'] } } });
    // Assess
    expect(Object.values(management)).toHaveLength(1);
    expect(Object.values(management)[0]).toMatchObject({ Properties: { Environment: { Variables: { SWEEP_EVERY_SECONDS: '15' } } } });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('exposes its resources as properties, with an apiUrl on the default stage', () => {
    const { monitor } = build();
    expect(monitor.table).toBeDefined();
    expect(monitor.signingSecret).toBeDefined();
    expect(monitor.alertTopic).not.toBe(monitor.opsTopic);
    expect(monitor.apiUrl).toBe(monitor.api?.stage.url);
    expect(monitor.api?.stage.stageName).toBe('$default');
  });
});

describe('HeartbeatMonitor props', () => {
  it('passes interval, grace and retention to every function', () => {
    const { template } = build({ defaultIntervalSeconds: 300, defaultGraceSeconds: 0, retentionDays: 7 });
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    for (const fn of functions) {
      expect(fn).toMatchObject({
        Properties: { Environment: { Variables: { DEFAULT_INTERVAL_SECONDS: '300', DEFAULT_GRACE_SECONDS: '0', RETENTION_DAYS: '7' } } },
      });
    }
  });

  it('sets the stage throttle and the ingest reserved concurrency', () => {
    const { monitor, template } = build({ throttleRateLimit: 50, throttleBurstLimit: 100, ingestReservedConcurrency: 20 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleIdOf(monitor.ingestFunction), 'Arn'] },
      ReservedConcurrentExecutions: 20,
    });
  });

  it('applies the removal policy to the table and the secret', () => {
    const { template } = build({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });

  it('applies logRetention to function and access logs', () => {
    const { template } = build({ logRetention: logs.RetentionDays.ONE_WEEK });
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(5);
    for (const group of groups) expect(group).toMatchObject({ Properties: { RetentionInDays: 7 } });
  });

  it('subscribes nothing without alertEmail', () => {
    build().template.resourceCountIs('AWS::SNS::Subscription', 0);
    build({ alertEmail: 'ops@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      FilterPolicy: Match.absent(),
    });
  });

  it.each([
    [{ defaultIntervalSeconds: 4 }, /defaultIntervalSeconds must be a whole number from 5 to 86400, got 4/],
    [{ defaultGraceSeconds: 86_401 }, /defaultGraceSeconds must be a whole number from 0 to 86400/],
    [{ retentionDays: 2 }, /retentionDays must be a whole number from 3/],
    [{ sweepSegments: 1.5 }, /sweepSegments must be a whole number/],
    [{ stormThreshold: -1 }, /stormThreshold must be a whole number from 0/],
    [{ throttleRateLimit: 0 }, /throttleRateLimit must be a positive number/],
    [{ ingestReservedConcurrency: 0 }, /ingestReservedConcurrency must be a whole number from 1/],
  ] as const)('rejects %o with a message naming the prop', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
