/** A sweep as the sweeper Lambda runs it, and the bare parallel Scan it is measured against. */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbDeviceStore, type CapacityUnits } from '../../lambdas/adapters/dynamodb/device-store';
import { systemClock } from '../../lambdas/adapters/system-clock';
import { DEFAULT_SETTINGS, type MonitorSettings } from '../../lambdas/core/model';
import { silentLogger, type AlertPublisher } from '../../lambdas/core/ports';
import { Sweeper, type SweepReport } from '../../lambdas/core/sweep';
import { NO_OUTAGE_HISTORY } from '../../lambdas/core/history';
import { NO_MAINTENANCE_WINDOWS } from '../../lambdas/core/maintenance';

/** The sweeper Lambda's write concurrency (lambdas/handlers/sweeper.ts). */
export const SWEEP_WRITE_CONCURRENCY = 32;

/** How each runtime builds its Sweeper: the Lambda (sweeper.ts, SWEEP_SEGMENTS default 4) and local mode (lambdas/local/runtime.ts). */
export const SWEEPER_CONFIGS = {
  lambda: { segments: 4, writeConcurrency: SWEEP_WRITE_CONCURRENCY },
  local: { segments: 1, writeConcurrency: 8 },
} as const;

export interface SweepSetup {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly segments: number;
  /** Conditional writes in flight. @default SWEEP_WRITE_CONCURRENCY */
  readonly writeConcurrency?: number;
  readonly publisher: AlertPublisher;
  readonly settings?: Partial<MonitorSettings>;
  readonly onCapacity?: (operation: string, units: CapacityUnits) => void;
}

/**
 * No time limit for a bench sweep: it must read the whole fleet to be compared with a whole Scan.
 * (A sweep stops starting pages 10 s before its budget; the default budget, the Lambda's 120 s
 * timeout, cut a K=1 sweep of 100k devices short on a loaded machine, where DynamoDB Local's
 * O(N^2 / page) Scan of one segment took longer than that.)
 */
const BENCH_SWEEP_BUDGET = { remainingMs: 3_600_000 };

/** Runs one full sweep; returns its report and wall time. */
export async function runSweep(setup: SweepSetup): Promise<{ ms: number; report: SweepReport }> {
  const store = new DynamoDbDeviceStore({
    client: setup.client,
    tableName: setup.tableName,
    ...(setup.onCapacity ? { onCapacity: setup.onCapacity } : {}),
  });
  const sweeper = new Sweeper(
    { store, publisher: setup.publisher, clock: systemClock, settings: { ...DEFAULT_SETTINGS, ...setup.settings }, logger: silentLogger, history: NO_OUTAGE_HISTORY, maintenance: NO_MAINTENANCE_WINDOWS },
    { segments: setup.segments, writeConcurrency: setup.writeConcurrency ?? SWEEP_WRITE_CONCURRENCY },
  );
  const start = performance.now();
  const report = await sweeper.sweep(BENCH_SWEEP_BUDGET);
  if (report.stoppedEarly) throw new Error(`the sweep stopped early after ${report.devicesRead} devices (${Math.round(report.durationMs / 1000)} s)`);
  return { ms: performance.now() - start, report };
}

/**
 * The floor: a plain parallel Scan of every item, `segments` segments at once, no projection.
 * `onPage` is told each page's item count and request time (ms).
 */
export async function bareScan(
  client: DynamoDBClient,
  tableName: string,
  segments: number,
  onPage?: (items: number, ms: number) => void,
): Promise<{ ms: number; items: number }> {
  const start = performance.now();
  const counts = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let items = 0;
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const pageStart = performance.now();
        const page = await client.send(
          new ScanCommand({ TableName: tableName, Segment: segment, TotalSegments: segments, ExclusiveStartKey: startKey }),
        );
        onPage?.(page.Items?.length ?? 0, performance.now() - pageStart);
        items += page.Items?.length ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items;
    }),
  );
  return { ms: performance.now() - start, items: counts.reduce((a, b) => a + b, 0) };
}

/** A publisher for sweeps that must find nothing: fails loudly if asked to publish. */
export const nothingExpected: AlertPublisher = {
  async publish(alerts) {
    if (alerts.length > 0) throw new Error(`a sweep over healthy devices published ${alerts.length} alerts`);
    return { delivered: new Set(), failures: [] };
  },
};
