/**
 * SNS's request limits, enforced the way SNS does: a request over any of them is rejected whole.
 * Used to stand in for SNS behind aws-sdk-client-mock, so a test fails where AWS would.
 */
import type { PublishBatchCommandInput } from '@aws-sdk/client-sns';

/** At most 10 entries per PublishBatch. */
export const SNS_MAX_BATCH_ENTRIES = 10;
/** One message, and all messages of one batch together, at most 262,144 bytes (attributes included). */
export const SNS_MAX_PAYLOAD_BYTES = 262_144;
/** Subject: at most 100 characters, no line breaks. */
export const SNS_MAX_SUBJECT_CHARS = 100;

/** An error shaped like the SDK's service exceptions. */
export class SnsLimitError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** Bytes SNS counts for one entry: the message, its subject and its attributes' names, types and values. */
export function snsEntryBytes(entry: NonNullable<PublishBatchCommandInput['PublishBatchRequestEntries']>[number]): number {
  let bytes = Buffer.byteLength(entry.Message ?? '') + Buffer.byteLength(entry.Subject ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/** Throws what SNS would answer when `input` breaks a limit; returns the all-successful answer otherwise. */
export function answerPublishBatch(input: PublishBatchCommandInput): { Successful: { Id: string; MessageId: string }[]; Failed: [] } {
  const entries = input.PublishBatchRequestEntries ?? [];
  if (entries.length === 0) throw new SnsLimitError('EmptyBatchRequest', 'The batch request does not contain any entries.');
  if (entries.length > SNS_MAX_BATCH_ENTRIES) throw new SnsLimitError('TooManyEntriesInBatchRequest', `${entries.length} entries; at most 10.`);
  let total = 0;
  for (const entry of entries) {
    const bytes = snsEntryBytes(entry);
    if (bytes > SNS_MAX_PAYLOAD_BYTES) throw new SnsLimitError('InvalidParameter', `Message too long: ${bytes} bytes.`);
    const subject = entry.Subject ?? '';
    if (subject.length > SNS_MAX_SUBJECT_CHARS || /[\r\n]/.test(subject)) throw new SnsLimitError('InvalidParameter', 'Invalid Subject.');
    if (entry.MessageStructure === 'json') {
      const parsed: unknown = JSON.parse(entry.Message ?? 'null');
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { default?: unknown }).default !== 'string') {
        throw new SnsLimitError('InvalidParameter', 'Message Structure - No default entry in JSON message body');
      }
    }
    total += bytes;
  }
  if (total > SNS_MAX_PAYLOAD_BYTES) throw new SnsLimitError('BatchRequestTooLong', `The batch is ${total} bytes; at most 262144.`);
  return { Successful: entries.map((e) => ({ Id: e.Id ?? '', MessageId: `m-${e.Id}` })), Failed: [] };
}
