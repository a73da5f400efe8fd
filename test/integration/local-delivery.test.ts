/**
 * Local mode's delivery wrapper: alerts reach the channels only once the sweep's sink accepted
 * them, in publish order and without holding up the publish; at stop, a delivery still waiting for
 * a hanging receiver (or for its next retry) gives up at once and is kept as undelivered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fetchHttpSender } from '../../lambdas/adapters/delivery/fetch-http-sender';
import type { Alert, DeviceDownAlert } from '../../lambdas/core/alerts';
import { slackChannel } from '../../lambdas/core/channels';
import { AlertDispatcher, CONTRACT_RETRY_POLICY, timerSleep, type UndeliveredAlert } from '../../lambdas/core/delivery';
import { silentLogger, type AlertPublisher } from '../../lambdas/core/ports';
import { LocalDelivery } from '../../lambdas/local/local-delivery';
import { startReceiver, type Answer, type Receiver } from '../support/receivers';

const down = (deviceId: string): DeviceDownAlert => ({
  type: 'device.down', incidentId: `${deviceId}:2026-11-25T10:00:00.000Z`, deviceId, group: null, lastSeen: null,
  deadline: '2026-11-25T10:00:00.000Z', detectedAt: '2026-11-25T10:00:41.000Z', reason: 'timeout', interval: 60, grace: 60,
});

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function setup(answers: readonly Answer[], then: Answer) {
  const receiver = await startReceiver(answers, then);
  receivers.push(receiver);
  const kept: UndeliveredAlert[] = [];
  const stopper = new AbortController();
  const delivery = new LocalDelivery({
    dispatcher: new AlertDispatcher({
      channels: [slackChannel({ url: receiver.url, render: { serviceUrl: null } })],
      sender: fetchHttpSender, clock: { now: () => Date.now() }, sleep: timerSleep, retry: CONTRACT_RETRY_POLICY, logger: silentLogger, stop: stopper.signal,
    }),
    undelivered: { keep: async (records) => void kept.push(...records) },
    stopper,
    logger: silentLogger,
  });
  return { receiver, kept, delivery };
}

/** A sink that accepts every alert but the ones named. */
const sink = (refuse: ReadonlySet<string> = new Set()): AlertPublisher => ({
  publish: async (alerts: readonly Alert[]) => {
    const delivered = new Set(alerts.filter((a) => a.type === 'fleet.down' || !refuse.has(a.deviceId)));
    return { delivered, failures: alerts.filter((a) => !delivered.has(a)).map((alert) => ({ alert, error: 'refused' })) };
  },
});

describe('LocalDelivery', () => {
  it('hands over only what the sink accepted, and returns before the channels answer', async () => {
    // Prepare: a receiver that never answers.
    const { receiver, delivery } = await setup([], 'hang');
    const publisher = delivery.wrap(sink(new Set(['refused-1'])));

    // Act
    const result = await publisher.publish([down('ok-1'), down('refused-1')]);

    // Assess: the publish returned while the delivery is still waiting for an answer.
    expect([...result.delivered].map((a) => a.type === 'device.down' && a.deviceId)).toEqual(['ok-1']);
    const [request] = await receiver.received(1);
    expect(JSON.parse(request?.body ?? '{}').text).toMatch(/^DOWN ok-1/);
    await delivery.stop();
    expect(receiver.requests).toHaveLength(1);
  });

  it('at stop, gives up on a hanging receiver and on a delivery waiting for its retry, and keeps both', async () => {
    // Prepare: first request fails (500, then a 5 s wait before the retry), the second hangs.
    const { receiver, kept, delivery } = await setup([500], 'hang');
    const publisher = delivery.wrap(sink());
    await publisher.publish([down('retrying-1')]);
    await receiver.received(1);
    await publisher.publish([down('hanging-1')]);
    await receiver.received(2);

    // Act
    const started = Date.now();
    await delivery.stop();

    // Assess: both kept, well before any retry wait or the 10 s timeout would have ended.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(kept.map((k) => [k.alert.type === 'device.down' && k.alert.deviceId, k.error]).sort()).toEqual([
      ['hanging-1', 'stopped while waiting for an answer'],
      ['retrying-1', 'stopped before delivery (last error: HTTP 500)'],
    ]);
  });
});
