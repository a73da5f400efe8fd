/**
 * AlertPublisher for local mode: one readable line per alert on the console, and the contract's
 * JSON plus "subject" as one line of `<data dir>/alerts.jsonl`. A publish is one append, so a crash
 * never leaves half a batch; if the append fails, every alert of the batch is reported undelivered
 * and the sweep retries it.
 */
import { appendFile } from 'node:fs/promises';
import { alertSubject, type Alert } from '../core/alerts';
import type { AlertPublisher } from '../core/ports';

export class LocalAlertSink implements AlertPublisher {
  constructor(private readonly options: { readonly file: string; readonly print: (line: string) => void }) {}

  async publish(alerts: readonly Alert[]) {
    if (alerts.length === 0) return { delivered: new Set<Alert>(), failures: [] };
    const lines = alerts.map((alert) => `${JSON.stringify({ ...alert, subject: alertSubject(alert) })}\n`).join('');
    try {
      await appendFile(this.options.file, lines, { encoding: 'utf8', mode: 0o600 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { delivered: new Set<Alert>(), failures: alerts.map((alert) => ({ alert, error: message })) };
    }
    for (const alert of alerts) this.options.print(consoleLine(alert));
    return { delivered: new Set(alerts), failures: [] };
  }
}

/** `ALERT device.down DOWN sensor-42: silent for 3m 05s [incident sensor-42:2026-...]` */
export function consoleLine(alert: Alert): string {
  const incident = alert.type === 'fleet.down' ? `devices ${alert.deviceIds.join(',')}` : `incident ${alert.incidentId}`;
  return `ALERT ${alert.type} ${alertSubject(alert)} [${incident}]`;
}
