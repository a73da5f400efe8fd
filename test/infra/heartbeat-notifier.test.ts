/**
 * The notifier as deployed: absent until a channel is configured; then one function subscribed
 * once to the alert topic, its dead-letter queue (function, subscription and handler all land
 * there) with an alarm on the ops topic, and grants to exactly its own secrets, queue and two
 * table actions. Bad channel settings fail at synth, naming the setting.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HeartbeatStack } from '../../lib/heartbeat-stack';
import { actionsOf, allIdentityStatements, buildHeartbeatStack, logicalId, roleIdOf, roleStatements } from './support';

const CHANNELS = {
  webhookUrl: 'https://hooks.example.com/heartbeat',
  slackWebhookSecret: 'heartbeat/slack-webhook',
  pagerDutySecret: 'heartbeat/pagerduty-routing-key',
};

describe('HeartbeatNotifier', () => {
  let stack: HeartbeatStack;
  let template: Template;
  let ids: { fn: string; role: string; queue: string; webhookSecret: string; alertTopic: string; opsTopic: string; table: string; signingSecret: string };
  beforeAll(() => {
    ({ stack, template } = buildHeartbeatStack(CHANNELS));
    const notifier = stack.monitor.notifier;
    if (!notifier?.webhookSecret) throw new Error('the notifier and its webhook secret should exist with these settings');
    ids = {
      fn: logicalId(notifier.function),
      role: roleIdOf(notifier.function),
      queue: logicalId(notifier.deadLetterQueue),
      webhookSecret: logicalId(notifier.webhookSecret),
      alertTopic: logicalId(stack.monitor.alertTopic),
      opsTopic: logicalId(stack.monitor.opsTopic),
      table: logicalId(stack.monitor.table),
      signingSecret: logicalId(stack.monitor.signingSecret),
    };
  });

  it('is not created without a channel', () => {
    const { stack: bare, template: bareTemplate } = buildHeartbeatStack();
    expect(bare.monitor.notifier).toBeUndefined();
    bareTemplate.resourceCountIs('AWS::SQS::Queue', 0);
    bareTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
    bareTemplate.resourceCountIs('AWS::Lambda::Function', 4); // ingest, sweeper, instant alerts, management
  });

  it('runs one function with the channel settings, long enough for every retry, retried twice then dead-lettered', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [ids.role, 'Arn'] },
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 420,
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] } },
      Environment: {
        Variables: Match.objectEquals({
          NODE_OPTIONS: '--enable-source-maps',
          API_URL: Match.anyValue(),
          DEAD_LETTER_QUEUE_URL: { Ref: ids.queue },
          WEBHOOK_URL: CHANNELS.webhookUrl,
          WEBHOOK_SECRET_ARN: { Ref: ids.webhookSecret },
          SLACK_SECRET_ARN: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          PAGERDUTY_SECRET_ARN: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          TABLE_NAME: { Ref: ids.table },
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: ids.fn }, MaximumRetryAttempts: 2 });
  });

  it('subscribes once to the alert topic, with the dead-letter queue for messages SNS cannot hand over', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: ids.alertTopic },
      Endpoint: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] } },
    });
  });

  it('keeps dead letters 14 days, encrypted, TLS only', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('alarms on the ops topic as soon as one alert waits in the dead-letter queue, and when it is empty again', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: ids.opsTopic }],
      OKActions: [{ Ref: ids.opsTopic }],
    });
  });

  it('generates a 44-character alphanumeric webhook key (valid base64 for whsec_) and outputs its ARN', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 44, ExcludePunctuation: true, IncludeSpace: false },
    });
    template.hasOutput('WebhookSecretArn', { Value: { Ref: ids.webhookSecret } });
    template.hasOutput('UndeliveredQueueUrl', { Value: { Ref: ids.queue } });
  });

  it('grants the notifier its three secrets, its queue and two table actions, and nothing else', () => {
    // Prepare
    const statements = roleStatements(template, ids.role);
    const on = (action: string) => statements.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());

    // Assess
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem', 'dynamodb:UpdateItem', 'logs:CreateLogStream', 'logs:PutLogEvents',
      'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
    ]);
    const secrets = JSON.stringify(on('secretsmanager:GetSecretValue'));
    expect(secrets).toContain(ids.webhookSecret);
    expect(secrets).toContain(':secret:heartbeat/slack-webhook-??????');
    expect(secrets).toContain(':secret:heartbeat/pagerduty-routing-key-??????');
    expect(secrets).not.toContain(ids.signingSecret);
    expect(on('dynamodb:UpdateItem')).toEqual([{ 'Fn::GetAtt': [ids.table, 'Arn'] }]);
    expect(new Set(on('sqs:SendMessage').map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ 'Fn::GetAtt': [ids.queue, 'Arn'] })]));
  });

  it('grants no table access without PagerDuty, and reads only the Slack secret with Slack alone', () => {
    const { stack: slackOnly, template: t } = buildHeartbeatStack({ slackWebhookSecret: 'heartbeat/slack-webhook' });
    const statements = roleStatements(t, roleIdOf(slackOnly.monitor.notifier?.function ?? { role: undefined }));
    expect(actionsOf(statements).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    expect(JSON.stringify(statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).map((s) => s.Resource))).toContain('slack-webhook');
    t.resourceCountIs('AWS::SecretsManager::Secret', 1); // the device-token signing secret only
  });

  it('keeps the stack free of wildcard actions', () => {
    for (const statement of allIdentityStatements(template)) for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
  });

  it.each([
    [{ webhookUrl: 'http://hooks.example.com/x' }, /webhookUrl must be an https URL/],
    [{ webhookUrl: 'not a url' }, /webhookUrl must be an https URL/],
    [{ webhookUrl: '' }, /"webhookUrl" must be the receiver URL/],
    [{ slackWebhookSecret: '' }, /"slackWebhookSecret" must be the name of the secret holding the Slack webhook URL/],
    [{ pagerDutySecret: '  ' }, /"pagerDutySecret" must be the name of the secret holding the PagerDuty routing key/],
    [{ pagerDutySecret: 'no spaces allowed' }, /pagerDutySecret must name a Secrets Manager secret/],
  ])('refuses %j at synth, naming the setting', (context, message) => {
    expect(() => buildHeartbeatStack(context)).toThrow(message);
  });
});

describe('reminders setting', () => {
  it('passes repeatEvery to the sweeper, 0 (off) by default', () => {
    // Prepare
    const { stack, template } = buildHeartbeatStack({ repeatEvery: '600' });
    const { stack: offStack, template: offTemplate } = buildHeartbeatStack();

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleIdOf(stack.monitor.sweeperFunction), 'Arn'] },
      Environment: { Variables: Match.objectLike({ REPEAT_EVERY_SECONDS: '600' }) },
    });
    offTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleIdOf(offStack.monitor.sweeperFunction), 'Arn'] },
      Environment: { Variables: Match.objectLike({ REPEAT_EVERY_SECONDS: '0' }) },
    });
  });

  it.each([['120'], ['604801'], ['-300']])('refuses repeatEvery=%s at synth, naming the setting', (value) => {
    expect(() => buildHeartbeatStack({ repeatEvery: value })).toThrow(/repeatEverySeconds must be/);
  });
});
