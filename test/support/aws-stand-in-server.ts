/**
 * The HTTP part every local AWS service stand-in shares: a server on 127.0.0.1 (a free port),
 * the whole request body read before the stand-in answers, and the access key id the SDK signed
 * the request with (signatures themselves are not checked).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a stand-in sees it. */
export interface StandInRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** From the SigV4 `Authorization` header; null for an unsigned request. */
  readonly accessKeyId: string | null;
}

export class AwsStandInServer {
  private constructor(
    private readonly server: Server,
    private readonly port: number,
  ) {}

  /** Listens on a free port of 127.0.0.1 and hands each request, body read, to `answer`. */
  static async start(answer: (request: StandInRequest, res: ServerResponse) => void): Promise<AwsStandInServer> {
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? null;
      answer({ headers: req.headers, body: Buffer.concat(chunks), accessKeyId }, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new AwsStandInServer(server, (server.address() as AddressInfo).port);
  }

  /** The endpoint for an `AWS_ENDPOINT_URL_*` variable or a client's `endpoint`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
