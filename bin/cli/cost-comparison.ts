/**
 * `npx heartbeat cost`: after the chosen deployment's bill per component, every option side by side
 * (per million beats, a month, worst-case detection) and the break-even points. The numbers come
 * from the cost model (lambdas/cost/cost-model.ts); this file only lays them out.
 */
import { formatQuantity, type DeploymentChoice, type OptionComparison } from '../../lambdas/cost/cost-model';
import { formatUsd } from './cost';

function describe(choice: DeploymentChoice): string {
  return `${choice.frontDoor}, ${choice.billing}, batch ${choice.batchSize}, sweep ${choice.sweepEverySeconds} s`;
}

/** The comparison as fixed-width text. */
export function renderComparison(comparison: OptionComparison): string {
  const header = ['option', 'per million beats', 'per month', 'worst detection', 'what it is'];
  const rows = comparison.columns.map(({ name, choice, estimate }) => [
    name,
    formatUsd(estimate.perMillionBeatsUsd),
    formatUsd(estimate.totalMonthlyUsd),
    `${estimate.worstDetectionSeconds.toFixed(0)} s`,
    describe(choice),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const format = (row: string[]) => row.map((cell, c) => (c === 0 || c === 4 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  const b = comparison.breakEven;
  const batchColumn = comparison.columns.find((c) => c.name.startsWith('batch '));
  return [
    'Every option side by side (the same fleet; each option alone against the default):',
    '',
    format(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(format),
    '',
    'Break-even points:',
    `- frontDoor=functionUrl saves ${formatUsd(b.functionUrlSavesPerMillionBeatsUsd)} per million beats at any volume (no API Gateway request charge, no access log); it gives up stage throttling, access logs and custom domains.`,
    `- ${batchColumn?.name ?? 'a batch'} saves ${formatUsd(b.batchSavesPerMillionBeatsUsd)} per million beats (one request, invocation and log line for all its beats); every beat still costs its own write.`,
    `- billing=provisioned: writes cost less than on demand while average use stays above ${b.provisionedUtilizationPercent.toFixed(0)} % of the capacity; ` +
      (b.provisionedDevices === null
        ? 'at this interval it never costs less in total.'
        : `at this interval the whole bill is lower from about ${formatQuantity(b.provisionedDevices)} devices.`),
    `- sweepEvery: sweeping more often than once a minute costs ${formatUsd(b.subMinuteSweepMonthlyUsd)} a month here (more scans, and the sweeper waiting through its minute);` +
      ` above ${formatQuantity(b.sweepOutgrowsPeriodDevices)} devices one sweep takes longer than the period, sweeps run back to back and detection slows (raise sweepSegments or the sweeper's memory).`,
  ].join('\n');
}
