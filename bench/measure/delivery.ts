/**
 * Webhook delivery throughput: N distinct alerts dispatched through the real AlertDispatcher
 * (Standard Webhooks signing, fetch sender, keep-alive) to a receiver on 127.0.0.1, C in flight;
 * against its floor in the same run: bare `fetch` POSTs of the same body to the same receiver at
 * the same concurrency. Nothing is retried here (the receiver answers 204 to everything).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchHttpSender } from '../../lambdas/adapters/delivery/fetch-http-sender';
import type { DeviceDownAlert } from '../../lambdas/core/alerts';
import { parseWebhookSecret, webhookChannel } from '../../lambdas/core/channels';
import { AlertDispatcher, CONTRACT_RETRY_POLICY, timerSleep } from '../../lambdas/core/delivery';
import { TaskPool } from '../../lambdas/core/concurrency';
import { silentLogger } from '../../lambdas/core/ports';
import type { BenchBasics } from '../support/context';
import { progress } from '../support/progress';
import { median, round } from '../support/stats';

const log = progress('delivery');

export interface DeliveryResult {
  readonly alerts: number;
  readonly concurrency: number;
  readonly repetitions: number;
  /** The key: signed webhook deliveries per second through the dispatcher (median of the repetitions). */
  readonly webhooksPerSecond: number;
  readonly bareFetchPerSecond: number;
  readonly ratioVsBareFetch: number;
}

function alert(i: number): DeviceDownAlert {
  return {
    type: 'device.down', incidentId: `bench-${i}:2026-11-25T10:00:00.000Z`, deviceId: `bench-${i}`, group: 'bench',
    lastSeen: '2026-11-25T09:58:00.000Z', deadline: '2026-11-25T10:00:00.000Z', detectedAt: '2026-11-25T10:00:41.000Z',
    reason: 'timeout', interval: 60, grace: 60,
  };
}

async function perSecond(count: number, concurrency: number, send: (i: number) => Promise<void>): Promise<number> {
  const pool = new TaskPool(concurrency);
  const start = performance.now();
  for (let i = 0; i < count; i++) await pool.run(() => send(i));
  await pool.drain();
  return count / ((performance.now() - start) / 1000);
}

export async function measureDelivery(ctx: BenchBasics): Promise<DeliveryResult> {
  const alerts = ctx.options.quick ? 1000 : 5000;
  const concurrency = 16;
  const repetitions = ctx.options.quick ? 3 : 5;
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  try {
    const dispatcher = new AlertDispatcher({
      channels: [webhookChannel({ url, secret: parseWebhookSecret(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, 'bench') })],
      sender: fetchHttpSender,
      clock: { now: () => Date.now() },
      sleep: timerSleep,
      retry: CONTRACT_RETRY_POLICY,
      logger: silentLogger,
    });
    const body = JSON.stringify(alert(0));
    const dispatched: number[] = [];
    const bare: number[] = [];
    // Warm both paths (connections, JIT), then interleave the repetitions so drift hits both alike.
    await perSecond(200, concurrency, async (i) => void (await dispatcher.dispatch(alert(i))));
    for (let r = 0; r < repetitions; r++) {
      bare.push(
        await perSecond(alerts, concurrency, async () => {
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          await response.arrayBuffer();
        }),
      );
      dispatched.push(
        await perSecond(alerts, concurrency, async (i) => {
          const report = await dispatcher.dispatch(alert(i));
          if (report.delivered !== 1) throw new Error(`delivery ${i} failed: ${report.undelivered[0]?.error ?? 'unknown'}`);
        }),
      );
      log(`repetition ${r + 1}/${repetitions}: dispatcher ${round(dispatched[r] as number, 1)}/s, bare fetch ${round(bare[r] as number, 1)}/s`);
    }
    const webhooksPerSecond = median(dispatched);
    const bareFetchPerSecond = median(bare);
    log(`${received} requests received in all`);
    return { alerts, concurrency, repetitions, webhooksPerSecond: round(webhooksPerSecond, 1), bareFetchPerSecond: round(bareFetchPerSecond, 1), ratioVsBareFetch: round(webhooksPerSecond / bareFetchPerSecond, 4) };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
