/**
 * The HTTP front of local mode: node:http on 127.0.0.1, doing API Gateway's part (routing, event
 * building, mapping the handler's result back to HTTP) in front of the same handlers the Lambdas run.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BATCH_LIMITS } from '../core/batch';
import type { Clock, Logger } from '../core/ports';
import { ConfigError } from '../core/settings';
import { errorResponse, internalError, type HttpHandler, type HttpResult } from '../handlers/http';
import { NO_SUCH_ROUTE, type RouteHandler } from '../handlers/routes';
import { buildApiEvent, matchRoute, newRequestId, type RawRequest } from './api-event';
import { dashboardAsset, isDashboardPath } from './dashboard-assets';

/**
 * Bytes of body handed to a handler: one more than the largest body the contract allows (a batch)
 * is enough for it to answer 413; each handler applies its own route's limit.
 */
export const BODY_BYTES_KEPT = BATCH_LIMITS.maxBodyBytes + 1;

/**
 * Bytes of body read (and dropped) beyond that, so that a client still sending gets to read the
 * answer. A larger body is cut off: the connection is closed after the answer.
 */
export const BODY_BYTES_DRAINED = 1024 * 1024;

/** The handler of each kind of route, as the Lambda functions would run them. */
export type LocalHandlers = Readonly<Record<RouteHandler, HttpHandler>>;

interface ReadBody {
  readonly body: Buffer;
  /** More than BODY_BYTES_DRAINED arrived: reading stopped, the connection must close. */
  readonly cutOff: boolean;
}

/** Reads at most BODY_BYTES_KEPT bytes into memory and counts (not keeps) the rest up to the drain limit. */
function readBody(req: IncomingMessage): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (keptBytes < BODY_BYTES_KEPT) {
        const part = chunk.subarray(0, BODY_BYTES_KEPT - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
      if (total > BODY_BYTES_DRAINED) {
        req.off('data', onData);
        req.pause();
        resolve({ body: Buffer.concat(kept), cutOff: true });
      }
    };
    req.on('data', onData);
    req.once('end', () => resolve({ body: Buffer.concat(kept), cutOff: false }));
    req.once('error', () => reject(new ClientGone()));
    // A client that hangs up mid-body may end the stream with 'close' alone.
    req.once('close', () => {
      if (!req.complete) reject(new ClientGone());
    });
  });
}

/** The client hung up before sending its whole request: there is nobody to answer. */
class ClientGone extends Error {}

/** Writes a handler's structured result as API Gateway would. */
function writeResult(res: ServerResponse, result: HttpResult, requestId: string, options: { headOnly: boolean; close: boolean }): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  // API Gateway's default for a body without a declared type.
  if (body.length > 0 && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  headers['content-length'] = String(body.length);
  headers['apigw-requestid'] = requestId;
  if (options.close) headers.connection = 'close';
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(options.headOnly ? undefined : body);
}

const notFound = () => errorResponse(404, 'not_found', NO_SUCH_ROUTE);
const starting = () => errorResponse(503, 'starting', 'The service is starting; retry in a second.', { 'retry-after': '1' });

export interface LocalHttpServerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The server. It listens before the handlers exist (so a port in use fails in milliseconds, not
 * after DynamoDB Local started) and answers 503 until `serve` hands it the handlers.
 */
export class LocalHttpServer {
  private readonly server: Server;
  private handlers: LocalHandlers | null = null;

  constructor(private readonly options: LocalHttpServerOptions) {
    // A missing Host header is tolerated (HTTP/1.0 firmware omits it) rather than refused bare by node.
    this.server = createServer({ requireHostHeader: false }, (req, res) => void this.handle(req, res));
    // Requests node's parser refuses (bad chunking, headers over 16 KB, a space in the path...) still
    // get the contract's error JSON, never a bare answer.
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const tooBig = error.code === 'HPE_HEADER_OVERFLOW';
      const body = JSON.stringify({
        error: tooBig
          ? { code: 'headers_too_large', message: 'Request headers must be at most 16 KB.' }
          : { code: 'invalid_request', message: 'The request is not valid HTTP/1.1; check the request line, headers and body framing.' },
      });
      socket.end(
        `HTTP/1.1 ${tooBig ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
          `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  /** Starts routing requests to the handlers. */
  serve(handlers: LocalHandlers): void {
    this.handlers = handlers;
  }

  /** Listens on 127.0.0.1 only; resolves the port (useful with 0). */
  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') {
          reject(new ConfigError(`Port ${port} on 127.0.0.1 is in use; stop the program using it or choose another with --port (or PORT; 0 picks a free one).`));
        } else if (error.code === 'EACCES') {
          reject(new ConfigError(`Port ${port} needs privileges this user lacks; choose one above 1023 with --port (or PORT).`));
        } else reject(error);
      };
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Stops accepting, closes idle keep-alive connections at once, lets requests in flight finish,
   * and cuts whatever is still open after `graceMs`.
   */
  async close(graceMs = 2000): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = newRequestId();
    const method = (req.method ?? 'GET').toUpperCase();
    const target = req.url ?? '/';
    let result: HttpResult;
    let cutOff = false;
    try {
      const read = await readBody(req);
      cutOff = read.cutOff;
      result = await this.answer(req, method, target, read.body, requestId);
    } catch (error) {
      if (error instanceof ClientGone) return;
      // Never a stack trace to the client: the contract's 500, and the detail in our log.
      this.options.logger.error('request failed', { method, path: target.split('?')[0], error: error instanceof Error ? error.message : String(error) });
      result = internalError();
    }
    if (res.headersSent || res.destroyed) return;
    // A body cut off mid-way leaves the connection unusable: answer, then close it.
    if (cutOff) res.once('finish', () => req.socket.destroy());
    try {
      writeResult(res, result, requestId, { headOnly: method === 'HEAD', close: cutOff });
    } catch (error) {
      // A result node cannot write (a header with a line break, say): the contract's 500 instead.
      this.options.logger.error('response not writable', { method, path: target.split('?')[0], error: error instanceof Error ? error.message : String(error) });
      result = internalError();
      if (!res.headersSent) writeResult(res, result, requestId, { headOnly: method === 'HEAD', close: cutOff });
      else res.destroy();
    }
    this.options.logger.info('request', { method, path: target.split('?')[0], status: result.statusCode ?? 200, ms: Math.round(performance.now() - started) });
  }

  private async answer(req: IncomingMessage, method: string, target: string, body: Buffer, requestId: string): Promise<HttpResult> {
    const rawPath = target.split('?')[0] ?? '/';
    // The dashboard page: static files, no handler, no credential (the page asks for the token).
    if (isDashboardPath(rawPath)) {
      if (method === 'GET' || method === 'HEAD') return dashboardAsset(rawPath) as HttpResult;
      return errorResponse(405, 'method_not_allowed', 'The dashboard accepts GET.', { allow: 'GET, HEAD' });
    }
    const route = matchRoute(method, rawPath);
    if (route === null) return notFound();
    if (this.handlers === null) return starting();
    const raw: RawRequest = {
      method,
      target,
      httpVersion: req.httpVersion,
      rawHeaders: req.rawHeaders,
      remoteAddress: req.socket.remoteAddress,
      localPort: req.socket.localPort ?? 0,
      body,
      receivedAt: this.options.clock.now(),
      requestId,
    };
    return this.handlers[route.target](buildApiEvent(raw, route));
  }
}
