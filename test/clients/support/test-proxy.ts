/**
 * A scripted HTTP proxy on 127.0.0.1 between a device client and local mode. It counts the TCP
 * connections the client opens, records every request (arrival time, path, headers, body), and
 * answers the first requests from a script (503, 429 with Retry-After, or silence) before it
 * forwards the rest to the real service.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What the proxy does with one request. */
export type Step =
  | {
      readonly kind: 'answer';
      readonly status: number;
      /** Headers of the answer; a function is called when the answer is sent (a Retry-After date relative to that moment). */
      readonly headers?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
      readonly body?: string;
    }
  /** Reads the request and never answers (the connection stays open until the client gives up). */
  | { readonly kind: 'silence' };

export interface SeenRequest {
  /** performance.now() when the request's head arrived. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Which connection (1, 2, ...) carried it. */
  readonly connection: number;
  /** What the proxy did: a scripted step, or forwarded with the service's status. */
  answer: string;
}

export interface TestProxy {
  readonly url: string;
  /** TCP connections accepted so far. */
  connections(): number;
  requests(): readonly SeenRequest[];
  /** Replaces the script: these steps answer the next requests, later ones are forwarded. */
  script(steps: readonly Step[]): void;
  /** Closes a client's connection once it has been idle this long, as a load balancer or NAT does (still advertising a long keep-alive). */
  closeIdleAfter(ms: number): void;
  /** The connections the proxy closed for idleness (which one, and performance.now() then), in order. */
  idleCloses(): readonly { readonly connection: number; readonly at: number }[];
  close(): Promise<void>;
}

/** Starts a proxy in front of `upstream` (a base URL such as http://127.0.0.1:8080). */
export async function startTestProxy(upstream: string): Promise<TestProxy> {
  const target = new URL(upstream);
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();
  let connections = 0;
  let steps: Step[] = [];
  let closeIdleAfterMs: number | null = null;
  const idleCloses: { connection: number; at: number }[] = [];
  const idleTimers = new WeakMap<Socket, NodeJS.Timeout>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    clearTimeout(idleTimers.get(req.socket));
    res.on('finish', () => {
      if (closeIdleAfterMs === null) return;
      idleTimers.set(
        req.socket,
        setTimeout(() => {
          if (req.socket.destroyed) return;
          idleCloses.push({ connection: connectionIds.get(req.socket) ?? 0, at: performance.now() });
          req.socket.destroy();
        }, closeIdleAfterMs),
      );
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: SeenRequest = {
        at,
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: body.toString('utf8'),
        connection: connectionIds.get(req.socket) ?? 0,
        answer: '',
      };
      seen.push(entry);
      const step = steps.shift();
      if (step?.kind === 'silence') {
        entry.answer = 'silence';
        return;
      }
      if (step?.kind === 'answer') {
        entry.answer = `scripted ${step.status}`;
        const text = step.body ?? JSON.stringify({ error: { code: 'unavailable', message: 'Scripted by the test proxy.' } });
        res.writeHead(step.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...(typeof step.headers === 'function' ? step.headers() : step.headers) });
        res.end(text);
        return;
      }
      // Forward on a fresh upstream connection: what is counted is the client's side only.
      const headers = { ...req.headers, host: target.host };
      delete headers.connection;
      const upstreamRequest = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false }, (upstreamResponse) => {
        entry.answer = `forwarded ${upstreamResponse.statusCode}`;
        const responseHeaders = { ...upstreamResponse.headers };
        // The hop to the client keeps its own connection policy (ours: keep alive).
        delete responseHeaders.connection;
        delete responseHeaders['keep-alive'];
        res.writeHead(upstreamResponse.statusCode ?? 502, responseHeaders);
        upstreamResponse.pipe(res);
      });
      upstreamRequest.on('error', (error) => {
        entry.answer = `upstream error ${error.message}`;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('test proxy: upstream unreachable');
      });
      upstreamRequest.end(body);
    });
  });
  // Long enough that only the client can be the one closing an idle connection during a test.
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    connections++;
    connectionIds.set(socket, connections);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    requests: () => seen,
    script: (next) => {
      steps = [...next];
    },
    closeIdleAfter: (ms) => {
      closeIdleAfterMs = ms;
    },
    idleCloses: () => idleCloses,
    close: async () => {
      closeIdleAfterMs = null;
      for (const socket of sockets) {
        clearTimeout(idleTimers.get(socket));
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
