/**
 * Configuration of the notifier Lambda, read once per container from the environment the stack
 * sets: which channels are on, where their secrets are, the dead-letter queue. A missing or bad
 * variable fails the cold start with a message naming it.
 */
import type { NotifierSecretRefs } from '../adapters/delivery/secrets-manager-channel-settings';
import { channelUrl, PAGERDUTY_EVENTS_URL } from '../core/channels';
import { ConfigError } from '../core/settings';
import { requireEnv } from './lambda-config';

type Env = Record<string, string | undefined>;

/** The notifier's validated configuration. */
export interface NotifierConfig {
  readonly secrets: NotifierSecretRefs;
  readonly deadLetterQueueUrl: string;
  /** Base URL of the API, for the pause command in Slack messages. */
  readonly apiUrl: string;
  /** The device table, where PagerDuty fleet incidents are tracked; set only with PagerDuty. */
  readonly tableName: string | null;
}

const set = (env: Env, name: string): string | undefined => (env[name]?.trim() ? env[name]?.trim() : undefined);

/** Parses the notifier's environment. */
export function notifierConfig(env: Env): NotifierConfig {
  const webhookUrl = set(env, 'WEBHOOK_URL');
  const slackSecretArn = set(env, 'SLACK_SECRET_ARN');
  const pagerDutySecretArn = set(env, 'PAGERDUTY_SECRET_ARN');
  if (!webhookUrl && !slackSecretArn && !pagerDutySecretArn) throw new ConfigError('The notifier has no channel: set WEBHOOK_URL, SLACK_SECRET_ARN or PAGERDUTY_SECRET_ARN.');
  return {
    secrets: {
      ...(webhookUrl ? { webhook: { url: channelUrl('WEBHOOK_URL', webhookUrl, { httpsOnly: false }), secretArn: requireEnv(env, 'WEBHOOK_SECRET_ARN') } } : {}),
      ...(slackSecretArn ? { slackSecretArn } : {}),
      ...(pagerDutySecretArn
        ? { pagerDuty: { url: channelUrl('PAGERDUTY_URL', set(env, 'PAGERDUTY_URL') ?? PAGERDUTY_EVENTS_URL, { httpsOnly: false }), secretArn: pagerDutySecretArn } }
        : {}),
    },
    deadLetterQueueUrl: requireEnv(env, 'DEAD_LETTER_QUEUE_URL'),
    apiUrl: requireEnv(env, 'API_URL'),
    tableName: pagerDutySecretArn ? requireEnv(env, 'TABLE_NAME') : null,
  };
}
