/**
 * What the deployed service costs a month, per component, from list prices kept as data
 * (aws-prices.json) and a handful of usage assumptions, each one an option with its default
 * written down. Pure: no SDK, no environment, no I/O; the CLI prints `runCostCommand`'s text and
 * README embeds `renderCostMarkdown`.
 *
 * The per-beat path is fixed by the design: one HTTP API request, one Lambda invocation, one
 * DynamoDB write of under 1 KB (no read). The sweep reads the whole table once a minute with an
 * eventually consistent Scan, charged by bytes read: item size / 8 KB read units per device.
 */
import priceData from './aws-prices.json' with { type: 'json' };
import { ConfigError, integerSetting } from '../core/settings';
import { DEPLOYMENT, SETTINGS } from '../core/settings-catalog';

/** One price of the table: `usd` for `per` units of `unit`. */
export interface Price {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly date: string;
  readonly source: string;
}

export type PriceKey = keyof typeof priceData.prices;
export type PriceTable = Readonly<Record<PriceKey, Price>>;

/** The list prices this module ships with (us-east-1). */
export const AWS_PRICES: PriceTable = priceData.prices;

/** Hours in a month as AWS's calculator counts them. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

/**
 * Representative CloudWatch Logs events per beat, for the log-ingestion line: the HTTP API access-log
 * line in the stack's JSON format (lib/heartbeat-api.ts). The functions log at system level WARN
 * (lib/heartbeat-function.ts), so Lambda's START/END/REPORT lines are not written, and the ingest
 * handler itself logs nothing on a plain beat.
 */
export const LOG_EVENTS_PER_BEAT: readonly string[] = [
  JSON.stringify({
    requestId: 'Qx3bTj2ZoAMEbJw=',
    requestTime: '25/Nov/2026:10:00:00 +0000',
    ip: '203.0.113.27',
    userAgent: 'esp-idf/5.2 heartbeat/1.4',
    userArn: '-',
    httpMethod: 'POST',
    routeKey: 'POST /v1/heartbeats/{deviceId}',
    path: '/v1/heartbeats/sensor-0004217',
    protocol: 'HTTP/1.1',
    status: '200',
    responseLength: '118',
    latencyMs: '21',
    integrationLatencyMs: '18',
    integrationStatus: '200',
    integrationError: '-',
    error: '-',
    errorType: '-',
  }),
];

/** CloudWatch Logs bills each event's bytes plus 26 bytes of metadata. */
export const LOG_EVENT_OVERHEAD_BYTES = 26;

/** Bytes of CloudWatch Logs ingestion per beat, from LOG_EVENTS_PER_BEAT. */
export function logBytesPerBeat(): number {
  const encoder = new TextEncoder();
  return LOG_EVENTS_PER_BEAT.reduce((total, line) => total + encoder.encode(line).length + LOG_EVENT_OVERHEAD_BYTES, 0);
}

/** Usage of one deployment; everything but `devices` and `intervalSeconds` has a default. */
export interface CostOptions {
  /** Devices beating. */
  readonly devices: number;
  /** Seconds between beats of each device. */
  readonly intervalSeconds: number;
  /** Ingest function memory, MB. @default DEPLOYMENT.memoryMb.ingest (settings catalog) */
  readonly ingestMemoryMb?: number;
  /** Billed ms per beat of the ingest function (one UpdateItem to DynamoDB in the same Region). @default 5 */
  readonly ingestMsPerBeat?: number;
  /** Bytes of a device item by DynamoDB's rules (names + values). @default 200 */
  readonly itemBytes?: number;
  /** Seconds between sweeps. @default DEPLOYMENT.sweepScheduleSeconds (settings catalog) */
  readonly sweepEverySeconds?: number;
  /** Sweeper function memory, MB. @default DEPLOYMENT.memoryMb.sweeper (settings catalog) */
  readonly sweeperMemoryMb?: number;
  /**
   * Devices one sweep invocation reads per second (all its segments together). The bench measures
   * ~4 us of CPU per device (bench/results.md); a 512 MB function has ~0.29 of a vCPU: ~66,000/s.
   * @default 60000
   */
  readonly sweepDevicesPerSecond?: number;
  /** Alerts published per device per month (an outage is a device.down and a device.up). @default 2 */
  readonly alertsPerDevicePerMonth?: number;
  /** Count the signing secret (storage, and reads by each ingest container every 5 minutes). @default true */
  readonly includeSecrets?: boolean;
  /** Count CloudWatch Logs ingestion of Lambda platform lines and API access logs. @default true */
  readonly includeLogs?: boolean;
  /** Prices to use. @default AWS_PRICES */
  readonly prices?: PriceTable;
}

/** Defaults of every optional CostOptions field; what the stack deploys comes from the settings catalog. */
export const COST_DEFAULTS = {
  ingestMemoryMb: DEPLOYMENT.memoryMb.ingest,
  ingestMsPerBeat: 5,
  itemBytes: 200,
  sweepEverySeconds: DEPLOYMENT.sweepScheduleSeconds,
  sweeperMemoryMb: DEPLOYMENT.memoryMb.sweeper,
  sweepDevicesPerSecond: 60_000,
  alertsPerDevicePerMonth: 2,
  includeSecrets: true,
  includeLogs: true,
} as const;

/** Which part of the bill a line belongs to. */
export type CostGroup = 'beat' | 'sweep' | 'alerts' | 'secrets' | 'logs';

export interface CostLine {
  readonly group: CostGroup;
  readonly component: string;
  /** How much of the priced unit a month uses. */
  readonly quantity: number;
  readonly unit: string;
  readonly monthlyUsd: number;
  readonly perMillionBeatsUsd: number;
}

export interface CostEstimate {
  readonly options: Required<Omit<CostOptions, 'prices'>>;
  readonly beatsPerMonth: number;
  readonly beatsPerSecond: number;
  readonly sweepsPerMonth: number;
  /** Seconds one sweep takes at sweepDevicesPerSecond. */
  readonly sweepSeconds: number;
  readonly lines: readonly CostLine[];
  readonly totalMonthlyUsd: number;
  /** Everything, divided by beats. */
  readonly perMillionBeatsUsd: number;
  /** The per-beat path alone (HTTP API, Lambda, one write): the floor every beat pays. */
  readonly beatPathPerMillionBeatsUsd: number;
  readonly perDeviceMonthUsd: number;
}

const cost = (price: Price, quantity: number) => (quantity / price.per) * price.usd;

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a positive number, got ${value}.`);
}

/** Monthly cost per component for a fleet. */
export function estimateMonthlyCost(input: CostOptions): CostEstimate {
  const { prices = AWS_PRICES, ...given } = input;
  const options = { ...COST_DEFAULTS, ...stripUndefined(given) } as Required<Omit<CostOptions, 'prices'>>;
  for (const key of ['devices', 'intervalSeconds', 'ingestMemoryMb', 'ingestMsPerBeat', 'itemBytes', 'sweepEverySeconds', 'sweeperMemoryMb', 'sweepDevicesPerSecond'] as const) {
    checkPositive(key, options[key]);
  }

  const beatsPerSecond = options.devices / options.intervalSeconds;
  const beatsPerMonth = beatsPerSecond * SECONDS_PER_MONTH;
  const gb = (mb: number) => mb / 1024;
  // Lambda bills duration rounded up to the millisecond.
  const ingestGbSeconds = beatsPerMonth * (Math.ceil(options.ingestMsPerBeat) / 1000) * gb(options.ingestMemoryMb);
  const writeUnitsPerBeat = Math.ceil(options.itemBytes / 1024);

  const sweepsPerMonth = SECONDS_PER_MONTH / options.sweepEverySeconds;
  // An eventually consistent Scan costs 0.5 read unit per 4 KB read: item bytes / 8 KB per device.
  const readUnitsPerSweep = (options.devices * options.itemBytes) / 8192;
  const sweepSeconds = Math.max(0.1, options.devices / options.sweepDevicesPerSecond);
  const sweeperGbSeconds = sweepsPerMonth * Math.ceil(sweepSeconds * 1000) / 1000 * gb(options.sweeperMemoryMb);

  const line = (group: CostGroup, component: string, price: Price, quantity: number, unit = price.unit): CostLine => {
    const monthlyUsd = cost(price, quantity);
    return { group, component, quantity, unit, monthlyUsd, perMillionBeatsUsd: (monthlyUsd / beatsPerMonth) * 1e6 };
  };
  const lines: CostLine[] = [
    line('beat', 'HTTP API requests', prices.apiGatewayHttpRequest, beatsPerMonth, 'requests'),
    line('beat', 'Lambda requests (ingest)', prices.lambdaRequest, beatsPerMonth, 'invocations'),
    line('beat', `Lambda duration (ingest, arm64 ${options.ingestMemoryMb} MB x ${Math.ceil(options.ingestMsPerBeat)} ms)`, prices.lambdaArm64GbSecond, ingestGbSeconds, 'GB-s'),
    line('beat', `DynamoDB writes (${writeUnitsPerBeat} per beat)`, prices.dynamoDbWriteRequestUnit, beatsPerMonth * writeUnitsPerBeat, 'write units'),
    line('sweep', `DynamoDB sweep reads (${options.itemBytes} B items / 8 KB, every ${options.sweepEverySeconds} s)`, prices.dynamoDbReadRequestUnit, readUnitsPerSweep * sweepsPerMonth, 'read units'),
    line('sweep', 'DynamoDB summary write (1 per sweep)', prices.dynamoDbWriteRequestUnit, sweepsPerMonth, 'write units'),
    line('sweep', 'Lambda requests (sweeper)', prices.lambdaRequest, sweepsPerMonth, 'invocations'),
    line('sweep', `Lambda duration (sweeper, arm64 ${options.sweeperMemoryMb} MB x ${sweepSeconds.toFixed(1)} s)`, prices.lambdaArm64GbSecond, sweeperGbSeconds, 'GB-s'),
    line('alerts', `SNS publishes (${options.alertsPerDevicePerMonth} per device)`, prices.snsPublish, options.devices * options.alertsPerDevicePerMonth, 'publishes'),
  ];
  if (options.includeSecrets) {
    // Each warm ingest container reads the secret every 5 minutes; containers ~ beats in flight (Little's law).
    const containers = Math.max(1, Math.ceil(beatsPerSecond * (options.ingestMsPerBeat / 1000)));
    lines.push(line('secrets', 'Secrets Manager secret', prices.secretsManagerSecretMonth, 1, 'secret-months'));
    lines.push(line('secrets', `Secrets Manager reads (~${containers} containers, every 5 min)`, prices.secretsManagerApiCall, containers * (SECONDS_PER_MONTH / 300), 'API calls'));
  }
  if (options.includeLogs) {
    const gbIngested = (beatsPerMonth * logBytesPerBeat()) / 1e9;
    lines.push(line('logs', `CloudWatch Logs (${logBytesPerBeat()} B per beat: API access log; Lambda system lines off)`, prices.cloudWatchLogsIngestedGb, gbIngested, 'GB'));
  }
  const totalMonthlyUsd = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
  const beatPath = lines.filter((l) => l.group === 'beat').reduce((sum, l) => sum + l.monthlyUsd, 0);
  return {
    options,
    beatsPerMonth,
    beatsPerSecond,
    sweepsPerMonth,
    sweepSeconds,
    lines,
    totalMonthlyUsd,
    perMillionBeatsUsd: (totalMonthlyUsd / beatsPerMonth) * 1e6,
    beatPathPerMillionBeatsUsd: (beatPath / beatsPerMonth) * 1e6,
    perDeviceMonthUsd: totalMonthlyUsd / options.devices,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `$1,234.57`, with more digits for small amounts. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.0001) return '< $0.0001';
  const digits = usd !== 0 && Math.abs(usd) < 1 ? 4 : 2;
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** `43.8 billion`, `1.2 million`, `730`. */
export function formatQuantity(value: number): string {
  const scales: [number, string][] = [
    [1e12, 'trillion'],
    [1e9, 'billion'],
    [1e6, 'million'],
  ];
  for (const [scale, word] of scales) if (Math.abs(value) >= scale) return `${(value / scale).toPrecision(3)} ${word}`;
  return Number.isInteger(value) || value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
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
    `Per beat path (HTTP API + Lambda + 1 write): ${formatUsd(estimate.beatPathPerMillionBeatsUsd)} per million beats; ${formatUsd(estimate.perDeviceMonthUsd)} per device a month all in.`,
    `One sweep reads the fleet in ~${estimate.sweepSeconds.toFixed(1)} s at ${estimate.options.sweepDevicesPerSecond.toLocaleString('en-US')} devices/s.` +
      (estimate.sweepSeconds > estimate.options.sweepEverySeconds ? ' That is longer than the sweep period: fan the sweep out over several invocations.' : ''),
    `List prices, us-east-1, first tier (${AWS_PRICES.apiGatewayHttpRequest.date}); volume discounts would lower this.`,
  ].join('\n');
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
    `The beat path alone (HTTP API, Lambda, one write) is ${formatUsd(estimate.beatPathPerMillionBeatsUsd)} per million beats. List prices, us-east-1, first tier.`,
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
}

const asText = (value: string | number | undefined) => (value === undefined ? undefined : String(value));

/** What `npx heartbeat cost` prints; throws ConfigError naming a bad flag. */
export function runCostCommand(options: CostCommandOptions = {}): string {
  const estimate = estimateMonthlyCost({
    devices: integerSetting('--devices', asText(options.devices), { min: 1, max: 10_000_000_000 }, 1000),
    intervalSeconds: integerSetting('--interval', asText(options.interval), SETTINGS.defaultIntervalSeconds, SETTINGS.defaultIntervalSeconds.default),
    ingestMemoryMb: integerSetting('--memory', asText(options.memory), { min: 128, max: 10_240 }, COST_DEFAULTS.ingestMemoryMb),
    ingestMsPerBeat: integerSetting('--ms-per-beat', asText(options.msPerBeat), { min: 1, max: 30_000 }, COST_DEFAULTS.ingestMsPerBeat),
    itemBytes: integerSetting('--item-bytes', asText(options.itemBytes), { min: 1, max: 400_000 }, COST_DEFAULTS.itemBytes),
    includeLogs: options.logs ?? COST_DEFAULTS.includeLogs,
    includeSecrets: options.secrets ?? COST_DEFAULTS.includeSecrets,
  });
  return options.markdown ? renderCostMarkdown(estimate) : renderCostTable(estimate);
}
