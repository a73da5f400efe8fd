/**
 * Configuration of the notifier Lambda, read once per container from the environment the stack
 * sets: which channels are on, where their secrets are, the dead-letter queue. A missing or bad
 * variable fails the cold start with a message naming it.
 */
import type { NotifierSecretRefs } from '../adapters/delivery/secrets-manager-channel-settings';
import { channelUrl } from '../core/channels';
import { SETTINGS, STACK_ENV } from '../core/settings-catalog';
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
  const names = STACK_ENV;
  const webhookUrl = set(env, names.webhookUrl);
  const slackSecretArn = set(env, names.slackSecretArn);
  const pagerDutySecretArn = set(env, names.pagerDutySecretArn);
  if (!webhookUrl && !slackSecretArn && !pagerDutySecretArn) {
    throw new ConfigError(`The notifier has no channel: set ${names.webhookUrl}, ${names.slackSecretArn} or ${names.pagerDutySecretArn}.`);
  }
  return {
    secrets: {
      ...(webhookUrl ? { webhook: { url: channelUrl(names.webhookUrl, webhookUrl, { httpsOnly: false }), secretArn: requireEnv(env, names.webhookSecretArn) } } : {}),
      ...(slackSecretArn ? { slackSecretArn } : {}),
      ...(pagerDutySecretArn
        ? { pagerDuty: { url: channelUrl(names.pagerDutyUrl, set(env, names.pagerDutyUrl) ?? SETTINGS.pagerDutyUrl.default, { httpsOnly: false }), secretArn: pagerDutySecretArn } }
        : {}),
    },
    deadLetterQueueUrl: requireEnv(env, names.deadLetterQueueUrl),
    apiUrl: requireEnv(env, names.apiUrl),
    tableName: pagerDutySecretArn ? requireEnv(env, names.tableName) : null,
  };
}
