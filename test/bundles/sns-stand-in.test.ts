/**
 * The SNS stand-in (test/support/sns-stand-in.ts) answers a real SDK client as SNS does: it
 * accepts what SNS accepts, and refuses with SNS's error codes what SNS refuses. The deployed-bundle
 * test and the alert tests rely on it to catch a publisher that would fail only on AWS.
 */
import { PublishBatchCommand, PublishCommand, SNSClient, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsAlertPublisher } from '../../lambdas/adapters/sns-alert-publisher';
import type { DeviceDownAlert } from '../../lambdas/core/alerts';
import { SnsStandIn } from '../support/sns-stand-in';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
const KEY = 'AKIDSNSSTANDINTEST';

describe('SnsStandIn', () => {
  let sns: SnsStandIn;
  let client: SNSClient;

  beforeAll(async () => {
    sns = await SnsStandIn.start({ topicArns: [TOPIC] });
    client = new SNSClient({
      endpoint: sns.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: KEY, secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await sns?.close();
  });

  const entry = (id: string, message: string, extra: Partial<PublishBatchRequestEntry> = {}): PublishBatchRequestEntry => ({ Id: id, Message: message, ...extra });
  const batch = (entries: PublishBatchRequestEntry[]) => client.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: entries }));
  /** SNS's error code, as the SDK reports it (its exception is named `<code>Exception`). */
  const errorName = async (promise: Promise<unknown>) => {
    try {
      await promise;
      return 'accepted';
    } catch (error) {
      return (error as Error).name.replace(/Exception$/, '');
    }
  };

  it('accepts a batch of 10 within the limits, and keeps each message with its subject and attributes', async () => {
    // Prepare
    const before = sns.published.length;
    const entries = Array.from({ length: 10 }, (_, i) =>
      entry(`e${i}`, JSON.stringify({ default: `{"n":${i}}`, email: 'text' }), {
        Subject: 'x'.repeat(100),
        MessageStructure: 'json',
        MessageAttributes: { event: { DataType: 'String', StringValue: 'device.down' }, deviceId: { DataType: 'String', StringValue: `d-${i}` } },
      }),
    );
    // Act
    const result = await batch(entries);
    // Assess
    expect(result.Successful?.map((s) => s.Id)).toEqual(entries.map((e) => e.Id));
    expect(result.Failed ?? []).toEqual([]);
    const kept = sns.published.slice(before);
    expect(kept).toHaveLength(10);
    expect(kept[3]).toMatchObject({ entryId: 'e3', topicArn: TOPIC, subject: 'x'.repeat(100), messageStructure: 'json', attributes: { event: 'device.down', deviceId: 'd-3' } });
    expect(sns.accessKeyIds.at(-1)).toBe(KEY);
  });

  it('accepts messages of exactly 262,144 bytes in all', async () => {
    // Act
    const answer = await errorName(batch([entry('a', 'x'.repeat(131_072)), entry('b', 'é'.repeat(65_536))]));
    // Assess
    expect(answer).toBe('accepted');
  });

  it.each([
    ['11 entries', () => Array.from({ length: 11 }, (_, i) => entry(`e${i}`, 'm')), 'TooManyEntriesInBatchRequest'],
    ['no entry', () => [], 'EmptyBatchRequest'],
    ['two entries with one id', () => [entry('same', 'a'), entry('same', 'b')], 'BatchEntryIdsNotDistinct'],
    ['an id with a space', () => [entry('a b', 'm')], 'InvalidBatchEntryId'],
    ['messages of 262,145 bytes in all', () => [entry('a', 'x'.repeat(131_072)), entry('b', 'x'.repeat(131_073))], 'BatchRequestTooLong'],
    ['one message of 262,145 bytes', () => [entry('a', 'x'.repeat(262_145))], 'BatchRequestTooLong'],
    ['a subject of 101 characters', () => [entry('a', 'm', { Subject: 'x'.repeat(101) })], 'InvalidParameter'],
    ['a subject with a line break', () => [entry('a', 'm', { Subject: 'DOWN x\nsilent' })], 'InvalidParameter'],
    ['an empty message', () => [entry('a', '')], 'InvalidParameter'],
    ['a json structure without default', () => [entry('a', '{"email":"x"}', { MessageStructure: 'json' })], 'InvalidParameter'],
    ['a json structure that is not JSON', () => [entry('a', 'not json', { MessageStructure: 'json' })], 'InvalidParameter'],
    ['a json structure whose default is not a string', () => [entry('a', '{"default":{"type":"device.down"}}', { MessageStructure: 'json' })], 'InvalidParameter'],
    [
      '11 message attributes',
      () => [entry('a', 'm', { MessageAttributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }])) })],
      'InvalidParameter',
    ],
  ])('refuses the whole batch for %s, keeping nothing', async (_label, entries, code) => {
    // Prepare
    const before = sns.published.length;
    // Act
    const answer = await errorName(batch(entries()));
    // Assess
    expect(answer).toBe(code);
    expect(sns.published.length).toBe(before);
  });

  it('applies the same limits to a single Publish, and knows only its topics', async () => {
    // Act
    const tooLong = await errorName(client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x'.repeat(262_145) })));
    const badSubject = await errorName(client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm', Subject: 'x'.repeat(101) })));
    const unknownTopic = await errorName(client.send(new PublishCommand({ TopicArn: `${TOPIC}-other`, Message: 'm' })));
    const ok = await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm', Subject: 'UP d-1: back after 9s' }));
    // Assess
    expect([tooLong, badSubject, unknownTopic]).toEqual(['InvalidParameter', 'InvalidParameter', 'NotFound']);
    expect(sns.published.at(-1)).toMatchObject({ messageId: ok.MessageId, entryId: null, subject: 'UP d-1: back after 9s', message: 'm' });
  });

  it('takes the service alert publisher: 25 alerts arrive in batches of at most 10', async () => {
    // Prepare
    const publisher = new SnsAlertPublisher({ client, topicArn: TOPIC, render: { serviceUrl: 'https://api.example.com/' } });
    const alerts: DeviceDownAlert[] = Array.from({ length: 25 }, (_, i) => ({
      type: 'device.down',
      incidentId: `dev-${i}:2026-11-25T10:00:00.000Z`,
      deviceId: `dev-${i}`,
      group: 'plant-a',
      lastSeen: '2026-11-25T09:58:00.000Z',
      deadline: '2026-11-25T10:00:00.000Z',
      detectedAt: '2026-11-25T10:00:41.000Z',
      reason: 'timeout',
      interval: 60,
      grace: 60,
    }));
    const before = sns.published.length;
    const batchesBefore = sns.actions.filter((a) => a === 'PublishBatch').length;
    // Act
    const result = await publisher.publish(alerts);
    // Assess
    expect(result.failures).toEqual([]);
    expect(result.delivered.size).toBe(25);
    const kept = sns.published.slice(before);
    expect(kept.map((m) => JSON.parse(JSON.parse(m.message).default).deviceId)).toEqual(alerts.map((a) => a.deviceId));
    expect(sns.actions.filter((a) => a === 'PublishBatch').length - batchesBefore).toBe(3);
  });
});
