/**
 * Proves that the stack passes cdk-nag's AWS Solutions rules (and CloudFormation schema validation)
 * with nothing left unacknowledged, that the check is live (a non-compliant resource is reported),
 * and that the acknowledgements are exactly the expected ones, narrowly placed, each with a reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { HeartbeatStack } from '../../lib/heartbeat-stack';
import { testApp } from './support';

const ALL_CHANNELS = { webhookUrl: 'https://hooks.example.com/heartbeat', slackWebhookSecret: 'heartbeat/slack', pagerDutySecret: 'heartbeat/pagerduty' };

// Synthesis with schema validation takes ~10 s alone, several times that on a loaded 2-core machine.
describe('cdk-nag AwsSolutions checks', { timeout: 180_000 }, () => {
  it('reports no unacknowledged error or warning for the heartbeat stack', () => {
    // Prepare: the app as bin/app.ts builds it, CloudFormation schema validation included. With
    // alertEmail and every delivery channel, the stack has every resource it can have (subscriptions, notifier, dead-letter queue).
    const app = testApp({ alertEmail: 'oncall@example.com', ...ALL_CHANNELS }, { cfnValidation: true });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new HeartbeatStack(app, 'HeartbeatMonitor');

    // Act: synthesis throws "Validation failed" when any plugin reports an error.
    const assembly = app.synth();

    // Assess: the written report holds no plugin report at all (warnings would appear there too) ...
    const reportFile = path.join(assembly.directory, 'validation-report.json');
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    // ... and a direct run of the rules over the tree finds no violation of any severity.
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it.each([
    [{ frontDoor: 'functionUrl' }],
    [{ billing: 'provisioned' }],
    [{ sweepEvery: '10' }],
    [{ frontDoor: 'functionUrl', billing: 'provisioned', sweepEvery: '60', alertEmail: 'oncall@example.com' }],
  ])('reports nothing for the variant %j', (context) => {
    // Prepare
    const app = testApp(context);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new HeartbeatStack(app, 'HeartbeatMonitor');
    // Act
    const violations = new AwsSolutionsChecks().validateScope(app).violations;
    // Assess
    expect(violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });

  it('reports a non-compliant resource, so the check above is live', () => {
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Throwaway');
    new sns.Topic(stack, 'TopicWithoutTls');

    // In-memory apps (NODE_ENV=test) throw the report itself; others throw "Validation failed".
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3|Validation failed/);
    const rules = new AwsSolutionsChecks().validateScope(app).violations.map((violation) => violation.ruleName);
    expect(rules).toContain('AwsSolutions-SNS3');
  });

  it('acknowledges only APIG4 on the seven public routes, SMG4 on the two secrets, SQS3 on the dead-letter queue and the stream-list wildcard, each with a reason', () => {
    // writeSuppressionsToCloudFormation copies each acknowledgement into the resource's Metadata.
    const app = testApp(ALL_CHANNELS);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
    const stack = new HeartbeatStack(app, 'HeartbeatMonitor');
    const resources = Template.fromStack(stack).toJSON().Resources as Record<
      string,
      { Type: string; Properties?: { RouteKey?: string }; Metadata?: { cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] } } }
    >;

    const acknowledged: string[] = [];
    for (const resource of Object.values(resources)) {
      for (const rule of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
        expect(rule.reason.length).toBeGreaterThan(60);
        acknowledged.push(`${rule.id} ${resource.Properties?.RouteKey ?? resource.Type}`);
      }
    }
    expect(acknowledged.sort()).toEqual([
      'AwsSolutions-APIG4 ANY /v1/health',
      'AwsSolutions-APIG4 ANY /v1/heartbeats',
      'AwsSolutions-APIG4 ANY /v1/heartbeats/{deviceId}',
      'AwsSolutions-APIG4 GET /v1/health',
      'AwsSolutions-APIG4 HEAD /v1/health',
      'AwsSolutions-APIG4 POST /v1/heartbeats',
      'AwsSolutions-APIG4 POST /v1/heartbeats/{deviceId}',
      'AwsSolutions-IAM5[Resource::<MonitorDevices3DA0B15A.Arn>/stream/*] AWS::IAM::Policy',
      'AwsSolutions-SMG4 AWS::SecretsManager::Secret',
      'AwsSolutions-SMG4 AWS::SecretsManager::Secret',
      'AwsSolutions-SQS3 AWS::SQS::Queue',
    ]);
  });
});
