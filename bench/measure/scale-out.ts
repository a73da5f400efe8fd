/**
 * Scale-out of one sweep invocation: N devices, K segments read in parallel. For each (N, K) the
 * median wall time of the sweep and of a bare parallel Scan with the same K, alternated. Also the
 * page-by-page time of one plain Scan of the largest fleet, which shows how DynamoDB Local's cost
 * per page grows with the rows after the start key (real DynamoDB's does not).
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { BenchContext } from '../support/context';
import type { FleetTables } from '../support/fleet-tables';
import { formatMs, progress } from '../support/progress';
import { bareScan, nothingExpected, runSweep } from '../support/sweeping';
import { median, round } from '../support/stats';

const log = progress('scale-out');

export interface ScaleOutRow {
  readonly devices: number;
  readonly segments: number;
  readonly sweepSeconds: number;
  readonly scanSeconds: number;
  /** Sweep time with K=1 over sweep time with this K. */
  readonly speedUp: number;
  readonly devicesPerSecond: number;
  readonly ratioVsBareScan: number;
}

export const SEGMENT_COUNTS = [1, 2, 4] as const;

/** Per-page times of one K=1 Scan of the largest fleet: DynamoDB Local's cost per page is not constant. */
export interface PageProfile {
  readonly devices: number;
  readonly pages: readonly { readonly items: number; readonly ms: number }[];
}

export interface ScaleOutResult {
  readonly rows: readonly ScaleOutRow[];
  readonly pageProfile: PageProfile | null;
}

async function profilePages(ctx: BenchContext, tableName: string, devices: number): Promise<PageProfile> {
  const pages: { items: number; ms: number }[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const start = performance.now();
    const page = await ctx.client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    pages.push({ items: page.Count ?? 0, ms: round(performance.now() - start, 1) });
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { devices, pages };
}

/** Fleet sizes measured: 10k and 100k, or 10k only in quick mode. */
export function scaleOutSizes(quick: boolean): number[] {
  return quick ? [10_000] : [10_000, 100_000];
}

export async function measureScaleOut(ctx: BenchContext, fleets: FleetTables): Promise<ScaleOutResult> {
  const rows: ScaleOutRow[] = [];
  let pageProfile: PageProfile | null = null;
  const repetitions = ctx.options.quick ? 3 : 5;
  /** Per (N, K): stop repeating after this long (at least one sweep and one scan always run). */
  const budgetMs = ctx.options.quick ? 15_000 : 45_000;
  for (const devices of scaleOutSizes(ctx.options.quick)) {
    const fleet = await fleets.healthy(devices);
    await runSweep({ client: ctx.client, tableName: fleet.tableName, segments: 4, publisher: nothingExpected }); // warm-up
    const perK = new Map<number, { sweep: number; scan: number }>();
    for (const segments of SEGMENT_COUNTS) {
      const sweepMs: number[] = [];
      const scanMs: number[] = [];
      const stopAt = performance.now() + budgetMs;
      for (let r = 0; r < repetitions && (r === 0 || performance.now() < stopAt); r++) {
        const sweep = async () => {
          const { ms, report } = await runSweep({ client: ctx.client, tableName: fleet.tableName, segments, publisher: nothingExpected });
          if (report.devicesRead !== devices) throw new Error(`sweep read ${report.devicesRead} of ${devices} devices`);
          sweepMs.push(ms);
        };
        const scan = async () => scanMs.push((await bareScan(ctx.client, fleet.tableName, segments)).ms);
        if (r % 2 === 0) {
          await sweep();
          await scan();
        } else {
          await scan();
          await sweep();
        }
      }
      const sweep = median(sweepMs);
      const scan = median(scanMs);
      perK.set(segments, { sweep, scan });
      log(`N=${devices} K=${segments} ... ${formatMs(sweep)} (bare scan ${formatMs(scan)}, ${Math.round(devices / (sweep / 1000))} devices/s, median of ${sweepMs.length})`);
    }
    pageProfile = await profilePages(ctx, fleet.tableName, devices);
    log(`N=${devices} one K=1 Scan, page by page: ${pageProfile.pages.map((p) => `${p.items} items ${formatMs(p.ms)}`).join(', ')}`);
    const single = perK.get(1)?.sweep ?? Number.NaN;
    for (const [segments, { sweep, scan }] of perK) {
      rows.push({
        devices,
        segments,
        sweepSeconds: round(sweep / 1000, 4),
        scanSeconds: round(scan / 1000, 4),
        speedUp: round(single / sweep, 3),
        devicesPerSecond: Math.round(devices / (sweep / 1000)),
        ratioVsBareScan: round(sweep / scan, 3),
      });
    }
  }
  return { rows, pageProfile };
}
