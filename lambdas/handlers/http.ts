/**
 * Translation between API Gateway HTTP API (payload v2) events and the contract's JSON answers.
 * The local server builds the same events, so these helpers serve both runtimes.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { parseJson } from '../core/validation';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpHandler = (event: HttpEvent) => Promise<HttpResult>;

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer. */
export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers }, body: JSON.stringify(body) };
}

/** The contract's error shape: a machine code and one sentence a person can act on. Never internals. */
export function errorResponse(statusCode: number, code: string, message: string, headers: Record<string, string> = {}): HttpResult {
  return jsonResponse(statusCode, { error: { code, message } }, headers);
}

/** The answer to HEAD: the GET answer (status, headers) without its body. */
export function headAware(verb: string, result: HttpResult): HttpResult {
  return verb === 'HEAD' ? { ...result, body: '' } : result;
}

/** An answer with no body (204). */
export function emptyResponse(statusCode: number): HttpResult {
  return { statusCode, headers: { 'cache-control': 'no-store' }, body: '' };
}

/** A request header, whatever its case (API Gateway lower-cases them; a local client may not). */
export function header(event: HttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The raw body bytes. */
export function bodyBytes(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly; null for invalid byte sequences. */
function decodeUtf8(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** True for `application/json` with no charset or charset UTF-8 (any case, optional quotes). */
function isJsonUtf8(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [mediaType, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  for (const param of params) {
    const [name, rawValue = ''] = param.split('=').map((p) => p.trim());
    if (name === 'charset' && rawValue.replace(/^"|"$/g, '') !== 'utf-8' && rawValue.replace(/^"|"$/g, '') !== 'utf8') return false;
  }
  return true;
}

/**
 * The request path: `rawPath`, else the request context's path (a hand-built event may carry only
 * one of them), without trailing slashes.
 */
export function requestPath(event: HttpEvent): string {
  const raw = event.rawPath ?? event.requestContext?.http?.path ?? '';
  return raw.replace(/\/+$/, '');
}

/** The HTTP method. */
export function method(event: HttpEvent): string {
  return event.requestContext?.http?.method?.toUpperCase() ?? 'GET';
}

export const internalError = (): HttpResult =>
  errorResponse(500, 'internal_error', 'The service could not complete the request; retry in a few seconds.');

/** The contract's 413 for a body over `maxBytes`; `what` names the body ("The body", "A batch"). */
export function payloadTooLarge(what: string, maxBytes: number): HttpResult {
  return errorResponse(413, 'payload_too_large', `${what} must be at most ${maxBytes} bytes.`);
}

/**
 * The one JSON-body parser of every route (single beats, batches, management): a non-empty body as
 * parsed JSON, or the contract's answer refusing it: 415 `unsupported_media_type` (with
 * `mediaTypeHint` as its message) unless the content type is JSON in UTF-8, 400 `invalid_body` for
 * bytes that are not UTF-8 or text that is not JSON. Size and emptiness are the route's to check first.
 */
export function readJsonBody(event: HttpEvent, bytes: Buffer, mediaTypeHint: string): { ok: true; value: unknown } | { ok: false; result: HttpResult } {
  if (!isJsonUtf8(header(event, 'content-type'))) return { ok: false, result: errorResponse(415, 'unsupported_media_type', mediaTypeHint) };
  const text = decodeUtf8(bytes);
  if (text === null) return { ok: false, result: errorResponse(400, 'invalid_body', 'The body is not valid UTF-8.') };
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, result: errorResponse(400, 'invalid_body', parsed.message) };
  return { ok: true, value: parsed.value };
}

/**
 * A path parameter, percent-decoded if it still holds an escape (`sensor%3A1`): whether a front door
 * hands it over decoded or as sent, the handler sees the same id. No `%` is in the id alphabet, so
 * decoding never turns a valid id into another one.
 */
export function pathParameter(event: HttpEvent, name: string): string | undefined {
  const value = event.pathParameters?.[name];
  if (value === undefined || !value.includes('%')) return value;
  return decodeURIComponentSafe(value) ?? value;
}

/** Decodes percent-escapes of a path segment; undefined for a malformed escape. */
export function decodeURIComponentSafe(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
