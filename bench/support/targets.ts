/** The keys of results.json the issue asks for, what each measures, and its target. */

import { SETTINGS } from '../../lambdas/core/settings-catalog';

export type Comparison = '<=' | '>=';

export interface Target {
  readonly key: string;
  readonly what: string;
  readonly target: number;
  readonly comparison: Comparison;
}

export const TARGETS: readonly Target[] = [
  { key: 'ingest.writeUnitsPerBeat', what: 'write units consumed per beat (onCapacity)', target: 1, comparison: '<=' },
  { key: 'ingest.readUnitsPerBeat', what: 'read units consumed per beat', target: 0, comparison: '<=' },
  { key: 'ingest.ratioVsBareUpdate', what: 'median ingest handler time / median bare UpdateItem, interleaved', target: 1.1, comparison: '<=' },
  { key: 'http.throughputRatioVsBareUpdate', what: 'beats/s through the local HTTP server / bare UpdateItem/s, both at concurrency 16', target: 0.8, comparison: '>=' },
  { key: 'sweep.ratioVsBareScan', what: 'sweep of 10k healthy devices / bare parallel Scan, same segments (K=4)', target: 1.2, comparison: '<=' },
  { key: 'sweep.readUnitsPerDeviceRatioVsScanFloor', what: 'sweep read units per device / (item size / 8 KB)', target: 1.05, comparison: '<=' },
  { key: 'sweep.alertsPerSecond', what: 'late devices turned down and alerted per second (local sink)', target: 500, comparison: '>=' },
  { key: 'bundles.maxKB', what: 'largest Lambda bundle as the stack builds it, KB (1000 bytes)', target: 350, comparison: '<=' },
  { key: 'bundles.importRatioVsBareClient', what: 'import time of each bundle / a DynamoDB-client-only bundle (max over handlers)', target: 1.3, comparison: '<=' },
  {
    key: 'detection.p99LateSeconds',
    what: `deadline -> device.down line, p99 over 50 devices, sweep every ${SETTINGS.sweepEverySeconds.default} s (the default)`,
    target: SETTINGS.sweepEverySeconds.default + 2,
    comparison: '<=',
  },
  { key: 'batch.ratioVsBareUpdate', what: 'batched beats/s through the local HTTP server / bare UpdateItem/s, as many writes in flight', target: 0.9, comparison: '>=' },
  { key: 'instant.p99Seconds', what: 'fail (recovering) beat answered -> device.down (device.up) line, sweep at 60 s', target: 2, comparison: '<=' },
  { key: 'cost.perMillionBeats.cheapest', what: 'all-in $ per million beats at 1M devices / 60 s, cheapest options', target: 0.6, comparison: '<=' },
];

/** Whether `value` meets `target`; null when not measured. */
export function meets(target: Target, value: number | null | undefined): boolean | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return target.comparison === '<=' ? value <= target.target + 1e-12 : value >= target.target - 1e-12;
}

/** Share of the allowance used: <= 1 meets the target (value/target for '<=', target/value for '>='). */
export function budgetUsed(target: Target, value: number): number {
  if (target.comparison === '<=') return target.target === 0 ? (value === 0 ? 0 : Number.POSITIVE_INFINITY) : value / target.target;
  return value === 0 ? Number.POSITIVE_INFINITY : target.target / value;
}
