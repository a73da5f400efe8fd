/**
 * The history routes of the management API: `GET /v1/devices/{deviceId}/incidents` and
 * `GET /v1/incidents`. The management handler authorizes the caller first, then hands them here.
 */
import { MAX_INCIDENT_PAGE } from '../core/history';
import type { FleetManager } from '../core/management';
import { InvalidCursorError } from '../core/ports';
import { isValidDeviceId, isValidGroup, parseQueryInteger } from '../core/validation';
import { decodeURIComponentSafe, errorResponse, jsonResponse, method, pathParameter, type HttpEvent, type HttpResult } from './http';

/** Incidents a page holds when `limit` is not given. */
export const DEFAULT_INCIDENT_PAGE = 50;

/** Which history route a path is: the fleet's, one device's (its raw id segment), or neither. */
export function historyRoute(path: string): { kind: 'fleet' } | { kind: 'device'; rawId: string } | null {
  if (path === '/v1/incidents') return { kind: 'fleet' };
  const match = /^\/v1\/devices\/([^/]+)\/incidents$/.exec(path);
  return match ? { kind: 'device', rawId: match[1] as string } : null;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Query parameters, refusing unknown ones; an empty value counts as absent. */
function params(event: HttpEvent, allowed: readonly string[]): Parsed<Record<string, string>> {
  const given: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (!allowed.includes(key)) return { ok: false, message: `Unknown query parameter "${key}"; allowed: ${allowed.join(', ')}.` };
    if (value !== undefined && value !== '') given[key] = value;
  }
  return { ok: true, value: given };
}

function pageOf(given: Record<string, string>): Parsed<{ limit: number; cursor?: string }> {
  let limit = DEFAULT_INCIDENT_PAGE;
  if (given.limit !== undefined) {
    const parsed = parseQueryInteger('limit', given.limit, 1, MAX_INCIDENT_PAGE);
    if (!parsed.ok) return parsed;
    limit = parsed.value;
  }
  if (given.cursor !== undefined && given.cursor.length > 1024) return { ok: false, message: '"cursor" must be a cursor from a previous page.' };
  return { ok: true, value: { limit, ...(given.cursor !== undefined ? { cursor: given.cursor } : {}) } };
}

/**
 * An ISO-8601 time with a date and a time of day (a bare number or a date alone is refused: ambiguous).
 * A `+hh:mm` offset typed into a URL unescaped arrives as a space (form decoding of `+`): read it as the `+` it was.
 */
function parseSince(raw: string): Parsed<number> {
  const text = raw.replace(/ (\d{2}(?::?\d{2})?)$/, '+$1');
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) || Number.isNaN(ms)) {
    return { ok: false, message: '"since" must be an ISO-8601 time such as 2026-11-25T10:00:00Z.' };
  }
  return { ok: true, value: ms };
}

const invalidQuery = (message: string) => errorResponse(400, 'invalid_query', message);
const noHistory = () => errorResponse(404, 'not_found', 'This service keeps no outage history.');

/** Answers a history route for an already authorized caller. */
export async function answerHistory(event: HttpEvent, route: NonNullable<ReturnType<typeof historyRoute>>, manager: FleetManager): Promise<HttpResult> {
  if (method(event) !== 'GET') return errorResponse(405, 'method_not_allowed', 'This route accepts GET.', { allow: 'GET' });
  try {
    if (route.kind === 'device') {
      const deviceId = pathParameter(event, 'deviceId') ?? decodeURIComponentSafe(route.rawId);
      if (!isValidDeviceId(deviceId)) return errorResponse(400, 'invalid_device_id', 'The device id must be 1-128 characters of A-Z a-z 0-9 . _ : -');
      const given = params(event, ['limit', 'cursor']);
      if (!given.ok) return invalidQuery(given.message);
      const page = pageOf(given.value);
      if (!page.ok) return invalidQuery(page.message);
      const found = await manager.deviceIncidents(deviceId, page.value);
      return found ? jsonResponse(200, found) : errorResponse(404, 'not_found', `No device "${deviceId}".`);
    }
    const given = params(event, ['since', 'group', 'limit', 'cursor']);
    if (!given.ok) return invalidQuery(given.message);
    const page = pageOf(given.value);
    if (!page.ok) return invalidQuery(page.message);
    const { since, group } = given.value;
    if (group !== undefined && !isValidGroup(group)) return invalidQuery('"group" must be 1-64 characters of A-Z a-z 0-9 . _ : -');
    let sinceMs: number | undefined;
    if (since !== undefined) {
      const parsed = parseSince(since);
      if (!parsed.ok) return invalidQuery(parsed.message);
      sinceMs = parsed.value;
    }
    const found = await manager.fleetIncidents({ ...page.value, ...(sinceMs !== undefined ? { since: sinceMs } : {}), ...(group !== undefined ? { group } : {}) });
    return found ? jsonResponse(200, found) : noHistory();
  } catch (error) {
    if (error instanceof InvalidCursorError) return invalidQuery('"cursor" must be a cursor from a previous page of the same query.');
    throw error;
  }
}
