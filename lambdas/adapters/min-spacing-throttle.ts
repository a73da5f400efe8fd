/**
 * Local-mode throttle: at most one accepted beat per device every `minSpacingSeconds`.
 * (On AWS, throttling is API Gateway's stage throttling instead.) Memory stays bounded: entries older
 * than the spacing are forgotten, since they can no longer throttle anything.
 */
import type { Clock } from '../core/ports';
import type { BeatThrottle } from '../handlers/ingest-api';

export function minSpacingThrottle(minSpacingSeconds: number, clock: Clock, maxTracked = 100_000): BeatThrottle {
  const spacingMs = minSpacingSeconds * 1000;
  const lastAccepted = new Map<string, number>();
  return (deviceId) => {
    if (spacingMs <= 0) return 0;
    const now = clock.now();
    const last = lastAccepted.get(deviceId);
    if (last !== undefined && now - last < spacingMs) return Math.max(1, Math.ceil((last + spacingMs - now) / 1000));
    if (lastAccepted.size >= maxTracked) {
      for (const [id, at] of lastAccepted) if (now - at >= spacingMs) lastAccepted.delete(id);
      // Still full: every entry is recent. Forget the oldest (insertion order) rather than grow.
      if (lastAccepted.size >= maxTracked) lastAccepted.delete(lastAccepted.keys().next().value as string);
    }
    lastAccepted.delete(deviceId); // re-insert so insertion order stays "oldest first"
    lastAccepted.set(deviceId, now);
    return 0;
  };
}
