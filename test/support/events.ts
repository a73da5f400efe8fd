/** Builds API Gateway HTTP API (payload v2) events the way the deployed API sends them. */
import type { HttpEvent } from '../../lambdas/handlers/http';

export interface EventInput {
  method: string;
  path: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: string | Buffer;
  iam?: boolean;
}

export function httpEvent(input: EventInput): HttpEvent {
  const body = input.body === undefined ? undefined : Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body, 'utf8');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  return {
    version: '2.0',
    routeKey: `${input.method} ${input.path}`,
    rawPath: input.path,
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers,
    ...(input.query ? { queryStringParameters: input.query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: input.method, path: input.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'test-request',
      routeKey: `${input.method} ${input.path}`,
      stage: '$default',
      time: '25/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
      ...(input.iam ? { authorizer: { iam: { accessKey: 'AKIA', accountId: '123456789012' } } } : {}),
    },
    ...(body ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  } as HttpEvent;
}

/** A beat event for a device. */
export function beatEvent(deviceId: string, options: { token?: string; body?: string | Buffer; contentType?: string; method?: string; headers?: Record<string, string> } = {}): HttpEvent {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  return httpEvent({
    method: options.method ?? 'POST',
    path: `/v1/heartbeats/${encodeURIComponent(deviceId)}`,
    pathParameters: { deviceId },
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}
