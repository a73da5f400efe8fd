/**
 * AlertPublisher on SNS: one message per alert with the contract's Subject, Message and
 * MessageAttributes, sent with PublishBatch (10 per call) so an alert storm costs a tenth of the calls.
 * Each message is published with `MessageStructure: "json"`: the alert JSON for machines (`default`),
 * and readable text for `email` and `sms` subscribers.
 */
import { PublishBatchCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import { snsMessage, type RenderOptions } from '../core/alert-rendering';
import { alertAttributes, alertSubject, type Alert } from '../core/alerts';
import type { AlertPublisher } from '../core/ports';

const BATCH_SIZE = 10;

export class SnsAlertPublisher implements AlertPublisher {
  constructor(private readonly options: { readonly client: SNSClient; readonly topicArn: string; readonly render: RenderOptions }) {}

  async publish(alerts: readonly Alert[]) {
    const delivered = new Set<Alert>();
    const failures: { alert: Alert; error: string }[] = [];
    for (let start = 0; start < alerts.length; start += BATCH_SIZE) {
      const batch = alerts.slice(start, start + BATCH_SIZE);
      try {
        const result = await this.options.client.send(
          new PublishBatchCommand({
            TopicArn: this.options.topicArn,
            PublishBatchRequestEntries: batch.map((alert, index) => snsEntry(alert, index, this.options.render)),
          }),
        );
        for (const ok of result.Successful ?? []) {
          const alert = batch[Number(ok.Id)];
          if (alert) delivered.add(alert);
        }
        for (const failed of result.Failed ?? []) {
          const alert = batch[Number(failed.Id)];
          if (alert) failures.push({ alert, error: `${failed.Code ?? 'error'}: ${failed.Message ?? ''}`.trim() });
        }
      } catch (error) {
        for (const alert of batch) failures.push({ alert, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return { delivered, failures };
  }
}

/**
 * One PublishBatch entry. Its `Message` (the JSON envelope with `default`, `email` and `sms`) is what
 * counts against SNS's 256 KiB limit, not the bare alert JSON.
 */
export function snsEntry(alert: Alert, index: number, render: RenderOptions) {
  return {
    Id: String(index),
    Subject: alertSubject(alert),
    Message: snsMessage(alert, render),
    MessageStructure: 'json',
    MessageAttributes: toMessageAttributes(alertAttributes(alert)),
  };
}

function toMessageAttributes(attributes: Record<string, string>): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) out[name] = { DataType: 'String', StringValue: value };
  return out;
}
