/**
 * `POST /v1/heartbeats/{deviceId}`: event in, contract answer out. It translates; the core decides.
 * Checks run in the contract's order, so the first applicable error wins and nothing is written on a 4xx.
 */
import type { HeartbeatRecorder } from '../core/heartbeat';
import { LIMITS } from '../core/model';
import type { Logger, SigningSecretSource } from '../core/ports';
import { bearerToken, verifyDeviceToken } from '../core/tokens';
import { BEAT_BODY, isValidDeviceId, parseJson, validateObject, type BeatBody } from '../core/validation';
import { bodyBytes, decodeUtf8, errorResponse, header, internalError, isJsonUtf8, jsonResponse, method, type HttpEvent, type HttpHandler } from './http';

/** Optional local throttle: answers how many seconds to wait, or 0 to accept. */
export type BeatThrottle = (deviceId: string) => number;

export interface IngestApiDeps {
  readonly recorder: HeartbeatRecorder;
  readonly secrets: SigningSecretSource;
  readonly logger: Logger;
  readonly throttle?: BeatThrottle;
}

const UNAUTHORIZED = () =>
  errorResponse(401, 'unauthorized', 'Send "Authorization: Bearer <device token>" with the token minted for this device id.', {
    'www-authenticate': 'Bearer',
  });

/** Builds the ingest handler around its dependencies (one composition root per runtime). */
export function createIngestApi(deps: IngestApiDeps): HttpHandler {
  return async (event: HttpEvent) => {
    if (method(event) !== 'POST') {
      return errorResponse(405, 'method_not_allowed', 'Heartbeats are sent with POST.', { allow: 'POST' });
    }
    const deviceId = event.pathParameters?.deviceId;
    if (!isValidDeviceId(deviceId)) {
      return errorResponse(400, 'invalid_device_id', 'The device id must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    }
    const bytes = bodyBytes(event);
    if (bytes.length > LIMITS.maxBodyBytes) {
      return errorResponse(413, 'payload_too_large', `The body must be at most ${LIMITS.maxBodyBytes} bytes.`);
    }
    const token = bearerToken(header(event, 'authorization'));
    try {
      if (token === null || !verifyDeviceToken(await deps.secrets.signingSecrets(), deviceId, token)) return UNAUTHORIZED();
    } catch (error) {
      deps.logger.error('signing secrets unavailable', { error: String(error) });
      return internalError();
    }
    let body: BeatBody = {};
    if (bytes.length > 0) {
      if (!isJsonUtf8(header(event, 'content-type'))) {
        return errorResponse(415, 'unsupported_media_type', 'Send the body as "Content-Type: application/json" in UTF-8, or send no body.');
      }
      const text = decodeUtf8(bytes);
      if (text === null) return errorResponse(400, 'invalid_body', 'The body is not valid UTF-8.');
      const parsed = parseJson(text);
      if (!parsed.ok) return errorResponse(400, 'invalid_body', parsed.message);
      const validated = validateObject<BeatBody>(parsed.value, BEAT_BODY);
      if (!validated.ok) return errorResponse(400, 'invalid_body', validated.message);
      body = validated.value;
    }
    const retryAfter = deps.throttle?.(deviceId) ?? 0;
    if (retryAfter > 0) {
      return errorResponse(429, 'throttled', `Too many beats for this device; retry in ${retryAfter} s.`, { 'retry-after': String(retryAfter) });
    }
    try {
      const result = await deps.recorder.record(deviceId, body);
      return jsonResponse(200, {
        deviceId: result.deviceId,
        status: result.status,
        lastSeen: new Date(result.lastSeen).toISOString(),
        deadline: new Date(result.deadline).toISOString(),
      });
    } catch (error) {
      deps.logger.error('beat not recorded', { deviceId, error: String(error) });
      return internalError();
    }
  };
}
