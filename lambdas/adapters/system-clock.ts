import type { Clock } from '../core/ports';

/** The real clock. Only composition roots use it; the core takes a Clock. */
export const systemClock: Clock = { now: () => Date.now() };
