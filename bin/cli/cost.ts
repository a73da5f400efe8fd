/**
 * `heartbeat cost`: its flags checked (each error names the flag) and turned into the cost model's
 * input, and the model's estimate (lambdas/cost/cost-model.ts) rendered as a fixed-width table for a
 * terminal or as the Markdown table README embeds. The comparison of every option is rendered by
 * cost-comparison.ts. The model itself neither parses nor renders.
 */
import { integerSetting, parseSetting } from '../../lambdas/core/settings';
import { SETTINGS } from '../../lambdas/core/settings-catalog';
import {
  AWS_PRICES,
  COST_DEFAULTS,
  DEFAULT_CHOICE,
  estimateMonthlyCost,
  type CostEstimate,
  type CostOptions,
  type DeploymentChoice,
  formatQuantity,
} from '../../lambdas/cost/cost-model';

/** `$1,234.57`, with more digits for small amounts. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.0001) return '< $0.0001';
  const digits = usd !== 0 && Math.abs(usd) < 1 ? 4 : 2;
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

function summary(estimate: CostEstimate): string {
  const { devices, intervalSeconds } = estimate.options;
  return `${devices.toLocaleString('en-US')} devices beating every ${intervalSeconds} s: ${formatQuantity(estimate.beatsPerMonth)} beats a month (${formatQuantity(estimate.beatsPerSecond)} per second)`;
}

/** The estimate as a fixed-width text table, for a terminal. */
export function renderCostTable(estimate: CostEstimate): string {
  const rows = estimate.lines.map((l) => [l.component, `${formatQuantity(l.quantity)} ${l.unit}`, formatUsd(l.monthlyUsd), formatUsd(l.perMillionBeatsUsd)]);
  const header = ['component', 'usage a month', 'per month', 'per million beats'];
  const footer = ['total', '', formatUsd(estimate.totalMonthlyUsd), formatUsd(estimate.perMillionBeatsUsd)];
  const all = [header, ...rows, footer];
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const format = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    summary(estimate),
    '',
    format(header),
    rule,
    ...rows.map(format),
    rule,
    format(footer),
    '',
    `Per beat path (front door + Lambda + 1 write): ${formatUsd(estimate.beatPathPerMillionBeatsUsd)} per million beats; ${formatUsd(estimate.perDeviceMonthUsd)} per device a month all in.`,
    `One sweep reads the fleet in ~${estimate.sweepSeconds.toFixed(1)} s at ${estimate.options.sweepDevicesPerSecond.toLocaleString('en-US')} devices/s.` +
      (estimate.sweepSeconds > estimate.options.sweepEverySeconds ? ' That is longer than the sweep period: fan the sweep out over several invocations.' : ''),
    estimate.options.channels === 0
      ? 'No alert channel (webhook, Slack, PagerDuty): no notifier; --channels 1-3 adds its function, secrets and dead-letter queue.'
      : `Alert delivery to ${estimate.options.channels} channel${estimate.options.channels === 1 ? '' : 's'}: ${formatUsd(deliveryMonthlyUsd(estimate))} a month (notifier, its secrets, dead-letter queue and alarm).`,
    `List prices, us-east-1, first tier (${AWS_PRICES.apiGatewayHttpRequest.date}); volume discounts would lower this.`,
  ].join('\n');
}

/** What delivering alerts to the channels adds to the bill. */
function deliveryMonthlyUsd(estimate: CostEstimate): number {
  return estimate.lines.filter((l) => l.group === 'delivery').reduce((sum, l) => sum + l.monthlyUsd, 0);
}

/** Markdown table of the estimate, for README. */
export function renderCostMarkdown(estimate: CostEstimate): string {
  const rows = estimate.lines.map((l) => `| ${l.component} | ${formatQuantity(l.quantity)} ${l.unit} | ${formatUsd(l.monthlyUsd)} | ${formatUsd(l.perMillionBeatsUsd)} |`);
  return [
    `${summary(estimate)}.`,
    '',
    '| component | usage a month | per month | per million beats |',
    '|---|---:|---:|---:|',
    ...rows,
    `| **total** | | **${formatUsd(estimate.totalMonthlyUsd)}** | **${formatUsd(estimate.perMillionBeatsUsd)}** |`,
    '',
    `The beat path alone (front door, Lambda, one write) is ${formatUsd(estimate.beatPathPerMillionBeatsUsd)} per million beats. List prices, us-east-1, first tier.`,
  ].join('\n');
}

/** Options of `npx heartbeat cost` as commander hands them over (strings or numbers; absent when not given). */
export interface CostCommandOptions {
  readonly devices?: string | number;
  readonly interval?: string | number;
  readonly memory?: string | number;
  readonly msPerBeat?: string | number;
  readonly itemBytes?: string | number;
  readonly logs?: boolean;
  readonly secrets?: boolean;
  readonly markdown?: boolean;
  readonly frontDoor?: string;
  readonly billing?: string;
  readonly batch?: string | number;
  readonly sweepEvery?: string | number;
  /** Alert channels on (webhook, Slack, PagerDuty), 0 to 3. */
  readonly channels?: string | number;
}

const asText = (value: string | number | undefined) => (value === undefined ? undefined : String(value));

/** The usage and the deployment choice the flags of `npx heartbeat cost` describe; throws ConfigError naming a bad flag. */
export function costCommandInput(options: CostCommandOptions = {}): { usage: CostOptions; chosen: DeploymentChoice } {
  const chosen: DeploymentChoice = {
    frontDoor: options.frontDoor === undefined ? DEFAULT_CHOICE.frontDoor : parseSetting('frontDoor', options.frontDoor, '--front-door'),
    billing: options.billing === undefined ? DEFAULT_CHOICE.billing : parseSetting('billing', options.billing, '--billing'),
    batchSize: integerSetting('--batch', asText(options.batch), { min: 1, max: 100 }, DEFAULT_CHOICE.batchSize),
    sweepEverySeconds: parseSetting('sweepEverySeconds', asText(options.sweepEvery), '--sweep-every'),
  };
  const usage: CostOptions = {
    devices: integerSetting('--devices', asText(options.devices), { min: 1, max: 10_000_000_000 }, 1000),
    intervalSeconds: integerSetting('--interval', asText(options.interval), SETTINGS.defaultIntervalSeconds, SETTINGS.defaultIntervalSeconds.default),
    ingestMemoryMb: integerSetting('--memory', asText(options.memory), { min: 128, max: 10_240 }, COST_DEFAULTS.ingestMemoryMb),
    ingestMsPerBeat: integerSetting('--ms-per-beat', asText(options.msPerBeat), { min: 1, max: 30_000 }, COST_DEFAULTS.ingestMsPerBeat),
    itemBytes: integerSetting('--item-bytes', asText(options.itemBytes), { min: 1, max: 400_000 }, COST_DEFAULTS.itemBytes),
    includeLogs: options.logs ?? COST_DEFAULTS.includeLogs,
    includeSecrets: options.secrets ?? COST_DEFAULTS.includeSecrets,
    channels: integerSetting('--channels', asText(options.channels), { min: 0, max: 3 }, COST_DEFAULTS.channels),
  };
  return { usage, chosen };
}

/** The per-component table of the chosen deployment, as `npx heartbeat cost` prints it first; throws ConfigError naming a bad flag. */
export function runCostCommand(options: CostCommandOptions = {}): string {
  const { usage, chosen } = costCommandInput(options);
  const estimate = estimateMonthlyCost({ ...usage, ...chosen });
  return options.markdown ? renderCostMarkdown(estimate) : renderCostTable(estimate);
}
