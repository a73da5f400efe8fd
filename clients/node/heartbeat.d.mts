/** Types of heartbeat.mjs, for TypeScript callers. */

/** Seconds of silence before the first TCP keepalive probe. */
export declare const KEEPALIVE_IDLE_S: number;
export declare const VERSION: string;

/** A beat that was not recorded: `status` is the HTTP status (null when no answer came), `code` the service's error code. */
export declare class HeartbeatError extends Error {
  readonly status: number | null;
  readonly code: string | null;
  readonly retryable: boolean;
  readonly retryAfter: number | null;
}

export interface HeartbeatOptions {
  /** Service base URL (https://host[/stage]). */
  readonly url: string;
  readonly deviceId: string;
  readonly token: string;
  /** Seconds between beats the device promises, sent with every beat. */
  readonly interval?: number;
  /** Extra seconds of silence tolerated, sent with every beat. */
  readonly grace?: number;
  /** Seconds a whole request may take (default 10). */
  readonly timeout?: number;
  /** Extra attempts after a network error, 429 or 5xx (default 5). */
  readonly retries?: number;
  /** The first retry waits up to this many seconds, doubling each time (default 1). */
  readonly backoff?: number;
  /** Receives one line per retry (default: standard error). */
  readonly log?: (line: string) => void;
}

/** The service's answer to a recorded beat. */
export interface BeatAnswer {
  readonly deviceId: string;
  readonly status: string;
  readonly lastSeen: string;
  readonly deadline: string;
}

/** A device's heartbeat sender, keeping one connection to the service across beats. */
export declare class Heartbeat {
  constructor(options: HeartbeatOptions);
  /** Sends one beat; rejects with a HeartbeatError when it was not recorded. */
  beat(beat?: { status?: 'ok' | 'fail'; message?: string; meta?: Record<string, unknown> }): Promise<BeatAnswer>;
  /** Closes the kept connection; a wait between retries ends at once. */
  close(): void;
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or null. */
export declare function retryAfterSeconds(value: string | undefined, now?: number): number | null;

/** The command: beats as the flags say; resolves with the exit status (0: every beat recorded). */
export declare function main(argv?: readonly string[], env?: Readonly<Record<string, string | undefined>>): Promise<number>;
