/**
 * Proves the route table: grouped by path for the CDK API, refused when one path mixes handlers or
 * auth, and routed by the local server exactly as it is declared (method, path parameters, handler).
 */
import { describe, expect, it } from 'vitest';
import { ROUTES, routesByPath, type RouteSpec } from '../../lambdas/handlers/routes';
import { matchRoute } from '../../lambdas/local/api-event';

describe('routesByPath', () => {
  it('groups the methods of each path in table order', () => {
    // Act
    const paths = routesByPath();
    // Assess
    expect(paths.map((p) => [p.path, p.methods])).toEqual([
      ['/v1/heartbeats/{deviceId}', ['POST']],
      ['/v1/heartbeats', ['POST']],
      ['/v1/devices', ['GET']],
      ['/v1/devices/{deviceId}', ['GET', 'PUT', 'DELETE']],
      ['/v1/devices/{deviceId}/incidents', ['GET']],
      ['/v1/incidents', ['GET']],
      ['/v1/maintenance', ['POST', 'GET']],
      ['/v1/maintenance/{windowId}', ['DELETE']],
      ['/v1/health', ['GET', 'HEAD']],
    ]);
  });

  it('refuses a path whose routes disagree on handler or auth, and a route declared twice', () => {
    // Prepare
    const base: RouteSpec = { method: 'GET', path: '/v1/x', handler: 'management', auth: 'admin' };
    // Act / Assess
    expect(() => routesByPath([base, { ...base, method: 'PUT', auth: 'none' }])).toThrow(/same handler and auth/);
    expect(() => routesByPath([base, { ...base, method: 'PUT', handler: 'ingest' }])).toThrow(/same handler and auth/);
    expect(() => routesByPath([base, base])).toThrow(/declared twice/);
  });

  it('says why every route without an admin check is public', () => {
    for (const route of ROUTES.filter((r) => r.auth !== 'admin')) expect(route.publicBecause?.length, route.path).toBeGreaterThan(60);
  });
});

describe('matchRoute over the route table', () => {
  it('routes every declared route to its handler under its own route key, with its path parameters', () => {
    for (const route of ROUTES) {
      // Prepare
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => `${name}-1`);
      // Act
      const match = matchRoute(route.method, path);
      // Assess
      expect(match?.routeKey).toBe(`${route.method} ${route.path}`);
      expect(match?.target).toBe(route.handler);
      expect(match?.pathParameters ?? {}).toEqual(Object.fromEntries(names.map((name) => [name, `${name}-1`])));
    }
  });
});
