/**
 * UndeliveredSink of local mode: each delivery that exhausted its retries is appended as one JSON
 * line to `<data dir>/undelivered.jsonl` and named in one line on standard error. If the file
 * cannot be written, the whole record goes to standard error instead: never dropped silently.
 */
import { appendFile } from 'node:fs/promises';
import { alertSubject } from '../core/alerts';
import type { UndeliveredAlert, UndeliveredSink } from '../core/delivery';

export class LocalUndeliveredLog implements UndeliveredSink {
  constructor(private readonly options: { readonly file: string; readonly printError: (line: string) => void }) {}

  async keep(undelivered: readonly UndeliveredAlert[]): Promise<void> {
    if (undelivered.length === 0) return;
    const lines = undelivered.map((record) => `${JSON.stringify(record)}\n`).join('');
    try {
      await appendFile(this.options.file, lines, { encoding: 'utf8', mode: 0o600 });
    } catch (error) {
      this.options.printError(`UNDELIVERED and not kept (${error instanceof Error ? error.message : String(error)}): ${lines.trimEnd()}`);
      return;
    }
    for (const record of undelivered) this.options.printError(undeliveredLine(record, this.options.file));
  }
}

/** `UNDELIVERED webhook device.down "DOWN sensor-42: silent for 2m 41s" after 6 attempts: HTTP 500 (kept in ...)` */
export function undeliveredLine(record: UndeliveredAlert, file: string): string {
  return `UNDELIVERED ${record.channel} ${record.alert.type} "${alertSubject(record.alert)}" after ${record.attempts} attempts: ${record.error} (kept in ${file})`;
}
