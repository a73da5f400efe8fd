/**
 * Runs the sweep on a timer, locally standing in for the EventBridge schedule. The next sweep is
 * scheduled only when the previous one has finished, so two never overlap on this one process;
 * a failed sweep is logged and the timer goes on (the next sweep retries whatever was left).
 */
import type { Logger } from '../core/ports';

export interface SweepTimer {
  /** Stops scheduling and waits for a sweep in flight to finish. */
  stop(): Promise<void>;
}

/** Starts sweeping every `everyMs` (measured from the end of the previous sweep). */
export function startSweepTimer(options: {
  readonly sweep: () => Promise<unknown>;
  readonly everyMs: number;
  readonly logger: Logger;
  /** Sweep once right away (so `/v1/health` has a summary, and a restart notices who fell silent meanwhile). */
  readonly immediately?: boolean;
}): SweepTimer {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;

  const run = () => {
    timer = null;
    inFlight = options
      .sweep()
      .then(
        () => undefined,
        (error: unknown) => options.logger.error('sweep failed; the next one retries', { error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        inFlight = null;
        if (!stopped) timer = setTimeout(run, options.everyMs);
      });
  };

  if (options.immediately) run();
  else timer = setTimeout(run, options.everyMs);

  return {
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await inFlight;
    },
  };
}
