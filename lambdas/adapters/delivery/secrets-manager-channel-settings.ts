/**
 * The channel settings of the AWS notifier: URLs from its environment, secrets (webhook signing
 * key, Slack webhook URL, PagerDuty routing key) from Secrets Manager, each read once per container
 * and checked, so a wrong secret fails the first invocation with a message naming it.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { channelUrl, parseWebhookSecret, type ChannelSettings } from '../../core/channels';
import { ConfigError } from '../../core/settings';

/** Where each configured channel's settings are; absent channels are off. */
export interface NotifierSecretRefs {
  readonly webhook?: { readonly url: string; readonly secretArn: string };
  readonly slackSecretArn?: string;
  readonly pagerDuty?: { readonly url: string; readonly secretArn: string };
}

async function secretText(client: SecretsManagerClient, secretId: string, setting: string): Promise<string> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const text = result.SecretString?.trim() ?? '';
  if (text === '') throw new ConfigError(`The secret of ${setting} (${secretId}) is empty; put the value in it.`);
  return text;
}

/** Reads every configured channel's secret, in parallel. */
export async function readChannelSettings(client: SecretsManagerClient, refs: NotifierSecretRefs): Promise<ChannelSettings> {
  const [webhookSecret, slackUrl, routingKey] = await Promise.all([
    refs.webhook ? secretText(client, refs.webhook.secretArn, 'webhookUrl') : undefined,
    refs.slackSecretArn ? secretText(client, refs.slackSecretArn, 'slackWebhookSecret') : undefined,
    refs.pagerDuty ? secretText(client, refs.pagerDuty.secretArn, 'pagerDutySecret') : undefined,
  ]);
  if (routingKey !== undefined && /\s/.test(routingKey)) throw new ConfigError('The secret of pagerDutySecret must hold one routing key, with no spaces.');
  return {
    ...(refs.webhook && webhookSecret !== undefined
      ? { webhook: { url: refs.webhook.url, secret: parseWebhookSecret(webhookSecret, `the webhook signing secret (${refs.webhook.secretArn})`) } }
      : {}),
    ...(slackUrl !== undefined ? { slack: { url: channelUrl('the secret of slackWebhookSecret', slackUrl, { httpsOnly: true }) } } : {}),
    ...(refs.pagerDuty && routingKey !== undefined ? { pagerDuty: { url: refs.pagerDuty.url, routingKey } } : {}),
  };
}
