/**
 * The contract tests' view of a running local mode: the calls an outside test makes (a device's
 * beat, an operator's management call), the alerts it reads back from `<data dir>/alerts.jsonl`
 * (always filtered by the test's own device ids), and a wait for a sweep that started after a
 * moment, so that "no alert" is a statement about a sweep that really looked.
 */
import { deviceTokenFor, readAlerts, until, type AlertLine, type LocalModeProcess } from '../../e2e/support/local-process';

/** One HTTP answer, its JSON parsed when it has one. */
export interface Answer {
  readonly status: number;
  readonly body: any;
  readonly text: string;
  readonly headers: Headers;
}

/** The calls and reads of one running local mode. */
export interface Service {
  /** `POST /v1/heartbeats/{deviceId}` with the device's own token; no body when `body` is undefined. */
  beat(deviceId: string, body?: unknown): Promise<Answer>;
  /** A management call with the admin token. */
  admin(method: string, path: string, body?: unknown): Promise<Answer>;
  /** Any call, with the headers given and nothing else. */
  call(method: string, path: string, options?: { readonly headers?: Record<string, string>; readonly body?: string }): Promise<Answer>;
  /** The alerts of one device (device.* alerts with that deviceId), in file order. */
  alertsOf(deviceId: string, type?: string): AlertLine[];
  /** Every alert of the file (fleet.down included), in file order. */
  alerts(): AlertLine[];
  /** Resolves once a sweep has started after `epochMs` (from /v1/health's lastSweepAt). */
  sweptAfter(epochMs: number): Promise<void>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: response.status, body, text, headers: response.headers };
}

/** The Service of a local mode started with startLocalMode. */
export function serviceOf(live: () => LocalModeProcess): Service {
  const call: Service['call'] = async (method, path, options = {}) =>
    answer(await fetch(`${live().url}${path}`, { method, headers: options.headers ?? {}, ...(options.body !== undefined ? { body: options.body } : {}) }));
  const json = (body: unknown): { headers: Record<string, string>; body?: string } =>
    body === undefined ? { headers: {} } : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const service: Service = {
    call,
    beat: (deviceId, body) => {
      const sent = json(body);
      return call('POST', `/v1/heartbeats/${deviceId}`, { ...sent, headers: { ...sent.headers, authorization: `Bearer ${deviceTokenFor(live().dataDir, deviceId)}` } });
    },
    admin: (method, path, body) => {
      const sent = json(body);
      return call(method, path, { ...sent, headers: { ...sent.headers, authorization: `Bearer ${live().adminToken}` } });
    },
    alerts: () => readAlerts(live().dataDir),
    alertsOf: (deviceId, type) => readAlerts(live().dataDir).filter((a) => a.deviceId === deviceId && (type === undefined || a.type === type)),
    sweptAfter: async (epochMs) => {
      await until(
        'a sweep that started after the mark',
        async () => {
          const health = await call('GET', '/v1/health');
          return typeof health.body?.lastSweepAt === 'string' && Date.parse(health.body.lastSweepAt) > epochMs;
        },
        20_000,
        200,
      );
    },
  };
  return service;
}
