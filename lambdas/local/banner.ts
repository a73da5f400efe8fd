/**
 * What local mode prints once it is ready: where it listens, how to authenticate, where data lives,
 * and a first beat to copy. Pure, so the wording is tested without starting anything.
 */
import { relative } from 'node:path';
import { mask } from './secrets';
import { SETTINGS } from '../core/settings-catalog';

export interface BannerInfo {
  readonly url: string;
  /** The port actually bound (with --port 0, the CLI hints must name it). */
  readonly port: number;
  readonly dataDir: string;
  readonly cwd: string;
  readonly readySeconds: number;
  readonly adminToken: string;
  /** The admin token came from HEARTBEAT_ADMIN_TOKEN: show that it is set, never the value. */
  readonly adminTokenFromEnv: boolean;
  readonly signingSecretFromEnv: boolean;
  readonly demoDeviceId: string;
  readonly demoToken: string;
  readonly sweepSeconds: number;
  /** The delivery channels that are on (`webhook http://...`, `Slack`, `PagerDuty`); none: the line is left out. */
  readonly channels?: readonly string[];
}

/** A path as short as is unambiguous: relative to cwd when inside it. */
function shortPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}

/** The `npx heartbeat` options that point the CLI at this server, when they differ from its defaults. */
function cliTargetFlags(info: BannerInfo): string {
  const flags: string[] = [];
  if (info.port !== SETTINGS.port.default) flags.push(`--port ${info.port}`);
  const dir = shortPath(info.dataDir, info.cwd);
  if (dir !== SETTINGS.dataDir.default) flags.push(`--data-dir ${dir}`);
  return flags.length > 0 ? ` ${flags.join(' ')}` : '';
}

/**
 * The dashboard's address. The token rides in the fragment, which a browser never sends to a server
 * (so it reaches no request log); the page moves it into session storage and out of the address bar.
 */
export function dashboardLink(info: Pick<BannerInfo, 'url' | 'adminToken' | 'adminTokenFromEnv'>): string {
  if (info.adminTokenFromEnv) return `${info.url}/  (paste $HEARTBEAT_ADMIN_TOKEN when it asks)`;
  return `${info.url}/#token=${encodeURIComponent(info.adminToken)}`;
}

/** The lines printed once local mode is ready. */
export function startBanner(info: BannerInfo): string[] {
  const dir = shortPath(info.dataDir, info.cwd);
  const admin = info.adminTokenFromEnv ? `${mask(info.adminToken)}, from HEARTBEAT_ADMIN_TOKEN` : `${info.adminToken}  (kept in ${dir}/admin-token)`;
  const secret = info.signingSecretFromEnv ? 'from HEARTBEAT_SIGNING_SECRET' : `kept in ${dir}/signing-secret.json`;
  const adminHeader = info.adminTokenFromEnv ? '$HEARTBEAT_ADMIN_TOKEN' : info.adminToken;
  const target = cliTargetFlags(info);
  return [
    `Ready in ${info.readySeconds.toFixed(1)} s: ${info.url}`,
    `  dashboard      ${dashboardLink(info)}`,
    `  admin token    ${admin}`,
    `  device tokens  HMAC of the device id with the signing secret (${secret})`,
    `  data           ${info.dataDir}  (devices in dynamodb/, alerts in alerts.jsonl)`,
    `  sweep          every ${info.sweepSeconds} s; alerts print here and append to ${dir}/alerts.jsonl`,
    ...(info.channels && info.channels.length > 0
      ? [`  delivery       ${info.channels.join(', ')}; what fails every retry goes to ${dir}/undelivered.jsonl`]
      : []),
    '',
    `Send a first beat for device ${info.demoDeviceId}:`,
    `  curl -i -X POST -H 'Authorization: Bearer ${info.demoToken}' ${info.url}/v1/heartbeats/${info.demoDeviceId}`,
    `  npx heartbeat beat ${info.demoDeviceId}${target}          (add --every 30 to keep it beating)`,
    'See the fleet:',
    `  npx heartbeat devices${target}`,
    `  curl -H "Authorization: Bearer ${adminHeader}" ${info.url}/v1/devices`,
    'Stop with Ctrl-C.',
  ];
}
