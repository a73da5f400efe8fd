/**
 * Operator routes: list, read, register or change, forget devices; and the public health summary.
 * Authorization is injected: IAM has already checked the caller on AWS; locally an admin token is compared.
 */
import { validateWindowRequest, WINDOW_ID_PATTERN, type MaintenancePlanner } from '../core/maintenance';
import type { FleetManager } from '../core/management';
import { LIMITS } from '../core/model';
import { InvalidCursorError, type DeviceQuery, type Logger } from '../core/ports';
import { DEVICE_PATCH_BODY, isValidDeviceId, isValidGroup, parseQueryInteger, validateObject, type DevicePatchBody } from '../core/validation';
import { NO_SUCH_ROUTE } from './routes';
import {
  bodyBytes,
  emptyResponse,
  errorResponse,
  internalError,
  headAware,
  jsonResponse,
  method,
  payloadTooLarge,
  readJsonBody,
  requestPath,
  pathParameter,
  decodeURIComponentSafe,
  type HttpEvent,
  type HttpHandler,
  type HttpResult,
} from './http';
import { answerHistory, historyRoute } from './history-api';

/** Decides whether the caller is an operator. */
export type AdminAuthorizer = (event: HttpEvent) => boolean;

export interface ManagementApiDeps {
  readonly manager: FleetManager;
  /** Maintenance windows (`/v1/maintenance`). */
  readonly maintenance: MaintenancePlanner;
  readonly authorize: AdminAuthorizer;
  readonly logger: Logger;
}

/** On AWS the routes carry the IAM authorizer, so a request that reached the function was signed. */
export const trustIamAuthorizer: AdminAuthorizer = (event) =>
  Boolean((event.requestContext as { authorizer?: { iam?: unknown } }).authorizer?.iam);

const STATUSES = new Set(['new', 'up', 'down', 'paused']);
const QUERY_KEYS = ['status', 'group', 'limit', 'cursor', 'includeCanary'];

const unauthorized = () =>
  errorResponse(401, 'unauthorized', 'Management routes need the admin credential (a device token is not one).', { 'www-authenticate': 'Bearer' });
const notFound = (what: string) => errorResponse(404, 'not_found', what);
const methodNotAllowed = (allow: string) =>
  errorResponse(405, 'method_not_allowed', `This route accepts ${allow}.`, { allow });

function parseQuery(event: HttpEvent): { ok: true; query: DeviceQuery } | { ok: false; message: string } {
  const params = event.queryStringParameters ?? {};
  for (const key of Object.keys(params)) {
    if (!QUERY_KEYS.includes(key)) return { ok: false, message: `Unknown query parameter "${key}"; allowed: ${QUERY_KEYS.join(', ')}.` };
  }
  // An empty value (`?status=&cursor=`, as the contract writes the route) means "not given".
  const given = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const [status, group, limit, cursor, includeCanary] = [given(params.status), given(params.group), given(params.limit), given(params.cursor), given(params.includeCanary)];
  if (includeCanary !== undefined && includeCanary !== 'true' && includeCanary !== 'false') return { ok: false, message: '"includeCanary" must be true or false.' };
  if (status !== undefined && !STATUSES.has(status)) return { ok: false, message: '"status" must be one of new, up, down, paused.' };
  if (group !== undefined && !isValidGroup(group)) return { ok: false, message: '"group" must be 1-64 characters of A-Z a-z 0-9 . _ : -' };
  let pageSize = 100;
  if (limit !== undefined) {
    const parsed = parseQueryInteger('limit', limit, 1, 1000);
    if (!parsed.ok) return parsed;
    pageSize = parsed.value;
  }
  if (cursor !== undefined && (cursor.length === 0 || cursor.length > 1024)) return { ok: false, message: '"cursor" must be a cursor from a previous page.' };
  return {
    ok: true,
    query: {
      limit: pageSize,
      ...(status !== undefined ? { status: status as DeviceQuery['status'] } : {}),
      ...(group !== undefined ? { group } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
      // The doctor's canary is not part of the fleet: listed only when asked for.
      ...(includeCanary === 'true' ? { includeCanary: true } : {}),
    },
  };
}

/** `/v1/maintenance` and `/v1/maintenance/{windowId}`: plan, list and end maintenance windows. */
async function maintenanceRoute(planner: MaintenancePlanner, event: HttpEvent, path: string, verb: string): Promise<HttpResult> {
  if (path === '/v1/maintenance') {
    if (verb === 'GET') return jsonResponse(200, { windows: await planner.list() });
    if (verb !== 'POST') return methodNotAllowed('GET, POST');
    const bytes = bodyBytes(event);
    if (bytes.length > LIMITS.maxBodyBytes) return payloadTooLarge('The body', LIMITS.maxBodyBytes);
    const body = readJsonBody(event, bytes, 'Send the body as "Content-Type: application/json" in UTF-8.');
    if (!body.ok) return body.result;
    const request = validateWindowRequest(body.value);
    if (!request.ok) return errorResponse(400, 'invalid_body', request.message);
    const added = await planner.add(request.value);
    return added.ok ? jsonResponse(201, added.value) : errorResponse(400, 'invalid_body', added.message);
  }
  if (verb !== 'DELETE') return methodNotAllowed('DELETE');
  const windowId = pathParameter(event, 'windowId') ?? decodeURIComponentSafe(path.slice('/v1/maintenance/'.length));
  if (windowId === undefined || !WINDOW_ID_PATTERN.test(windowId)) return notFound('No such maintenance window; list them with GET /v1/maintenance.');
  return (await planner.end(windowId)) ? emptyResponse(204) : notFound(`No maintenance window "${windowId}" that has not ended.`);
}

/** The body of a PUT: the fields to change, or the answer refusing them (413, 415 or 400). */
function parsePatch(event: HttpEvent): { ok: true; patch: DevicePatchBody } | { ok: false; result: HttpResult } {
  const bytes = bodyBytes(event);
  if (bytes.length > LIMITS.maxBodyBytes) return { ok: false, result: payloadTooLarge('The body', LIMITS.maxBodyBytes) };
  if (bytes.length === 0) return { ok: true, patch: {} };
  const json = readJsonBody(event, bytes, 'Send the body as "Content-Type: application/json" in UTF-8.');
  if (!json.ok) return json;
  const validated = validateObject<DevicePatchBody>(json.value, DEVICE_PATCH_BODY);
  if (!validated.ok) return { ok: false, result: errorResponse(400, 'invalid_body', validated.message) };
  return { ok: true, patch: validated.value };
}

/** Builds the management handler. */
export function createManagementApi(deps: ManagementApiDeps): HttpHandler {
  const { manager } = deps;

  const route = async (event: HttpEvent): Promise<HttpResult> => {
    const path = requestPath(event) || '/';
    const verb = method(event);

    if (path === '/v1/health') {
      if (verb !== 'GET' && verb !== 'HEAD') return methodNotAllowed('GET, HEAD');
      return headAware(verb, jsonResponse(200, await manager.health()));
    }
    const history = historyRoute(path);
    if (history !== null) return deps.authorize(event) ? answerHistory(event, history, manager) : unauthorized();
    const isCollection = path === '/v1/devices';
    const isItem = path.startsWith('/v1/devices/');
    const isMaintenance = (path === '/v1/maintenance' || path.startsWith('/v1/maintenance/'));
    if (!isCollection && !isItem && !isMaintenance) return notFound(NO_SUCH_ROUTE);
    if (!deps.authorize(event)) {
      return errorResponse(401, 'unauthorized', 'Management routes need the admin credential (a device token is not one).', {
        'www-authenticate': 'Bearer',
      });
    }
    if (isMaintenance) return maintenanceRoute(deps.maintenance, event, path, verb);

    if (isCollection) {
      if (verb !== 'GET') return methodNotAllowed('GET');
      const parsed = parseQuery(event);
      if (!parsed.ok) return errorResponse(400, 'invalid_query', parsed.message);
      try {
        return jsonResponse(200, await manager.list(parsed.query));
      } catch (error) {
        if (error instanceof InvalidCursorError) return errorResponse(400, 'invalid_query', '"cursor" must be a cursor from a previous page.');
        throw error;
      }
    }

    const deviceId = pathParameter(event, 'deviceId') ?? decodeURIComponentSafe(path.slice('/v1/devices/'.length));
    if (!isValidDeviceId(deviceId)) return errorResponse(400, 'invalid_device_id', 'The device id must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    switch (verb) {
      case 'GET': {
        const device = await manager.get(deviceId);
        return device ? jsonResponse(200, device) : notFound(`No device "${deviceId}".`);
      }
      case 'PUT': {
        const parsed = parsePatch(event);
        if (!parsed.ok) return parsed.result;
        const { device, created } = await manager.configure(deviceId, parsed.patch);
        return jsonResponse(created ? 201 : 200, device);
      }
      case 'DELETE':
        return (await manager.delete(deviceId)) ? emptyResponse(204) : notFound(`No device "${deviceId}".`);
      default:
        return methodNotAllowed('GET, PUT, DELETE');
    }
  };

  return async (event) => {
    try {
      return await route(event);
    } catch (error) {
      deps.logger.error('management request failed', { path: event.rawPath, error: String(error) });
      return internalError();
    }
  };
}
