/**
 * Proves that local mode builds the same payload-2.0 event API Gateway gives the Lambdas: route
 * keys, raw and decoded paths, lower-cased and comma-joined headers, cookies, query parameters,
 * request context, and a byte-exact base64 body.
 */
import { describe, expect, it } from 'vitest';
import { bodyBytes, header, method } from '../../../lambdas/handlers/http';
import { buildApiEvent, matchRoute, requestTime, type RawRequest, type RouteMatch } from '../../../lambdas/local/api-event';

/** The route of a path the test knows to match. */
function route(verb: string, path: string): RouteMatch {
  const match = matchRoute(verb, path);
  if (match === null) throw new Error(`${verb} ${path} matches no route`);
  return match;
}

const AT = Date.parse('2026-11-25T10:00:41.123Z');

function request(overrides: Partial<RawRequest> = {}): RawRequest {
  return {
    method: 'POST',
    target: '/v1/heartbeats/sensor-42',
    httpVersion: '1.1',
    rawHeaders: ['Host', '127.0.0.1:8080', 'User-Agent', 'curl/8.5.0', 'Content-Type', 'application/json'],
    remoteAddress: '::ffff:127.0.0.1',
    localPort: 8080,
    body: Buffer.alloc(0),
    receivedAt: AT,
    requestId: 'req-1',
    ...overrides,
  };
}

describe('matchRoute', () => {
  it('matches each route of the stack with its method-specific route key', () => {
    expect(matchRoute('POST', '/v1/heartbeats/sensor-42')).toEqual({ routeKey: 'POST /v1/heartbeats/{deviceId}', target: 'ingest', pathParameters: { deviceId: 'sensor-42' } });
    expect(matchRoute('GET', '/v1/devices')).toEqual({ routeKey: 'GET /v1/devices', target: 'management' });
    expect(matchRoute('DELETE', '/v1/devices/a')).toMatchObject({ routeKey: 'DELETE /v1/devices/{deviceId}', target: 'management' });
    expect(matchRoute('GET', '/v1/health')).toEqual({ routeKey: 'GET /v1/health', target: 'management' });
  });

  it('falls back to the ANY route for other methods, so the handler answers 405', () => {
    expect(matchRoute('GET', '/v1/heartbeats/x')?.routeKey).toBe('ANY /v1/heartbeats/{deviceId}');
    expect(matchRoute('PATCH', '/v1/devices/x')?.routeKey).toBe('ANY /v1/devices/{deviceId}');
  });

  it('URL-decodes the path parameter, and keeps a malformed escape as sent', () => {
    expect(matchRoute('POST', '/v1/heartbeats/plant%3Aa.1')?.pathParameters).toEqual({ deviceId: 'plant:a.1' });
    expect(matchRoute('POST', '/v1/heartbeats/a%2Fb')?.pathParameters).toEqual({ deviceId: 'a/b' });
    expect(matchRoute('POST', '/v1/heartbeats/%zz')?.pathParameters).toEqual({ deviceId: '%zz' });
  });

  it('matches a parameter to exactly one non-empty segment, and nothing else', () => {
    for (const path of ['/v1/heartbeats/', '/v1/heartbeats/a/b', '/v1/heartbeat', '/v1/device', '/', '/v1/health/x', '/V1/health']) {
      expect(matchRoute('POST', path), path).toBeNull();
    }
  });

  it('routes a batch of beats to the ingest handler', () => {
    // Act
    const match = matchRoute('POST', '/v1/heartbeats');
    // Assess
    expect(match).toEqual({ routeKey: 'POST /v1/heartbeats', target: 'ingest' });
  });
});

describe('buildApiEvent', () => {
  it('builds the payload 2.0 event API Gateway would send', () => {
    const body = Buffer.from('{"status":"ok"}');
    const raw = request({ target: '/v1/heartbeats/sensor-42?x=1', body });
    const event = buildApiEvent(raw, route('POST', '/v1/heartbeats/sensor-42'));
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /v1/heartbeats/{deviceId}',
      rawPath: '/v1/heartbeats/sensor-42',
      rawQueryString: 'x=1',
      headers: {
        host: '127.0.0.1:8080',
        'user-agent': 'curl/8.5.0',
        'content-type': 'application/json',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-port': '8080',
        'x-forwarded-proto': 'http',
      },
      queryStringParameters: { x: '1' },
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        domainName: '127.0.0.1:8080',
        domainPrefix: '127',
        http: { method: 'POST', path: '/v1/heartbeats/sensor-42', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8.5.0' },
        requestId: 'req-1',
        routeKey: 'POST /v1/heartbeats/{deviceId}',
        stage: '$default',
        time: '25/Nov/2026:10:00:41 +0000',
        timeEpoch: AT,
      },
      pathParameters: { deviceId: 'sensor-42' },
      body: body.toString('base64'),
      isBase64Encoded: true,
    });
  });

  it('carries any body byte for byte, and the handlers read it back', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x7b, 0xc3, 0xa9]);
    const event = buildApiEvent(request({ body: bytes }), route('POST', '/v1/heartbeats/sensor-42'));
    expect(bodyBytes(event).equals(bytes)).toBe(true);
    expect(method(event)).toBe('POST');
  });

  it('leaves the body out when there is none', () => {
    const event = buildApiEvent(request(), route('POST', '/v1/heartbeats/sensor-42'));
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.rawQueryString).toBe('');
  });

  it('lower-cases header names and joins repeated headers with commas', () => {
    const raw = request({ rawHeaders: ['Authorization', 'Bearer abc', 'X-Tag', 'a', 'x-tag', 'b'] });
    const event = buildApiEvent(raw, route('POST', '/v1/heartbeats/s'));
    expect(event.headers['x-tag']).toBe('a,b');
    expect(header(event, 'authorization')).toBe('Bearer abc');
    expect(Object.keys(event.headers).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it('moves cookies into their own list', () => {
    const raw = request({ rawHeaders: ['Cookie', 'a=1; b=2', 'cookie', 'c=3'] });
    const event = buildApiEvent(raw, route('POST', '/v1/heartbeats/s'));
    expect(event.cookies).toEqual(['a=1', 'b=2', 'c=3']);
    expect(event.headers.cookie).toBeUndefined();
  });

  it('decodes query parameters and joins repeated keys with commas, keeping the raw string', () => {
    const raw = request({ method: 'GET', target: '/v1/devices?status=up&group=plant%3Aa&group=b&cursor=' });
    const event = buildApiEvent(raw, route('GET', '/v1/devices'));
    expect(event.rawQueryString).toBe('status=up&group=plant%3Aa&group=b&cursor=');
    expect(event.queryStringParameters).toEqual({ status: 'up', group: 'plant:a,b', cursor: '' });
  });

  it('keeps a client-set X-Forwarded-For and appends the source address', () => {
    const raw = request({ rawHeaders: ['X-Forwarded-For', '10.0.0.9'], remoteAddress: '127.0.0.1' });
    expect(buildApiEvent(raw, route('POST', '/v1/heartbeats/s')).headers['x-forwarded-for']).toBe('10.0.0.9, 127.0.0.1');
  });
});

describe('requestTime', () => {
  it('formats as API Gateway does', () => {
    expect(requestTime(Date.parse('2026-03-05T07:08:09.999Z'))).toBe('05/Mar/2026:07:08:09 +0000');
  });
});
