/**
 * The ready channels of the contract, each turning an alert into the HTTP requests its receiver
 * expects: a Standard Webhooks signed POST, a Slack incoming-webhook message, and PagerDuty Events
 * API v2 triggers and resolves. They build requests only; AlertDispatcher sends and retries them.
 */
import { createHash, createHmac } from 'node:crypto';
import { fleetDedupKey, pagerDutyResolve, pagerDutyTrigger, slackMessage, type RenderOptions } from './alert-rendering';
import type { Alert } from './alerts';
import type { Channel, PlannedDelivery } from './delivery';
import { ConfigError } from './settings';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The key of a `whsec_<base64>` secret, as Standard Webhooks defines it (24 to 64 bytes). */
export function parseWebhookSecret(secret: string, settingName: string): Buffer {
  const text = secret.trim();
  const base64 = text.startsWith('whsec_') ? text.slice('whsec_'.length) : text;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : Buffer.alloc(0);
  if (key.length < 24 || key.length > 64) {
    throw new ConfigError(`${settingName} must be a webhook secret "whsec_" followed by 24 to 64 bytes in base64.`);
  }
  return key;
}

/** The `webhook-signature` header value: `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`. */
export function webhookSignature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/**
 * The `webhook-id` of an alert: derived from what the alert is about, so it is the same for every
 * retry, for a republish after a crash, and for the notifier's second try, and a receiver can drop duplicates.
 */
export function webhookId(alert: Alert): string {
  const about =
    alert.type === 'fleet.down'
      ? `${alert.type}|${alert.incidentIds.join(',')}`
      : `${alert.type}|${alert.incidentId}${alert.type === 'device.still_down' ? `|${alert.reminder}` : ''}`;
  return `msg_${createHash('sha256').update(about).digest('base64url').slice(0, 27)}`;
}

/** The dispatcher's ordering key of an alert: its incident (a fleet: its first one). */
function incidentKey(alert: Alert): string {
  return alert.type === 'fleet.down' ? fleetDedupKey(alert) : alert.incidentId;
}

/** A signed POST of the alert JSON to `url`. */
export function webhookChannel(options: { readonly url: string; readonly secret: Buffer }): Channel {
  return {
    name: 'webhook',
    async plan(alert) {
      const id = webhookId(alert);
      const body = JSON.stringify(alert);
      return [
        {
          key: incidentKey(alert),
          build: (now) => {
            // Signed afresh per attempt: receivers reject timestamps more than a few minutes old.
            const timestamp = Math.floor(now / 1000);
            return {
              url: options.url,
              headers: {
                'content-type': JSON_TYPE,
                'webhook-id': id,
                'webhook-timestamp': String(timestamp),
                'webhook-signature': webhookSignature(options.secret, id, timestamp, body),
              },
              body,
            };
          },
        },
      ];
    },
  };
}

/** A Slack incoming-webhook message for every alert, reminders included. */
export function slackChannel(options: { readonly url: string; readonly render: RenderOptions }): Channel {
  return {
    name: 'slack',
    async plan(alert) {
      const body = JSON.stringify(slackMessage(alert, options.render));
      return [{ key: incidentKey(alert), build: () => ({ url: options.url, headers: { 'content-type': JSON_TYPE }, body }) }];
    },
  };
}

/**
 * Which outages of each `fleet.down` incident are still open, so that the incident is resolved when
 * its last device is up. Kept outside the process: a device.up may reach another notifier container.
 */
export interface FleetIncidents {
  /** Records the open outages of one fleet incident. */
  open(group: string | null, dedupKey: string, incidentIds: readonly string[]): Promise<void>;
  /** Marks one outage over; returns the dedup keys of the fleet incidents whose last open outage it was. */
  close(group: string | null, incidentId: string): Promise<readonly string[]>;
}

/** Triggers on `device.down` and `fleet.down`, resolves on `device.up`; reminders are not sent (PagerDuty re-notifies itself). */
export function pagerDutyChannel(options: { readonly url: string; readonly routingKey: string; readonly fleets: FleetIncidents }): Channel {
  const post = (key: string, event: unknown): PlannedDelivery => {
    const body = JSON.stringify(event);
    return { key, build: () => ({ url: options.url, headers: { 'content-type': JSON_TYPE }, body }) };
  };
  return {
    name: 'pagerduty',
    async plan(alert) {
      switch (alert.type) {
        case 'device.down':
          return [post(alert.incidentId, pagerDutyTrigger(alert, options.routingKey))];
        case 'fleet.down': {
          const dedupKey = fleetDedupKey(alert);
          // Recorded before the trigger, so a device.up racing it still finds its fleet.
          await options.fleets.open(alert.group, dedupKey, alert.incidentIds);
          return [post(dedupKey, pagerDutyTrigger(alert, options.routingKey))];
        }
        case 'device.up': {
          const fleetsOver = await options.fleets.close(alert.group, alert.incidentId);
          return [
            post(alert.incidentId, pagerDutyResolve(alert.incidentId, options.routingKey)),
            ...fleetsOver.map((key) => post(key, pagerDutyResolve(key, options.routingKey))),
          ];
        }
        case 'device.still_down':
          return [];
      }
    },
  };
}

/** The channels a deployment configured, each optional. */
export interface ChannelSettings {
  readonly webhook?: { readonly url: string; readonly secret: Buffer };
  readonly slack?: { readonly url: string };
  readonly pagerDuty?: { readonly url: string; readonly routingKey: string };
}

/** The configured channels, in a fixed order (webhook, Slack, PagerDuty). */
export function buildChannels(settings: ChannelSettings, deps: { readonly render: RenderOptions; readonly fleets: () => FleetIncidents }): Channel[] {
  const channels: Channel[] = [];
  if (settings.webhook) channels.push(webhookChannel(settings.webhook));
  if (settings.slack) channels.push(slackChannel({ url: settings.slack.url, render: deps.render }));
  if (settings.pagerDuty) channels.push(pagerDutyChannel({ ...settings.pagerDuty, fleets: deps.fleets() }));
  return channels;
}

/** A channel URL from configuration: absolute http(s) (https only when `httpsOnly`), else a ConfigError naming the setting. */
export function channelUrl(settingName: string, raw: string, options: { readonly httpsOnly: boolean }): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`${settingName} must be an absolute URL such as https://example.com/hook, got "${raw}".`);
  }
  const allowed = options.httpsOnly ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol)) throw new ConfigError(`${settingName} must be an ${options.httpsOnly ? 'https' : 'http or https'} URL, got "${raw}".`);
  return url.toString();
}
