/**
 * The deployment options of the contract's "Deployment" section, each asserted on the template:
 * `sweepEvery` (sub-minute sweeps inside the one-minute schedule), `frontDoor=functionUrl`,
 * `billing=provisioned` with auto scaling and its throttle alarm, and the dual-stack HTTP API.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HeartbeatMonitor, type HeartbeatMonitorProps } from '../../lib/heartbeat-monitor';
import { actionsOf, buildHeartbeatStack, logicalId, roleIdOf, roleStatements, testApp } from './support';

const envOf = (template: ReturnType<typeof buildHeartbeatStack>['template'], functionId: string) =>
  (template.toJSON().Resources[functionId] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;

describe('the contract\'s deploy line: npx cdk deploy -c alertEmail=oncall@example.com', () => {
  it('creates one stack with the outputs ApiUrl, AlertTopicArn, TableName and SigningSecretArn, and subscribes the address', () => {
    // Act
    const { template } = buildHeartbeatStack({ alertEmail: 'oncall@example.com' });
    // Assess
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['AlertTopicArn', 'ApiUrl', 'SigningSecretArn', 'TableName']);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('adds ManagementUrl, and only it, with -c frontDoor=functionUrl', () => {
    // Act
    const { template } = buildHeartbeatStack({ alertEmail: 'oncall@example.com', frontDoor: 'functionUrl' });
    // Assess
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['AlertTopicArn', 'ApiUrl', 'ManagementUrl', 'SigningSecretArn', 'TableName']);
  });
});

describe('sweepEvery', () => {
  it('defaults to 15 s: the sweeper sweeps 4 times a minute and health reports it', () => {
    // Act
    const { stack, template } = buildHeartbeatStack();
    // Assess
    const m = stack.monitor;
    expect(envOf(template, logicalId(m.sweeperFunction)).SWEEP_EVERY_SECONDS).toBe('15');
    expect(envOf(template, logicalId(m.managementFunction)).SWEEP_EVERY_SECONDS).toBe('15');
  });

  it.each([
    ['15', '15'],
    ['60', '60'],
    ['10', '10'],
  ])('-c sweepEvery=%s sets the period; the schedule stays one minute and the timeout leaves the last sweep a minute', (value, expected) => {
    // Act
    const { stack, template } = buildHeartbeatStack({ sweepEvery: value });
    // Assess
    const sweeper = logicalId(stack.monitor.sweeperFunction);
    expect(envOf(template, sweeper).SWEEP_EVERY_SECONDS).toBe(expected);
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: Match.absent(), Timeout: 120, Environment: { Variables: Match.objectLike({ SWEEP_EVERY_SECONDS: expected }) } });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeper, 'Arn'] } })],
    });
  });

  it('accepts a number from cdk.json as well as a -c string', () => {
    // Act
    const { stack, template } = buildHeartbeatStack({ sweepEvery: 30 });
    // Assess
    expect(envOf(template, logicalId(stack.monitor.sweeperFunction)).SWEEP_EVERY_SECONDS).toBe('30');
  });

  it.each(['9', '61', 'often', '15.5'])('refuses -c sweepEvery=%s, naming the setting', (value) => {
    // Act
    const build = () => buildHeartbeatStack({ sweepEvery: value });
    // Assess
    expect(build).toThrow(/sweepEvery/);
  });
});

describe('frontDoor', () => {
  it('defaults to a dual-stack HTTP API and no function URL', () => {
    // Act
    const { template } = buildHeartbeatStack();
    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', IpAddressType: 'dualstack' });
    template.resourceCountIs('AWS::Lambda::Url', 0);
    expect(Object.keys(template.findOutputs('ManagementUrl'))).toEqual([]);
  });

  it('-c frontDoor=functionUrl: a public ingest URL, an IAM management URL, no API Gateway, output ManagementUrl', () => {
    // Act
    const { stack, template } = buildHeartbeatStack({ frontDoor: 'functionUrl' });
    // Assess
    const m = stack.monitor;
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    template.resourceCountIs('AWS::Lambda::Url', 2);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [logicalId(m.ingestFunction), 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [logicalId(m.managementFunction), 'Arn'] } });
    // Anyone may call the public URL (the handler checks tokens), and only through the URL: the
    // two statements AWS requires for a public function URL, both on ingest and nothing else public.
    const publicPermissions = Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '*' } })).map(
      (p) => (p as { Properties: Record<string, unknown> }).Properties,
    );
    const ingestArn = { 'Fn::GetAtt': [logicalId(m.ingestFunction), 'Arn'] };
    expect(publicPermissions).toEqual(
      expect.arrayContaining([
        { Action: 'lambda:InvokeFunctionUrl', FunctionName: ingestArn, Principal: '*', FunctionUrlAuthType: 'NONE' },
        { Action: 'lambda:InvokeFunction', FunctionName: ingestArn, Principal: '*', InvokedViaFunctionUrl: true },
      ]),
    );
    expect(publicPermissions).toHaveLength(2);
    expect(Object.keys(template.findOutputs('ManagementUrl'))).toEqual(['ManagementUrl']);
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestFunctionUrl'), 'FunctionUrl'] } });
  });

  it('-c frontDoor=functionUrl: reserved concurrency throttles ingest, which may read the summary item and nothing else', () => {
    // Act
    const { stack, template } = buildHeartbeatStack({ frontDoor: 'functionUrl' });
    // Assess
    const m = stack.monitor;
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 100, Environment: { Variables: Match.objectLike({ SERVE_HEALTH: 'true' }) } });
    const statements = roleStatements(template, roleIdOf(m.ingestFunction)).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    expect(statements.map((s) => [actionsOf([s]), s.Condition ?? null])).toEqual([
      [['dynamodb:UpdateItem'], null],
      [['dynamodb:GetItem'], { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['#summary'] } }],
    ]);
  });

  it('-c frontDoor=functionUrl refuses -c reserveConcurrency=false: the reserved concurrency is its only throttle', () => {
    // Act
    const unthrottled = () => buildHeartbeatStack({ frontDoor: 'functionUrl', reserveConcurrency: 'false' });
    // Assess
    expect(unthrottled).toThrow(/frontDoor functionUrl is throttled by the ingest function's reserved concurrency, so it needs reserveConcurrency true/);
  });

  it('refuses an unknown front door', () => {
    // Act
    const build = () => buildHeartbeatStack({ frontDoor: 'restApi' });
    // Assess
    expect(build).toThrow(/frontDoor must be one of httpApi, functionUrl/);
  });
});

describe('billing', () => {
  it('defaults to on-demand with no scaling resources', () => {
    // Act
    const { template } = buildHeartbeatStack();
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST' });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  it('-c billing=provisioned: capacity auto scaled between min and max at 70 % utilization', () => {
    // Act
    const { template } = buildHeartbeatStack({ billing: 'provisioned', minWriteCapacity: '20', maxWriteCapacity: '4000' });
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: Match.absent(),
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 20 },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
      MinCapacity: 20,
      MaxCapacity: 4000,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { ScalableDimension: 'dynamodb:table:ReadCapacityUnits', MinCapacity: 5, MaxCapacity: 1000 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'DynamoDBWriteCapacityUtilization' }, TargetValue: 70 },
    });
  });

  it('-c billing=provisioned alone scales writes and reads between the defaults 5 and 1000', () => {
    // Act
    const { template } = buildHeartbeatStack({ billing: 'provisioned' });
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 2);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { ScalableDimension: 'dynamodb:table:WriteCapacityUnits', MinCapacity: 5, MaxCapacity: 1000 });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
  });

  it('-c billing=onDemand is the default, spelt out: no capacity, no scaling, no throttle alarm', () => {
    // Act
    const { template } = buildHeartbeatStack({ billing: 'onDemand', minWriteCapacity: '20' });
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST', ProvisionedThroughput: Match.absent(), StreamSpecification: Match.anyValue() });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'WriteThrottleEvents' } }))).toEqual([]);
  });

  it('-c billing=provisioned: an alarm on throttled writes notifies the ops topic', () => {
    // Act
    const { stack, template } = buildHeartbeatStack({ billing: 'provisioned' });
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WriteThrottleEvents',
      Namespace: 'AWS/DynamoDB',
      Dimensions: [{ Name: 'TableName', Value: { Ref: logicalId(stack.monitor.table) } }],
      Threshold: 1,
      AlarmActions: [{ Ref: logicalId(stack.monitor.opsTopic) }],
    });
  });

  it('refuses a maximum below the minimum, and an unknown billing', () => {
    // Act
    const inverted = () => buildHeartbeatStack({ billing: 'provisioned', minWriteCapacity: '50', maxWriteCapacity: '10' });
    const unknown = () => buildHeartbeatStack({ billing: 'reserved' });
    // Assess
    expect(inverted).toThrow(/maxWriteCapacity/);
    expect(unknown).toThrow(/billing must be one of onDemand, provisioned/);
  });
});

describe('instant alerts', () => {
  it('streams new and old images of the device table', () => {
    // Act
    const { template } = buildHeartbeatStack();
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });

  it('maps the stream to the consumer with filter criteria that only the beat reaching the failThreshold and the recovering beats match', () => {
    // Act
    const { stack, template } = buildHeartbeatStack();
    // Assess
    const m = stack.monitor;
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as { Properties: Record<string, any>; DependsOn?: string[] };
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(m.table), 'StreamArn'] },
      FunctionName: { Ref: logicalId(m.instantAlertFunction) },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumRetryAttempts: 2,
      MaximumRecordAgeInSeconds: 60,
    });
    const patterns = mapping.Properties.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern));
    expect(patterns).toEqual([
      {
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: {
          NewImage: { fl: { N: ['0'] }, ds: { N: [{ exists: false }] }, p: { BOOL: [{ exists: false }] } },
        },
      },
      {
        eventName: ['MODIFY'],
        dynamodb: {
          NewImage: { st: { S: ['up'] }, ds: { N: [{ exists: true }] }, p: { BOOL: [{ exists: false }] } },
          OldImage: { st: { S: ['down'] } },
        },
      },
      {
        eventName: ['MODIFY'],
        dynamodb: {
          NewImage: { st: { S: ['up'] }, fl: { N: [{ exists: false }] }, ds: { N: [{ exists: true }] }, p: { BOOL: [{ exists: false }] } },
          OldImage: { fl: { N: [{ exists: true }] } },
        },
      },
      {
        eventName: ['MODIFY'],
        dynamodb: {
          NewImage: { st: { S: ['up'] }, fl: { N: [{ exists: false }] }, ds: { N: [{ exists: false }] }, p: { BOOL: [{ exists: false }] } },
          OldImage: { fl: { N: [{ exists: true }] } },
        },
      },
    ]);
    // The mapping is created only once the role may read the stream.
    expect(mapping.DependsOn?.some((id) => id.includes('InstantAlertsStreamRead'))).toBe(true);
  });

  it('grants the consumer the stream reads on its stream, GetItem (the maintenance windows) and UpdateItem on the table, publish on the alert topic and its own logs, nothing else; an alarm watches its errors', () => {
    // Act
    const { stack, template } = buildHeartbeatStack();
    // Assess
    const m = stack.monitor;
    const statements = roleStatements(template, roleIdOf(m.instantAlertFunction));
    const byActions = Object.fromEntries(statements.map((s) => [actionsOf([s]).join(','), s.Resource]));
    expect(byActions).toEqual({
      'dynamodb:GetItem,dynamodb:UpdateItem': { 'Fn::GetAtt': [logicalId(m.table), 'Arn'] },
      // The outbox records the outages it announces and settles (test/infra/history.test.ts).
      'dynamodb:PutItem,dynamodb:UpdateItem': { 'Fn::GetAtt': [logicalId(m.historyTable), 'Arn'] },
      'sns:Publish': { Ref: logicalId(m.alertTopic) },
      'dynamodb:DescribeStream,dynamodb:GetRecords,dynamodb:GetShardIterator': { 'Fn::GetAtt': [logicalId(m.table), 'StreamArn'] },
      'dynamodb:ListStreams': { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(m.table), 'Arn'] }, '/stream/*']] },
      'logs:CreateLogStream,logs:PutLogEvents': { 'Fn::GetAtt': [expect.stringMatching(/^MonitorInstantAlertsLogGroup/), 'Arn'] },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(m.instantAlertFunction) } }],
      AlarmActions: [{ Ref: logicalId(m.opsTopic) }],
    });
    expect(envOf(template, logicalId(m.instantAlertFunction))).toMatchObject({ ALERT_TOPIC_ARN: { Ref: logicalId(m.alertTopic) }, TABLE_NAME: { Ref: logicalId(m.table) } });
  });
});

/** The monitor in a bare stack, configured by construct props as a stack of the user's own would. */
function buildMonitor(props: HeartbeatMonitorProps): { monitor: HeartbeatMonitor; template: Template } {
  const stack = new Stack(testApp(), 'Own');
  const monitor = new HeartbeatMonitor(stack, 'Monitor', props);
  return { monitor, template: Template.fromStack(stack) };
}

describe('the deployment options as construct props', () => {
  it('sweepEvery (the contract\'s name) and sweepEverySeconds both set the sweep period', () => {
    // Act
    const byContractName = buildMonitor({ sweepEvery: 20 });
    const byCatalogName = buildMonitor({ sweepEverySeconds: 40 });
    // Assess
    expect(envOf(byContractName.template, logicalId(byContractName.monitor.sweeperFunction)).SWEEP_EVERY_SECONDS).toBe('20');
    expect(envOf(byCatalogName.template, logicalId(byCatalogName.monitor.sweeperFunction)).SWEEP_EVERY_SECONDS).toBe('40');
  });

  it('refuses sweepEvery out of 10 to 60, and both names with different values', () => {
    // Act
    const tooOften = () => buildMonitor({ sweepEvery: 5 });
    const both = () => buildMonitor({ sweepEvery: 20, sweepEverySeconds: 30 });
    // Assess
    expect(tooOften).toThrow(/sweepEverySeconds must be a whole number from 10 to 60, got 5/);
    expect(both).toThrow(/sweepEverySeconds and sweepEvery name the same setting/);
  });

  it("frontDoor: 'functionUrl' replaces the HTTP API with two function URLs, management on IAM", () => {
    // Act
    const { monitor, template } = buildMonitor({ frontDoor: 'functionUrl' });
    // Assess
    expect(monitor.api).toBeUndefined();
    expect(monitor.managementUrl).toBeDefined();
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [logicalId(monitor.managementFunction), 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [logicalId(monitor.ingestFunction), 'Arn'] } });
  });

  it("frontDoor: 'httpApi' (the default) is a dual-stack HTTP API and no function URL", () => {
    // Act
    const { monitor, template } = buildMonitor({ frontDoor: 'httpApi' });
    // Assess
    expect(monitor.managementUrl).toBeUndefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', IpAddressType: 'dualstack' });
    template.resourceCountIs('AWS::Lambda::Url', 0);
  });

  it("billing: 'provisioned' with minWriteCapacity and maxWriteCapacity auto scales writes between them", () => {
    // Act
    const { template } = buildMonitor({ billing: 'provisioned', minWriteCapacity: 10, maxWriteCapacity: 200 });
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', { ProvisionedThroughput: { WriteCapacityUnits: 10, ReadCapacityUnits: 5 } });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { ScalableDimension: 'dynamodb:table:WriteCapacityUnits', MinCapacity: 10, MaxCapacity: 200 });
  });

  it('refuses a value outside the choices, naming the prop and the choices', () => {
    // Act (a value from JavaScript, or a test that is not type checked)
    const door = () => buildMonitor({ frontDoor: 'restApi' } as unknown as HeartbeatMonitorProps);
    const billing = () => buildMonitor({ billing: 'reserved' } as unknown as HeartbeatMonitorProps);
    // Assess
    expect(door).toThrow(/frontDoor must be one of httpApi, functionUrl/);
    expect(billing).toThrow(/billing must be one of onDemand, provisioned/);
  });

  it.each([
    [{ repeatEvery: 600 }, 'REPEAT_EVERY_SECONDS', '600'],
    [{ failThreshold: 3 }, 'DEFAULT_FAIL_THRESHOLD', '3'],
    [{ recoverAfter: 120 }, 'DEFAULT_RECOVER_AFTER_SECONDS', '120'],
  ] as const)('accepts the -c name %o as a prop as well, reaching the sweeper as %s', (props, variable, value) => {
    // Act
    const { monitor, template } = buildMonitor(props);
    // Assess
    expect(envOf(template, logicalId(monitor.sweeperFunction))[variable]).toBe(value);
  });

  it('refuses a prop it does not know, instead of deploying the default unnoticed', () => {
    // Act
    const misspelt = () => buildMonitor({ sweepEverySecond: 30 } as unknown as HeartbeatMonitorProps);
    // Assess
    expect(misspelt).toThrow(/unknown prop "sweepEverySecond"; the props are: .*sweepEvery, sweepEverySeconds/);
  });
});

describe('the CDK app (bin/app.ts), as cdk synth runs it', () => {
  it.each([
    [{ frontDoor: 'restApi' }, 'error: HeartbeatMonitor: frontDoor must be one of httpApi, functionUrl, got "restApi".'],
    [{ sweepEvery: 'often' }, 'error: Context value "sweepEvery" must be a whole number, got "often" (set it with -c sweepEvery=...).'],
  ])('refuses the bad option %j in one line and exits 1, writing nothing', (context, line) => {
    // Prepare: the CLI hands the app its -c values in CDK_CONTEXT_JSON.
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const out = mkdtempSync(join(tmpdir(), 'heartbeat-app-'));
    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bin/app.ts')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify({ ...context, 'aws:cdk:bundling-stacks': [] }) },
      timeout: 120_000,
    });
    const written = readdirSync(out);
    rmSync(out, { recursive: true, force: true });
    // Assess
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toBe(`${line}\n`);
    expect(written).toEqual([]);
  }, 120_000);
});
