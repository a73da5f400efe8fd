/**
 * AlertPublisher on SNS: one message per alert with the contract's Subject, Message and
 * MessageAttributes, sent with PublishBatch so an alert storm costs a tenth of the calls. A batch
 * holds at most 10 entries and at most 262,144 bytes in all: SNS rejects the whole request beyond
 * either, so a storm packed by count alone would fail on every sweep.
 * Each message is published with `MessageStructure: "json"`: the alert JSON for machines (`default`),
 * and readable text for `email` and `sms` subscribers.
 */
import { PublishBatchCommand, type MessageAttributeValue, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { snsMessage, type RenderOptions } from '../core/alert-rendering';
import { alertAttributes, alertSubject, type Alert } from '../core/alerts';
import type { AlertPublisher } from '../core/ports';

/** SNS: at most 10 entries per PublishBatch. */
export const SNS_BATCH_ENTRIES = 10;
/** SNS: one message, and all messages of one batch together, at most 256 KiB (subject and attributes count). */
export const SNS_PAYLOAD_BYTES = 262_144;

/** The bytes SNS counts for an entry: message, subject, and each attribute's name, type and value. */
export function entryBytes(entry: PublishBatchRequestEntry): number {
  let bytes = Buffer.byteLength(entry.Message ?? '') + Buffer.byteLength(entry.Subject ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/** Packs entries, in order, into batches within both SNS limits. An entry too big on its own is left out and returned apart. */
export function packBatches<T>(items: readonly T[], bytesOf: (item: T) => number): { batches: T[][]; oversized: T[] } {
  const batches: T[][] = [];
  const oversized: T[] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (size > SNS_PAYLOAD_BYTES) {
      oversized.push(item);
      continue;
    }
    if (batch.length === SNS_BATCH_ENTRIES || bytes + size > SNS_PAYLOAD_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return { batches, oversized };
}

/** Publishes alerts to the SNS alert topic in batches SNS accepts; reports per-alert failures, never throws. */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(private readonly options: { readonly client: SNSClient; readonly topicArn: string; readonly render: RenderOptions }) {}

  async publish(alerts: readonly Alert[]) {
    const delivered = new Set<Alert>();
    const failures: { alert: Alert; error: string }[] = [];
    const entries = alerts.map((alert, index) => ({ alert, entry: snsEntry(alert, index, this.options.render) }));
    const { batches, oversized } = packBatches(entries, (e) => entryBytes(e.entry));
    for (const { alert } of oversized) failures.push({ alert, error: `message over SNS's ${SNS_PAYLOAD_BYTES}-byte limit` });
    for (const batch of batches) {
      try {
        const result = await this.options.client.send(
          new PublishBatchCommand({
            TopicArn: this.options.topicArn,
            PublishBatchRequestEntries: batch.map(({ entry }, index) => ({ ...entry, Id: String(index) })),
          }),
        );
        for (const ok of result.Successful ?? []) {
          const alert = batch[Number(ok.Id)]?.alert;
          if (alert) delivered.add(alert);
        }
        for (const failed of result.Failed ?? []) {
          const alert = batch[Number(failed.Id)]?.alert;
          if (alert) failures.push({ alert, error: `${failed.Code ?? 'error'}: ${failed.Message ?? ''}`.trim() });
        }
      } catch (error) {
        for (const { alert } of batch) failures.push({ alert, error: error instanceof Error ? error.message : String(error) });
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
