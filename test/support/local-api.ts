/**
 * The service's HTTP API on 127.0.0.1 as local mode serves it (the same server, routes and
 * handlers, built by local mode's own `localHandlers`), over a DynamoDB Local table of the test
 * run, with a fake clock and fixed credentials. Requests go over real HTTP with node:http, which
 * adds no header of its own choosing (fetch would add a content type).
 */
import { request as httpRequest } from 'node:http';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { Sweeper, type SweepReport } from '../../lambdas/core/sweep';
import { deviceToken } from '../../lambdas/core/tokens';
import { DynamoDbMaintenanceStore } from '../../lambdas/adapters/dynamodb/maintenance-store';
import { DynamoDbDeviceStore } from '../../lambdas/adapters/dynamodb/device-store';
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb/incident-store';
import { NO_OUTAGE_HISTORY, OutageHistory } from '../../lambdas/core/history';
import { LocalHttpServer } from '../../lambdas/local/http-server';
import { localHandlers } from '../../lambdas/local/runtime';
import { testClient } from './dynamodb';
import { FakeClock, RecordingPublisher } from './fakes';

/** The signing secret of every LocalApi: tests mint device tokens with it. */
export const LOCAL_API_SECRET = 'local-api-signing-secret-0123456789';
/** The admin token of every LocalApi. */
export const LOCAL_API_ADMIN_TOKEN = 'local-api-admin-token-0123456789abcdef';

/** One HTTP request. `path` may carry a query string; `query` is appended to it. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** What came back: status, lower-cased headers, the body as text. */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

export interface LocalApi {
  readonly url: string;
  readonly clock: FakeClock;
  readonly store: DynamoDbDeviceStore;
  /** The outage history, when the API has one. */
  readonly history: OutageHistory | null;
  /** A valid token of `deviceId`. */
  token(deviceId: string): string;
  /** `Authorization` header carrying a valid token of `deviceId`. */
  deviceAuth(deviceId: string): Record<string, string>;
  /** `Authorization` header carrying the admin token. */
  adminAuth(): Record<string, string>;
  /** Runs one sweep over the table, as the sweep timer would (alerts are recorded, not printed). */
  sweep(): Promise<SweepReport>;
  /** Every alert the sweeps published (filter by your own device ids: a table may be shared). */
  readonly published: RecordingPublisher;
  send(request: ApiRequest): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export interface LocalApiOptions {
  /** The table to serve; a name with no table behind it makes every store call fail (500s). */
  readonly tableName: string;
  /** Local per-device beat spacing; 0 (default) is off. */
  readonly minBeatSpacingSeconds?: number;
  /** Shared with other instances when given. */
  readonly clock?: FakeClock;
  /** The signing secrets cannot be read (as when Secrets Manager fails): token checks answer 500. */
  readonly failingSecrets?: boolean;
  /** The history table (uptime and the incident routes); none when absent. */
  readonly historyTableName?: string;
  /** When given, the name of every DynamoDB command the API and its sweeps send is appended to it (`GetItemCommand`, ...). */
  readonly commands?: string[];
}

/** Starts the API on a free port of 127.0.0.1. */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const clock = options.clock ?? new FakeClock();
  const client = testClient();
  const commands = options.commands;
  if (commands) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
  }
  const store = new DynamoDbDeviceStore({ client, tableName: options.tableName });
  const history = options.historyTableName
    ? new OutageHistory({ store: new DynamoDbIncidentStore({ client, tableName: options.historyTableName }), historyDays: 90 })
    : null;
  const server = new LocalHttpServer({ clock, logger: silentLogger });
  const port = await server.listen(0);
  const maintenance = new DynamoDbMaintenanceStore({ client, tableName: options.tableName });
  server.serve(
    localHandlers({
      store,
      maintenance,
      secrets: {
        signingSecrets: async () => {
          if (options.failingSecrets) throw new Error('signing secrets unavailable (test)');
          return { current: LOCAL_API_SECRET, previous: null };
        },
      },
      clock,
      monitor: DEFAULT_SETTINGS,
      logger: silentLogger,
      adminToken: LOCAL_API_ADMIN_TOKEN,
      minBeatSpacingSeconds: options.minBeatSpacingSeconds ?? 0,
      sweepEverySeconds: 60,
      history,
    }),
  );
  const published = new RecordingPublisher();
  const sweeper = new Sweeper(
    { store, maintenance, publisher: published, clock, settings: DEFAULT_SETTINGS, logger: silentLogger, history: history ?? NO_OUTAGE_HISTORY },
    { segments: 1, writeConcurrency: 4 },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    clock,
    store,
    history,
    token: (deviceId) => deviceToken(LOCAL_API_SECRET, deviceId),
    deviceAuth: (deviceId) => ({ authorization: `Bearer ${deviceToken(LOCAL_API_SECRET, deviceId)}` }),
    adminAuth: () => ({ authorization: `Bearer ${LOCAL_API_ADMIN_TOKEN}` }),
    sweep: () => sweeper.sweep(),
    published,
    send: (request) => send(port, request),
    close: async () => {
      await server.close();
      client.destroy();
    },
  };
}

function send(port: number, request: ApiRequest): Promise<ApiAnswer> {
  const query = request.query ? new URLSearchParams(request.query as Record<string, string>).toString() : '';
  const path = query === '' ? request.path : `${request.path}${request.path.includes('?') ? '&' : '?'}${query}`;
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path,
        headers: { ...(request.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
