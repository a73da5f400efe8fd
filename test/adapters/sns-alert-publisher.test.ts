/**
 * The SNS adapter's calls (SNS cannot run here): Subject, Message and MessageAttributes exactly as
 * the contract says, batches of 10, and per-alert failures reported rather than thrown.
 */
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Alert, DeviceDownAlert } from '../../lambdas/core/alerts';
import { SnsAlertPublisher } from '../../lambdas/adapters/sns-alert-publisher';
import { emailBody, smsText } from '../../lambdas/core/alert-rendering';
import { answerPublishBatch, snsEntryBytes, SNS_MAX_PAYLOAD_BYTES } from '../support/sns-limits';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts';
const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';
const sns = mockClient(SNSClient);
const publisher = () => new SnsAlertPublisher({ client: new SNSClient({ region: 'eu-west-1' }), topicArn: TOPIC, render: { serviceUrl: API } });

function down(deviceId: string, group: string | null = 'plant-a'): DeviceDownAlert {
  return {
    type: 'device.down', incidentId: `${deviceId}:2026-11-25T10:00:00.000Z`, deviceId, group,
    lastSeen: '2026-11-25T09:58:00.000Z', deadline: '2026-11-25T10:00:00.000Z', detectedAt: '2026-11-25T10:03:05.000Z',
    reason: 'timeout', interval: 60, grace: 60,
  };
}

describe('SnsAlertPublisher', () => {
  beforeEach(() => sns.reset());

  it('publishes Subject, a json-structured Message (alert JSON, email, sms) and filterable MessageAttributes', async () => {
    // Prepare
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    const alert = down('sensor-42');

    // Act
    const result = await publisher().publish([alert]);

    // Assess
    expect(result.delivered.has(alert)).toBe(true);
    const input = sns.commandCalls(PublishBatchCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC);
    const message = JSON.parse(input?.PublishBatchRequestEntries?.[0]?.Message ?? '{}') as Record<string, string>;
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'sms']);
    expect(JSON.parse(message.default ?? '')).toEqual(alert);
    expect(message.email).toBe(emailBody(alert, { serviceUrl: API }));
    expect(message.email).toContain(`npx heartbeat pause sensor-42 --url ${API}`);
    expect(message.sms).toBe(smsText(alert));
    expect(input?.PublishBatchRequestEntries).toEqual([
      {
        Id: '0',
        Subject: 'DOWN sensor-42: silent for 5m 05s',
        Message: expect.any(String),
        MessageStructure: 'json',
        MessageAttributes: {
          event: { DataType: 'String', StringValue: 'device.down' },
          deviceId: { DataType: 'String', StringValue: 'sensor-42' },
          group: { DataType: 'String', StringValue: 'plant-a' },
        },
      },
    ]);
  });

  it('leaves out the group attribute when the device has none, and deviceId for a fleet.down', async () => {
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: '0' }, { Id: '1' }] });
    const fleet: Alert = { type: 'fleet.down', group: 'plant-a', count: 2, deviceIds: ['a', 'b'], incidentIds: ['a:x', 'b:x'], detectedAt: '2026-11-25T10:00:00.000Z' };
    await publisher().publish([down('solo', null), fleet]);
    const entries = sns.commandCalls(PublishBatchCommand)[0]?.args[0].input.PublishBatchRequestEntries ?? [];
    expect(Object.keys(entries[0]?.MessageAttributes ?? {})).toEqual(['event', 'deviceId']);
    expect(entries[1]?.MessageAttributes).toEqual({ event: { DataType: 'String', StringValue: 'fleet.down' }, group: { DataType: 'String', StringValue: 'plant-a' } });
  });

  it('sends 25 alerts in 3 batches of at most 10', async () => {
    sns.on(PublishBatchCommand).callsFake((input) => ({ Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id })) }));
    const alerts = Array.from({ length: 25 }, (_, i) => down(`d-${i}`));
    const result = await publisher().publish(alerts);
    const sizes = sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input.PublishBatchRequestEntries?.length);
    expect(sizes).toEqual([10, 10, 5]);
    expect(result.delivered.size).toBe(25);
  });

  it('packs big messages into batches SNS accepts: at most 262,144 bytes in all, not only 10 entries', async () => {
    // Prepare: 12 fleet.down messages of ~90 KB each (a storm of long ids); SNS enforces its limits.
    sns.on(PublishBatchCommand).callsFake(answerPublishBatch);
    const ids = Array.from({ length: 320 }, (_, i) => `${'x'.repeat(120)}-${String(i).padStart(7, '0')}`);
    const fleets: Alert[] = Array.from({ length: 12 }, (_, n) => ({
      type: 'fleet.down', group: `g-${n}`, count: ids.length, deviceIds: ids, incidentIds: ids.map((id) => `${id}:2026-11-25T10:00:00.000Z`), detectedAt: '2026-11-25T10:00:00.000Z',
    }));

    // Act
    const result = await publisher().publish(fleets);

    // Assess: all delivered, every request within the byte limit, and more than two requests were needed.
    expect(result.failures).toEqual([]);
    expect(result.delivered.size).toBe(12);
    const requests = sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
    expect(requests.length).toBeGreaterThan(2);
    for (const entries of requests) expect(entries.reduce((sum, e) => sum + snsEntryBytes(e), 0)).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
  });

  it('reports failed entries and failed calls as undelivered, without throwing', async () => {
    sns.on(PublishBatchCommand)
      .resolvesOnce({ Successful: [{ Id: '0' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try again' }] })
      .rejectsOnce(new Error('network down'));
    const alerts = Array.from({ length: 12 }, (_, i) => down(`d-${i}`));
    const result = await publisher().publish(alerts);
    expect(result.delivered.size).toBe(1);
    expect(result.failures.map((f) => f.alert.type === 'device.down' && f.alert.deviceId)).toEqual(['d-1', 'd-10', 'd-11']);
    expect(result.failures[0]?.error).toMatch(/InternalError/);
  });
});
