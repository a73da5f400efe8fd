/**
 * The AWS notifier's parts that cannot meet real AWS here (SQS, Secrets Manager: aws-sdk-client-mock),
 * around real HTTP receivers: an SNS event is delivered to every channel; what exhausts its
 * retries reaches the dead-letter queue; secrets are read once and checked; bad config names itself.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchHttpSender } from '../../lambdas/adapters/delivery/fetch-http-sender';
import { readChannelSettings } from '../../lambdas/adapters/delivery/secrets-manager-channel-settings';
import { SqsUndeliveredQueue } from '../../lambdas/adapters/delivery/sqs-undelivered-queue';
import type { DeviceDownAlert } from '../../lambdas/core/alerts';
import { buildChannels } from '../../lambdas/core/channels';
import { AlertDispatcher } from '../../lambdas/core/delivery';
import { silentLogger } from '../../lambdas/core/ports';
import { notifierConfig } from '../../lambdas/handlers/notifier-config';
import { createNotifierJob, parseAlertMessage } from '../../lambdas/handlers/notifier-job';
import { startReceiver, type Receiver } from '../support/receivers';

const sqs = mockClient(SQSClient);
const secretsManager = mockClient(SecretsManagerClient);
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/undelivered';
const KEY = 'Q2hhbm5lbHNBcmVGdW5CdXRTZWNyZXRzQXJlU2VjcmV0czEy'; // alphanumeric base64 (36 bytes), like the stack's generated key
const down: DeviceDownAlert = {
  type: 'device.down', incidentId: 'sensor-42:2026-11-25T10:00:00.000Z', deviceId: 'sensor-42', group: 'plant-a',
  lastSeen: '2026-11-25T09:58:00.000Z', deadline: '2026-11-25T10:00:00.000Z', detectedAt: '2026-11-25T10:00:41.000Z',
  reason: 'timeout', interval: 60, grace: 60,
};
const snsEvent = (...messages: string[]): SNSEvent => ({ Records: messages.map((Message) => ({ Sns: { Message } })) }) as unknown as SNSEvent;

const receivers: Receiver[] = [];
beforeEach(() => {
  sqs.reset();
  secretsManager.reset();
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function job(webhookAnswers: number) {
  const webhook = await startReceiver([], webhookAnswers);
  const slack = await startReceiver();
  receivers.push(webhook, slack);
  secretsManager.on(GetSecretValueCommand, { SecretId: 'webhook-arn' }).resolves({ SecretString: KEY });
  secretsManager.on(GetSecretValueCommand, { SecretId: 'slack-arn' }).resolves({ SecretString: slack.url.replace('http:', 'https:') });
  const settings = await readChannelSettings(new SecretsManagerClient({ region: 'eu-west-1' }), { webhook: { url: webhook.url, secretArn: 'webhook-arn' } });
  const dispatcher = new AlertDispatcher({
    channels: buildChannels({ ...settings, slack: { url: slack.url } }, { render: { serviceUrl: 'https://api.example.com/' }, fleets: () => { throw new Error('no PagerDuty here'); } }),
    sender: fetchHttpSender, clock: { now: () => Date.now() }, sleep: async () => {}, retry: { timeoutMs: 1000, backoffMs: [1, 1, 1] }, logger: silentLogger,
  });
  const handler = createNotifierJob({ dispatcher: async () => dispatcher, undelivered: new SqsUndeliveredQueue({ client: new SQSClient({ region: 'eu-west-1' }), queueUrl: QUEUE }), logger: silentLogger });
  return { handler, webhook, slack };
}

describe('notifier job', () => {
  it('delivers each alert of the SNS event to every channel, signed with whsec_ + the generated secret', async () => {
    // Prepare
    const { handler, webhook, slack } = await job(200);

    // Act
    const report = await handler(snsEvent(JSON.stringify(down)));

    // Assess
    expect(report).toEqual({ alerts: 1, delivered: 2, undelivered: 0 });
    expect(new Webhook(`whsec_${KEY}`).verify(webhook.requests[0]?.body ?? '', webhook.requests[0]?.headers as Record<string, string>)).toEqual(down);
    expect(JSON.parse(slack.requests[0]?.body ?? '{}').text).toBe('DOWN sensor-42: silent for 2m 41s');
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('puts what exhausted its retries in the dead-letter queue, with its channel and the alert', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: 'x' }], Failed: [] });
    const { handler, webhook } = await job(503);

    // Act
    const report = await handler(snsEvent(JSON.stringify(down)));

    // Assess
    expect(report).toEqual({ alerts: 1, delivered: 1, undelivered: 1 });
    expect(webhook.requests).toHaveLength(4);
    const input = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(QUEUE);
    expect(JSON.parse(input?.Entries?.[0]?.MessageBody ?? '{}')).toMatchObject({ channel: 'webhook', alert: down, attempts: 4, error: 'HTTP 503' });
  });

  it('fails the invocation when the dead-letter queue refuses, so Lambda retries it', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'KmsThrottled', SenderFault: false }] });
    const { handler } = await job(500);
    await expect(handler(snsEvent(JSON.stringify(down)))).rejects.toThrow(/dead-letter queue refused 1 undelivered alert\(s\): KmsThrottled/);
  });

  it('refuses a message that is not an alert', () => {
    expect(() => parseAlertMessage('{"type":"something.else"}')).toThrow(/not an alert/);
    expect(() => parseAlertMessage('null')).toThrow(/not an alert/);
    expect(parseAlertMessage(JSON.stringify(down))).toEqual(down);
  });
});

describe('readChannelSettings', () => {
  it('reads each configured secret once, in parallel', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: 'slack-arn' }).resolves({ SecretString: 'https://hooks.slack.com/services/T/B/X' });
    secretsManager.on(GetSecretValueCommand, { SecretId: 'pd-arn' }).resolves({ SecretString: 'R0UTINGKEY\n' });
    const settings = await readChannelSettings(new SecretsManagerClient({ region: 'eu-west-1' }), {
      slackSecretArn: 'slack-arn',
      pagerDuty: { url: 'https://events.pagerduty.com/v2/enqueue', secretArn: 'pd-arn' },
    });
    expect(settings).toEqual({ slack: { url: 'https://hooks.slack.com/services/T/B/X' }, pagerDuty: { url: 'https://events.pagerduty.com/v2/enqueue', routingKey: 'R0UTINGKEY' } });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it.each([
    ['slack-arn', '', /The secret of slackWebhookSecret \(slack-arn\) is empty/],
    ['slack-arn', 'hooks.slack.com/no-scheme', /the secret of slackWebhookSecret must be an absolute URL/],
    ['slack-arn', 'http://hooks.slack.com/x', /the secret of slackWebhookSecret must be an https URL/],
  ])('names the secret when %s holds %j', async (arn, value, message) => {
    secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: value });
    await expect(readChannelSettings(new SecretsManagerClient({ region: 'eu-west-1' }), { slackSecretArn: arn })).rejects.toThrow(message);
  });
});

describe('notifierConfig', () => {
  const base = { DEAD_LETTER_QUEUE_URL: QUEUE, API_URL: 'https://api.example.com/' };
  it('turns on exactly the channels whose settings are present, PagerDuty on its public endpoint by default', () => {
    expect(notifierConfig({ ...base, PAGERDUTY_SECRET_ARN: 'pd', TABLE_NAME: 't' })).toEqual({
      secrets: { pagerDuty: { url: 'https://events.pagerduty.com/v2/enqueue', secretArn: 'pd' } },
      deadLetterQueueUrl: QUEUE, apiUrl: 'https://api.example.com/', tableName: 't',
    });
  });
  it.each([
    [{ ...base }, /no channel/],
    [{ ...base, WEBHOOK_URL: 'https://x.example.com/' }, /WEBHOOK_SECRET_ARN must be set/],
    [{ ...base, PAGERDUTY_SECRET_ARN: 'pd' }, /TABLE_NAME must be set/],
    [{ API_URL: 'https://a/', SLACK_SECRET_ARN: 's' }, /DEAD_LETTER_QUEUE_URL must be set/],
  ])('fails the cold start naming what is missing (%j)', (env, message) => {
    expect(() => notifierConfig(env)).toThrow(message);
  });
});
