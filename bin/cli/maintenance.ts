/**
 * `heartbeat maintenance add|list|end`: plan, list and end maintenance windows through the
 * management API (local admin token, or SigV4 for a deployed stack). Input is checked before any
 * request where the CLI can; the server checks the rest and its message is printed as it is.
 */
import type { WindowView } from '../../lambdas/core/maintenance';
import { managementAuth, type Io } from './commands';
import { CliError } from './errors';
import { callApi, describeFailure, expectOk } from './http-client';
import { resolveTarget, type TargetOptions } from './target';

export interface MaintenanceAddOptions extends TargetOptions {
  /** Comma-separated device ids. */
  readonly devices?: string;
  readonly group?: string;
  /** ISO-8601; default now. */
  readonly from?: string;
  /** ISO-8601 end, or ... */
  readonly until?: string;
  /** ... a length from `from`: 90m, 2h, 3d. */
  readonly for?: string;
  readonly reason?: string;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90m`, `2h`, `3d`, `45s` in milliseconds. */
export function parseLength(text: string): number {
  const match = /^(\d{1,7})([smhd])$/.exec(text.trim());
  if (!match) throw new CliError(`--for must be a length such as 90m, 2h or 3d, got "${text}".`);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

function isoTime(flag: string, text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new CliError(`${flag} must be an ISO-8601 time such as 2026-11-25T22:00:00Z, got "${text}".`);
  return new Date(ms).toISOString();
}

/** Plans a window and prints its id. */
export async function maintenanceAddCommand(options: MaintenanceAddOptions, io: Io): Promise<void> {
  if ((options.devices === undefined) === (options.group === undefined)) throw new CliError('Give either --devices <id,id,...> or --group <group>.');
  if ((options.until === undefined) === (options.for === undefined)) throw new CliError('Give either --until <time> or --for <length>.');
  const from = options.from === undefined ? new Date(io.now()).toISOString() : isoTime('--from', options.from);
  const until = options.until !== undefined ? isoTime('--until', options.until) : new Date(Date.parse(from) + parseLength(options.for as string)).toISOString();
  const body = {
    ...(options.devices !== undefined ? { deviceIds: options.devices.split(',').map((id) => id.trim()).filter((id) => id !== '') } : { group: options.group }),
    from,
    until,
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
  };
  const target = resolveTarget(options, io.env, io.cwd);
  const response = await callApi(target, { method: 'POST', path: '/v1/maintenance', body, auth: managementAuth(target, io.env) });
  if (response.status !== 201) throw new CliError(describeFailure(response));
  const window = response.json as WindowView;
  io.out(`Window ${window.windowId}: ${covers(window)} from ${window.from} until ${window.until}; no device.down from them meanwhile.`);
}

function covers(window: WindowView): string {
  return 'group' in window ? `group ${window.group}` : window.deviceIds.join(', ');
}

/** Lists the windows not yet ended, as a table or as JSON. */
export async function maintenanceListCommand(options: TargetOptions & { readonly json?: boolean }, io: Io): Promise<void> {
  const target = resolveTarget(options, io.env, io.cwd);
  const response = expectOk(await callApi(target, { method: 'GET', path: '/v1/maintenance', auth: managementAuth(target, io.env) }));
  const { windows } = response.json as { windows: WindowView[] };
  if (options.json) {
    io.out(JSON.stringify({ windows }, null, 2));
    return;
  }
  if (windows.length === 0) {
    io.out('No maintenance window is planned or under way.');
    return;
  }
  const rows = [['WINDOW', 'FROM', 'UNTIL', 'COVERS', 'REASON'], ...windows.map((w) => [w.windowId, w.from, w.until, covers(w), w.reason ?? ''])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  for (const row of rows) io.out(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

/** Ends a window now. */
export async function maintenanceEndCommand(windowId: string, options: TargetOptions, io: Io): Promise<void> {
  const target = resolveTarget(options, io.env, io.cwd);
  const response = await callApi(target, { method: 'DELETE', path: `/v1/maintenance/${encodeURIComponent(windowId)}`, auth: managementAuth(target, io.env) });
  if (response.status === 404) throw new CliError(`No window "${windowId}" that has not ended; list them with "npx heartbeat maintenance list".`);
  if (response.status !== 204) throw new CliError(describeFailure(response));
  io.out(`Window ${windowId} ended; devices it silenced get a deadline counted from now.`);
}
