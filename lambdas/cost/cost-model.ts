/**
 * What the deployed service costs a month, per component, from list prices kept as data
 * (aws-prices.json) and a handful of usage assumptions, each one an option with its default
 * written down. Pure: no SDK, no environment, no I/O. The model only: `npx heartbeat cost` parses
 * its flags and renders the estimate as a table or as README's Markdown (bin/cli/cost.ts).
 *
 * The per-beat path is fixed by the design: one DynamoDB write of under 1 KB (no read) per beat, and
 * per request (one beat, or a batch of up to 100) one HTTP API request (none behind a function URL)
 * and one Lambda invocation. The sweep reads the whole table every `sweepEverySeconds` with an
 * eventually consistent Scan, charged by bytes read: item size / 8 KB read units per device.
 * Writes and the sweep's reads are billed per request (on-demand) or as capacity kept at a target
 * utilization (provisioned). `compareOptions` prices every deployment option side by side.
 *
 * The alert path is priced per alert, never per beat: the instant-alerts stream consumer (invoked
 * only by the beats that open or end an outage), and, when alert channels are on, the notifier
 * function subscribed to the alert topic (one invocation per alert, SNS's delivery to Lambda is
 * free), the channels' secrets and their reads, and the dead-letter queue with its alarm.
 */
import priceData from './aws-prices.json' with { type: 'json' };
import { ConfigError } from '../core/settings';
import { DEPLOYMENT, SETTINGS, type SettingValue } from '../core/settings-catalog';

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
  /** Instant-alerts consumer memory, MB. @default DEPLOYMENT.memoryMb.instantAlerts (settings catalog) */
  readonly instantAlertsMemoryMb?: number;
  /**
   * Billed ms of one instant-alerts invocation: the windows' read, the claim, the SNS publish, the
   * settle and the history write, each a round trip in the Region. @default 60
   */
  readonly instantAlertsMs?: number;
  /** Alert channels on (webhook, Slack, PagerDuty: 0 to 3); 0 deploys no notifier. @default 0 */
  readonly channels?: number;
  /** Notifier memory, MB. @default DEPLOYMENT.memoryMb.notifier (settings catalog) */
  readonly notifierMemoryMb?: number;
  /**
   * Billed ms of one notifier invocation: an HTTPS POST to each channel outside AWS, all channels at
   * once, so the slowest one (a TLS handshake from a cold container included). @default 400
   */
  readonly notifierMsPerAlert?: number;
  /** Deliveries (one alert to one channel) that exhaust their retries and land in the dead-letter queue, percent. @default 1 */
  readonly undeliveredPercent?: number;
  /**
   * Write units the outage history takes per outage: opening (the item, 1, and its two index
   * copies, 2) and closing (the item, 1, and the index sort key `ek` moving, a delete and a put on
   * each index, 4). A device without a group has no byGroup copy: 5. @default 8
   */
  readonly historyWriteUnitsPerOutage?: number;
  /** Bytes of one incident item, stored three times (the table and its two indexes). @default 250 */
  readonly incidentItemBytes?: number;
  /** Days a closed outage stays in the history. @default SETTINGS.historyDays.default (settings catalog) */
  readonly historyDays?: number;
  /** Count the CloudWatch dashboard and the sweep's EMF metrics. @default true */
  readonly includeMonitoring?: boolean;
  /** Count Secrets Manager: the signing secret (storage, and reads by each ingest container every 5 minutes) and the channels' secrets. @default true */
  readonly includeSecrets?: boolean;
  /** Count CloudWatch Logs ingestion of Lambda platform lines and API access logs. @default true */
  readonly includeLogs?: boolean;
  /** How devices reach the service: `functionUrl` has no per-request API Gateway charge and no access log. @default 'httpApi' */
  readonly frontDoor?: FrontDoorOption;
  /** How the table is billed. @default 'onDemand' */
  readonly billing?: BillingOption;
  /** Beats per request (a gateway's batch, 1 to 100). @default 1 */
  readonly batchSize?: number;
  /** Billed ms a batch adds per extra entry (token check, JSON, one more write in flight). @default 0.3 */
  readonly batchEntryMs?: number;
  /** Provisioned billing: consumed share of capacity auto scaling aims for, percent. @default 70 */
  readonly targetUtilizationPercent?: number;
  /** Prices to use. @default AWS_PRICES */
  readonly prices?: PriceTable;
}

/** The front door options of the stack (settings catalog: `frontDoor`). */
export type FrontDoorOption = SettingValue<'frontDoor'>;
/** The billing options of the table (settings catalog: `billing`). */
export type BillingOption = SettingValue<'billing'>;

/** Defaults of every optional CostOptions field; what the stack deploys comes from the settings catalog. */
export const COST_DEFAULTS = {
  ingestMemoryMb: DEPLOYMENT.memoryMb.ingest,
  ingestMsPerBeat: 5,
  itemBytes: 200,
  sweepEverySeconds: SETTINGS.sweepEverySeconds.default,
  sweeperMemoryMb: DEPLOYMENT.memoryMb.sweeper,
  sweepDevicesPerSecond: 60_000,
  alertsPerDevicePerMonth: 2,
  instantAlertsMemoryMb: DEPLOYMENT.memoryMb.instantAlerts,
  instantAlertsMs: 60,
  channels: 0,
  notifierMemoryMb: DEPLOYMENT.memoryMb.notifier,
  notifierMsPerAlert: 400,
  undeliveredPercent: 1,
  historyWriteUnitsPerOutage: 8,
  incidentItemBytes: 250,
  historyDays: SETTINGS.historyDays.default,
  includeMonitoring: true,
  includeSecrets: true,
  includeLogs: true,
  frontDoor: SETTINGS.frontDoor.default,
  billing: SETTINGS.billing.default,
  batchSize: 1,
  batchEntryMs: 0.3,
  targetUtilizationPercent: SETTINGS.targetUtilizationPercent.default,
} as const;

/** Which part of the bill a line belongs to. */
export type CostGroup = 'beat' | 'sweep' | 'alerts' | 'delivery' | 'history' | 'monitoring' | 'secrets' | 'logs';

/**
 * How long the cost model takes an idle notifier container to live before Lambda recycles it (not
 * documented by AWS; minutes in practice): alerts further apart than this each start a container.
 */
export const NOTIFIER_CONTAINER_LIFETIME_SECONDS = 300;

/** Bytes of one EMF document of the sweep (eight metrics, their directive, the service dimension), as CloudWatch Logs bills it. */
export const EMF_BYTES_PER_SWEEP = 620;
/** Custom metrics the sweep emits: eight names under one dimension set (lambdas/adapters/emf-sweep-metrics.ts). */
export const SWEEP_CUSTOM_METRICS = 8;

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
  /** Seconds from one sweep's start to the next: sweepEverySeconds, or longer when a sweep takes longer. */
  readonly sweepPeriodSeconds: number;
  /** Worst case from a deadline to its detection: a device that lapses just after the sweep read it waits a period and a scan. */
  readonly worstDetectionSeconds: number;
  readonly lines: readonly CostLine[];
  readonly totalMonthlyUsd: number;
  /** Everything, divided by beats. */
  readonly perMillionBeatsUsd: number;
  /** The per-beat path alone (front door, Lambda, one write): the floor every beat pays. */
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
  for (const key of ['devices', 'intervalSeconds', 'ingestMemoryMb', 'ingestMsPerBeat', 'itemBytes', 'sweepEverySeconds', 'sweeperMemoryMb', 'sweepDevicesPerSecond', 'targetUtilizationPercent', 'historyWriteUnitsPerOutage', 'incidentItemBytes', 'historyDays', 'instantAlertsMemoryMb', 'instantAlertsMs', 'notifierMemoryMb', 'notifierMsPerAlert'] as const) {
    checkPositive(key, options[key]);
  }
  if (!Number.isInteger(options.channels) || options.channels < 0 || options.channels > 3) throw new ConfigError(`channels must be a whole number from 0 to 3, got ${options.channels}.`);
  if (!Number.isFinite(options.undeliveredPercent) || options.undeliveredPercent < 0 || options.undeliveredPercent > 100) {
    throw new ConfigError(`undeliveredPercent must be from 0 to 100, got ${options.undeliveredPercent}.`);
  }

  const beatsPerSecond = options.devices / options.intervalSeconds;
  const beatsPerMonth = beatsPerSecond * SECONDS_PER_MONTH;
  const batch = options.batchSize;
  if (!Number.isInteger(batch) || batch < 1 || batch > 100) throw new ConfigError(`batchSize must be a whole number from 1 to 100, got ${batch}.`);
  const requestsPerMonth = beatsPerMonth / batch;
  const gb = (mb: number) => mb / 1024;
  // Lambda bills duration rounded up to the millisecond; a batch's entries are written concurrently.
  const msPerRequest = Math.ceil(options.ingestMsPerBeat + (batch - 1) * options.batchEntryMs);
  const ingestGbSeconds = requestsPerMonth * (msPerRequest / 1000) * gb(options.ingestMemoryMb);
  const writeUnitsPerBeat = Math.ceil(options.itemBytes / 1024);
  const utilization = options.targetUtilizationPercent / 100;
  const provisioned = options.billing === 'provisioned';

  // The sweeper is invoked once a minute and sweeps every sweepEverySeconds inside; a sweep longer
  // than that delays the next (core/sweep-loop.ts), so the real period is the longer of the two.
  const schedule = DEPLOYMENT.sweepScheduleSeconds;
  const sweepSeconds = Math.max(0.1, options.devices / options.sweepDevicesPerSecond);
  const sweepPeriodSeconds = Math.max(options.sweepEverySeconds, sweepSeconds);
  const sweepsPerInvocation = Math.max(1, Math.ceil(schedule / sweepPeriodSeconds));
  const invocationsPerMonth = SECONDS_PER_MONTH / schedule;
  const sweepsPerMonth = invocationsPerMonth * sweepsPerInvocation;
  // Billed from the invocation's start to the end of its last sweep (waiting between sweeps is billed too).
  const billedSecondsPerInvocation = (sweepsPerInvocation - 1) * sweepPeriodSeconds + sweepSeconds;
  const sweeperGbSeconds = invocationsPerMonth * (Math.ceil(billedSecondsPerInvocation * 1000) / 1000) * gb(options.sweeperMemoryMb);
  // An eventually consistent Scan costs 0.5 read unit per 4 KB read: item bytes / 8 KB per device.
  const readUnitsPerSweep = (options.devices * options.itemBytes) / 8192;

  const line = (group: CostGroup, component: string, price: Price, quantity: number, unit = price.unit): CostLine => {
    const monthlyUsd = cost(price, quantity);
    return { group, component, quantity, unit, monthlyUsd, perMillionBeatsUsd: (monthlyUsd / beatsPerMonth) * 1e6 };
  };
  const perRequest = batch === 1 ? '' : ` (${batch} beats each)`;
  const lines: CostLine[] = [];
  if (options.frontDoor === 'httpApi') lines.push(line('beat', `HTTP API requests${perRequest}`, prices.apiGatewayHttpRequest, requestsPerMonth, 'requests'));
  lines.push(line('beat', `Lambda requests (ingest${options.frontDoor === 'functionUrl' ? ', function URL' : ''})${perRequest}`, prices.lambdaRequest, requestsPerMonth, 'invocations'));
  lines.push(line('beat', `Lambda duration (ingest, arm64 ${options.ingestMemoryMb} MB x ${msPerRequest} ms)`, prices.lambdaArm64GbSecond, ingestGbSeconds, 'GB-s'));
  if (provisioned) {
    // Capacity for the average write rate at the target utilization; beats are steady by nature.
    const wcu = Math.max(SETTINGS.minWriteCapacity.default, (beatsPerSecond * writeUnitsPerBeat) / utilization);
    lines.push(line('beat', `DynamoDB write capacity (${formatQuantity(wcu)} WCU at ${options.targetUtilizationPercent} %)`, prices.dynamoDbWriteCapacityUnitHour, wcu * HOURS_PER_MONTH, 'WCU-hours'));
  } else {
    lines.push(line('beat', `DynamoDB writes (${writeUnitsPerBeat} per beat)`, prices.dynamoDbWriteRequestUnit, beatsPerMonth * writeUnitsPerBeat, 'write units'));
  }
  if (provisioned) {
    // A scan reads in bursts that auto scaling cannot follow: capacity for the scan's own rate.
    const rcu = Math.max(SETTINGS.minReadCapacity.default, readUnitsPerSweep / Math.min(sweepSeconds, sweepPeriodSeconds) / utilization);
    lines.push(line('sweep', `DynamoDB read capacity for the scan (${formatQuantity(rcu)} RCU)`, prices.dynamoDbReadCapacityUnitHour, rcu * HOURS_PER_MONTH, 'RCU-hours'));
  } else {
    lines.push(line('sweep', `DynamoDB sweep reads (${options.itemBytes} B items / 8 KB, every ${formatQuantity(sweepPeriodSeconds)} s)`, prices.dynamoDbReadRequestUnit, readUnitsPerSweep * sweepsPerMonth, 'read units'));
    lines.push(line('sweep', 'DynamoDB summary write (1 per sweep)', prices.dynamoDbWriteRequestUnit, sweepsPerMonth, 'write units'));
  }
  lines.push(line('sweep', 'Lambda requests (sweeper, once a minute)', prices.lambdaRequest, invocationsPerMonth, 'invocations'));
  lines.push(
    line('sweep', `Lambda duration (sweeper, arm64 ${options.sweeperMemoryMb} MB x ${billedSecondsPerInvocation.toFixed(1)} s a minute)`, prices.lambdaArm64GbSecond, sweeperGbSeconds, 'GB-s'),
  );
  const alertsPerMonth = options.devices * options.alertsPerDevicePerMonth;
  lines.push(line('alerts', `SNS publishes (${options.alertsPerDevicePerMonth} per device)`, prices.snsPublish, alertsPerMonth, 'publishes'));
  // Instant alerts: fail beats and recoveries invoke the stream consumer (ordinary beats are filtered
  // out, stream reads by Lambda are free); each claims and settles with two writes.
  lines.push(line('alerts', 'Lambda requests (instant alerts, filtered stream)', prices.lambdaRequest, alertsPerMonth, 'invocations'));
  lines.push(
    line('alerts', `Lambda duration (instant alerts, arm64 ${options.instantAlertsMemoryMb} MB x ${options.instantAlertsMs} ms)`, prices.lambdaArm64GbSecond, alertsPerMonth * (options.instantAlertsMs / 1000) * gb(options.instantAlertsMemoryMb), 'GB-s'),
  );
  if (!provisioned) {
    lines.push(line('alerts', 'DynamoDB writes (instant alerts: claim + settle)', prices.dynamoDbWriteRequestUnit, alertsPerMonth * 2, 'write units'));
    // Each invocation reads the maintenance windows: one small item, eventually consistent (half a unit).
    lines.push(line('alerts', 'DynamoDB reads (instant alerts: the maintenance windows)', prices.dynamoDbReadRequestUnit, alertsPerMonth * 0.5, 'read units'));
  }
  if (options.channels > 0) {
    // The notifier: one invocation per alert (SNS delivers to Lambda at no charge), every channel at once.
    const channels = options.channels;
    lines.push(line('delivery', `Lambda requests (notifier, ${channels} channel${channels === 1 ? '' : 's'})`, prices.lambdaRequest, alertsPerMonth, 'invocations'));
    lines.push(
      line('delivery', `Lambda duration (notifier, arm64 ${options.notifierMemoryMb} MB x ${options.notifierMsPerAlert} ms)`, prices.lambdaArm64GbSecond, alertsPerMonth * (options.notifierMsPerAlert / 1000) * gb(options.notifierMemoryMb), 'GB-s'),
    );
    // One secret per channel (the webhook's signing key, the Slack URL, the PagerDuty key). A container
    // reads them once, at its first alert: cold starts are every alert, at most one per container
    // lifetime for each container in flight (Little's law), whichever is fewer.
    const notifierContainers = Math.max(1, Math.ceil((alertsPerMonth / SECONDS_PER_MONTH) * (options.notifierMsPerAlert / 1000)));
    const coldStarts = Math.min(alertsPerMonth, notifierContainers * (SECONDS_PER_MONTH / NOTIFIER_CONTAINER_LIFETIME_SECONDS));
    if (options.includeSecrets) {
      lines.push(line('delivery', `Secrets Manager secrets (${channels} channel${channels === 1 ? '' : 's'})`, prices.secretsManagerSecretMonth, channels, 'secret-months'));
      lines.push(line('delivery', `Secrets Manager reads (notifier: ${channels} at each of ${formatQuantity(coldStarts)} cold starts)`, prices.secretsManagerApiCall, coldStarts * channels, 'API calls'));
    }
    // A delivery that exhausts its retries is one SendMessage; an operator then receives and deletes it.
    const undelivered = alertsPerMonth * channels * (options.undeliveredPercent / 100);
    lines.push(line('delivery', `SQS dead-letter queue (${formatQuantity(options.undeliveredPercent)} % undelivered: send, receive, delete)`, prices.sqsRequest, undelivered * 3, 'requests'));
    lines.push(line('delivery', 'CloudWatch alarm (dead-letter queue not empty)', prices.cloudWatchAlarmMonth, 1, 'alarms'));
  }
  // History: one record per outage, written where the outage's state already changes (never per beat).
  const outagesPerMonth = alertsPerMonth / 2;
  lines.push(
    line('history', `DynamoDB history writes (${options.historyWriteUnitsPerOutage} per outage: open + close, with 2 indexes)`, prices.dynamoDbWriteRequestUnit, outagesPerMonth * options.historyWriteUnitsPerOutage, 'write units'),
  );
  // Kept historyDays after it ends (about that many days of outages stored at any time), three copies.
  const storedGb = (outagesPerMonth * (options.historyDays / 30) * options.incidentItemBytes * 3) / 1e9;
  lines.push(line('history', `DynamoDB history storage (${formatQuantity(options.historyDays)} days, table + 2 indexes)`, prices.dynamoDbStorageGbMonth, storedGb, 'GB-months'));
  if (options.includeMonitoring) {
    lines.push(line('monitoring', 'CloudWatch dashboard', prices.cloudWatchDashboardMonth, 1, 'dashboards'));
    lines.push(line('monitoring', `CloudWatch custom metrics (${SWEEP_CUSTOM_METRICS} from the sweep, EMF)`, prices.cloudWatchCustomMetricMonth, SWEEP_CUSTOM_METRICS, 'metrics'));
    lines.push(line('monitoring', `EMF metric documents in the sweeper's log (${EMF_BYTES_PER_SWEEP} B per sweep)`, prices.cloudWatchLogsIngestedGb, (sweepsPerMonth * (EMF_BYTES_PER_SWEEP + LOG_EVENT_OVERHEAD_BYTES)) / 1e9, 'GB'));
  }
  if (options.includeSecrets) {
    // Each warm ingest container reads the secret every 5 minutes; containers ~ requests in flight (Little's law).
    const containers = Math.max(1, Math.ceil((requestsPerMonth / SECONDS_PER_MONTH) * (msPerRequest / 1000)));
    lines.push(line('secrets', 'Secrets Manager secret', prices.secretsManagerSecretMonth, 1, 'secret-months'));
    lines.push(line('secrets', `Secrets Manager reads (~${containers} containers, every 5 min)`, prices.secretsManagerApiCall, containers * (SECONDS_PER_MONTH / 300), 'API calls'));
  }
  if (options.includeLogs && options.frontDoor === 'httpApi') {
    // One access-log line per request: a batch writes one line for all its beats.
    const gbIngested = (requestsPerMonth * logBytesPerBeat()) / 1e9;
    lines.push(line('logs', `CloudWatch Logs (${logBytesPerBeat()} B per request: API access log; Lambda system lines off)`, prices.cloudWatchLogsIngestedGb, gbIngested, 'GB'));
  }
  const totalMonthlyUsd = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
  const beatPath = lines.filter((l) => l.group === 'beat').reduce((sum, l) => sum + l.monthlyUsd, 0);
  return {
    options,
    beatsPerMonth,
    beatsPerSecond,
    sweepsPerMonth,
    sweepSeconds,
    sweepPeriodSeconds,
    worstDetectionSeconds: sweepPeriodSeconds + sweepSeconds,
    lines,
    totalMonthlyUsd,
    perMillionBeatsUsd: (totalMonthlyUsd / beatsPerMonth) * 1e6,
    beatPathPerMillionBeatsUsd: (beatPath / beatsPerMonth) * 1e6,
    perDeviceMonthUsd: totalMonthlyUsd / options.devices,
  };
}

/** One deployment choice: the options a person picks with `-c` (and the batch size their gateways send). */
export interface DeploymentChoice {
  readonly frontDoor: FrontDoorOption;
  readonly billing: BillingOption;
  readonly batchSize: number;
  readonly sweepEverySeconds: number;
}

/** Every option priced on its own against the default, the cheapest combination, and the chosen one. */
export interface OptionComparison {
  readonly columns: readonly { readonly name: string; readonly choice: DeploymentChoice; readonly estimate: CostEstimate }[];
  readonly breakEven: {
    /** Provisioned writes cost less than on-demand above this average utilization of the capacity, percent. */
    readonly provisionedUtilizationPercent: number;
    /** The smallest fleet (devices, at this interval) for which provisioned billing costs less in total; null when never up to 10 billion. */
    readonly provisionedDevices: number | null;
    /** The fleet above which one sweep takes longer than sweepEverySeconds (sweeps then run back to back and detection slows). */
    readonly sweepOutgrowsPeriodDevices: number;
    /** What the function URL saves per million beats (API Gateway's per-request charge and access log). */
    readonly functionUrlSavesPerMillionBeatsUsd: number;
    /** What the batch saves per million beats (requests, invocations and access-log lines shared by its beats). */
    readonly batchSavesPerMillionBeatsUsd: number;
    /** What sweeping every sweepEverySeconds costs per month over sweeping once a minute. */
    readonly subMinuteSweepMonthlyUsd: number;
  };
}

/** The default deployment: what `cdk deploy` builds without options. */
export const DEFAULT_CHOICE: DeploymentChoice = {
  frontDoor: COST_DEFAULTS.frontDoor,
  billing: COST_DEFAULTS.billing,
  batchSize: 1,
  sweepEverySeconds: COST_DEFAULTS.sweepEverySeconds,
};

/**
 * Prices the default, each option on its own, the cheapest combination (the cheaper front door and
 * billing for this fleet, batches of `batchSize`, the chosen sweep period) and the `chosen`
 * deployment, with the break-even points.
 */
export function compareOptions(usage: CostOptions, chosen: DeploymentChoice, batchSize = Math.max(chosen.batchSize, 2)): OptionComparison {
  const priced = (choice: DeploymentChoice) => estimateMonthlyCost({ ...usage, ...choice });
  const base = { ...DEFAULT_CHOICE, sweepEverySeconds: chosen.sweepEverySeconds };
  const choices: [string, DeploymentChoice][] = [
    ['default', DEFAULT_CHOICE],
    ['functionUrl', { ...base, frontDoor: 'functionUrl' }],
    ['provisioned', { ...base, billing: 'provisioned' }],
    [`batch ${batchSize}`, { ...base, batchSize }],
    ['sweep 60 s', { ...DEFAULT_CHOICE, sweepEverySeconds: DEPLOYMENT.sweepScheduleSeconds }],
    ['chosen', chosen],
  ];
  // The cheapest front door and billing for this fleet, with batches and the chosen sweep period
  // (provisioned capacity has a floor, so a small fleet is cheaper on demand).
  const combinations: DeploymentChoice[] = (['httpApi', 'functionUrl'] as const).flatMap((frontDoor) =>
    (['onDemand', 'provisioned'] as const).map((billing) => ({ frontDoor, billing, batchSize, sweepEverySeconds: chosen.sweepEverySeconds })),
  );
  const cheapest = combinations
    .map((choice) => ({ choice, estimate: priced(choice) }))
    .reduce((best, next) => (next.estimate.totalMonthlyUsd < best.estimate.totalMonthlyUsd ? next : best));
  const columns = choices.map(([name, choice]) => ({ name, choice, estimate: priced(choice) }));
  columns.splice(columns.length - 1, 0, { name: 'cheapest', ...cheapest });
  const perMillion = (choice: DeploymentChoice) => priced(choice).perMillionBeatsUsd;
  const prices = usage.prices ?? AWS_PRICES;

  // Per write unit: a WCU-hour serves 3,600 writes at 100 %; on-demand charges each one.
  const provisionedUtilizationPercent =
    (prices.dynamoDbWriteCapacityUnitHour.usd / 3600 / (prices.dynamoDbWriteRequestUnit.usd / prices.dynamoDbWriteRequestUnit.per)) * 100;
  const cheaperProvisioned = (devices: number) =>
    estimateMonthlyCost({ ...usage, ...base, devices, billing: 'provisioned' }).totalMonthlyUsd <
    estimateMonthlyCost({ ...usage, ...base, devices, billing: 'onDemand' }).totalMonthlyUsd;
  let provisionedDevices: number | null = null;
  for (let devices = 1; devices <= 10_000_000_000; devices *= 2) {
    if (!cheaperProvisioned(devices)) continue;
    // Bisect between the last fleet where it was not cheaper and this one.
    let low = Math.max(1, Math.floor(devices / 2));
    let high = devices;
    while (high - low > Math.max(1, high / 1000)) {
      const mid = Math.floor((low + high) / 2);
      if (cheaperProvisioned(mid)) high = mid;
      else low = mid;
    }
    provisionedDevices = high;
    break;
  }
  const options = { ...COST_DEFAULTS, ...stripUndefined(usage) };
  return {
    columns,
    breakEven: {
      provisionedUtilizationPercent,
      provisionedDevices,
      sweepOutgrowsPeriodDevices: chosen.sweepEverySeconds * options.sweepDevicesPerSecond,
      functionUrlSavesPerMillionBeatsUsd: perMillion(base) - perMillion({ ...base, frontDoor: 'functionUrl' }),
      batchSavesPerMillionBeatsUsd: perMillion(base) - perMillion({ ...base, batchSize }),
      subMinuteSweepMonthlyUsd:
        priced(base).totalMonthlyUsd - priced({ ...base, sweepEverySeconds: DEPLOYMENT.sweepScheduleSeconds }).totalMonthlyUsd,
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `43.8 billion`, `1.2 million`, `730`: how the cost lines state their quantities. */
export function formatQuantity(value: number): string {
  const scales: [number, string][] = [
    [1e12, 'trillion'],
    [1e9, 'billion'],
    [1e6, 'million'],
  ];
  for (const [scale, word] of scales) if (Math.abs(value) >= scale) return `${(value / scale).toPrecision(3)} ${word}`;
  return Number.isInteger(value) || value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}
