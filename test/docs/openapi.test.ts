/**
 * docs/openapi.yaml is valid OpenAPI 3.1, and it describes what the service really answers: every
 * case below is a real request to the real handlers (local mode's HTTP server and handlers over
 * DynamoDB Local), and its answer must match the response the description gives for it.
 *
 * ADDING A ROUTE (batch beats, incident history, maintenance windows, ...):
 * 1. Describe it in docs/openapi.yaml: the operation, every status it can answer and, for each
 *    error response, its codes as `error.code` `enum` (see the existing `allOf` pattern).
 * 2. Add its cases to CASES below: at least one per documented status and per error code. The
 *    last test fails, naming what is missing, until every documented answer has a case; a case
 *    fails when the service answers something the description does not say (another status, a
 *    field too many or too few, a missing required header), and when the request schema disagrees
 *    with the service (a 2xx case's JSON body must match it, an `invalid_body` case's must not).
 * 3. A method the path does not list is checked for you (405 with `Allow`).
 * Responses only AWS can give (API Gateway's own 403) carry `x-answered-by: api-gateway` and
 * need no case. Each case uses device ids of its own: all cases share one table.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/handlers/routes';
import { createTestHistoryTable, createTestTable, type TestHistoryTable, type TestTable } from '../support/dynamodb';
import { FakeClock } from '../support/fakes';
import { startLocalApi, type ApiAnswer, type ApiRequest, type LocalApi } from '../support/local-api';
import { ApiSpec, OPENAPI_FILE } from '../support/openapi';

/** The running instances of the service a case may ask for. */
interface Services {
  /** The service as `npm start` runs it by default. */
  readonly api: LocalApi;
  /** With local per-device beat spacing on (60 s). */
  readonly throttled: LocalApi;
  /** Its table does not exist and its signing secrets cannot be read: the service answers 500. */
  readonly broken: LocalApi;
}

interface ApiCase {
  /** `METHOD /path/{param}`, exactly as in docs/openapi.yaml. */
  readonly operation: string;
  /** What the case shows. */
  readonly title: string;
  /** The status (and for an error, the code) the service must answer. */
  readonly expect: { readonly status: number; readonly code?: string };
  /** Which instance answers; default `api`. */
  readonly on?: keyof Services;
  /** Runs first, on the same instance (e.g. the first beat before a throttled one); not checked. */
  readonly before?: (api: LocalApi) => Promise<unknown>;
  /** The request; `method` defaults to the operation's. */
  readonly request: (api: LocalApi) => Omit<ApiRequest, 'method'> & { method?: string };
  /**
   * The JSON body is outside the documented request schema although the answer is a success
   * (a batch whose bad entries are refused one by one). Without it, a 2xx case's JSON body must
   * match the request schema, and an `invalid_body` case's body must not: the request schemas
   * are checked against the service too.
   */
  readonly bodyOutsideSchema?: boolean;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const json = (body: unknown) => ({ headers: JSON_TYPE, body: JSON.stringify(body) });
const beat = (deviceId: string, extra: Partial<ApiRequest> = {}) => (api: LocalApi) => ({
  path: `/v1/heartbeats/${encodeURIComponent(deviceId)}`,
  ...extra,
  headers: { ...api.deviceAuth(deviceId), ...(extra.headers ?? {}) },
});
const send = (api: LocalApi, request: ApiRequest) => api.send(request);

const BEAT = 'POST /v1/heartbeats/{deviceId}';
const BATCH = 'POST /v1/heartbeats';
const LIST = 'GET /v1/devices';
const GET = 'GET /v1/devices/{deviceId}';
const PUT = 'PUT /v1/devices/{deviceId}';
const DELETE = 'DELETE /v1/devices/{deviceId}';
const HEALTH = 'GET /v1/health';
const HEAD_HEALTH = 'HEAD /v1/health';
const DEVICE_INCIDENTS = 'GET /v1/devices/{deviceId}/incidents';
const INCIDENTS = 'GET /v1/incidents';

/** Gives a device that beat one closed outage and one open one in the history, as the sweep records them. */
async function twoOutages(api: LocalApi, deviceId: string): Promise<void> {
  await send(api, { method: 'PUT', path: `/v1/devices/${deviceId}`, headers: { ...api.adminAuth(), ...JSON_TYPE }, body: '{"group":"plant-h"}' });
  await send(api, { method: 'POST', ...beat(deviceId, json({ message: 'fw 2' }))(api) });
  const device = await api.store.getDevice(deviceId);
  if (!device || !api.history) throw new Error('no device or no history');
  const now = api.clock.now();
  const down = { ...device, state: 'down' as const, downSince: now - 3_600_000, downReason: 'timeout' as const, recoveredAt: null };
  await api.history.announced(down);
  await api.history.recovered({ ...down, state: 'up', recoveredAt: now - 3_000_000 }, now - 3_000_000);
  await api.history.announced({ ...down, downSince: now - 60_000, downReason: 'fail' });
}
const WINDOWS = 'GET /v1/maintenance';
const PLAN = 'POST /v1/maintenance';
const END = 'DELETE /v1/maintenance/{windowId}';
const soon = (minutes: number) => (api: LocalApi) => new Date(api.clock.now() + minutes * 60_000).toISOString();
const plan = (api: LocalApi, body: Record<string, unknown>) =>
  send(api, { method: 'POST', path: '/v1/maintenance', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: JSON.stringify(body) });
/** The id of the window the END case plans first. */
let plannedWindowId = '';
const BAD_ID = 'bad id!';

const CASES: readonly ApiCase[] = [
  // POST /v1/heartbeats/{deviceId}
  { operation: BEAT, title: 'an empty beat', expect: { status: 200 }, request: beat('doc-beat-1') },
  {
    operation: BEAT,
    title: 'a beat with every field',
    expect: { status: 200 },
    request: beat('doc-beat-2', json({ interval: 30, grace: 10, status: 'ok', message: 'fw 1.2.3', meta: { battery: 87 } })),
  },
  { operation: BEAT, title: 'a fail beat (the device goes down)', expect: { status: 200 }, request: beat('doc-beat-3', json({ status: 'fail' })) },
  {
    operation: BEAT,
    title: 'a beat of a paused device',
    expect: { status: 200 },
    before: (api) => send(api, { method: 'PUT', path: '/v1/devices/doc-beat-4', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: '{"paused":true}' }),
    request: beat('doc-beat-4'),
  },
  { operation: BEAT, title: 'a bad device id', expect: { status: 400, code: 'invalid_device_id' }, request: beat(BAD_ID) },
  { operation: BEAT, title: 'an unknown field', expect: { status: 400, code: 'invalid_body' }, request: beat('doc-beat-5', json({ colour: 'red' })) },
  { operation: BEAT, title: 'no token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/heartbeats/doc-beat-6' }) },
  {
    operation: BEAT,
    title: 'a body over 4096 bytes',
    expect: { status: 413, code: 'payload_too_large' },
    request: beat('doc-beat-7', json({ message: 'x'.repeat(5000) })),
  },
  {
    operation: BEAT,
    title: 'a body that is not JSON',
    expect: { status: 415, code: 'unsupported_media_type' },
    request: beat('doc-beat-8', { headers: { 'content-type': 'text/plain' }, body: 'hello' }),
  },
  {
    operation: BEAT,
    title: 'a second beat within the local beat spacing',
    on: 'throttled',
    expect: { status: 429, code: 'throttled' },
    before: (api) => send(api, { method: 'POST', ...beat('doc-beat-9')(api) }),
    request: beat('doc-beat-9'),
  },
  { operation: BEAT, title: 'a beat while the secrets cannot be read', on: 'broken', expect: { status: 500, code: 'internal_error' }, request: beat('doc-beat-10') },

  // POST /v1/heartbeats
  {
    operation: BATCH,
    title: 'a batch with good and bad entries',
    expect: { status: 200 },
    bodyOutsideSchema: true,
    request: (api) => ({
      path: '/v1/heartbeats',
      ...json({
        beats: [
          { deviceId: 'doc-batch-1', token: api.token('doc-batch-1') },
          { deviceId: 'doc-batch-2', token: api.token('doc-batch-2'), status: 'fail', message: 'disk full', meta: { fw: '1.2.3' } },
          { deviceId: BAD_ID, token: 'x' },
          { deviceId: 'doc-batch-3', token: api.token('someone-else') },
          { deviceId: 'doc-batch-4', token: api.token('doc-batch-4'), colour: 'red' },
          'not an entry',
        ],
      }),
    }),
  },
  {
    operation: BATCH,
    title: 'a throttled entry',
    on: 'throttled',
    expect: { status: 200 },
    before: (api) => send(api, { method: 'POST', ...beat('doc-batch-5')(api) }),
    request: (api) => ({ path: '/v1/heartbeats', ...json({ beats: [{ deviceId: 'doc-batch-5', token: api.token('doc-batch-5') }] }) }),
  },
  {
    operation: BATCH,
    title: 'a batch while the secrets cannot be read',
    on: 'broken',
    expect: { status: 500, code: 'internal_error' },
    request: (api) => ({ path: '/v1/heartbeats', ...json({ beats: [{ deviceId: 'doc-batch-6', token: api.token('doc-batch-6') }] }) }),
  },
  { operation: BATCH, title: 'no entries', expect: { status: 400, code: 'invalid_body' }, request: () => ({ path: '/v1/heartbeats', ...json({ beats: [] }) }) },
  {
    operation: BATCH,
    title: 'a batch over 65536 bytes',
    expect: { status: 413, code: 'payload_too_large' },
    request: () => ({ path: '/v1/heartbeats', ...json({ beats: [{ deviceId: 'doc-batch-7', token: 'x'.repeat(70_000) }] }) }),
  },
  { operation: BATCH, title: 'a form body', expect: { status: 415, code: 'unsupported_media_type' }, request: () => ({ path: '/v1/heartbeats', headers: { 'content-type': 'text/plain' }, body: 'beats' }) },

  // GET /v1/devices
  {
    operation: LIST,
    title: 'a filtered page of devices with a cursor',
    expect: { status: 200 },
    before: async (api) => {
      for (const id of ['doc-list-1', 'doc-list-2', 'doc-list-3']) {
        await send(api, { method: 'PUT', path: `/v1/devices/${id}`, headers: { ...api.adminAuth(), ...JSON_TYPE }, body: '{"group":"doc-list"}' });
      }
    },
    request: (api) => ({ path: '/v1/devices', query: { group: 'doc-list', status: 'new', limit: '2' }, headers: api.adminAuth() }),
  },
  { operation: LIST, title: 'the whole fleet', expect: { status: 200 }, request: (api) => ({ path: '/v1/devices', headers: api.adminAuth() }) },
  {
    operation: LIST,
    title: 'an unknown query parameter',
    expect: { status: 400, code: 'invalid_query' },
    request: (api) => ({ path: '/v1/devices', query: { colour: 'red' }, headers: api.adminAuth() }),
  },
  { operation: LIST, title: 'no admin token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/devices' }) },
  { operation: LIST, title: 'a device token instead of the admin token', expect: { status: 401, code: 'unauthorized' }, request: (api) => ({ path: '/v1/devices', headers: api.deviceAuth('doc-x') }) },
  { operation: LIST, title: 'the database fails', on: 'broken', expect: { status: 500, code: 'internal_error' }, request: (api) => ({ path: '/v1/devices', headers: api.adminAuth() }) },

  // GET /v1/devices/{deviceId}
  {
    operation: GET,
    title: 'a registered device that never beat',
    expect: { status: 200 },
    before: (api) => send(api, { method: 'PUT', path: '/v1/devices/doc-get-1', headers: api.adminAuth() }),
    request: (api) => ({ path: '/v1/devices/doc-get-1', headers: api.adminAuth() }),
  },
  {
    operation: GET,
    title: 'a device that is down, with a group, message and meta',
    expect: { status: 200 },
    before: async (api) => {
      await send(api, { method: 'PUT', path: '/v1/devices/doc-get-2', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: '{"group":"plant-a","grace":0}' });
      await send(api, { method: 'POST', ...beat('doc-get-2', json({ status: 'fail', message: 'disk full', meta: { fw: '1.2.3' } }))(api) });
    },
    request: (api) => ({ path: '/v1/devices/doc-get-2', headers: api.adminAuth() }),
  },
  { operation: GET, title: 'a bad device id', expect: { status: 400, code: 'invalid_device_id' }, request: (api) => ({ path: `/v1/devices/${encodeURIComponent(BAD_ID)}`, headers: api.adminAuth() }) },
  { operation: GET, title: 'no admin token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/devices/doc-get-1' }) },
  { operation: GET, title: 'an unknown device', expect: { status: 404, code: 'not_found' }, request: (api) => ({ path: '/v1/devices/doc-get-none', headers: api.adminAuth() }) },
  { operation: GET, title: 'the database fails', on: 'broken', expect: { status: 500, code: 'internal_error' }, request: (api) => ({ path: '/v1/devices/doc-get-1', headers: api.adminAuth() }) },

  // PUT /v1/devices/{deviceId}
  {
    operation: PUT,
    title: 'registering a device',
    expect: { status: 201 },
    request: (api) => ({ path: '/v1/devices/doc-put-1', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: JSON.stringify({ interval: 300, grace: 60, group: 'plant-b', paused: false }) }),
  },
  {
    operation: PUT,
    title: 'pausing a device that beats, and resetting its grace and group',
    expect: { status: 200 },
    before: (api) => send(api, { method: 'POST', ...beat('doc-put-2', json({ grace: 5 }))(api) }),
    request: (api) => ({ path: '/v1/devices/doc-put-2', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: JSON.stringify({ paused: true, grace: null, group: null }) }),
  },
  {
    operation: PUT,
    title: 'a bad device id',
    expect: { status: 400, code: 'invalid_device_id' },
    request: (api) => ({ path: `/v1/devices/${'x'.repeat(129)}`, headers: api.adminAuth() }),
  },
  {
    operation: PUT,
    title: 'an interval out of range',
    expect: { status: 400, code: 'invalid_body' },
    request: (api) => ({ path: '/v1/devices/doc-put-3', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: '{"interval":1}' }),
  },
  { operation: PUT, title: 'no admin token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/devices/doc-put-4', ...json({ paused: true }) }) },
  {
    operation: PUT,
    title: 'a body over 4096 bytes',
    expect: { status: 413, code: 'payload_too_large' },
    request: (api) => ({ path: '/v1/devices/doc-put-5', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: ' '.repeat(4097) }),
  },
  {
    operation: PUT,
    title: 'a form body',
    expect: { status: 415, code: 'unsupported_media_type' },
    request: (api) => ({ path: '/v1/devices/doc-put-6', headers: { ...api.adminAuth(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'paused=true' }),
  },
  { operation: PUT, title: 'the database fails', on: 'broken', expect: { status: 500, code: 'internal_error' }, request: (api) => ({ path: '/v1/devices/doc-put-7', headers: api.adminAuth() }) },

  // DELETE /v1/devices/{deviceId}
  {
    operation: DELETE,
    title: 'forgetting a device',
    expect: { status: 204 },
    before: (api) => send(api, { method: 'POST', ...beat('doc-del-1')(api) }),
    request: (api) => ({ path: '/v1/devices/doc-del-1', headers: api.adminAuth() }),
  },
  { operation: DELETE, title: 'a bad device id', expect: { status: 400, code: 'invalid_device_id' }, request: (api) => ({ path: `/v1/devices/${encodeURIComponent(BAD_ID)}`, headers: api.adminAuth() }) },
  { operation: DELETE, title: 'no admin token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/devices/doc-del-1' }) },
  { operation: DELETE, title: 'an unknown device', expect: { status: 404, code: 'not_found' }, request: (api) => ({ path: '/v1/devices/doc-del-none', headers: api.adminAuth() }) },
  { operation: DELETE, title: 'the database fails', on: 'broken', expect: { status: 500, code: 'internal_error' }, request: (api) => ({ path: '/v1/devices/doc-del-2', headers: api.adminAuth() }) },

  // GET /v1/devices/{deviceId}/incidents
  {
    operation: DEVICE_INCIDENTS,
    title: "a device's open and closed outages",
    expect: { status: 200 },
    before: (api) => twoOutages(api, 'doc-inc-1'),
    request: (api) => ({ path: '/v1/devices/doc-inc-1/incidents', query: { limit: '1' }, headers: api.adminAuth() }),
  },
  { operation: DEVICE_INCIDENTS, title: 'a bad device id', expect: { status: 400, code: 'invalid_device_id' }, request: (api) => ({ path: `/v1/devices/${encodeURIComponent(BAD_ID)}/incidents`, headers: api.adminAuth() }) },
  { operation: DEVICE_INCIDENTS, title: 'a limit out of range', expect: { status: 400, code: 'invalid_query' }, request: (api) => ({ path: '/v1/devices/doc-inc-1/incidents', query: { limit: '0' }, headers: api.adminAuth() }) },
  { operation: DEVICE_INCIDENTS, title: 'no admin token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/devices/doc-inc-1/incidents' }) },
  { operation: DEVICE_INCIDENTS, title: 'an unknown device', expect: { status: 404, code: 'not_found' }, request: (api) => ({ path: '/v1/devices/doc-inc-none/incidents', headers: api.adminAuth() }) },
  { operation: DEVICE_INCIDENTS, title: 'the database fails', on: 'broken', expect: { status: 500, code: 'internal_error' }, request: (api) => ({ path: '/v1/devices/doc-inc-1/incidents', headers: api.adminAuth() }) },

  // GET /v1/incidents
  {
    operation: INCIDENTS,
    title: "one group's outages since a time",
    expect: { status: 200 },
    before: (api) => twoOutages(api, 'doc-inc-2'),
    request: (api) => ({ path: '/v1/incidents', query: { group: 'plant-h', since: new Date(api.clock.now() - 7_200_000).toISOString() }, headers: api.adminAuth() }),
  },
  { operation: INCIDENTS, title: 'the last 24 hours of the fleet', expect: { status: 200 }, request: (api) => ({ path: '/v1/incidents', headers: api.adminAuth() }) },
  { operation: INCIDENTS, title: 'a since that is not a time', expect: { status: 400, code: 'invalid_query' }, request: (api) => ({ path: '/v1/incidents', query: { since: 'yesterday' }, headers: api.adminAuth() }) },
  { operation: INCIDENTS, title: 'no admin token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/incidents' }) },
  { operation: INCIDENTS, title: 'the database fails', on: 'broken', expect: { status: 500, code: 'internal_error' }, request: (api) => ({ path: '/v1/incidents', headers: api.adminAuth() }) },
  // GET /v1/maintenance
  {
    operation: WINDOWS,
    title: 'two windows, by device list and by group',
    expect: { status: 200 },
    before: async (api) => {
      await plan(api, { deviceIds: ['doc-mw-1', 'doc-mw-2'], from: soon(0)(api), until: soon(60)(api), reason: 'firmware 2.0' });
      await plan(api, { group: 'plant-a', from: soon(30)(api), until: soon(90)(api) });
    },
    request: (api) => ({ path: '/v1/maintenance', headers: api.adminAuth() }),
  },
  { operation: WINDOWS, title: 'no admin token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/maintenance' }) },
  { operation: WINDOWS, title: 'the database fails', on: 'broken', expect: { status: 500, code: 'internal_error' }, request: (api) => ({ path: '/v1/maintenance', headers: api.adminAuth() }) },

  // POST /v1/maintenance
  {
    operation: PLAN,
    title: 'a window for a group',
    expect: { status: 201 },
    request: (api) => ({ path: '/v1/maintenance', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: JSON.stringify({ group: 'plant-b', from: soon(0)(api), until: soon(120)(api), reason: 'rollout' }) }),
  },
  {
    operation: PLAN,
    title: 'an unknown field',
    expect: { status: 400, code: 'invalid_body' },
    request: (api) => ({ path: '/v1/maintenance', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: JSON.stringify({ deviceIds: ['doc-mw-3'], from: soon(0)(api), until: soon(60)(api), colour: 'red' }) }),
  },
  { operation: PLAN, title: 'no admin token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/maintenance', ...json({ group: 'plant-a' }) }) },
  {
    operation: PLAN,
    title: 'a body over 4096 bytes',
    expect: { status: 413, code: 'payload_too_large' },
    request: (api) => ({ path: '/v1/maintenance', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: ' '.repeat(4097) }),
  },
  {
    operation: PLAN,
    title: 'a form body',
    expect: { status: 415, code: 'unsupported_media_type' },
    request: (api) => ({ path: '/v1/maintenance', headers: { ...api.adminAuth(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'group=plant-a' }),
  },
  {
    operation: PLAN,
    title: 'the database fails',
    on: 'broken',
    expect: { status: 500, code: 'internal_error' },
    request: (api) => ({ path: '/v1/maintenance', headers: { ...api.adminAuth(), ...JSON_TYPE }, body: JSON.stringify({ group: 'plant-a', from: soon(0)(api), until: soon(60)(api) }) }),
  },

  // DELETE /v1/maintenance/{windowId}
  {
    operation: END,
    title: 'ending a window under way',
    expect: { status: 204 },
    before: async (api) => {
      plannedWindowId = (JSON.parse((await plan(api, { deviceIds: ['doc-mw-4'], from: soon(0)(api), until: soon(60)(api) })).text) as { windowId: string }).windowId;
    },
    request: (api) => ({ path: `/v1/maintenance/${plannedWindowId}`, headers: api.adminAuth() }),
  },
  { operation: END, title: 'no admin token', expect: { status: 401, code: 'unauthorized' }, request: () => ({ path: '/v1/maintenance/00000000-0000-4000-8000-000000000000' }) },
  {
    operation: END,
    title: 'an unknown window',
    expect: { status: 404, code: 'not_found' },
    request: (api) => ({ path: '/v1/maintenance/00000000-0000-4000-8000-000000000000', headers: api.adminAuth() }),
  },
  {
    operation: END,
    title: 'the database fails',
    on: 'broken',
    expect: { status: 500, code: 'internal_error' },
    request: (api) => ({ path: '/v1/maintenance/00000000-0000-4000-8000-000000000000', headers: api.adminAuth() }),
  },

  // GET /v1/health
  { operation: HEALTH, title: 'after a sweep', expect: { status: 200 }, before: (api) => api.sweep(), request: () => ({ path: '/v1/health' }) },
  { operation: HEALTH, title: 'the database fails', on: 'broken', expect: { status: 500, code: 'internal_error' }, request: () => ({ path: '/v1/health' }) },
  { operation: HEAD_HEALTH, title: 'after a sweep', expect: { status: 200 }, before: (api) => api.sweep(), request: () => ({ path: '/v1/health' }) },
  { operation: HEAD_HEALTH, title: 'the database fails', on: 'broken', expect: { status: 500 }, request: () => ({ path: '/v1/health' }) },
];

/** A concrete path for a templated one: each `{param}` becomes a valid id. */
const concretePath = (path: string) => path.replace(/\{[^}]+\}/g, 'doc-any-method');
/** A method the path does not document. */
const otherMethod = (documented: readonly string[]) => ['PATCH', 'POST', 'PUT', 'DELETE', 'GET'].find((m) => !documented.includes(m)) as string;

// The last test counts the answers the cases before it exercised: never shuffled.
describe('docs/openapi.yaml', { shuffle: false }, () => {
  let spec: ApiSpec;
  let table: TestTable;
  let historyTable: TestHistoryTable;
  let services: Services;
  const exercised: { operation: string; status: number; code: string | null }[] = [];

  beforeAll(async () => {
    spec = await ApiSpec.load();
    table = await createTestTable();
    historyTable = await createTestHistoryTable();
    const clock = new FakeClock();
    const historyTableName = historyTable.tableName;
    services = {
      api: await startLocalApi({ tableName: table.tableName, clock, historyTableName }),
      throttled: await startLocalApi({ tableName: table.tableName, clock, minBeatSpacingSeconds: 60, historyTableName }),
      broken: await startLocalApi({ tableName: `missing-${randomUUID()}`, clock, failingSecrets: true, historyTableName: `missing-${randomUUID()}` }),
    };
  });
  afterAll(async () => {
    await Promise.all(Object.values(services ?? {}).map((api: LocalApi) => api.close()));
    await table?.drop();
    await historyTable?.drop();
  });

  it('is valid OpenAPI 3.1 for a maintained validator', async () => {
    // Act
    const { result, text } = await ApiSpec.validateFile(OPENAPI_FILE);
    // Assess
    expect(text).toBe('');
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(spec.document.openapi).toMatch(/^3\.1\./);
  });

  it('has examples its schemas accept', () => {
    // Act
    const problems = spec.exampleProblems();
    // Assess
    expect(problems).toEqual([]);
  });

  it.each(CASES.map((c) => [`${c.operation} ${c.expect.status}${c.expect.code ? ` ${c.expect.code}` : ''}: ${c.title}`, c] as const))(
    '%s',
    async (_name, apiCase) => {
      // Prepare
      const api = services[apiCase.on ?? 'api'];
      await apiCase.before?.(api);
      const method = apiCase.operation.split(' ')[0] as string;
      const request = apiCase.request(api);
      // Act
      const answer: ApiAnswer = await api.send({ method, ...request });
      // Assess
      expect(spec.check(apiCase.operation, answer)).toEqual([]);
      const requestProblems = jsonBody(request) === undefined ? null : spec.checkRequest(apiCase.operation, jsonBody(request));
      if (requestProblems !== null && apiCase.expect.code === 'invalid_body') expect(requestProblems, 'the request schema accepts a body the service refuses').not.toEqual([]);
      if (requestProblems !== null && apiCase.expect.status < 300 && !apiCase.bodyOutsideSchema) expect(requestProblems).toEqual([]);
      expect({ status: answer.status, code: errorCode(answer) }).toEqual({ status: apiCase.expect.status, code: apiCase.expect.code ?? null });
      exercised.push({ operation: apiCase.operation, status: answer.status, code: errorCode(answer) });
    },
  );

  it('describes every route the service has', () => {
    // Prepare
    const served = ROUTES.map((route) => `${route.method} ${route.path}`).sort();
    // Act
    const described = spec.operations().sort();
    // Assess
    expect(described).toEqual(served);
  });

  it('answers a method a path does not list with 405 and an Allow header naming the ones it does', async () => {
    // Prepare
    const paths = Object.keys(spec.document.paths as object);
    // Act
    const problems: string[] = [];
    for (const path of paths) {
      const method = otherMethod(spec.methodsOf(path));
      const answer = await services.api.send({ method, path: concretePath(path), headers: services.api.adminAuth() });
      problems.push(...spec.checkOtherMethod(path, answer));
    }
    // Assess
    expect(paths.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('has a case for every answer it documents', () => {
    // Prepare
    const key = (a: { operation: string; status: number; code: string | null }) => `${a.operation} ${a.status} ${a.code ?? ''}`.trim();
    const seen = new Set(exercised.map(key));
    // Act
    const missing = spec.documentedAnswers().map(key).filter((answer) => !seen.has(answer));
    // Assess
    expect(exercised.length).toBe(CASES.length);
    expect(missing).toEqual([]);
  });
});

describe('ApiSpec.check', () => {
  let spec: ApiSpec;
  beforeAll(async () => {
    spec = await ApiSpec.load();
  });
  const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
  const beatBody = { deviceId: 'd-1', status: 'up', lastSeen: '2026-11-25T10:00:00.000Z', deadline: '2026-11-25T10:02:00.000Z' };
  const answer = (status: number, body: unknown, headers: Record<string, string> = JSON_HEADERS): ApiAnswer => ({
    status,
    headers,
    text: typeof body === 'string' ? body : JSON.stringify(body),
  });

  it('accepts an answer the description gives', () => {
    // Act
    const problems = spec.check(BEAT, answer(200, beatBody));
    // Assess
    expect(problems).toEqual([]);
  });

  it.each([
    ['an undocumented status', BEAT, answer(418, { error: { code: 'teapot', message: 'no' } }), /does not document/],
    ['a field the schema does not have', BEAT, answer(200, { ...beatBody, battery: 80 }), /additional properties/],
    ['a missing required field', BEAT, answer(200, { ...beatBody, deadline: undefined }), /required property 'deadline'/],
    ['a time that is not ISO-8601 UTC', BEAT, answer(200, { ...beatBody, lastSeen: 1764064800000 }), /lastSeen/],
    ['an error code the response does not list', BEAT, answer(400, { error: { code: 'invalid_query', message: 'x' } }), /allowed values/],
    ['an error without a message', BEAT, answer(413, { error: { code: 'payload_too_large' } }), /message/],
    ['a 401 without WWW-Authenticate', BEAT, answer(401, { error: { code: 'unauthorized', message: 'x' } }), /WWW-Authenticate is required/],
    ['a body on a 204', DELETE, answer(204, '{}'), /has no body/],
    ['a text body', HEALTH, answer(200, 'ok', { 'content-type': 'text/plain' }), /content type/],
  ])('reports %s', (_label, operation, wrong, message) => {
    // Act
    const problems = spec.check(operation, wrong);
    // Assess
    expect(problems.join('\n')).toMatch(message);
  });

  it('reports a 405 whose Allow header differs from the documented methods', () => {
    // Prepare
    const wrong = answer(405, { error: { code: 'method_not_allowed', message: 'x' } }, { ...JSON_HEADERS, allow: 'GET' });
    // Act
    const problems = spec.checkOtherMethod('/v1/devices/{deviceId}', wrong);
    // Assess
    expect(problems.join('\n')).toMatch(/Allow on \/v1\/devices\/\{deviceId\} is "GET", the description has DELETE, GET, PUT/);
  });

  it('lists every documented answer but the ones only API Gateway gives', () => {
    // Act
    const answers = spec.documentedAnswers();
    // Assess
    expect(answers).toContainEqual({ operation: BEAT, status: 429, code: 'throttled' });
    expect(answers).toContainEqual({ operation: BEAT, status: 400, code: 'invalid_body' });
    expect(answers).toContainEqual({ operation: DELETE, status: 204, code: null });
    expect(answers.filter((a) => a.status === 403)).toEqual([]);
  });
});

/** The parsed body of a JSON request; undefined when it has none, or it is not JSON. */
function jsonBody(request: { headers?: Readonly<Record<string, string>>; body?: string | Buffer }): unknown {
  if (request.body === undefined || !/^application\/json/i.test(request.headers?.['content-type'] ?? '')) return undefined;
  try {
    return JSON.parse(request.body.toString());
  } catch {
    return undefined;
  }
}

function errorCode(answer: ApiAnswer): string | null {
  try {
    const code = (JSON.parse(answer.text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}
