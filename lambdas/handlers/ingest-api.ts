/**
 * The device routes: `POST /v1/heartbeats/{deviceId}` (one beat) and `POST /v1/heartbeats` (a batch).
 * Event in, contract answer out: it translates; the core decides. Checks run in the contract's
 * order, so the first applicable error wins and nothing is written on a 4xx.
 *
 * The same handler serves API Gateway (payload v2, with path parameters) and a Lambda function URL
 * (the same payload shape, but no routing): the route is taken from the raw path when API Gateway
 * did not name it.
 */
import { checkBatchEntry, parseBatch, BATCH_LIMITS, type CheckedEntry } from '../core/batch';
import type { BeatResult, HeartbeatRecorder } from '../core/heartbeat';
import { LIMITS } from '../core/model';
import type { Logger, SigningSecretSource } from '../core/ports';
import { bearerToken, verifyDeviceToken, type SigningSecrets } from '../core/tokens';
import { BEAT_BODY, isValidDeviceId, validateObject, type BeatBody } from '../core/validation';
import { bodyBytes, errorResponse, header, headAware, internalError, jsonResponse, method, pathParameter, payloadTooLarge, readJsonBody, requestPath, type HttpEvent, type HttpHandler, type HttpResult } from './http';

/** Optional local throttle: answers how many seconds to wait, or 0 to accept. */
export type BeatThrottle = (deviceId: string) => number;

export interface IngestApiDeps {
  readonly recorder: HeartbeatRecorder;
  readonly secrets: SigningSecretSource;
  readonly logger: Logger;
  readonly throttle?: BeatThrottle;
  /**
   * The body of `GET /v1/health`, when this handler is the only public door (a function URL in front
   * of it, no API Gateway routing health to the management function).
   */
  readonly health?: () => Promise<unknown>;
}

const UNAUTHORIZED = () =>
  errorResponse(401, 'unauthorized', 'Send "Authorization: Bearer <device token>" with the token minted for this device id.', {
    'www-authenticate': 'Bearer',
  });

const BATCH_PATH = '/v1/heartbeats';
const SINGLE_PREFIX = `${BATCH_PATH}/`;

/** The 200 body of a recorded beat. */
function beatAnswer(result: BeatResult) {
  return {
    deviceId: result.deviceId,
    status: result.status,
    lastSeen: new Date(result.lastSeen).toISOString(),
    deadline: new Date(result.deadline).toISOString(),
  };
}

/** The device id of a single-beat request: API Gateway's path parameter, else the raw path's last segment. */
function singleDeviceId(event: HttpEvent): string | undefined {
  const fromRoute = pathParameter(event, 'deviceId');
  if (fromRoute !== undefined) return fromRoute;
  const segment = requestPath(event).slice(SINGLE_PREFIX.length);
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Builds the ingest handler around its dependencies (one composition root per runtime). */
export function createIngestApi(deps: IngestApiDeps): HttpHandler {
  const signingSecrets = async (): Promise<SigningSecrets | null> => {
    try {
      return await deps.secrets.signingSecrets();
    } catch (error) {
      deps.logger.error('signing secrets unavailable', { error: String(error) });
      return null;
    }
  };

  const single = async (event: HttpEvent): Promise<HttpResult> => {
    const deviceId = singleDeviceId(event);
    if (!isValidDeviceId(deviceId)) {
      return errorResponse(400, 'invalid_device_id', 'The device id must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    }
    const bytes = bodyBytes(event);
    if (bytes.length > LIMITS.maxBodyBytes) return payloadTooLarge('The body', LIMITS.maxBodyBytes);
    const token = bearerToken(header(event, 'authorization'));
    const secrets = await signingSecrets();
    if (secrets === null) return internalError();
    if (token === null || !verifyDeviceToken(secrets, deviceId, token)) return UNAUTHORIZED();
    let body: BeatBody = {};
    if (bytes.length > 0) {
      const json = readJsonBody(event, bytes, 'Send the body as "Content-Type: application/json" in UTF-8, or send no body.');
      if (!json.ok) return json.result;
      const validated = validateObject<BeatBody>(json.value, BEAT_BODY);
      if (!validated.ok) return errorResponse(400, 'invalid_body', validated.message);
      body = validated.value;
    }
    const retryAfter = deps.throttle?.(deviceId) ?? 0;
    if (retryAfter > 0) {
      return errorResponse(429, 'throttled', `Too many beats for this device; retry in ${retryAfter} s.`, { 'retry-after': String(retryAfter) });
    }
    try {
      return jsonResponse(200, beatAnswer(await deps.recorder.record(deviceId, body)));
    } catch (error) {
      deps.logger.error('beat not recorded', { deviceId, error: String(error) });
      return internalError();
    }
  };

  /** One entry's answer: its single beat's 200 body, or its own error. Never throws. */
  const answerEntry = async (checked: CheckedEntry) => {
    const refuse = (code: string, message: string) => ({ deviceId: checked.deviceId, error: { code, message } });
    if (!checked.ok) return refuse(checked.code, checked.message);
    const retryAfter = deps.throttle?.(checked.deviceId) ?? 0;
    if (retryAfter > 0) return refuse('throttled', `Too many beats for this device; retry in ${retryAfter} s.`);
    try {
      return beatAnswer(await deps.recorder.record(checked.deviceId, checked.body));
    } catch (error) {
      deps.logger.error('beat not recorded', { deviceId: checked.deviceId, error: String(error) });
      return refuse('internal_error', 'This beat was not recorded; send it again in a few seconds.');
    }
  };

  const batch = async (event: HttpEvent): Promise<HttpResult> => {
    const bytes = bodyBytes(event);
    if (bytes.length > BATCH_LIMITS.maxBodyBytes) return payloadTooLarge('A batch', BATCH_LIMITS.maxBodyBytes);
    if (bytes.length === 0) return errorResponse(400, 'invalid_body', 'Send {"beats": [...]} with 1 to 100 entries.');
    const json = readJsonBody(event, bytes, 'Send the batch as "Content-Type: application/json" in UTF-8.');
    if (!json.ok) return json.result;
    const entries = parseBatch(json.value);
    if (!entries.ok) return errorResponse(400, 'invalid_body', entries.message);
    const secrets = await signingSecrets();
    if (secrets === null) return internalError();
    // Every entry is the single beat's one write; they go out together, and answer in entry order.
    const results = await Promise.all(entries.value.map((entry) => answerEntry(checkBatchEntry(entry, secrets))));
    return jsonResponse(200, { results });
  };

  const route = async (event: HttpEvent): Promise<HttpResult> => {
    const path = requestPath(event);
    if (deps.health !== undefined && path === '/v1/health') {
      const verb = method(event);
      if (verb !== 'GET' && verb !== 'HEAD') return errorResponse(405, 'method_not_allowed', 'This route accepts GET, HEAD.', { allow: 'GET, HEAD' });
      try {
        return headAware(verb, jsonResponse(200, await deps.health()));
      } catch (error) {
        deps.logger.error('health not read', { error: String(error) });
        return internalError();
      }
    }
    if (method(event) !== 'POST') {
      return errorResponse(405, 'method_not_allowed', 'Heartbeats are sent with POST.', { allow: 'POST' });
    }
    if (event.pathParameters?.deviceId === undefined && path === BATCH_PATH) return batch(event);
    if (event.pathParameters?.deviceId !== undefined || path.startsWith(SINGLE_PREFIX)) return single(event);
    return errorResponse(404, 'not_found', 'No such route; devices send POST /v1/heartbeats/{deviceId} or POST /v1/heartbeats.');
  };

  // Whatever goes wrong, the answer keeps the contract's error shape (an unhandled throw would reach
  // the device as API Gateway's own 500 body).
  return async (event: HttpEvent) => {
    try {
      return await route(event);
    } catch (error) {
      deps.logger.error('beat request failed', { error: String(error) });
      return internalError();
    }
  };
}
