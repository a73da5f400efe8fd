/**
 * HttpSender on Node's fetch: one POST with a deadline that covers the whole answer (headers and
 * body), redirects not followed (a 3xx is a failed delivery, never a signed body sent elsewhere),
 * and connections kept alive between deliveries. Failures become a result, never a throw.
 */
import type { HttpSender, OutboundRequest, SendResult } from '../../core/delivery';

/** Why an attempt failed, in words an operator can act on; never the request (it may hold a routing key). */
function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (error instanceof Error && error.name === 'AbortError') return 'stopped while waiting for an answer';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `connection failed (${cause.code})`;
  if (cause?.message) return `connection failed (${cause.message})`;
  return error instanceof Error ? error.message : String(error);
}

/** An HttpSender for any runtime with a global fetch (Node 20+). */
export const fetchHttpSender: HttpSender = {
  async post(request: OutboundRequest, timeoutMs: number, stop?: AbortSignal): Promise<SendResult> {
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: stop ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs),
      });
      // Read the whole answer: a receiver that closes mid-response has not confirmed anything.
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, error: `HTTP ${response.status}${redirect}` };
    } catch (error) {
      return { ok: false, error: describe(error, timeoutMs) };
    }
  },
};
