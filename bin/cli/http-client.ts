/**
 * HTTP calls of the CLI: fetch, with the caller's credential (a bearer token, or SigV4 for a
 * deployed stack's IAM-authorized routes), and failures turned into one actionable line.
 */
import { CliError } from './errors';
import type { Target } from './target';

export type Auth = { readonly kind: 'bearer'; readonly token: string } | { readonly kind: 'sigv4' } | { readonly kind: 'none' };

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, starting with `/v1/`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Sent as JSON; omitted: no body. */
  readonly body?: unknown;
  readonly auth: Auth;
}

export interface ApiResponse {
  readonly status: number;
  readonly text: string;
  /** The parsed body, when it was JSON. */
  readonly json: unknown;
}

const TIMEOUT_MS = 10_000;

/** The SigV4 service of a deployed stack's URL: `lambda` for a Lambda function URL (frontDoor=functionUrl), else `execute-api`. */
export function signingService(hostname: string): 'lambda' | 'execute-api' {
  return /\.lambda-url\.[a-z0-9-]+\.on\.aws$/.test(hostname) ? 'lambda' : 'execute-api';
}

/** Headers that sign the request with the caller's AWS credentials (service `execute-api`, or `lambda` for a function URL). */
export async function sigv4Headers(target: Target, method: string, url: URL, headers: Record<string, string>, body: string | undefined): Promise<Record<string, string>> {
  if (!target.region) throw new CliError('Set --region or AWS_REGION: SigV4 signing needs the region of the stack.');
  // Loaded only for a deployed stack: the credential chain is a large import that local use never needs.
  const [{ SignatureV4 }, { Sha256 }, { fromNodeProviderChain }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-crypto/sha256-js'),
    import('@aws-sdk/credential-providers'),
  ]);
  const signer = new SignatureV4({ service: signingService(url.hostname), region: target.region, credentials: fromNodeProviderChain(), sha256: Sha256 });
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  try {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
      ...(body !== undefined ? { body } : {}),
    });
    return signed.headers;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(`No usable AWS credentials (${message}); configure a profile (AWS_PROFILE) or set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.`);
  }
}

/** Why a request never got an answer, in words. */
function unreachable(target: Target, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (error as { name?: string }).name ?? 'error';
  const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : code;
  const hint = target.remote ? 'check --url.' : 'is local mode running? Start it with "npx heartbeat start", or pass its --port / --url.';
  return new CliError(`Cannot reach ${target.base} (${why}); ${hint}`);
}

/** Sends one request; resolves with whatever status came back, rejects only when there was no answer. */
export async function callApi(target: Target, request: ApiRequest): Promise<ApiResponse> {
  const url = new URL(`${target.base}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  let headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'heartbeat-cli' };
  if (body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  if (request.auth.kind === 'bearer') headers.authorization = `Bearer ${request.auth.token}`;
  if (request.auth.kind === 'sigv4') headers = await sigv4Headers(target, request.method, url, headers, body);

  let response: Response;
  try {
    response = await fetch(url, { method: request.method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw unreachable(target, error);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** The contract's error, or API Gateway's own `{"message"}`, as one line. */
export function describeFailure(response: ApiResponse): string {
  const body = response.json as { error?: { code?: string; message?: string }; message?: string } | undefined;
  if (body?.error?.code) return `HTTP ${response.status} ${body.error.code}: ${body.error.message ?? ''}`.trim();
  if (body?.message) return `HTTP ${response.status}: ${body.message}`;
  return `HTTP ${response.status}${response.text ? `: ${response.text.slice(0, 200)}` : ''}`;
}

/** Rejects with a CliError unless the status is 2xx. */
export function expectOk(response: ApiResponse): ApiResponse {
  if (response.status >= 200 && response.status < 300) return response;
  throw new CliError(describeFailure(response));
}
