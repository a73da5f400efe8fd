/**
 * UndeliveredSink on SQS: each delivery that exhausted its retries becomes one message of the
 * dead-letter queue (`{channel, alert, attempts, error, failedAt}`), sent 10 to a call. A message
 * SQS refuses makes `keep` throw, so the invocation fails and Lambda retries it: never dropped silently.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { UndeliveredAlert, UndeliveredSink } from '../../core/delivery';

export class SqsUndeliveredQueue implements UndeliveredSink {
  constructor(private readonly options: { readonly client: SQSClient; readonly queueUrl: string }) {}

  async keep(undelivered: readonly UndeliveredAlert[]): Promise<void> {
    for (let start = 0; start < undelivered.length; start += 10) {
      const batch = undelivered.slice(start, start + 10);
      const result = await this.options.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: batch.map((record, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(record),
            MessageAttributes: { channel: { DataType: 'String', StringValue: record.channel } },
          })),
        }),
      );
      const failed = result.Failed ?? [];
      if (failed.length > 0) throw new Error(`the dead-letter queue refused ${failed.length} undelivered alert(s): ${failed[0]?.Code ?? 'error'}`);
    }
  }
}
