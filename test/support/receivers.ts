/**
 * Real HTTP receivers on 127.0.0.1 for delivery tests: each answers its requests from a script
 * (a status, a hang, a connection closed mid-answer) and records what it got.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How a receiver answers one request: a status, a status with headers, no answer, or half an answer. */
export type Answer = number | { readonly status: number; readonly headers: Readonly<Record<string, string>> } | 'hang' | 'close-mid-response';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * Starts a receiver. `script[i]` answers request i; after the script, `then` answers (default 200).
 * A function as `script` picks the answer from the request and the requests before it (for a
 * receiver shared by tests that must not depend on which test's request comes first).
 * A 3xx answer carries a Location header, so a client that followed redirects would be caught.
 */
export async function startReceiver(
  script: readonly Answer[] | ((request: ReceivedRequest, earlier: readonly ReceivedRequest[]) => Answer) = [],
  then: Answer = 200,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: (r: ReceivedRequest[]) => void }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const answer = typeof script === 'function' ? script(request, requests) : (script[requests.length] ?? then);
      requests.push(request);
      for (const w of waiters.splice(0)) {
        if (requests.length >= w.count) w.resolve([...requests]);
        else waiters.push(w);
      }
      if (answer === 'hang') return;
      if (answer === 'close-mid-response') {
        // Promise 100 bytes, send 10, then cut the connection.
        res.writeHead(200, { 'content-length': '100' });
        res.write('0123456789');
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      if (typeof answer === 'object') {
        res.writeHead(answer.status, answer.headers).end('{}');
        return;
      }
      res.writeHead(answer, answer >= 300 && answer < 400 ? { location: `${url}/elsewhere` } : { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    received: (count) =>
      requests.length >= count ? Promise.resolve([...requests]) : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (the port was just released). */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
