/**
 * The cost model: list prices kept as data, the monthly bill of a 1M-device fleet beating every
 * minute, and the anchor of about $1.84 per million beats (HTTP API $1.00, Lambda $0.20 plus
 * duration, one on-demand write $0.625).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/core/settings';
import { costCommandInput, formatUsd, renderCostMarkdown, runCostCommand } from '../../bin/cli/cost';
import {
  AWS_PRICES,
  DEFAULT_CHOICE,
  NOTIFIER_CONTAINER_LIFETIME_SECONDS,
  SECONDS_PER_MONTH,
  compareOptions,
  estimateMonthlyCost,
  logBytesPerBeat,
  type CostEstimate,
} from '../../lambdas/cost/cost-model';

const monthly = (estimate: CostEstimate, component: string) => {
  const line = estimate.lines.find((l) => l.component.startsWith(component));
  if (!line) throw new Error(`no line "${component}"`);
  return line.monthlyUsd;
};

describe('AWS_PRICES', () => {
  it('gives every price its amount, unit, date and source', () => {
    for (const [key, price] of Object.entries(AWS_PRICES)) {
      expect(price.usd, key).toBeGreaterThan(0);
      expect(price.per, key).toBeGreaterThan(0);
      expect(price.unit, key).not.toBe('');
      expect(price.date, key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.source, key).not.toBe('');
    }
  });

  it('holds the list prices of RECIPES.md (us-east-1)', () => {
    expect(AWS_PRICES.apiGatewayHttpRequest).toMatchObject({ usd: 1.0, per: 1e6 });
    expect(AWS_PRICES.lambdaRequest).toMatchObject({ usd: 0.2, per: 1e6 });
    expect(AWS_PRICES.lambdaArm64GbSecond).toMatchObject({ usd: 0.0000133334, per: 1 });
    expect(AWS_PRICES.dynamoDbWriteRequestUnit).toMatchObject({ usd: 0.625, per: 1e6 });
    expect(AWS_PRICES.dynamoDbReadRequestUnit).toMatchObject({ usd: 0.125, per: 1e6 });
    expect(AWS_PRICES.snsPublish).toMatchObject({ usd: 0.5, per: 1e6 });
  });
});

describe('estimateMonthlyCost', () => {
  it('keeps the anchor: the beat path costs about $1.84 per million beats', () => {
    // Prepare
    const fleets = [
      { devices: 1000, intervalSeconds: 60 },
      { devices: 1_000_000, intervalSeconds: 60 },
      { devices: 50_000, intervalSeconds: 300 },
    ];
    for (const fleet of fleets) {
      // Act
      const estimate = estimateMonthlyCost(fleet);
      // Assess: $1.00 + $0.20 + $0.625 + 5 ms x 0.25 GB x $0.0000133334 = $1.8417
      expect(estimate.beatPathPerMillionBeatsUsd).toBeCloseTo(1.8417, 4);
      expect(estimate.beatPathPerMillionBeatsUsd.toFixed(2)).toBe('1.84');
    }
  });

  it('prices 1M devices beating every 60 s, component by component', () => {
    // Act
    const estimate = estimateMonthlyCost({ devices: 1_000_000, intervalSeconds: 60, sweepEverySeconds: 60, includeLogs: false, includeSecrets: false });

    // Assess: 730 h a month, one beat a minute each
    expect(estimate.beatsPerMonth).toBeCloseTo(43.8e9, -3);
    expect(estimate.beatsPerSecond).toBeCloseTo(16_666.67, 1);
    expect(monthly(estimate, 'HTTP API requests')).toBeCloseTo(43_800, 2);
    expect(monthly(estimate, 'Lambda requests (ingest)')).toBeCloseTo(8_760, 2);
    // 43.8e9 beats x 5 ms x 0.25 GB = 54.75e6 GB-s
    expect(monthly(estimate, 'Lambda duration (ingest')).toBeCloseTo(730.0037, 2);
    expect(monthly(estimate, 'DynamoDB writes')).toBeCloseTo(27_375, 2);
    // 43,800 sweeps x 1e6 devices x 200 B / 8 KB read units x $0.125 per million
    expect(monthly(estimate, 'DynamoDB sweep reads')).toBeCloseTo(133.667, 2);
    // 43,800 sweeps of 16.667 s (1M devices at 60,000 devices/s) at 512 MB
    expect(monthly(estimate, 'Lambda duration (sweeper')).toBeCloseTo(4.867, 2);
    expect(monthly(estimate, 'SNS publishes')).toBeCloseTo(1.0, 6);
    // Instant alerts: 2M consumer invocations ($0.40) and a claim and a settle write each ($2.50)
    expect(monthly(estimate, 'Lambda requests (instant alerts')).toBeCloseTo(0.4, 6);
    expect(monthly(estimate, 'DynamoDB writes (instant alerts')).toBeCloseTo(2.5, 6);
    // History: 1M outages (a down and an up each) x 8 write units ($5.00); 90 days of them, 3 copies of 250 B ($0.56)
    expect(monthly(estimate, 'DynamoDB history writes')).toBeCloseTo(5.0, 6);
    expect(monthly(estimate, 'DynamoDB history storage')).toBeCloseTo(0.5625, 6);
    // Monitoring: the dashboard ($3), 8 custom metrics ($2.40), 43,800 EMF documents of 646 B ($0.014)
    expect(monthly(estimate, 'CloudWatch dashboard')).toBeCloseTo(3.0, 6);
    expect(monthly(estimate, 'CloudWatch custom metrics')).toBeCloseTo(2.4, 6);
    expect(monthly(estimate, 'EMF metric documents')).toBeCloseTo(0.01415, 4);
    // The consumer's duration (2M x 60 ms x 0.25 GB, $0.40) and its windows read (2M x 0.5 unit, $0.125)
    expect(monthly(estimate, 'Lambda duration (instant alerts')).toBeCloseTo(0.4, 5);
    expect(monthly(estimate, 'DynamoDB reads (instant alerts')).toBeCloseTo(0.125, 6);
    expect(estimate.totalMonthlyUsd).toBeCloseTo(80_818.98, 1);
    expect(estimate.perDeviceMonthUsd).toBeCloseTo(0.0808, 4);
  });

  it('prices history per outage, never per beat, and leaves monitoring out when asked', () => {
    // Act
    const often = estimateMonthlyCost({ devices: 10_000, intervalSeconds: 10 });
    const rarely = estimateMonthlyCost({ devices: 10_000, intervalSeconds: 600 });
    const flappy = estimateMonthlyCost({ devices: 10_000, intervalSeconds: 600, alertsPerDevicePerMonth: 20 });
    const bare = estimateMonthlyCost({ devices: 10_000, intervalSeconds: 600, includeMonitoring: false });

    // Assess: 60 times the beats, the same history bill; ten times the outages, ten times the writes
    expect(monthly(often, 'DynamoDB history writes')).toBeCloseTo(monthly(rarely, 'DynamoDB history writes'), 10);
    expect(monthly(flappy, 'DynamoDB history writes')).toBeCloseTo(10 * monthly(rarely, 'DynamoDB history writes'), 10);
    expect(bare.lines.some((l) => l.group === 'monitoring')).toBe(false);
    expect(rarely.totalMonthlyUsd - bare.totalMonthlyUsd).toBeGreaterThan(5.4);
  });

  it('adds log ingestion and the signing secret when asked, at their per-beat size', () => {
    // Act
    const withExtras = estimateMonthlyCost({ devices: 1_000_000, intervalSeconds: 60 });
    const without = estimateMonthlyCost({ devices: 1_000_000, intervalSeconds: 60, includeLogs: false, includeSecrets: false });

    // Assess
    const logsUsd = monthly(withExtras, 'CloudWatch Logs');
    expect(logsUsd).toBeCloseTo((withExtras.beatsPerMonth * logBytesPerBeat() * 0.5) / 1e9, 2);
    expect(logBytesPerBeat()).toBeGreaterThan(300);
    expect(monthly(withExtras, 'Secrets Manager secret')).toBeCloseTo(0.4, 6);
    expect(withExtras.totalMonthlyUsd).toBeGreaterThan(without.totalMonthlyUsd + logsUsd);
  });

  it('charges two write units for an item over 1 KB, and sweep reads by item size', () => {
    // Act
    const small = estimateMonthlyCost({ devices: 10_000, intervalSeconds: 60, itemBytes: 200 });
    const large = estimateMonthlyCost({ devices: 10_000, intervalSeconds: 60, itemBytes: 1500 });

    // Assess
    expect(monthly(large, 'DynamoDB writes')).toBeCloseTo(2 * monthly(small, 'DynamoDB writes'), 6);
    expect(monthly(large, 'DynamoDB sweep reads')).toBeCloseTo(7.5 * monthly(small, 'DynamoDB sweep reads'), 6);
  });

  it('scales the beat path with the beat rate', () => {
    const minute = estimateMonthlyCost({ devices: 1000, intervalSeconds: 60 });
    const fiveMinutes = estimateMonthlyCost({ devices: 1000, intervalSeconds: 300 });
    expect(fiveMinutes.beatsPerMonth).toBeCloseTo(SECONDS_PER_MONTH * 1000 / 300, 6);
    expect(monthly(fiveMinutes, 'HTTP API requests')).toBeCloseTo(monthly(minute, 'HTTP API requests') / 5, 6);
  });

  it('rejects a fleet of no devices', () => {
    expect(() => estimateMonthlyCost({ devices: 0, intervalSeconds: 60 })).toThrow(ConfigError);
  });
});

describe('alert delivery and the instant-alerts consumer in the cost model', () => {
  const lineOf = (estimate: CostEstimate, component: string) => {
    const found = estimate.lines.find((l) => l.component.startsWith(component));
    if (!found) throw new Error(`no line "${component}"`);
    return found;
  };
  const usd = (price: { usd: number; per: number }, quantity: number) => (quantity / price.per) * price.usd;

  it('prices the notifier per alert: invocations, duration, one secret per channel, reads per cold start, the dead-letter queue and its alarm', () => {
    // Prepare: known inputs
    const input = { devices: 5000, intervalSeconds: 60, alertsPerDevicePerMonth: 4, channels: 2, notifierMsPerAlert: 250, notifierMemoryMb: 512, undeliveredPercent: 5 };
    const alerts = input.devices * input.alertsPerDevicePerMonth;
    // One container in flight at this rate, living NOTIFIER_CONTAINER_LIFETIME_SECONDS: fewer cold starts than alerts.
    const containers = Math.max(1, Math.ceil((alerts / SECONDS_PER_MONTH) * (input.notifierMsPerAlert / 1000)));
    const coldStarts = Math.min(alerts, containers * (SECONDS_PER_MONTH / NOTIFIER_CONTAINER_LIFETIME_SECONDS));

    // Act
    const withChannels = estimateMonthlyCost(input);
    const without = estimateMonthlyCost({ ...input, channels: 0 });

    // Assess
    expect(lineOf(withChannels, 'Lambda requests (notifier').monthlyUsd).toBeCloseTo(usd(AWS_PRICES.lambdaRequest, alerts), 10);
    expect(lineOf(withChannels, 'Lambda duration (notifier').quantity).toBeCloseTo(alerts * (input.notifierMsPerAlert / 1000) * (input.notifierMemoryMb / 1024), 6);
    expect(lineOf(withChannels, 'Lambda duration (notifier').monthlyUsd).toBeCloseTo(usd(AWS_PRICES.lambdaArm64GbSecond, alerts * 0.25 * 0.5), 10);
    expect(lineOf(withChannels, 'Secrets Manager secrets (2 channels)').monthlyUsd).toBeCloseTo(usd(AWS_PRICES.secretsManagerSecretMonth, input.channels), 10);
    expect(coldStarts).toBeLessThan(alerts);
    expect(lineOf(withChannels, 'Secrets Manager reads (notifier').quantity).toBe(coldStarts * input.channels);
    expect(lineOf(withChannels, 'SQS dead-letter queue').quantity).toBeCloseTo(alerts * input.channels * (input.undeliveredPercent / 100) * 3, 6);
    expect(lineOf(withChannels, 'CloudWatch alarm').monthlyUsd).toBeCloseTo(AWS_PRICES.cloudWatchAlarmMonth.usd, 10);
    const delivery = withChannels.lines.filter((l) => l.group === 'delivery');
    expect(delivery).toHaveLength(6);
    expect(without.lines.some((l) => l.group === 'delivery')).toBe(false);
    expect(withChannels.totalMonthlyUsd - without.totalMonthlyUsd).toBeCloseTo(delivery.reduce((sum, l) => sum + l.monthlyUsd, 0), 10);
  });

  it('counts a cold start for every alert when alerts come further apart than a container lives', () => {
    // Prepare: 100 alerts a month, hours apart
    const input = { devices: 50, intervalSeconds: 60, alertsPerDevicePerMonth: 2, channels: 3 };

    // Act
    const estimate = estimateMonthlyCost(input);

    // Assess
    expect(lineOf(estimate, 'Secrets Manager reads (notifier').quantity).toBe(input.devices * input.alertsPerDevicePerMonth * input.channels);
  });

  it('prices the instant-alerts consumer per alert: invocations, duration, claim and settle, the windows read', () => {
    // Prepare
    const input = { devices: 20_000, intervalSeconds: 60, alertsPerDevicePerMonth: 3, instantAlertsMs: 80, instantAlertsMemoryMb: 1024 };
    const alerts = input.devices * input.alertsPerDevicePerMonth;

    // Act
    const estimate = estimateMonthlyCost(input);
    const twiceAsSlow = estimateMonthlyCost({ ...input, instantAlertsMs: 160 });

    // Assess
    expect(lineOf(estimate, 'Lambda duration (instant alerts').monthlyUsd).toBeCloseTo(usd(AWS_PRICES.lambdaArm64GbSecond, alerts * 0.08 * 1), 10);
    expect(lineOf(twiceAsSlow, 'Lambda duration (instant alerts').monthlyUsd).toBeCloseTo(2 * lineOf(estimate, 'Lambda duration (instant alerts').monthlyUsd, 10);
    expect(lineOf(estimate, 'DynamoDB reads (instant alerts').monthlyUsd).toBeCloseTo(usd(AWS_PRICES.dynamoDbReadRequestUnit, alerts * 0.5), 10);
    expect(lineOf(estimate, 'DynamoDB writes (instant alerts').monthlyUsd).toBeCloseTo(usd(AWS_PRICES.dynamoDbWriteRequestUnit, alerts * 2), 10);
  });

  it('leaves the channel secrets out with includeSecrets false, and refuses a channel count outside 0 to 3', () => {
    // Act
    const estimate = estimateMonthlyCost({ devices: 1000, intervalSeconds: 60, channels: 1, includeSecrets: false });

    // Assess
    expect(estimate.lines.some((l) => l.component.startsWith('Secrets Manager'))).toBe(false);
    expect(estimate.lines.some((l) => l.component.startsWith('Lambda requests (notifier, 1 channel)'))).toBe(true);
    expect(() => estimateMonthlyCost({ devices: 1000, intervalSeconds: 60, channels: 4 })).toThrow(/channels must be a whole number from 0 to 3/);
    expect(() => runCostCommand({ devices: 1000, channels: '5' })).toThrow(/--channels/);
  });

  it('says in the table what alert delivery adds, or how to price it', () => {
    // Act
    const none = runCostCommand({ devices: 1000 });
    const two = runCostCommand({ devices: 1000, channels: 2 });
    const delivery = estimateMonthlyCost({ devices: 1000, intervalSeconds: 60, channels: 2 }).lines.filter((l) => l.group === 'delivery');

    // Assess
    expect(none).toContain('--channels 1-3 adds');
    expect(none).not.toContain('Lambda requests (notifier');
    expect(two).toContain('Lambda requests (notifier, 2 channels)');
    expect(two).toContain(`Alert delivery to 2 channels: ${formatUsd(delivery.reduce((sum, l) => sum + l.monthlyUsd, 0))} a month`);
  });
});

describe('runCostCommand', () => {
  it('prints a table with every component, the total and the per-million figure', () => {
    // Act
    const text = runCostCommand({ devices: '1000000', interval: '60', sweepEvery: '60', logs: false, secrets: false });

    // Assess
    expect(text).toContain('1,000,000 devices beating every 60 s');
    for (const component of ['HTTP API requests', 'Lambda requests (ingest)', 'DynamoDB writes', 'DynamoDB sweep reads', 'SNS publishes']) {
      expect(text).toContain(component);
    }
    expect(text).toMatch(/total\s+\$80,818\.98\s+\$1\.85/);
    expect(text).toContain('$1.84 per million beats');
  });

  it('names the flag whose value is out of range', () => {
    expect(() => runCostCommand({ devices: 100, interval: 2 })).toThrow(/--interval/);
    expect(() => runCostCommand({ devices: 'many' })).toThrow(/--devices/);
  });

  it('renders Markdown for README on request', () => {
    const markdown = runCostCommand({ devices: 1000, interval: 60, markdown: true });
    expect(markdown).toContain('| component | usage a month | per month | per million beats |');
    expect(markdown).toMatch(/\| \*\*total\*\* \| \| \*\*\$[\d,.]+\*\* \|/);
    expect(renderCostMarkdown(estimateMonthlyCost({ devices: 1000, intervalSeconds: 60 }))).toBe(markdown);
  });
});

describe('deployment options in the cost model', () => {
  const fleet = { devices: 1_000_000, intervalSeconds: 60 };

  it('drops the API Gateway line and the access log behind a function URL', () => {
    // Act
    const url = estimateMonthlyCost({ ...fleet, frontDoor: 'functionUrl' });
    const api = estimateMonthlyCost({ ...fleet, frontDoor: 'httpApi' });
    // Assess: $1.00 of requests and ~$0.23 of access log per million beats
    expect(url.lines.some((l) => l.component.startsWith('HTTP API'))).toBe(false);
    expect(url.lines.some((l) => l.group === 'logs')).toBe(false);
    expect(api.perMillionBeatsUsd - url.perMillionBeatsUsd).toBeCloseTo(1.23, 2);
  });

  it('shares one request, one invocation and one log line among the beats of a batch, never the write', () => {
    // Act
    const batched = estimateMonthlyCost({ ...fleet, batchSize: 100 });
    // Assess: 43.8e9 beats / 100 requests; 5 ms + 99 x 0.3 ms = 35 ms billed per request
    expect(monthly(batched, 'HTTP API requests')).toBeCloseTo(438, 2);
    expect(monthly(batched, 'Lambda requests (ingest')).toBeCloseTo(87.6, 2);
    expect(batched.lines.find((l) => l.component.startsWith('Lambda duration (ingest'))?.component).toContain('x 35 ms');
    expect(monthly(batched, 'DynamoDB writes (1 per beat)')).toBeCloseTo(27_375, 2);
    expect(() => estimateMonthlyCost({ ...fleet, batchSize: 101 })).toThrow(/batchSize/);
  });

  it('bills provisioned writes as capacity for the beat rate at the target utilization', () => {
    // Act
    const provisioned = estimateMonthlyCost({ ...fleet, billing: 'provisioned', sweepEverySeconds: 60 });
    // Assess: 16,667 writes/s / 0.7 = 23,810 WCU x 730 h x $0.00065
    expect(monthly(provisioned, 'DynamoDB write capacity')).toBeCloseTo(11_297.62, 1);
    // The scan's 24,414 read units in 16.7 s, at 70 %: 2,092 RCU x 730 h x $0.00013
    expect(monthly(provisioned, 'DynamoDB read capacity')).toBeCloseTo(198.55, 1);
    expect(provisioned.lines.some((l) => l.component.startsWith('DynamoDB writes'))).toBe(false);
  });

  it('sweeps four times a minute at sweepEverySeconds 15, paying for the minute the sweeper waits through', () => {
    // Act: 100,000 devices sweep in 1.7 s
    const every15 = estimateMonthlyCost({ devices: 100_000, intervalSeconds: 60, sweepEverySeconds: 15 });
    const every60 = estimateMonthlyCost({ devices: 100_000, intervalSeconds: 60, sweepEverySeconds: 60 });
    // Assess
    expect(every15.sweepsPerMonth).toBeCloseTo(4 * every60.sweepsPerMonth, 6);
    expect(monthly(every15, 'DynamoDB sweep reads')).toBeCloseTo(4 * monthly(every60, 'DynamoDB sweep reads'), 6);
    // 45 s of waiting + a 1.7 s sweep, once a minute, at 512 MB
    expect(every15.lines.find((l) => l.component.startsWith('Lambda duration (sweeper'))?.component).toContain('46.7 s a minute');
    expect(every15.worstDetectionSeconds).toBeCloseTo(16.7, 1);
    expect(every60.worstDetectionSeconds).toBeCloseTo(61.7, 1);
  });

  it('lets a sweep longer than the period set the pace: back to back, and detection slows with it', () => {
    // Act: 1M devices sweep in 16.7 s, longer than 15 s
    const estimate = estimateMonthlyCost({ ...fleet, sweepEverySeconds: 15 });
    // Assess: 4 sweeps a minute of 16.7 s each, started back to back
    expect(estimate.sweepPeriodSeconds).toBeCloseTo(16.67, 2);
    expect(estimate.sweepsPerMonth).toBeCloseTo(4 * (SECONDS_PER_MONTH / 60), 3);
    expect(estimate.worstDetectionSeconds).toBeCloseTo(33.3, 1);
  });
});

describe('compareOptions', () => {
  it('prices the cheapest combination at 1M devices under $0.60 per million beats, and the default at about $2.08', () => {
    // Act
    const comparison = compareOptions({ devices: 1_000_000, intervalSeconds: 60 }, DEFAULT_CHOICE, 100);
    // Assess
    const byName = Object.fromEntries(comparison.columns.map((c) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(['default', 'functionUrl', 'provisioned', 'batch 100', 'sweep 60 s', 'cheapest', 'chosen']);
    expect(byName.default?.estimate.perMillionBeatsUsd).toBeCloseTo(2.08, 2);
    expect(byName.cheapest?.choice).toEqual({ frontDoor: 'functionUrl', billing: 'provisioned', batchSize: 100, sweepEverySeconds: 15 });
    expect(byName.cheapest?.estimate.perMillionBeatsUsd).toBeLessThan(0.6);
    expect(byName.chosen?.estimate.totalMonthlyUsd).toBe(byName.default?.estimate.totalMonthlyUsd);
  });

  it('keeps a small fleet on demand: provisioned capacity has a floor', () => {
    // Act
    const comparison = compareOptions({ devices: 1000, intervalSeconds: 60 }, DEFAULT_CHOICE, 100);
    // Assess
    expect(comparison.columns.find((c) => c.name === 'cheapest')?.choice.billing).toBe('onDemand');
    expect(comparison.breakEven.provisionedDevices).toBeGreaterThan(1000);
  });

  it('finds the break-even points', () => {
    // Act
    const { breakEven } = compareOptions({ devices: 1_000_000, intervalSeconds: 60 }, DEFAULT_CHOICE, 100);
    // Assess: $0.00065 / 3600 per WCU-second against $0.625 per million writes
    expect(breakEven.provisionedUtilizationPercent).toBeCloseTo(28.9, 1);
    expect(breakEven.provisionedDevices).toBeGreaterThan(1000);
    expect(breakEven.provisionedDevices).toBeLessThan(100_000);
    const fleetAt = (devices: number, billing: 'onDemand' | 'provisioned') =>
      estimateMonthlyCost({ devices, intervalSeconds: 60, ...DEFAULT_CHOICE, billing }).totalMonthlyUsd;
    const at = breakEven.provisionedDevices as number;
    expect(fleetAt(at, 'provisioned')).toBeLessThan(fleetAt(at, 'onDemand'));
    expect(fleetAt(Math.floor(at * 0.9), 'provisioned')).toBeGreaterThan(fleetAt(Math.floor(at * 0.9), 'onDemand'));
    expect(breakEven.functionUrlSavesPerMillionBeatsUsd).toBeCloseTo(1.23, 2);
    expect(breakEven.sweepOutgrowsPeriodDevices).toBe(15 * 60_000);
    expect(breakEven.subMinuteSweepMonthlyUsd).toBeGreaterThan(0);
  });
});

describe('costCommandInput', () => {
  it('reads the option flags, and names a bad one', () => {
    // Act
    const { chosen } = costCommandInput({ frontDoor: 'functionUrl', billing: 'provisioned', batch: '20', sweepEvery: '30' });
    // Assess
    expect(chosen).toEqual({ frontDoor: 'functionUrl', billing: 'provisioned', batchSize: 20, sweepEverySeconds: 30 });
    expect(() => costCommandInput({ frontDoor: 'restApi' })).toThrow(/--front-door must be one of httpApi, functionUrl/);
    expect(() => costCommandInput({ billing: 'reserved' })).toThrow(/--billing/);
    expect(() => costCommandInput({ batch: '0' })).toThrow(/--batch/);
    expect(() => costCommandInput({ sweepEvery: '5' })).toThrow(/--sweep-every/);
  });
});
