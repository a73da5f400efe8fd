/**
 * Healthy fleets (nobody late) seeded once per size and shared by the sweep measurements.
 * Devices promise an hour's interval, so none can fall due while the bench runs. The sweeps over
 * them only read, so their tables have no stream (see NewTableOptions in context.ts for why that
 * matters to DynamoDB Local, and nothing to what a Scan reads).
 */
import type { BenchContext } from './context';
import { beatTemplates, seedFleet, tableItemSizes, type BeatTemplates } from './fleet';
import { formatMs, withTicks, type Progress } from './progress';

export const HEALTHY_INTERVAL_SECONDS = 3600;

export interface HealthyFleet {
  readonly tableName: string;
  readonly devices: number;
  /** Mean item size by DynamoDB's rules, bytes. */
  readonly meanItemBytes: number;
}

export class FleetTables {
  private readonly fleets = new Map<number, Promise<HealthyFleet>>();
  private templates: Promise<BeatTemplates> | null = null;

  constructor(private readonly ctx: BenchContext, private readonly log: Progress) {}

  /** Templates of real beats, recorded once in a table of their own. */
  beatTemplates(): Promise<BeatTemplates> {
    this.templates ??= this.ctx.newTable('templates').then((table) => beatTemplates(this.ctx.client, table, HEALTHY_INTERVAL_SECONDS));
    return this.templates;
  }

  /** A table of `devices` healthy devices (seeded on first use). */
  healthy(devices: number): Promise<HealthyFleet> {
    let fleet = this.fleets.get(devices);
    if (!fleet) {
      fleet = this.seed(devices);
      this.fleets.set(devices, fleet);
    }
    return fleet;
  }

  /** Drops a fleet's table to give DynamoDB Local its memory back. */
  async drop(devices: number): Promise<void> {
    const fleet = this.fleets.get(devices);
    if (!fleet) return;
    this.fleets.delete(devices);
    await this.ctx.dropTable((await fleet).tableName);
  }

  private async seed(devices: number): Promise<HealthyFleet> {
    const tableName = await this.ctx.newTable(`fleet${devices}`, { stream: false });
    const templates = await this.beatTemplates();
    const now = Date.now();
    const start = performance.now();
    this.log(`seeding ${devices} devices (BatchWriteItem of real beat items, 25 per request, 8 in flight) ...`);
    let written = 0;
    await withTicks(
      this.log,
      `seeding ${devices}`,
      () =>
        seedFleet(this.ctx.client, tableName, {
          count: devices,
          prefix: 'sensor',
          templates,
          // Last beats spread over the past minute.
          lastSeen: (index) => now - ((index * 7919) % 60_000),
          onProgress: (count) => {
            written = count;
          },
        }),
      () => `${written} of ${devices} written`,
    );
    this.log(`seeded ${devices} devices in ${formatMs(performance.now() - start)}; reading them back ...`);
    const sizes = await withTicks(this.log, `reading ${devices} back`, () => tableItemSizes(this.ctx.client, tableName));
    if (sizes.count !== devices) throw new Error(`seeded ${devices} devices but the table holds ${sizes.count}`);
    this.log(`${devices} devices ready after ${formatMs(performance.now() - start)}; mean item ${sizes.meanBytes.toFixed(1)} B`);
    return { tableName, devices, meanItemBytes: sizes.meanBytes };
  }
}
