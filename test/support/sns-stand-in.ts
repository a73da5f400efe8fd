/**
 * A local stand-in for Amazon SNS: an HTTP server on 127.0.0.1 speaking just enough of SNS's AWS
 * query protocol for `Publish` and `PublishBatch`, so real SDK clients (and Lambda bundles) can
 * publish to it through `AWS_ENDPOINT_URL_SNS` or a client's `endpoint`.
 *
 * It enforces SNS's limits the way SNS does, rejecting the whole request with SNS's error codes:
 * - at most 10 entries per `PublishBatch` (`TooManyEntriesInBatchRequest`), at least one
 *   (`EmptyBatchRequest`), ids distinct (`BatchEntryIdsNotDistinct`) and well formed (`InvalidBatchEntryId`);
 * - all messages of one batch together at most 262,144 bytes (`BatchRequestTooLong`);
 * - one message at most 262,144 bytes, and not empty (`InvalidParameter`);
 * - `Subject` at most 100 characters, no line breaks or other control characters (`InvalidParameter`);
 * - `MessageStructure: json`: the message is a JSON object of strings with a `default` (`InvalidParameter`);
 * - at most 10 message attributes, each `String` attribute with a `StringValue` (`InvalidParameter`);
 * - the topic exists (`NotFound`).
 *
 * Messages it accepted are kept in `published`, in order. Signatures are not checked, but every
 * request's access key id is kept (`accessKeyIds`), so a test can tell which credentials a client used.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { AwsStandInServer, type StandInRequest } from './aws-stand-in-server';

/** SNS's size limit for one message, and for all the messages of one batch together. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** SNS's limit on entries per PublishBatch. */
export const SNS_MAX_BATCH_ENTRIES = 10;
/** SNS's limit on the length of a Subject, in characters. */
export const SNS_MAX_SUBJECT_CHARS = 100;
/** SNS's limit on message attributes per message. */
export const SNS_MAX_MESSAGE_ATTRIBUTES = 10;

/** A message SNS accepted. */
export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  /** The batch entry's Id; null for a single Publish. */
  readonly entryId: string | null;
  readonly subject: string | null;
  readonly message: string;
  readonly messageStructure: string | null;
  /** String values of the message attributes, by name. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** An error SNS answers with; the SDK throws it as an exception named `code`. */
export class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Entry {
  readonly id: string | null;
  readonly message: string | undefined;
  readonly subject: string | undefined;
  readonly messageStructure: string | undefined;
  readonly attributes: Record<string, { dataType?: string; stringValue?: string; binaryValue?: string }>;
}

export interface SnsStandInOptions {
  /** Topics that exist; publishing to another answers 404 NotFound. */
  readonly topicArns: readonly string[];
}

export class SnsStandIn {
  /** Every message accepted, in order. */
  readonly published: PublishedMessage[] = [];
  /** Every request's action (`Publish`, `PublishBatch`, ...), accepted or not, in order. */
  readonly actions: string[] = [];
  /** The access key id of every signed request, in order. */
  readonly accessKeyIds: string[] = [];
  private readonly topics: Set<string>;
  private http: AwsStandInServer | null = null;

  private constructor(options: SnsStandInOptions) {
    this.topics = new Set(options.topicArns);
  }

  /** Starts a stand-in on a free port of 127.0.0.1. */
  static async start(options: SnsStandInOptions): Promise<SnsStandIn> {
    const standIn = new SnsStandIn(options);
    standIn.http = await AwsStandInServer.start((request, res) => standIn.handle(request, res));
    return standIn;
  }

  /** The endpoint for `AWS_ENDPOINT_URL_SNS` or a client's `endpoint`. */
  get endpoint(): string {
    return this.http?.endpoint ?? '';
  }

  /** Messages accepted whose `event` attribute is `type`. */
  ofEvent(type: string): PublishedMessage[] {
    return this.published.filter((m) => m.attributes.event === type);
  }

  async close(): Promise<void> {
    await this.http?.close();
  }

  private handle(request: StandInRequest, res: ServerResponse): void {
    const params = new URLSearchParams(request.body.toString('utf8'));
    const action = params.get('Action') ?? '';
    this.actions.push(action);
    if (request.accessKeyId) this.accessKeyIds.push(request.accessKeyId);
    try {
      const xml = this.answer(action, params);
      res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
    } catch (error) {
      const e = error instanceof SnsError ? error : new SnsError(500, 'InternalError', String(error));
      res
        .writeHead(e.status, { 'content-type': 'text/xml' })
        .end(
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${e.status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${e.code}</Code>` +
            `<Message>${escapeXml(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
    }
  }

  private answer(action: string, params: URLSearchParams): string {
    const topicArn = params.get('TopicArn') ?? '';
    switch (action) {
      case 'Publish': {
        this.checkTopic(topicArn);
        const entry = readEntry(params, '', null);
        checkEntry(entry);
        const [accepted] = this.accept(topicArn, [entry]);
        return `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${accepted?.messageId}</MessageId></PublishResult>${metadata()}</PublishResponse>`;
      }
      case 'PublishBatch': {
        this.checkTopic(topicArn);
        const entries = readBatch(params);
        if (entries.length === 0) throw new SnsError(400, 'EmptyBatchRequest', 'The batch request does not contain any entries.');
        if (entries.length > SNS_MAX_BATCH_ENTRIES) {
          throw new SnsError(400, 'TooManyEntriesInBatchRequest', 'The batch request contains more entries than permissible.');
        }
        const ids = entries.map((e) => e.id ?? '');
        for (const id of ids) {
          if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) throw new SnsError(400, 'InvalidBatchEntryId', `The Id of a batch entry in a batch request doesn't abide by the specification: ${id}`);
        }
        if (new Set(ids).size !== ids.length) throw new SnsError(400, 'BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
        const total = entries.reduce((sum, e) => sum + Buffer.byteLength(e.message ?? '', 'utf8'), 0);
        if (total > SNS_MAX_MESSAGE_BYTES) throw new SnsError(400, 'BatchRequestTooLong', 'The length of all the messages put together is more than the limit.');
        for (const entry of entries) checkEntry(entry);
        const accepted = this.accept(topicArn, entries);
        const members = accepted.map((m) => `<member><Id>${escapeXml(m.entryId ?? '')}</Id><MessageId>${m.messageId}</MessageId></member>`).join('');
        return `<PublishBatchResponse xmlns="${XMLNS}"><PublishBatchResult><Successful>${members}</Successful><Failed/></PublishBatchResult>${metadata()}</PublishBatchResponse>`;
      }
      default:
        throw new SnsError(400, 'InvalidAction', `The action ${action} is not valid for this endpoint.`);
    }
  }

  private checkTopic(topicArn: string): void {
    if (!this.topics.has(topicArn)) throw new SnsError(404, 'NotFound', 'Topic does not exist');
  }

  private accept(topicArn: string, entries: readonly Entry[]): PublishedMessage[] {
    const accepted = entries.map((entry) => ({
      messageId: randomUUID(),
      topicArn,
      entryId: entry.id,
      subject: entry.subject ?? null,
      message: entry.message ?? '',
      messageStructure: entry.messageStructure ?? null,
      attributes: Object.fromEntries(Object.entries(entry.attributes).map(([name, value]) => [name, value.stringValue ?? value.binaryValue ?? ''])),
    }));
    this.published.push(...accepted);
    return accepted;
  }
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const metadata = () => `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One message's fields under `prefix` (empty for Publish, `PublishBatchRequestEntries.member.N.` in a batch). */
function readEntry(params: URLSearchParams, prefix: string, id: string | null): Entry {
  const attributes: Entry['attributes'] = {};
  for (let n = 1; params.has(`${prefix}MessageAttributes.entry.${n}.Name`); n++) {
    const at = `${prefix}MessageAttributes.entry.${n}`;
    attributes[params.get(`${at}.Name`) as string] = {
      ...(params.has(`${at}.Value.DataType`) ? { dataType: params.get(`${at}.Value.DataType`) as string } : {}),
      ...(params.has(`${at}.Value.StringValue`) ? { stringValue: params.get(`${at}.Value.StringValue`) as string } : {}),
      ...(params.has(`${at}.Value.BinaryValue`) ? { binaryValue: params.get(`${at}.Value.BinaryValue`) as string } : {}),
    };
  }
  const get = (name: string) => params.get(`${prefix}${name}`) ?? undefined;
  return { id, message: get('Message'), subject: get('Subject'), messageStructure: get('MessageStructure'), attributes };
}

function readBatch(params: URLSearchParams): Entry[] {
  const entries: Entry[] = [];
  for (let n = 1; ; n++) {
    const prefix = `PublishBatchRequestEntries.member.${n}.`;
    const keys = [...params.keys()].filter((key) => key.startsWith(prefix));
    if (keys.length === 0) break;
    entries.push(readEntry(params, prefix, params.get(`${prefix}Id`) ?? ''));
  }
  return entries;
}

const invalid = (what: string) => new SnsError(400, 'InvalidParameter', `Invalid parameter: ${what}`);

/** The checks SNS makes on one message. */
function checkEntry(entry: Entry): void {
  const message = entry.message;
  if (message === undefined || message === '') throw invalid('Empty message');
  if (Buffer.byteLength(message, 'utf8') > SNS_MAX_MESSAGE_BYTES) throw invalid('Message too long');
  if (entry.subject !== undefined) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: SNS refuses a subject with control characters; this is that check.
    if (entry.subject === '' || [...entry.subject].length > SNS_MAX_SUBJECT_CHARS || /[\u0000-\u001f\u007f]/.test(entry.subject)) throw invalid('Subject');
  }
  if (entry.messageStructure !== undefined) {
    if (entry.messageStructure !== 'json') throw invalid('MessageStructure');
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw invalid('Message Structure - JSON message body failed to parse');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('Message Structure - JSON message body failed to parse');
    if (typeof (parsed as Record<string, unknown>).default !== 'string') throw invalid('Message Structure - No default entry in JSON message body');
    for (const [protocol, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') throw invalid(`Message Structure - the value of "${protocol}" must be a string`);
    }
  }
  const attributes = Object.entries(entry.attributes);
  if (attributes.length > SNS_MAX_MESSAGE_ATTRIBUTES) throw invalid('Too many message attributes');
  for (const [name, value] of attributes) {
    if (!value.dataType) throw invalid(`The message attribute '${name}' must contain a non-empty attribute type.`);
    if (value.dataType.startsWith('String') && (value.stringValue === undefined || value.stringValue === '')) {
      throw invalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type 'String'.`);
    }
  }
}
