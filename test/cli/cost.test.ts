/** `npx heartbeat cost` as a person runs it: the chosen deployment's bill, every option side by side, the break-even points. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../e2e/support/local-process';

describe('heartbeat cost', () => {
  it('prints every option side by side with the break-even points, and prices the chosen options', async () => {
    // Act
    const run = await runCli(['cost', '--devices', '1000000', '--front-door', 'functionUrl', '--billing', 'provisioned', '--batch', '50', '--sweep-every', '30']);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('DynamoDB write capacity');
    expect(run.stdout).not.toContain('HTTP API requests (50 beats each)');
    expect(run.stdout).toContain('Lambda requests (ingest, function URL) (50 beats each)');
    for (const name of ['default', 'functionUrl', 'provisioned', 'batch 50', 'sweep 60 s', 'cheapest', 'chosen']) {
      expect(run.stdout).toMatch(new RegExp(`^${name}\\s+\\$`, 'm'));
    }
    expect(run.stdout).toMatch(/^chosen .*functionUrl, provisioned, batch 50, sweep 30 s$/m);
    expect(run.stdout).toContain('Break-even points:');
    expect(run.stdout).toMatch(/whole bill is lower from about [\d,]+ devices/);
  });

  it.each([
    [['--batch', '101'], '--batch must be a whole number from 1 to 100, got "101"'],
    [['--sweep-every', '5'], '--sweep-every must be a whole number from 10 to 60, got "5"'],
    [['--front-door', 'restApi'], '--front-door must be one of httpApi, functionUrl, got "restApi"'],
    [['--channels', '4'], '--channels must be a whole number from 0 to 3, got "4"'],
  ])('refuses %j with one line naming the flag and its range, printing no bill', async (flags, message) => {
    // Act
    const run = await runCli(['cost', ...flags]);
    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: ${message}.\n`);
    expect(run.stdout).toBe('');
  });

  it('names a bad option flag and exits non-zero', async () => {
    // Act
    const run = await runCli(['cost', '--billing', 'reserved']);
    // Assess
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--billing must be one of onDemand, provisioned');
  });
});
