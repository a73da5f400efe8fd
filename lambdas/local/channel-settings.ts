/**
 * Delivery channels of local mode (`--webhook`, `--slack-webhook`, `--pagerduty-routing-key`,
 * `--pagerduty-url`): parsed and checked at start, so a bad URL fails with one line naming the flag
 * instead of at the first alert. The retry policy is the contract's unless the two test variables
 * shorten it (end-to-end tests cannot wait two minutes for a receiver that never answers).
 */
import { channelUrl, parseWebhookSecret } from '../core/channels';
import { SETTINGS } from '../core/settings-catalog';
import { CONTRACT_RETRY_POLICY, type RetryPolicy } from '../core/delivery';
import { ConfigError, integerSetting } from '../core/settings';

type Env = Readonly<Record<string, string | undefined>>;

/** The channel flags as commander hands them over. */
export interface LocalChannelFlags {
  readonly webhook?: string;
  readonly slackWebhook?: string;
  readonly pagerdutyRoutingKey?: string;
  readonly pagerdutyUrl?: string;
}

/** Validated channel settings of one local-mode run. */
export interface LocalChannels {
  readonly webhookUrl: string | null;
  /** HEARTBEAT_WEBHOOK_SECRET's key, when set; otherwise the data directory's `webhook-secret` is used. */
  readonly webhookSecretFromEnv: Buffer | null;
  readonly slackUrl: string | null;
  readonly pagerDuty: { readonly url: string; readonly routingKey: string } | null;
  readonly retry: RetryPolicy;
}

/** Environment variables that shorten the retry policy, for tests only. */
export const TEST_RETRY_ENV = { timeoutMs: 'HEARTBEAT_DELIVERY_TIMEOUT_MS', backoffMs: 'HEARTBEAT_DELIVERY_BACKOFF_MS' } as const;

function retryPolicy(env: Env): RetryPolicy {
  const timeout = env[TEST_RETRY_ENV.timeoutMs];
  const backoff = env[TEST_RETRY_ENV.backoffMs];
  if (timeout === undefined && backoff === undefined) return CONTRACT_RETRY_POLICY;
  return {
    timeoutMs: integerSetting(TEST_RETRY_ENV.timeoutMs, timeout, { min: 1, max: 60_000 }, CONTRACT_RETRY_POLICY.timeoutMs),
    backoffMs:
      backoff === undefined
        ? CONTRACT_RETRY_POLICY.backoffMs
        : backoff
            .split(',')
            .filter((part) => part.trim() !== '')
            .map((part) => integerSetting(TEST_RETRY_ENV.backoffMs, part, { min: 0, max: 600_000 }, 0)),
  };
}

/** Parses the channel flags; throws ConfigError naming the flag or variable at fault. */
export function parseLocalChannels(flags: LocalChannelFlags, env: Env): LocalChannels {
  const routing = SETTINGS.pagerDutyRoutingKey.local;
  const pagerDutyUrl = SETTINGS.pagerDutyUrl;
  const webhookSecret = SETTINGS.webhookSecret.local.env;
  // The flag is the contract's; the variable keeps the key out of `ps` on a shared machine.
  const keyName = flags.pagerdutyRoutingKey !== undefined ? routing.flag : routing.env;
  const key = (flags.pagerdutyRoutingKey ?? (env[routing.env] || undefined))?.trim();
  if (key !== undefined && (key === '' || /\s/.test(key))) throw new ConfigError(`${keyName} must be one routing key, with no spaces.`);
  if (flags.pagerdutyUrl !== undefined && key === undefined) {
    throw new ConfigError(`${pagerDutyUrl.local.flag} needs ${routing.flag} (or ${routing.env}) as well.`);
  }
  const secret = env[webhookSecret];
  return {
    webhookUrl: flags.webhook === undefined ? null : channelUrl(SETTINGS.localWebhookUrl.local.flag, flags.webhook, { httpsOnly: false }),
    webhookSecretFromEnv: secret === undefined || secret === '' ? null : parseWebhookSecret(secret, webhookSecret),
    slackUrl: flags.slackWebhook === undefined ? null : channelUrl(SETTINGS.localSlackWebhookUrl.local.flag, flags.slackWebhook, { httpsOnly: false }),
    pagerDuty:
      key === undefined ? null : { url: channelUrl(pagerDutyUrl.local.flag, flags.pagerdutyUrl ?? pagerDutyUrl.default, { httpsOnly: false }), routingKey: key },
    retry: retryPolicy(env),
  };
}
