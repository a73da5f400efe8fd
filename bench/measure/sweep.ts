/**
 * The sweep over a healthy fleet against the floor of reading it: wall time against a bare parallel
 * Scan with the same segments (alternated, after warm-up), and read units per device against the
 * eventually consistent scan floor (mean item size / 8 KB).
 */
import type { BenchContext } from '../support/context';
import type { FleetTables } from '../support/fleet-tables';
import { formatMs, progress } from '../support/progress';
import { bareScan, nothingExpected, runSweep } from '../support/sweeping';
import { median, round } from '../support/stats';

const log = progress('sweep');

export interface SweepResult {
  readonly devices: number;
  readonly segments: number;
  readonly ratioVsBareScan: number;
  readonly sweepMedianMs: number;
  readonly scanMedianMs: number;
  readonly repetitions: number;
  readonly meanItemBytes: number;
  readonly readUnitsPerDevice: number;
  readonly scanFloorUnitsPerDevice: number;
  readonly readUnitsPerDeviceRatioVsScanFloor: number;
  /** Read units per device of a one-segment sweep (fewer pages, less rounding). */
  readonly readUnitsPerDeviceOneSegment: number;
}

/** The deployed default (SWEEP_SEGMENTS, lambdas/handlers/lambda-config.ts). */
export const DEFAULT_SEGMENTS = 4;

export async function measureSweep(ctx: BenchContext, fleets: FleetTables): Promise<SweepResult> {
  const devices = 10_000;
  const segments = DEFAULT_SEGMENTS;
  const fleet = await fleets.healthy(devices);
  const { client } = ctx;
  const sweep = () => runSweep({ client, tableName: fleet.tableName, segments, publisher: nothingExpected });

  for (let i = 0; i < 2; i++) {
    await sweep();
    await bareScan(client, fleet.tableName, segments);
  }
  const repetitions = ctx.options.quick ? 7 : 15;
  const sweepMs: number[] = [];
  const scanMs: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const order = r % 2 === 0 ? ['sweep', 'scan'] : ['scan', 'sweep'];
    for (const step of order) {
      if (step === 'sweep') {
        const { ms, report } = await sweep();
        if (report.devicesRead !== devices || report.wentDown !== 0) throw new Error(`sweep read ${report.devicesRead} devices, ${report.wentDown} went down`);
        sweepMs.push(ms);
      } else {
        const { ms, items } = await bareScan(client, fleet.tableName, segments);
        if (items < devices) throw new Error(`bare scan saw ${items} items`);
        scanMs.push(ms);
      }
    }
    log(`N=${devices} K=${segments} rep ${r + 1}/${repetitions}: sweep ${formatMs(sweepMs.at(-1) ?? 0)}, bare scan ${formatMs(scanMs.at(-1) ?? 0)}`);
  }
  const ratio = median(sweepMs) / median(scanMs);
  log(`N=${devices} K=${segments} sweep ${formatMs(median(sweepMs))} vs bare scan ${formatMs(median(scanMs))} -> ratio ${ratio.toFixed(3)}`);

  const metered = async (k: number) => {
    let read = 0;
    const { report } = await runSweep({
      client,
      tableName: fleet.tableName,
      segments: k,
      publisher: nothingExpected,
      onCapacity: (operation, units) => {
        if (operation === 'scan') read += units.read;
      },
    });
    return read / report.devicesRead;
  };
  const readUnitsPerDevice = await metered(segments);
  const readUnitsPerDeviceOneSegment = await metered(1);
  const floor = fleet.meanItemBytes / 8192;
  log(
    `read units per device ${readUnitsPerDevice.toFixed(6)} (K=1: ${readUnitsPerDeviceOneSegment.toFixed(6)}) vs floor ` +
      `${floor.toFixed(6)} (${fleet.meanItemBytes.toFixed(1)} B / 8 KB) -> ratio ${(readUnitsPerDevice / floor).toFixed(3)}`,
  );
  return {
    devices,
    segments,
    ratioVsBareScan: ratio,
    sweepMedianMs: round(median(sweepMs), 2),
    scanMedianMs: round(median(scanMs), 2),
    repetitions,
    meanItemBytes: round(fleet.meanItemBytes, 2),
    readUnitsPerDevice,
    scanFloorUnitsPerDevice: floor,
    readUnitsPerDeviceRatioVsScanFloor: readUnitsPerDevice / floor,
    readUnitsPerDeviceOneSegment,
  };
}
