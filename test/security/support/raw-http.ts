/**
 * A tiny HTTP/1.1 client on raw sockets, so the security tests can send what fetch refuses to:
 * any method, raw path bytes, repeated or malformed headers, hand-made chunked bodies, invalid
 * UTF-8. One connection per request (`Connection: close`), the answer read until the server closes.
 * Also: the contract's error shape as a checkable predicate, and small JSON helpers over node:http.
 */
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly reason: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly text: string;
}

export type Framing = 'length' | 'chunked' | 'none';

export interface RequestSpec {
  readonly method: string;
  /** The request target exactly as sent (path and query). */
  readonly target: string;
  /** Header lines in order; names and values are sent as given (latin1 bytes). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Buffer;
  /** `length`: Content-Length; `chunked`: Transfer-Encoding: chunked with `chunkSizes`; `none`: neither (empty body only). */
  readonly framing?: Framing;
  /** Sizes of the chunks the body is cut into (cycled); the default is one chunk. */
  readonly chunkSizes?: readonly number[];
  /** Write chunk sizes in upper-case hex. */
  readonly upperHex?: boolean;
  readonly httpVersion?: '1.1' | '1.0';
}

/** The bytes of a request. Adds `Host` and `Connection: close` unless the spec has them. */
export function buildRequest(spec: RequestSpec): Buffer {
  const body = spec.body ?? Buffer.alloc(0);
  const framing = spec.framing ?? (body.length > 0 ? 'length' : 'none');
  const lines: string[] = [`${spec.method} ${spec.target} HTTP/${spec.httpVersion ?? '1.1'}`];
  const names = new Set(spec.headers.map(([name]) => name.toLowerCase()));
  if (!names.has('host')) lines.push('Host: 127.0.0.1');
  for (const [name, value] of spec.headers) lines.push(`${name}: ${value}`);
  if (!names.has('connection')) lines.push('Connection: close');
  let payload: Buffer = body;
  if (framing === 'length') lines.push(`Content-Length: ${body.length}`);
  if (framing === 'chunked') {
    lines.push('Transfer-Encoding: chunked');
    const parts: Buffer[] = [];
    const sizes = spec.chunkSizes && spec.chunkSizes.length > 0 ? spec.chunkSizes : [Math.max(1, body.length)];
    let at = 0;
    for (let i = 0; at < body.length; i++) {
      const size = Math.max(1, sizes[i % sizes.length] as number);
      const chunk = body.subarray(at, at + size);
      at += chunk.length;
      const hex = chunk.length.toString(16);
      parts.push(Buffer.from(`${spec.upperHex ? hex.toUpperCase() : hex}\r\n`, 'latin1'), chunk, Buffer.from('\r\n', 'latin1'));
    }
    parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
    payload = Buffer.concat(parts);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

function decodeChunked(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at, 'latin1');
    if (lineEnd === -1) break;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1').split(';')[0] as string, 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Parses one response (skipping interim 1xx answers); null when there is none. */
export function parseResponse(raw: Buffer): RawResponse | null {
  let rest = raw;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n', 0, 'latin1');
    if (headEnd === -1) return null;
    const head = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(head[0] ?? '');
    if (!statusLine) return null;
    const status = Number(statusLine[1]);
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let body = rest.subarray(headEnd + 4);
    if (status >= 100 && status < 200) {
      rest = body;
      continue;
    }
    if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) body = decodeChunked(body);
    else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
    return { status, reason: statusLine[2] ?? '', headers, body, text: body.toString('utf8') };
  }
}

export interface SendOptions {
  readonly timeoutMs?: number;
  /**
   * Half-close after writing. Off by default: node's HTTP server (httpAllowHalfOpen false) drops
   * the answers still in progress when the client half-closes, although it goes on handling them.
   */
  readonly end?: boolean;
}

/**
 * Sends raw bytes to 127.0.0.1:port and collects everything until the server closes.
 * Resolves null when the server closed (or reset) without a parsable answer.
 */
export function sendRaw(port: number, bytes: Buffer, options: SendOptions = {}): Promise<RawResponse | null> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(parseResponse(Buffer.concat(chunks)));
    };
    const timer = setTimeout(
      () => finish(new Error(`no complete answer within ${options.timeoutMs ?? 15_000} ms; got: ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 300))}`)),
      options.timeoutMs ?? 15_000,
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    // A reset after the server answered and closed still leaves the answer readable.
    socket.on('error', () => finish());
    socket.write(bytes, () => {
      if (options.end ?? false) socket.end();
    });
  });
}

export const sendRequest = (port: number, spec: RequestSpec, options?: SendOptions) => sendRaw(port, buildRequest(spec), options);

/** Error codes the contract lists. */
export const CONTRACT_ERROR_CODES = [
  'invalid_device_id',
  'payload_too_large',
  'unauthorized',
  'unsupported_media_type',
  'invalid_body',
  'throttled',
  'method_not_allowed',
  'not_found',
  'invalid_query',
] as const;

/** Things a client must never see in an error message. */
const INTERNALS =
  /(\n\s*at\s)|\bat\s+\S+\s+\(|Error\b|Exception|DynamoDB|dynamodb|\.tsx?\b|\.m?js\b|node:|node_modules|\/work\/|\/tmp\/|undefined|\[object |ECONN|stack|Unexpected token|Unexpected end|in JSON at position/;

/**
 * Problems with an error answer, judged by the contract: a JSON content type and exactly
 * `{"error": {"code", "message"}}` with a listed code and a message free of internals.
 * Returns an empty list when the answer is fine.
 */
export function errorShapeProblems(response: RawResponse, options: { headOnly?: boolean; codes?: readonly string[] } = {}): string[] {
  const problems: string[] = [];
  const contentType = response.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(contentType)) problems.push(`content-type is ${JSON.stringify(contentType)}, not application/json`);
  if (options.headOnly) {
    if (response.body.length !== 0) problems.push('a HEAD answer carries a body');
    return problems;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.text);
  } catch {
    problems.push(`body is not JSON: ${JSON.stringify(response.text.slice(0, 200))}`);
    return problems;
  }
  const outer = parsed as { error?: { code?: unknown; message?: unknown } };
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).join() !== 'error') {
    problems.push(`body is not exactly {"error": ...}: ${response.text.slice(0, 200)}`);
    return problems;
  }
  const inner = outer.error;
  if (typeof inner !== 'object' || inner === null || Object.keys(inner).sort().join() !== 'code,message') {
    problems.push(`"error" is not exactly {"code", "message"}: ${response.text.slice(0, 200)}`);
    return problems;
  }
  const codes = options.codes ?? CONTRACT_ERROR_CODES;
  if (typeof inner.code !== 'string' || !codes.includes(inner.code)) problems.push(`code ${JSON.stringify(inner.code)} is not one of the contract's`);
  if (typeof inner.message !== 'string' || inner.message.trim() === '') problems.push('message is not a non-empty string');
  // Quoted parts echo what the client sent (an unknown field's name, a device id): not ours to judge.
  else if (INTERNALS.test(inner.message.replace(/"[^"]*"/g, '""'))) problems.push(`message shows internals: ${JSON.stringify(inner.message)}`);
  return problems;
}

/** The error code of an answer, or null. */
export function errorCode(response: RawResponse): string | null {
  try {
    const code = (JSON.parse(response.text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

export interface JsonAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  // Parsed JSON under test: any keeps the assertions short.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** A JSON client over node:http (keep-alive), for the management API and load. Paths are sent unnormalised. */
export class JsonClient {
  readonly agent: Agent;
  constructor(
    readonly port: number,
    maxSockets = 8,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  call(method: string, path: string, options: { token?: string; authorization?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<JsonAnswer> {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Every device in the store, through the management API (all pages). */
export async function listAllDevices(client: JsonClient, adminToken: string): Promise<{ deviceId: string; beats: number; lastSeen: string | null }[]> {
  const devices: { deviceId: string; beats: number; lastSeen: string | null }[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const answer = await client.call('GET', `/v1/devices?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: adminToken });
    if (answer.status !== 200) throw new Error(`GET /v1/devices answered ${answer.status}: ${answer.text}`);
    devices.push(...(answer.body.devices as { deviceId: string; beats: number; lastSeen: string | null }[]));
    cursor = answer.body.cursor as string | null;
    if (cursor === null) return devices;
  }
  throw new Error('more than 1000 pages of devices');
}

/** `/v1/devices/{id}` with the id escaped the way a careful client does. */
export const devicePath = (deviceId: string) => `/v1/devices/${encodeURIComponent(deviceId)}`;
