/**
 * The `devices` table: one row per device, times shown relative to now ("12s ago", "in 48s"), since
 * that is what an operator reads a heartbeat table for.
 */
import { formatDuration } from '../../lambdas/core/alerts';
import type { DeviceView } from '../../lambdas/core/management';

/** `12s ago`, `in 3m 05s`, or `-`. */
export function relativeTime(iso: string | null, now: number): string {
  if (iso === null) return '-';
  const ms = Date.parse(iso) - now;
  const text = formatDuration(Math.abs(ms) / 1000);
  return ms <= 0 ? `${text} ago` : `in ${text}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** Lays out rows as aligned columns (the last column is not padded). */
export function formatColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** The table lines, then a blank line and a count per status. */
export function deviceTable(devices: readonly DeviceView[], now: number): string[] {
  if (devices.length === 0) return ['No devices yet. Send a beat ("npx heartbeat beat <deviceId>") or register one with PUT /v1/devices/{deviceId}.'];
  const header = ['DEVICE', 'STATUS', 'GROUP', 'INTERVAL', 'GRACE', 'LAST SEEN', 'DEADLINE', 'BEATS', 'MESSAGE'];
  const rows = devices.map((d) => [
    d.deviceId,
    d.status,
    d.group ?? '-',
    `${d.interval}s`,
    `${d.grace}s`,
    relativeTime(d.lastSeen, now),
    d.status === 'up' ? relativeTime(d.deadline, now) : '-',
    String(d.beats),
    clip(d.message ?? '', 40),
  ]);
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
  return [...formatColumns([header, ...rows]), '', `${devices.length} device${devices.length === 1 ? '' : 's'}: ${summary}`];
}
