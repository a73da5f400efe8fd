/**
 * Delivery to the channels in local mode, with the same dispatcher the AWS notifier uses. The
 * sweep's publisher is wrapped: once an alert is in alerts.jsonl (the sweep's outbox is settled),
 * it is handed to the channels in the background, so a slow channel never delays a sweep. At stop,
 * deliveries still retrying give up at once and are kept in undelivered.jsonl.
 */
import type { Alert } from '../core/alerts';
import type { AlertDispatcher, UndeliveredSink } from '../core/delivery';
import type { AlertPublisher, Logger } from '../core/ports';

export class LocalDelivery {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      readonly dispatcher: AlertDispatcher;
      readonly undelivered: UndeliveredSink;
      /** Aborted by `stop`; the dispatcher was built with its signal. */
      readonly stopper: AbortController;
      readonly logger: Logger;
    },
  ) {}

  /** The sweep's publisher, delivering what it published to the channels too. */
  wrap(inner: AlertPublisher): AlertPublisher {
    return {
      publish: async (alerts) => {
        const result = await inner.publish(alerts);
        // In publish order: a recovery is handed over after its outage.
        for (const alert of alerts) if (result.delivered.has(alert)) this.submit(alert);
        return result;
      },
    };
  }

  /** Starts delivering one alert; returns at once. */
  submit(alert: Alert): void {
    const delivery = this.deps.dispatcher
      .dispatch(alert)
      .then((report) => this.deps.undelivered.keep(report.undelivered))
      .catch((error: unknown) => this.deps.logger.error('alert delivery failed', { type: alert.type, error: error instanceof Error ? error.message : String(error) }))
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Resolves when every delivery handed over so far has delivered or been kept as undelivered. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Cuts retries short (what is left is kept as undelivered) and waits for that. */
  async stop(): Promise<void> {
    this.deps.stopper.abort();
    await this.idle();
  }
}
