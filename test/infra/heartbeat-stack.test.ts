/**
 * Proves that the deployable stack has the shape the contract and the design promise: the table's
 * key and lifecycle, the minute schedule, the routes and who may call them, least-privilege IAM,
 * TLS-only topics, throttled and access-logged stage, the alarms, the outputs, and context checks.
 * Bundling is skipped; these tests read the synthesized template only.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HeartbeatStack } from '../../lib/heartbeat-stack';
import { actionsOf, allIdentityStatements, asList, buildHeartbeatStack, logicalId, requireApi, roleIdOf, roleStatements } from './support';

let stack: HeartbeatStack;
let template: Template;
let ids: {
  table: string;
  secret: string;
  alertTopic: string;
  opsTopic: string;
  ingest: string;
  sweeper: string;
  management: string;
  ingestRole: string;
  sweeperRole: string;
  managementRole: string;
  accessLogs: string;
};

beforeAll(() => {
  ({ stack, template } = buildHeartbeatStack());
  const m = stack.monitor;
  ids = {
    table: logicalId(m.table),
    secret: logicalId(m.signingSecret),
    alertTopic: logicalId(m.alertTopic),
    opsTopic: logicalId(m.opsTopic),
    ingest: logicalId(m.ingestFunction),
    sweeper: logicalId(m.sweeperFunction),
    management: logicalId(m.managementFunction),
    ingestRole: roleIdOf(m.ingestFunction),
    sweeperRole: roleIdOf(m.sweeperFunction),
    managementRole: roleIdOf(m.managementFunction),
    accessLogs: logicalId(requireApi(m).accessLogGroup),
  };
});

const tableArn = () => ({ 'Fn::GetAtt': [ids.table, 'Arn'] });

describe('device table', () => {
  it('is keyed by pk alone, on demand, with TTL on ttl and point-in-time recovery', () => {
    // Two tables: the devices, and the outage history (test/infra/history.test.ts).
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: Match.absent(),
      TableName: Match.absent(),
    });
  });

  it('is retained when it leaves the stack or is replaced', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('signing secret', () => {
  it('generates a 48-character alphanumeric current key next to an empty previous key', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ previous: '' }),
        GenerateStringKey: 'current',
        PasswordLength: 48,
        ExcludePunctuation: true,
      },
      Name: Match.absent(),
    });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });
});

describe('sweep schedule', () => {
  it('invokes the sweeper every minute without EventBridge retries', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [ids.sweeper, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [ids.sweeper, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('lets a failed or stale sweep go, since the next minute retries it', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.sweeper },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });
});

describe('HTTP API routes', () => {
  it('has exactly the contract routes, IAM on management and none on the device and health routes', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => (route as { Properties: { RouteKey: string; AuthorizationType: string } }).Properties,
    );
    const byKey = Object.fromEntries(routes.map((route) => [route.RouteKey, route.AuthorizationType]));
    expect(byKey).toEqual({
      'POST /v1/heartbeats/{deviceId}': 'NONE',
      'ANY /v1/heartbeats/{deviceId}': 'NONE',
      'POST /v1/heartbeats': 'NONE',
      'ANY /v1/heartbeats': 'NONE',
      'GET /v1/devices': 'AWS_IAM',
      'ANY /v1/devices': 'AWS_IAM',
      'GET /v1/devices/{deviceId}': 'AWS_IAM',
      'PUT /v1/devices/{deviceId}': 'AWS_IAM',
      'DELETE /v1/devices/{deviceId}': 'AWS_IAM',
      'ANY /v1/devices/{deviceId}': 'AWS_IAM',
      'POST /v1/maintenance': 'AWS_IAM',
      'GET /v1/maintenance': 'AWS_IAM',
      'ANY /v1/maintenance': 'AWS_IAM',
      'DELETE /v1/maintenance/{windowId}': 'AWS_IAM',
      'ANY /v1/maintenance/{windowId}': 'AWS_IAM',
      'GET /v1/health': 'NONE',
      'HEAD /v1/health': 'NONE',
      'ANY /v1/health': 'NONE',
      'GET /v1/devices/{deviceId}/incidents': 'AWS_IAM',
      'ANY /v1/devices/{deviceId}/incidents': 'AWS_IAM',
      'GET /v1/incidents': 'AWS_IAM',
      'ANY /v1/incidents': 'AWS_IAM',
    });
    expect(routes).toHaveLength(22);
  });

  it('sends device routes to ingest and every other route to management, as payload 2.0 Lambda proxies', () => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    expect(Object.keys(integrations)).toHaveLength(2);
    const functionOf: Record<string, string> = {};
    for (const [id, integration] of Object.entries(integrations)) {
      const props = (integration as { Properties: { IntegrationType: string; PayloadFormatVersion: string; IntegrationUri: { 'Fn::GetAtt': [string, string] } } }).Properties;
      expect(props.IntegrationType).toBe('AWS_PROXY');
      expect(props.PayloadFormatVersion).toBe('2.0');
      functionOf[id] = props.IntegrationUri['Fn::GetAtt'][0];
    }
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => (route as { Properties: { RouteKey: string; Target: { 'Fn::Join': [string, [string, { Ref: string }]] } } }).Properties,
    );
    for (const route of routes) {
      const integrationId = route.Target['Fn::Join'][1][1].Ref;
      const expected = route.RouteKey.includes('/v1/heartbeats') ? ids.ingest : ids.management;
      expect({ route: route.RouteKey, fn: functionOf[integrationId] }).toEqual({ route: route.RouteKey, fn: expected });
    }
  });
});

describe('API default stage', () => {
  it('auto-deploys with the default throttle of 1000 requests/s, burst 2000', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
    });
  });

  it('writes JSON access logs with request metadata and never a header such as Authorization', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [ids.accessLogs, 'Arn'] }, Format: Match.anyValue() },
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as { Properties: { AccessLogSettings: { Format: string } } };
    const format = stage.Properties.AccessLogSettings.Format;
    const fields = JSON.parse(format) as Record<string, string>;
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latencyMs: '$context.responseLatency',
    });
    expect(format).not.toMatch(/authorization|\$request\.header|\$context\.authorizer/i);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('Lambda functions', () => {
  it.each([
    ['ingest', 256, 5],
    ['sweeper', 512, 120],
    ['management', 256, 10],
  ] as const)('%s runs Node.js 24 on arm64 with index.handler, %i MB and a %i s timeout', (name, memory, timeout) => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Role: { 'Fn::GetAtt': [ids[`${name}Role`], 'Arn'] },
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: memory,
      Timeout: timeout,
      TracingConfig: Match.absent(),
    });
  });

  it('configures ingest with its table, secret and defaults, and nothing else', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [ids.ingestRole, 'Arn'] },
      Environment: {
        Variables: Match.objectEquals({
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: { Ref: ids.table },
          SIGNING_SECRET_ARN: { Ref: ids.secret },
          DEFAULT_INTERVAL_SECONDS: '60',
          RETENTION_DAYS: '30',
          DEFAULT_FAIL_THRESHOLD: '1',
        }),
      },
      ReservedConcurrentExecutions: 100,
    });
  });

  it('configures the sweeper with the alert topic, the API URL for emails, segments and storm threshold, at most 2 at a time', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [ids.sweeperRole, 'Arn'] },
      Environment: {
        Variables: Match.objectEquals({
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: { Ref: ids.table },
          ALERT_TOPIC_ARN: { Ref: ids.alertTopic },
          API_URL: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          SWEEP_SEGMENTS: '4',
          STORM_THRESHOLD: '25',
          REPEAT_EVERY_SECONDS: '0',
          SWEEP_EVERY_SECONDS: '15',
          DEFAULT_INTERVAL_SECONDS: '60',
          RETENTION_DAYS: '30',
          HISTORY_TABLE_NAME: Match.anyValue(),
          HISTORY_DAYS: '90',
          DEFAULT_FAIL_THRESHOLD: '1',
          DEFAULT_RECOVER_AFTER_SECONDS: '0',
          ADAPTIVE_PHI: '8',
          ADAPTIVE_PAUSE_SECONDS: '37',
        }),
      },
      ReservedConcurrentExecutions: 2,
    });
  });

  it('configures management with its table and defaults, without reserved concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [ids.managementRole, 'Arn'] },
      Environment: {
        Variables: Match.objectEquals({
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: { Ref: ids.table },
          DEFAULT_INTERVAL_SECONDS: '60',
          RETENTION_DAYS: '30',
          SWEEP_EVERY_SECONDS: '15',
          HISTORY_TABLE_NAME: Match.anyValue(),
          HISTORY_DAYS: '90',
          DEFAULT_FAIL_THRESHOLD: '1',
          DEFAULT_RECOVER_AFTER_SECONDS: '0',
        }),
      },
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('writes each function to its own log group kept one month', () => {
    for (const fn of [stack.monitor.ingestFunction, stack.monitor.sweeperFunction, stack.monitor.managementFunction]) {
      const logGroupId = logicalId(fn.logGroup);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [roleIdOf(fn), 'Arn'] },
        LoggingConfig: { LogGroup: { Ref: logGroupId } },
      });
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({ Properties: { RetentionInDays: 30 } });
    }
  });
});

describe('IAM least privilege', () => {
  it('grants ingest exactly UpdateItem on the table, secret read and its own log writes', () => {
    const statements = roleStatements(template, ids.ingestRole);
    expect(actionsOf(statements)).toEqual([
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    const dynamo = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => s.Resource)).toEqual([tableArn()]);
    for (const forbidden of ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:GetItem']) {
      expect(actionsOf(statements)).not.toContain(forbidden);
    }
    const secret = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
    expect(secret.map((s) => s.Resource)).toEqual([{ Ref: ids.secret }]);
  });

  it('grants the sweeper GetItem (the maintenance windows), Scan and UpdateItem on the table and Publish on the alert topic only', () => {
    // Its history grants (PutItem, UpdateItem on the history table) are test/infra/history.test.ts's.
    const statements = roleStatements(template, ids.sweeperRole).filter((s) => !JSON.stringify(s.Resource).includes('History'));
    expect(actionsOf(statements)).toEqual(['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sns:Publish']);
    const publish = statements.filter((s) => asList(s.Action).includes('sns:Publish'));
    expect(publish.map((s) => s.Resource)).toEqual([{ Ref: ids.alertTopic }]);
  });

  it('grants management GetItem, UpdateItem, DeleteItem and Scan on the table only', () => {
    // Its history grants (Query, PutItem, UpdateItem on the history table) are test/infra/history.test.ts's.
    const statements = roleStatements(template, ids.managementRole).filter((s) => !JSON.stringify(s.Resource).includes('History'));
    expect(actionsOf(statements)).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const dynamo = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => s.Resource)).toEqual([tableArn()]);
  });

  it('has no wildcard action, no wildcard resource and no index grant but the two history indexes', () => {
    const statements = allIdentityStatements(template);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of asList(statement.Action)) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/:\*$/);
      }
      const resource = JSON.stringify(statement.Resource);
      expect(resource).not.toBe('"*"');
      expect(resource).not.toContain('/index/*');
      for (const index of resource.match(/\/index\/[A-Za-z]+/g) ?? []) expect(['/index/fleet', '/index/byGroup']).toContain(index);
    }
  });

  it('uses no managed policy (no AWSLambdaBasicExecutionRole)', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect((role as { Properties: { ManagedPolicyArns?: unknown } }).Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('SNS topics', () => {
  it('denies publishing without TLS on both topics', () => {
    template.resourceCountIs('AWS::SNS::Topic', 2);
    for (const topic of [ids.alertTopic, ids.opsTopic]) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topic }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Principal: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('lets CloudWatch alarms of this account publish to the ops topic', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ids.opsTopic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('has no subscription without alertEmail', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('subscribes alertEmail to the alert and the ops topic when given', () => {
    const { template: withEmail } = buildHeartbeatStack({ alertEmail: 'oncall@example.com' });
    withEmail.resourceCountIs('AWS::SNS::Subscription', 2);
    const topics = Object.values(withEmail.findResources('AWS::SNS::Subscription')).map((subscription) => {
      const props = (subscription as { Properties: { Protocol: string; Endpoint: string; TopicArn: { Ref: string } } }).Properties;
      expect(props).toMatchObject({ Protocol: 'email', Endpoint: 'oncall@example.com' });
      return props.TopicArn.Ref;
    });
    expect(topics.sort()).toEqual([ids.alertTopic, ids.opsTopic].sort());
  });
});

describe('alarms', () => {
  it('creates nine alarms, all notifying the ops topic and never the alert topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => (alarm as { Properties: { AlarmActions: unknown; OKActions: unknown } }).Properties,
    );
    expect(alarms).toHaveLength(9);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: ids.opsTopic }]);
      expect(alarm.OKActions).toEqual([{ Ref: ids.opsTopic }]);
    }
  });

  it('watches sweeper errors, silence (missing data breaches) and duration above 80% of its timeout', () => {
    const sweeper = [{ Name: 'FunctionName', Value: { Ref: ids.sweeper } }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: sweeper,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Period: 300,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocations',
      Dimensions: sweeper,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Period: 300,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Duration',
      Dimensions: sweeper,
      Statistic: 'Maximum',
      Threshold: 96_000,
    });
  });

  it('watches ingest errors and throttles, API 5xx and table throttles and system errors', () => {
    const ingest = [{ Name: 'FunctionName', Value: { Ref: ids.ingest } }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: ingest });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttles', Dimensions: ingest });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApiGateway', MetricName: '5xx' });
    for (const metricName of ['ThrottledRequests', 'SystemErrors']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: Match.stringLikeRegexp('FILL\\(updateitem, 0\\)'), ReturnData: true }),
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                Namespace: 'AWS/DynamoDB',
                MetricName: metricName,
                Dimensions: Match.arrayWith([{ Name: 'TableName', Value: { Ref: ids.table } }]),
              }),
            }),
          }),
        ]),
      });
    }
  });

  it('exposes every alarm on the construct', () => {
    const alarms = stack.monitor.alarms;
    expect(alarms.all).toHaveLength(9);
    expect(new Set(alarms.all).size).toBe(9);
    expect(alarms.all).toContain(alarms.instantAlertErrors);
    expect(alarms.all).toContain(alarms.sweeperNotInvoked);
    expect(alarms.all).toContain(alarms.tableThrottles);
  });
});

describe('outputs', () => {
  it('has exactly ApiUrl, AlertTopicArn, TableName and SigningSecretArn', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['AlertTopicArn', 'ApiUrl', 'SigningSecretArn', 'TableName']);
    template.hasOutput('AlertTopicArn', { Value: { Ref: ids.alertTopic } });
    template.hasOutput('TableName', { Value: { Ref: ids.table } });
    template.hasOutput('SigningSecretArn', { Value: { Ref: ids.secret } });
    const apiUrl = template.findOutputs('ApiUrl').ApiUrl as { Value: unknown };
    expect(JSON.stringify(apiUrl.Value)).toMatch(/^\{"Fn::Join":\["",\["https:\/\/",.*execute-api.*\/"\]\]\}$/);
  });
});

describe('stack context', () => {
  it('passes stormThreshold, sweepSegments and retentionDays given as -c strings to the functions', () => {
    const { template: configured } = buildHeartbeatStack({ stormThreshold: '10', sweepSegments: '8', retentionDays: '90' });
    configured.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STORM_THRESHOLD: '10', SWEEP_SEGMENTS: '8', RETENTION_DAYS: '90' }) },
    });
  });

  it('accepts numbers from cdk.json, and 0 turns storm aggregation off', () => {
    const { template: configured } = buildHeartbeatStack({ stormThreshold: 0 });
    configured.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STORM_THRESHOLD: '0' }) },
    });
  });

  it('rejects a stormThreshold that is not a whole number, naming the key', () => {
    expect(() => buildHeartbeatStack({ stormThreshold: 'many' })).toThrow(/Context value "stormThreshold" must be a whole number, got "many"/);
    expect(() => buildHeartbeatStack({ stormThreshold: '2.5' })).toThrow(/"stormThreshold"/);
  });

  it('rejects out-of-range values, naming the setting', () => {
    expect(() => buildHeartbeatStack({ stormThreshold: '-1' })).toThrow(/stormThreshold must be a whole number from 0/);
    expect(() => buildHeartbeatStack({ sweepSegments: '0' })).toThrow(/sweepSegments must be a whole number from 1/);
    expect(() => buildHeartbeatStack({ retentionDays: '1' })).toThrow(/retentionDays must be a whole number from 3/);
  });

  it('rejects an alertEmail that is not an email address', () => {
    expect(() => buildHeartbeatStack({ alertEmail: 'oncall.example.com' })).toThrow(/alertEmail must be an email address/);
  });

  it('drops reserved concurrency when reserveConcurrency is false', () => {
    const { template: unreserved } = buildHeartbeatStack({ reserveConcurrency: 'false' });
    for (const fn of Object.values(unreserved.findResources('AWS::Lambda::Function'))) {
      expect((fn as { Properties: { ReservedConcurrentExecutions?: number } }).Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    expect(() => buildHeartbeatStack({ reserveConcurrency: 'no' })).toThrow(/Context value "reserveConcurrency" must be true or false/);
  });
});
