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

/** A `Retry-After` header in milliseconds from `now`: whole seconds, or an HTTP date; null when absent or unreadable. */
export function retryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
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
      const retryAfterMs = retryAfter(response.headers.get('retry-after'), Date.now());
      return { ok: false, error: `HTTP ${response.status}${redirect}`, ...(retryAfterMs === null ? {} : { retryAfterMs }) };
    } catch (error) {
      return { ok: false, error: describe(error, timeoutMs) };
    }
  },
};
