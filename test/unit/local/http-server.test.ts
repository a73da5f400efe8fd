/**
 * Proves the local HTTP front with stub handlers (no database): routing, the 404 and 500 answers in
 * the contract's shape, mapping a handler's result back to HTTP, bounded body reading, and the
 * clear error for a port in use.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lambdas/core/ports';
import { ConfigError } from '../../../lambdas/core/settings';
import { jsonResponse, type HttpEvent, type HttpResult } from '../../../lambdas/handlers/http';
import { BODY_BYTES_KEPT, LocalHttpServer } from '../../../lambdas/local/http-server';

const received: HttpEvent[] = [];
const OK = async () => jsonResponse(200, { ok: true });
let answer: (event: HttpEvent) => Promise<HttpResult> = OK;

const server = new LocalHttpServer({ clock: { now: () => Date.parse('2026-11-25T10:00:00.000Z') }, logger: silentLogger });
let base = '';

beforeAll(async () => {
  const port = await server.listen(0);
  base = `http://127.0.0.1:${port}`;
  serveStubs();
});
// Tests set their own answer; each starts from the plain 200 (in any order).
beforeEach(() => {
  answer = OK;
});
afterAll(async () => {
  await server.close();
});

/** Gives `on` (the shared server by default) handlers that record each event and give `answer`. */
function serveStubs(on: LocalHttpServer = server): void {
  const stub = async (event: HttpEvent) => {
    received.push(event);
    return answer(event);
  };
  on.serve({ ingest: stub, management: stub });
}

/** Sends a body in chunks and reports what came back (or that the connection was cut). */
function post(path: string, totalBytes: number): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => resolve({ error: error.message }));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < totalBytes) {
        const part = chunk.subarray(0, Math.min(chunk.length, totalBytes - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('LocalHttpServer', () => {
  it('answers 503 until it has handlers, then routes to them', async () => {
    // A server of its own: the shared one has its handlers from the start.
    const fresh = new LocalHttpServer({ clock: { now: () => Date.parse('2026-11-25T10:00:00.000Z') }, logger: silentLogger });
    const url = `http://127.0.0.1:${await fresh.listen(0)}`;
    try {
      const early = await fetch(`${url}/v1/health`);
      expect(early.status).toBe(503);
      expect(await early.json()).toEqual({ error: { code: 'starting', message: expect.any(String) } });
      serveStubs(fresh);
      const later = await fetch(`${url}/v1/health`);
      expect(later.status).toBe(200);
      expect(received.at(-1)?.routeKey).toBe('GET /v1/health');
    } finally {
      await fresh.close();
    }
  });

  it('answers an unknown route 404 in the contract shape without calling a handler', async () => {
    const before = received.length;
    const response = await fetch(`${base}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(received.length).toBe(before);
  });

  it('turns a thrown error into the contract 500, with no stack or internal name', async () => {
    answer = async () => {
      throw new Error('ResourceNotFoundException: table heartbeat-devices at DynamoDbDeviceStore.recordBeat');
    };
    const response = await fetch(`${base}/v1/heartbeats/x`, { method: 'POST' });
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
    expect(text).not.toMatch(/DynamoDb|ResourceNotFound|heartbeat-devices/);
  });

  it('maps the handler result: status, headers, base64 body, cookies, request id', async () => {
    answer = async () => ({
      statusCode: 202,
      headers: { 'X-Custom': 'yes', 'content-type': 'text/plain' },
      cookies: ['a=1', 'b=2'],
      body: Buffer.from('héllo').toString('base64'),
      isBase64Encoded: true,
    });
    const response = await fetch(`${base}/v1/devices/x`, { method: 'PUT' });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('apigw-requestid')).toMatch(/^\S{8,}$/);
    expect(await response.text()).toBe('héllo');
  });

  it('answers the contract 500 when a handler result cannot be written as HTTP', async () => {
    answer = async () => ({ statusCode: 200, headers: { 'x-bad': 'line\nbreak' }, body: '{}' });
    const response = await fetch(`${base}/v1/devices/x`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
  });

  it('answers 204 with no body', async () => {
    answer = async () => ({ statusCode: 204, headers: {}, body: '' });
    const response = await fetch(`${base}/v1/devices/x`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('hands a handler at most one byte more than the contract allows, whatever was sent', async () => {
    answer = async () => jsonResponse(413, { error: { code: 'payload_too_large', message: 'too big' } });
    const result = await post('/v1/heartbeats/big', 200_000);
    expect(result).toMatchObject({ status: 413 });
    const event = received.at(-1);
    expect(Buffer.from(event?.body ?? '', 'base64').length).toBe(BODY_BYTES_KEPT);
  });

  it('stops reading a body past 1 MiB and closes the connection after answering', async () => {
    answer = async () => jsonResponse(413, { error: { code: 'payload_too_large', message: 'too big' } });
    const result = await post('/v1/heartbeats/huge', 8 * 1024 * 1024);
    // The client either reads the 413 or sees the connection cut; it never gets to send 8 MiB into memory.
    if ('status' in result) expect(result.status).toBe(413);
    else expect(result.error).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    expect(Buffer.from(received.at(-1)?.body ?? '', 'base64').length).toBe(BODY_BYTES_KEPT);
  });

  it('answers headers over 16 KB with 431 and its own code, not payload_too_large (that is the body)', async () => {
    // Prepare
    serveStubs();
    const { Socket } = await import('node:net');
    const socket = new Socket();
    const port = Number(new URL(base).port);

    // Act
    const raw = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.connect(port, '127.0.0.1', () => socket.end(`GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`));
    });

    // Assess
    expect(raw.startsWith('HTTP/1.1 431 ')).toBe(true);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'headers_too_large', message: 'Request headers must be at most 16 KB.' } });
  });

  it('fails with one line naming the port and the flag when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const other = new LocalHttpServer({ clock: { now: Date.now }, logger: silentLogger });
    try {
      await expect(other.listen(port)).rejects.toThrow(new ConfigError(`Port ${port} on 127.0.0.1 is in use; stop the program using it or choose another with --port (or PORT; 0 picks a free one).`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
