/**
 * The dashboard page's files (plain HTML, CSS and JavaScript under ./dashboard, no build step),
 * served by local mode and by `heartbeat dashboard`. Read once at start; answered with headers that
 * keep every request on this origin (CSP) and keep the page out of caches and frames.
 */
import { readFileSync } from 'node:fs';
import type { HttpResult } from '../handlers/http';

const FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/**
 * Only this origin, for everything: no CDN, no font, no analytics can load, and the page cannot
 * send data anywhere else. No inline script or style; not framable.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const contents = new Map<string, Buffer>();
function read(file: string): Buffer {
  let body = contents.get(file);
  if (body === undefined) {
    body = readFileSync(new URL(`./dashboard/${file}`, import.meta.url));
    contents.set(file, body);
  }
  return body;
}

/** True for a path the dashboard serves (`/` and its two files). */
export function isDashboardPath(path: string): boolean {
  return Object.hasOwn(FILES, path);
}

/** The answer to GET (or HEAD) of a dashboard path, or null when the path is not one of its files. */
export function dashboardAsset(path: string): HttpResult | null {
  const entry = FILES[path];
  if (!Object.hasOwn(FILES, path) || entry === undefined) return null;
  return {
    statusCode: 200,
    headers: {
      'content-type': entry.type,
      'content-security-policy': DASHBOARD_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      // The page is small and changes with the code: always fresh.
      'cache-control': 'no-store',
    },
    body: read(entry.file).toString('base64'),
    isBase64Encoded: true,
  };
}
