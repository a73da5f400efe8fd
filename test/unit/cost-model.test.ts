/**
 * The cost model: list prices kept as data, the monthly bill of a 1M-device fleet beating every
 * minute, and the anchor of about $1.84 per million beats (HTTP API $1.00, Lambda $0.20 plus
 * duration, one on-demand write $0.625).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/core/settings';
import {
  AWS_PRICES,
  SECONDS_PER_MONTH,
  estimateMonthlyCost,
  logBytesPerBeat,
  renderCostMarkdown,
  runCostCommand,
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
    const estimate = estimateMonthlyCost({ devices: 1_000_000, intervalSeconds: 60, includeLogs: false, includeSecrets: false });

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
    expect(estimate.totalMonthlyUsd).toBeCloseTo(80_804.57, 1);
    expect(estimate.perDeviceMonthUsd).toBeCloseTo(0.0808, 4);
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

describe('runCostCommand', () => {
  it('prints a table with every component, the total and the per-million figure', () => {
    // Act
    const text = runCostCommand({ devices: '1000000', interval: '60', logs: false, secrets: false });

    // Assess
    expect(text).toContain('1,000,000 devices beating every 60 s');
    for (const component of ['HTTP API requests', 'Lambda requests (ingest)', 'DynamoDB writes', 'DynamoDB sweep reads', 'SNS publishes']) {
      expect(text).toContain(component);
    }
    expect(text).toMatch(/total\s+\$80,804\.57\s+\$1\.84/);
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
