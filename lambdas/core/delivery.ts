/**
 * Delivery of alerts to channels (webhook, Slack, PagerDuty), shared by the AWS notifier and local
 * mode. Every channel of an alert is delivered at once, each with its own timeout and its own
 * retries, so a slow or failing channel never delays another. A delivery that answers non-2xx or
 * not within the timeout is retried on the policy's backoff schedule; one that exhausts it is
 * returned as undelivered, for the runtime to keep (SQS dead-letter queue, undelivered.jsonl).
 */
import type { Alert } from './alerts';
import type { Clock, Logger } from './ports';

/** An HTTP POST a channel wants sent. */
export interface OutboundRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What one attempt got: a 2xx, or why not (and how long the receiver asked us to wait, from its `Retry-After`). */
export type SendResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly error: string; readonly retryAfterMs?: number };

/** A receiver's `Retry-After` is honoured up to this long, so one answer cannot park a delivery for hours. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Sends one HTTP request; never throws (a network error, a timeout, an abort or a non-2xx is a failed result). */
export interface HttpSender {
  post(request: OutboundRequest, timeoutMs: number, stop?: AbortSignal): Promise<SendResult>;
}

/** Waits, or less when `stop` fires; tests pass one that returns at once, so they never wait for real backoff. */
export type Sleep = (ms: number, stop?: AbortSignal) => Promise<void>;

/** A Sleep on timers, cut short by `stop`. */
export const timerSleep: Sleep = (ms, stop) =>
  new Promise((resolve) => {
    if (stop?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    stop?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    }
  });

/** How long one attempt may take and how long to wait before each retry. */
export interface RetryPolicy {
  /** An attempt with no complete answer within this time has failed. */
  readonly timeoutMs: number;
  /** Waits before retry 1, 2, ...: as many retries as entries. */
  readonly backoffMs: readonly number[];
}

/**
 * The contract's policy: 10 s per attempt, then 5 retries after 5, 10, 20, 40 and 80 s (exponential),
 * so a receiver down for up to 2.5 minutes still gets the alert.
 */
export const CONTRACT_RETRY_POLICY: RetryPolicy = { timeoutMs: 10_000, backoffMs: [5_000, 10_000, 20_000, 40_000, 80_000] };

/** One message a channel sends for an alert. */
export interface PlannedDelivery {
  /** Deliveries with the same key on one channel go out in order (a PagerDuty resolve waits for its trigger). */
  readonly key: string;
  /** The request of one attempt; called again for each retry (a signature carries the attempt's time). */
  build(now: number): OutboundRequest;
}

/** A place alerts are delivered to. */
export interface Channel {
  /** `webhook`, `slack`, `pagerduty`: named in logs and in undelivered records. */
  readonly name: string;
  /** What this alert needs on this channel; none when the channel does not carry its type. */
  plan(alert: Alert): Promise<readonly PlannedDelivery[]>;
}

/** A delivery that exhausted its retries: kept so that nothing is dropped silently. */
export interface UndeliveredAlert {
  readonly channel: string;
  readonly alert: Alert;
  readonly attempts: number;
  readonly error: string;
  /** ISO-8601 time of giving up. */
  readonly failedAt: string;
}

/** Where deliveries that exhausted their retries are kept: an SQS dead-letter queue on AWS, undelivered.jsonl locally. */
export interface UndeliveredSink {
  /** Keeps every record, or throws (the caller must not consider them kept). */
  keep(undelivered: readonly UndeliveredAlert[]): Promise<void>;
}

/** What delivering one alert to every channel came to. */
export interface DispatchReport {
  readonly delivered: number;
  readonly undelivered: readonly UndeliveredAlert[];
}

/** Delivers alerts to every configured channel. */
export class AlertDispatcher {
  /** The last delivery of each (channel, key), so the next one with the same key waits for it. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: {
      readonly channels: readonly Channel[];
      readonly sender: HttpSender;
      readonly clock: Clock;
      readonly sleep: Sleep;
      readonly retry: RetryPolicy;
      readonly logger: Logger;
      /** When it fires (local mode stopping), deliveries give up at once and are reported undelivered. */
      readonly stop?: AbortSignal;
    },
  ) {}

  /** True when at least one channel is configured. */
  get enabled(): boolean {
    return this.deps.channels.length > 0;
  }

  /** Delivers one alert to every channel at once; resolves when each has delivered or given up. Never throws. */
  async dispatch(alert: Alert): Promise<DispatchReport> {
    const outcomes = await Promise.all(this.deps.channels.map((channel) => this.toChannel(channel, alert)));
    return { delivered: outcomes.reduce((sum, o) => sum + o.delivered, 0), undelivered: outcomes.flatMap((o) => o.undelivered) };
  }

  private async toChannel(channel: Channel, alert: Alert): Promise<{ delivered: number; undelivered: UndeliveredAlert[] }> {
    let planned: readonly PlannedDelivery[];
    try {
      planned = await channel.plan(alert);
    } catch (error) {
      return { delivered: 0, undelivered: [this.giveUp(channel, alert, 0, errorText(error))] };
    }
    let delivered = 0;
    const undelivered: UndeliveredAlert[] = [];
    await Promise.all(
      planned.map(async (delivery) => {
        const result = await this.inOrder(`${channel.name}\u0000${delivery.key}`, () => this.withRetries(channel, alert, delivery));
        if (result === null) delivered++;
        else undelivered.push(result);
      }),
    );
    return { delivered, undelivered };
  }

  /** Runs `task` after the previous task with the same key has finished. */
  private inOrder<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const mine = previous.then(task, task);
    this.tails.set(key, mine);
    void mine.finally(() => {
      if (this.tails.get(key) === mine) this.tails.delete(key);
    });
    return mine;
  }

  /** Null when delivered; the undelivered record after the last retry failed. */
  private async withRetries(channel: Channel, alert: Alert, delivery: PlannedDelivery): Promise<UndeliveredAlert | null> {
    const { sender, clock, sleep, retry, logger, stop } = this.deps;
    const attempts = retry.backoffMs.length + 1;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (stop?.aborted) return this.giveUp(channel, alert, attempt - 1, `stopped before delivery${lastError ? ` (last error: ${lastError})` : ''}`);
      let result: SendResult;
      try {
        result = await sender.post(delivery.build(clock.now()), retry.timeoutMs, stop);
      } catch (error) {
        result = { ok: false, error: errorText(error) };
      }
      if (result.ok) return null;
      lastError = result.error;
      // Stopped during this attempt: no retry will follow, so this attempt's error is the last word.
      if (stop?.aborted) return this.giveUp(channel, alert, attempt, lastError);
      const backoff = retry.backoffMs[attempt - 1];
      if (backoff === undefined) break;
      // A rate-limited receiver (Slack, PagerDuty: 429) says when to come back; never sooner than the backoff.
      const wait = Math.max(backoff, Math.min(result.ok ? 0 : (result.retryAfterMs ?? 0), MAX_RETRY_AFTER_MS));
      logger.warn(`${channel.name} delivery failed; retrying`, { type: alert.type, attempt, of: attempts, error: lastError, retryInMs: wait });
      await sleep(wait, stop);
    }
    return this.giveUp(channel, alert, attempts, lastError);
  }

  private giveUp(channel: Channel, alert: Alert, attempts: number, error: string): UndeliveredAlert {
    return { channel: channel.name, alert, attempts, error, failedAt: new Date(this.deps.clock.now()).toISOString() };
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
