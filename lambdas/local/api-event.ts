/**
 * Local stand-in for API Gateway (HTTP API, payload format 2.0): matches a request to the route
 * table the stack is built from (lambdas/handlers/routes.ts) and builds the exact event the Lambda
 * handlers receive on AWS, so local mode runs the same handler code on the same input shape.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { routesByPath, type RouteHandler } from '../handlers/routes';

/** A request matched to a route of the route table. */
export interface RouteMatch {
  /** `METHOD /path/{param}` as API Gateway reports the matched route, or `ANY ...`. */
  readonly routeKey: string;
  /** The handler that serves the route. */
  readonly target: RouteHandler;
  /** The `{name}` segments of the path, decoded. */
  readonly pathParameters?: Readonly<Record<string, string>>;
}

/** The route table by path (lambdas/handlers/routes.ts), the same one the CDK API is built from. */
const PATHS = routesByPath();

/** Decodes percent-escapes; a malformed escape is kept as sent (the handler then rejects the id). */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Finds the route of a request, or null (404). A `{param}` matches exactly one non-empty segment.
 * A method the path does not list matches the path's `ANY` route, as on AWS, and its handler
 * answers the contract's 405.
 */
export function matchRoute(method: string, rawPath: string): RouteMatch | null {
  const segments = rawPath.split('/');
  for (const route of PATHS) {
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const parameters: Record<string, string> = {};
    const matches = pattern.every((part, i) => {
      const segment = segments[i] as string;
      const parameter = /^\{(\w+)\}$/.exec(part)?.[1];
      if (parameter === undefined) return part === segment;
      parameters[parameter] = decode(segment);
      return segment.length > 0;
    });
    if (!matches) continue;
    const verb = (route.methods as readonly string[]).includes(method) ? method : 'ANY';
    return {
      routeKey: `${verb} ${route.path}`,
      target: route.handler,
      ...(Object.keys(parameters).length > 0 ? { pathParameters: parameters } : {}),
    };
  }
  return null;
}

/** What the local server knows about one request, independent of node:http. */
export interface RawRequest {
  readonly method: string;
  /** The request target as sent: path and query string. */
  readonly target: string;
  /** e.g. `1.1` */
  readonly httpVersion: string;
  /** Header names and values, alternating, as received (node's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
  readonly remoteAddress: string | undefined;
  readonly localPort: number;
  readonly body: Buffer;
  /** Epoch ms. */
  readonly receivedAt: number;
  readonly requestId: string;
}

/** A request id shaped like API Gateway's (`apigw-requestid`). */
export function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `25/Nov/2026:10:00:00 +0000`, the format of `requestContext.time`. */
export function requestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Lower-cased names; repeated headers joined with commas, as API Gateway does. */
function collectHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return headers;
}

/** Decoded query parameters; repeated keys joined with commas, as API Gateway does. */
function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    params[key] = params[key] === undefined ? value : `${params[key]},${value}`;
  }
  return params;
}

/** The client address without the IPv4-mapped IPv6 prefix. */
function sourceIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** Builds the payload-2.0 event of a matched request. */
export function buildApiEvent(request: RawRequest, route: RouteMatch): APIGatewayProxyEventV2 {
  const queryAt = request.target.indexOf('?');
  const rawPath = queryAt === -1 ? request.target : request.target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : request.target.slice(queryAt + 1);
  const headers = collectHeaders(request.rawHeaders);

  // API Gateway moves cookies out of the headers into their own list, one entry per cookie.
  delete headers.cookie;
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    if ((request.rawHeaders[i] as string).toLowerCase() !== 'cookie') continue;
    for (const part of (request.rawHeaders[i + 1] as string).split(';')) if (part.trim()) cookies.push(part.trim());
  }

  const ip = sourceIp(request.remoteAddress);
  // Headers API Gateway adds on the way to the integration.
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${ip}` : ip;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';

  const host = headers.host ?? `127.0.0.1:${request.localPort}`;
  const query = parseQuery(rawQueryString);
  const hasBody = request.body.length > 0;
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: ip,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: requestTime(request.receivedAt),
      timeEpoch: request.receivedAt,
    },
    ...(route.pathParameters ? { pathParameters: { ...route.pathParameters } } : {}),
    // Always base64: byte-exact whatever the content type, and it exercises the handlers' decoding.
    ...(hasBody ? { body: request.body.toString('base64') } : {}),
    isBase64Encoded: hasBody,
  };
}
