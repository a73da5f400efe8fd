/**
 * Logger for a person at a terminal: one short line per event on standard error, so that standard
 * output keeps only the banner and the alert lines. Info lines (every request, every sweep) only
 * with --verbose: at one sweep a minute and a beat a second they would bury the alerts.
 */
import type { Logger } from '../core/ports';

function formatFields(fields: Record<string, unknown> | undefined): string {
  if (!fields || Object.keys(fields).length === 0) return '';
  return ` ${Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ')}`;
}

/** A Logger writing one readable line per event; info only when `verbose`. */
export function consoleLogger(options: { readonly verbose: boolean; readonly write?: (line: string) => void }): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    write(`${new Date().toISOString()} ${level} ${message}${formatFields(fields)}`);
  return {
    info: options.verbose ? log('info ') : () => {},
    warn: log('warn '),
    error: log('error'),
  };
}
