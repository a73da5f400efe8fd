/**
 * The HTTP API's routes, declared once. The CDK API (lib/heartbeat-api.ts) creates its API Gateway
 * routes from this table and the local server (lambdas/local/api-event.ts) routes requests with it,
 * so both runtimes always serve the same routes with the same handler and the same authorization.
 *
 * HOW TO ADD A ROUTE: add one line to ROUTES (method, path, handler, auth), then serve it in that
 * handler (lambdas/handlers/ingest-api.ts or management-api.ts). Nothing else: each path also gets
 * an `ANY` route, so the handler answers other methods with the contract's 405 on both runtimes.
 *   - `path`: API Gateway syntax; a `{name}` segment matches one non-empty segment and reaches the
 *     handler as `event.pathParameters.name`.
 *   - `handler`: which Lambda function serves it.
 *   - `auth`: `admin` (operators: IAM/SigV4 on AWS, the admin token locally), `device` (a device
 *     token the handler checks itself; no gateway authorizer), or `none` (public: say why in
 *     `publicBecause`, which is also the cdk-nag acknowledgement). All routes of one path share it.
 */

/** The Lambda functions that serve HTTP routes. */
export type RouteHandler = 'ingest' | 'management';

/** Who may call a route. */
export type RouteAuth = 'none' | 'device' | 'admin';

/** An HTTP method a route names (`ANY` is added per path, never listed). */
export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** One route of the API. */
export interface RouteSpec {
  readonly method: RouteMethod;
  /** Path pattern in API Gateway syntax, e.g. `/v1/devices/{deviceId}`. */
  readonly path: string;
  readonly handler: RouteHandler;
  readonly auth: RouteAuth;
  /** Why a route is public (auth `none` or `device`): the reason given to cdk-nag's APIG4 rule. */
  readonly publicBecause?: string;
}

const DEVICE_TOKEN_REASON =
  'Device route: every request must carry an HMAC-SHA256 device token (Authorization: Bearer), which the ingest function verifies in constant time before any write; unauthenticated requests get 401 and write nothing.';

const BATCH_REASON =
  'Batch route: every entry carries its own HMAC-SHA256 device token, which the ingest function verifies in constant time before that entry is written; an entry without a valid token is answered unauthorized and writes nothing.';

const HEALTH_REASON =
  'Public by design (service contract): /v1/health returns only fleet counts and the last sweep time from one GetItem (405 for methods other than GET and HEAD), and the stage throttle rate-limits it.';

/** Every route of the API. See the top of this file for how to add one. */
export const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/v1/heartbeats/{deviceId}', handler: 'ingest', auth: 'device', publicBecause: DEVICE_TOKEN_REASON },
  { method: 'POST', path: '/v1/heartbeats', handler: 'ingest', auth: 'device', publicBecause: BATCH_REASON },
  { method: 'GET', path: '/v1/devices', handler: 'management', auth: 'admin' },
  { method: 'GET', path: '/v1/devices/{deviceId}', handler: 'management', auth: 'admin' },
  { method: 'PUT', path: '/v1/devices/{deviceId}', handler: 'management', auth: 'admin' },
  { method: 'DELETE', path: '/v1/devices/{deviceId}', handler: 'management', auth: 'admin' },
  // History: Queries on the history table (lambdas/handlers/history-api.ts), never a scan.
  { method: 'GET', path: '/v1/devices/{deviceId}/incidents', handler: 'management', auth: 'admin' },
  { method: 'GET', path: '/v1/incidents', handler: 'management', auth: 'admin' },
  { method: 'POST', path: '/v1/maintenance', handler: 'management', auth: 'admin' },
  { method: 'GET', path: '/v1/maintenance', handler: 'management', auth: 'admin' },
  { method: 'DELETE', path: '/v1/maintenance/{windowId}', handler: 'management', auth: 'admin' },
  { method: 'GET', path: '/v1/health', handler: 'management', auth: 'none', publicBecause: HEALTH_REASON },
  // HEAD too: outside uptime checkers often probe with HEAD (the same answer without its body).
  { method: 'HEAD', path: '/v1/health', handler: 'management', auth: 'none', publicBecause: HEALTH_REASON },
];

/** The routes of one path: its methods (each also answered by an `ANY` route), handler and auth. */
export interface PathRoutes {
  readonly path: string;
  readonly methods: readonly RouteMethod[];
  readonly handler: RouteHandler;
  readonly auth: RouteAuth;
  readonly publicBecause?: string;
}

/** ROUTES grouped by path, in table order; throws when the routes of one path disagree on handler or auth. */
export function routesByPath(routes: readonly RouteSpec[] = ROUTES): PathRoutes[] {
  const byPath = new Map<string, PathRoutes>();
  for (const route of routes) {
    const seen = byPath.get(route.path);
    if (seen === undefined) {
      byPath.set(route.path, { path: route.path, methods: [route.method], handler: route.handler, auth: route.auth, publicBecause: route.publicBecause });
      continue;
    }
    if (seen.handler !== route.handler || seen.auth !== route.auth) {
      throw new Error(`Route ${route.method} ${route.path}: every route of one path needs the same handler and auth (its ANY route is shared).`);
    }
    if (seen.methods.includes(route.method)) throw new Error(`Route ${route.method} ${route.path} is declared twice.`);
    byPath.set(route.path, { ...seen, methods: [...seen.methods, route.method] });
  }
  return [...byPath.values()];
}

/** The answer to a path no route matches: 404, naming the paths there are. */
export const NO_SUCH_ROUTE = `No such route; the API has ${routesByPath()
  .map((route) => route.path)
  .join(', ')
  .replace(/, ([^,]*)$/, ' and $1')}.`;
