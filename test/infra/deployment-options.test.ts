/**
 * The deployment options of the contract's "Deployment" section, each asserted on the template:
 * `sweepEvery` (sub-minute sweeps inside the one-minute schedule), `frontDoor=functionUrl`,
 * `billing=provisioned` with auto scaling and its throttle alarm, and the dual-stack HTTP API.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { actionsOf, buildHeartbeatStack, logicalId, roleIdOf, roleStatements } from './support';

const envOf = (template: ReturnType<typeof buildHeartbeatStack>['template'], functionId: string) =>
  (template.toJSON().Resources[functionId] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;

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

  it.each(['9', '61', 'often'])('refuses -c sweepEvery=%s, naming the setting', (value) => {
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
