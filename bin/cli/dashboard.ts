/**
 * `heartbeat dashboard --url <ApiUrl>`: serves the dashboard page on 127.0.0.1 and passes its API
 * reads on to the service: SigV4-signed with the operator's AWS credentials for a deployed stack,
 * with the admin token for local mode.
 *
 * A signing proxy on loopback would let any local program or web page borrow the operator's AWS
 * identity, so it (1) answers only requests whose Host is this very address (DNS rebinding),
 * (2) passes a request on only with the session token it printed in the link's fragment, and
 * (3) passes on GET of `/v1/` routes only: the dashboard reads, it never changes the fleet.
 */
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { integerSetting } from '../../lambdas/core/settings';
import { bearerToken } from '../../lambdas/core/tokens';
import type { HttpResult } from '../../lambdas/handlers/http';
import { dashboardAsset, isDashboardPath } from '../../lambdas/local/dashboard-assets';
import type { Io } from './commands';
import { CliError } from './errors';
import { sigv4Headers } from './http-client';
import { localAdminToken, resolveTarget, type Target, type TargetOptions } from './target';

/** Options of the `dashboard` command. */
export interface DashboardOptions extends TargetOptions {
  /** Port of the dashboard on 127.0.0.1 (the --port of TargetOptions names local mode's port). */
  readonly listen?: string;
}

/** How a request is signed on its way to the service. */
export type UpstreamAuth = (method: string, url: URL) => Promise<Record<string, string>>;

const UPSTREAM_TIMEOUT_MS = 10_000;
/** Headers of the service's answer that the page may see. */
const PASSED_HEADERS = ['content-type', 'cache-control', 'retry-after'];

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function send(res: ServerResponse, result: HttpResult): void {
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  res.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>), 'content-length': String(body.length) });
  res.end(body);
}

function error(statusCode: number, code: string, message: string): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify({ error: { code, message } }) };
}

/** The running proxy. */
export interface DashboardProxy {
  readonly port: number;
  /** The address to open: the session token rides in the fragment, never sent in a request line. */
  readonly link: string;
  close(): Promise<void>;
}

/** Starts the page and the pass-through on 127.0.0.1:`port` (0: a free one). */
export async function startDashboardProxy(options: { readonly upstreamBase: string; readonly auth: UpstreamAuth; readonly port: number; readonly sessionToken?: string; readonly onError?: (message: string) => void }): Promise<DashboardProxy> {
  const sessionToken = options.sessionToken ?? randomBytes(24).toString('base64url');
  const expected = digest(sessionToken);
  let allowedHosts = new Set<string>();

  const answer = async (req: IncomingMessage): Promise<HttpResult> => {
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) return error(421, 'misdirected_request', 'This dashboard answers only requests addressed to its own 127.0.0.1 address.');
    const method = (req.method ?? 'GET').toUpperCase();
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (isDashboardPath(target.pathname)) {
      return method === 'GET' || method === 'HEAD' ? (dashboardAsset(target.pathname) as HttpResult) : error(405, 'method_not_allowed', 'The dashboard accepts GET.');
    }
    if (!target.pathname.startsWith('/v1/')) return error(404, 'not_found', 'No such page; open / for the dashboard.');
    const presented = bearerToken(req.headers.authorization);
    if (presented === null || !timingSafeEqual(digest(presented), expected)) {
      return error(401, 'unauthorized', 'Open the link "heartbeat dashboard" printed: it carries this session\'s token.');
    }
    if (method !== 'GET') return error(405, 'method_not_allowed', 'The dashboard only reads; change devices with the CLI or the API.');

    const url = new URL(`${options.upstreamBase}${target.pathname}${target.search}`);
    const headers = await options.auth('GET', url);
    let response: Response;
    try {
      response = await fetch(url, { method: 'GET', headers, signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
    } catch (cause) {
      options.onError?.(`cannot reach ${options.upstreamBase}: ${(cause as { cause?: { code?: string } }).cause?.code ?? String(cause)}`);
      return error(502, 'bad_gateway', `The service at ${options.upstreamBase} did not answer.`);
    }
    const body = Buffer.from(await response.arrayBuffer());
    const passed: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) passed[name] = value;
    }
    return { statusCode: response.status, headers: passed, body: body.toString('base64'), isBase64Encoded: true };
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    answer(req).then(
      (result) => send(res, result),
      (cause: unknown) => {
        // The one line a person can act on (no credentials? wrong region?); never a stack to the page.
        const message = cause instanceof Error ? cause.message : String(cause);
        options.onError?.(message);
        send(res, error(502, 'bad_gateway', message.split('\n')[0] ?? 'The request could not be signed.'));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: NodeJS.ErrnoException) =>
      reject(cause.code === 'EADDRINUSE' ? new CliError(`Port ${options.port} on 127.0.0.1 is in use; choose another with --listen (0 picks a free one).`) : cause),
    );
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  return {
    port,
    link: `http://127.0.0.1:${port}/#token=${sessionToken}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The upstream's credential: SigV4 for a deployed stack, the admin token for local mode. */
export function upstreamAuth(target: Target, env: Readonly<Record<string, string | undefined>>): UpstreamAuth {
  if (target.remote) return (method, url) => sigv4Headers(target, method, url, { accept: 'application/json' }, undefined);
  const token = localAdminToken(target, env);
  return async () => ({ accept: 'application/json', authorization: `Bearer ${token}` });
}

/** Runs the dashboard until Ctrl-C. */
export async function dashboardCommand(options: DashboardOptions, io: Io, stop: AbortSignal): Promise<void> {
  if (options.url === undefined) throw new CliError('--url is required: the ApiUrl output of the stack (local mode serves its own dashboard at its URL).');
  const target = resolveTarget(options, io.env, io.cwd);
  if (target.remote && !target.region) throw new CliError('Set --region or AWS_REGION: SigV4 signing needs the region of the stack.');
  const port = integerSetting('--listen', options.listen, { min: 0, max: 65_535 }, 8090);
  const proxy = await startDashboardProxy({ upstreamBase: target.base, auth: upstreamAuth(target, io.env), port, onError: (message) => io.err(`warning: ${message}`) });
  io.out(`Dashboard of ${target.base} (${target.remote ? `SigV4, ${target.region}` : 'local mode, admin token'}); reads only.`);
  io.out(`Open ${proxy.link}`);
  io.out('Stop with Ctrl-C.');
  await new Promise<void>((resolve) => {
    if (stop.aborted) resolve();
    stop.addEventListener('abort', () => resolve(), { once: true });
  });
  await proxy.close();
}
