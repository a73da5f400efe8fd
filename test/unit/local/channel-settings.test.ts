/** Local mode's channel flags: checked at start with the flag named, the contract's retry policy unless the test variables shorten it. */
import { describe, expect, it } from 'vitest';
import { CONTRACT_RETRY_POLICY } from '../../../lambdas/core/delivery';
import { parseLocalChannels } from '../../../lambdas/local/channel-settings';

describe('parseLocalChannels', () => {
  it('turns nothing on by default, with the contract retry policy', () => {
    expect(parseLocalChannels({}, {})).toEqual({ webhookUrl: null, webhookSecretFromEnv: null, slackUrl: null, pagerDuty: null, retry: CONTRACT_RETRY_POLICY });
  });

  it('sends PagerDuty to its public endpoint unless --pagerduty-url says otherwise, key from the flag or the environment', () => {
    expect(parseLocalChannels({ pagerdutyRoutingKey: 'K1' }, {}).pagerDuty).toEqual({ url: 'https://events.pagerduty.com/v2/enqueue', routingKey: 'K1' });
    expect(parseLocalChannels({ pagerdutyUrl: 'http://127.0.0.1:9/v2/enqueue' }, { HEARTBEAT_PAGERDUTY_ROUTING_KEY: 'K2' }).pagerDuty).toEqual({ url: 'http://127.0.0.1:9/v2/enqueue', routingKey: 'K2' });
  });

  it('reads HEARTBEAT_WEBHOOK_SECRET as whsec_ key bytes', () => {
    const key = Buffer.alloc(32, 7);
    expect(parseLocalChannels({ webhook: 'http://127.0.0.1:9/' }, { HEARTBEAT_WEBHOOK_SECRET: `whsec_${key.toString('base64')}` }).webhookSecretFromEnv).toEqual(key);
  });

  it('shortens retries only through the two test variables', () => {
    expect(parseLocalChannels({}, { HEARTBEAT_DELIVERY_TIMEOUT_MS: '500', HEARTBEAT_DELIVERY_BACKOFF_MS: '10,20' }).retry).toEqual({ timeoutMs: 500, backoffMs: [10, 20] });
  });

  it.each([
    [{ webhook: 'nope' }, {}, /--webhook must be an absolute URL/],
    [{ slackWebhook: 'mailto:x@example.com' }, {}, /--slack-webhook must be an http or https URL/],
    [{ pagerdutyRoutingKey: 'two words' }, {}, /--pagerduty-routing-key must be one routing key/],
    [{}, { HEARTBEAT_PAGERDUTY_ROUTING_KEY: 'a b' }, /HEARTBEAT_PAGERDUTY_ROUTING_KEY must be one routing key/],
    [{}, { HEARTBEAT_DELIVERY_BACKOFF_MS: '10,x' }, /HEARTBEAT_DELIVERY_BACKOFF_MS must be a whole number/],
  ])('refuses %j %j, naming the setting', (flags, env, message) => {
    expect(() => parseLocalChannels(flags, env)).toThrow(message);
  });
});
