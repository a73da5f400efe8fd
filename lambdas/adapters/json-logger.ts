/**
 * Logger writing one JSON object per line, the shape CloudWatch Logs Insights queries best.
 * Hand-written (a dozen lines) rather than Powertools Logger, to keep the ingest bundle small.
 */
import type { Logger } from '../core/ports';

export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) =>
    write(JSON.stringify({ level, message, ...fields, time: new Date().toISOString() }));
  return { info: log('INFO'), warn: log('WARN'), error: log('ERROR') };
}
