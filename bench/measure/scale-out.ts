/**
 * Scale-out of one sweep invocation: N devices, K segments read in parallel. For each (N, K) the
 * median wall time of the sweep and of a bare parallel Scan with the same K, alternated, repeated
 * until a time budget runs out (at least once each). Also the page-by-page time of one plain Scan
 * of the largest fleet (the first K=1 bare Scan, timed page by page), which shows how DynamoDB
 * Local's cost per page grows with the rows after the start key (real DynamoDB's does not): at
 * 100k devices one K=1 Scan takes DynamoDB Local tens of seconds, so those rows are few samples.
 */
import type { BenchContext } from '../support/context';
import type { FleetTables } from '../support/fleet-tables';
import { formatMs, progress, withTicks } from '../support/progress';
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
  /** Sweeps (and as many bare Scans) behind the medians: fewer than asked when the budget ran out. */
  readonly repetitions: number;
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

/** Fleet sizes measured: 10k and 100k, or 10k only in quick mode. */
export function scaleOutSizes(quick: boolean): number[] {
  return quick ? [10_000] : [10_000, 100_000];
}

export async function measureScaleOut(ctx: BenchContext, fleets: FleetTables): Promise<ScaleOutResult> {
  const rows: ScaleOutRow[] = [];
  let pageProfile: PageProfile | null = null;
  const repetitions = ctx.options.quick ? 3 : 5;
  /** Per (N, K): repeat while another run fits in this long (at least one sweep and one scan always run). */
  const budgetMs = ctx.options.quick ? 15_000 : 45_000;
  const sizes = scaleOutSizes(ctx.options.quick);
  for (const devices of sizes) {
    const fleet = await fleets.healthy(devices);
    await withTicks(log, `N=${devices} warm-up sweep (K=4)`, () => runSweep({ client: ctx.client, tableName: fleet.tableName, segments: 4, publisher: nothingExpected }));
    const perK = new Map<number, { sweep: number; scan: number }>();
    const repetitionsOf = new Map<number, number>();
    for (const segments of SEGMENT_COUNTS) {
      const sweepMs: number[] = [];
      const scanMs: number[] = [];
      const stopAt = performance.now() + budgetMs;
      // Another run starts only if one more as long as the last still ends within the budget.
      let lastRunMs = 0;
      for (let r = 0; r < repetitions && (r === 0 || performance.now() + lastRunMs <= stopAt); r++) {
        const runStart = performance.now();
        const step = `N=${devices} K=${segments} run ${r + 1}`;
        const sweep = async () => {
          const { ms, report } = await withTicks(log, `${step} sweep`, () =>
            runSweep({ client: ctx.client, tableName: fleet.tableName, segments, publisher: nothingExpected }),
          );
          if (report.devicesRead !== devices) throw new Error(`sweep read ${report.devicesRead} of ${devices} devices`);
          sweepMs.push(ms);
        };
        const scan = async () => {
          // The first K=1 Scan of the largest fleet is also the page profile (its pages timed one by one).
          const profile = segments === 1 && r === 0 && devices === sizes.at(-1);
          const pages: { items: number; ms: number }[] = [];
          const onPage = profile ? (items: number, ms: number) => pages.push({ items, ms: round(ms, 1) }) : undefined;
          const { ms } = await withTicks(log, `${step} bare scan`, () => bareScan(ctx.client, fleet.tableName, segments, onPage), () => (profile ? `${pages.length} pages` : ''));
          scanMs.push(ms);
          if (profile) pageProfile = { devices, pages };
        };
        if (r % 2 === 0) {
          await sweep();
          await scan();
        } else {
          await scan();
          await sweep();
        }
        lastRunMs = performance.now() - runStart;
      }
      const sweep = median(sweepMs);
      const scan = median(scanMs);
      perK.set(segments, { sweep, scan });
      repetitionsOf.set(segments, sweepMs.length);
      log(`N=${devices} K=${segments} ... ${formatMs(sweep)} (bare scan ${formatMs(scan)}, ${Math.round(devices / (sweep / 1000))} devices/s, median of ${sweepMs.length})`);
    }
    const profile = pageProfile as PageProfile | null; // set inside the scan closure above
    if (profile !== null && profile.devices === devices) {
      log(`N=${devices} one K=1 Scan, page by page: ${profile.pages.map((p) => `${p.items} items ${formatMs(p.ms)}`).join(', ')}`);
    }
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
        repetitions: repetitionsOf.get(segments) ?? 0,
      });
    }
  }
  return { rows, pageProfile };
}
