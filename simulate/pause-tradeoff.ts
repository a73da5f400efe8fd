/**
 * `npx tsx simulate/pause-tradeoff.ts [scale] [pauses]`: what adaptive detection's acceptable pause
 * (`adaptivePauseSeconds`) trades, through the same engine as `npm run simulate`: median detection
 * time of devices that die, against false alarms on links that lose 1 % and 10 % of attempts with
 * the shipped clients' retries. Prints a markdown table (the README quotes it). One thread; at the
 * default scale of 0.25, about 20 CPU seconds.
 */
import { simulateDevice, type DeviceOutcome, type Mode } from './engine';
import { measure } from './measures';
import { modes } from './modes';
import { SIMULATION_START, scenarios } from './scenarios';
import { SETTINGS } from '../lambdas/core/settings-catalog';

const DAY_MS = 86_400_000;
const SCENARIOS = ['dying', 'loss-1%-retry', 'loss-10%-retry'];

async function main(): Promise<void> {
  const scale = Number(process.argv[2] ?? '0.25');
  const pauses = (process.argv[3] ?? '0,11,23,37,45,55').split(',').map(Number);
  if (!(scale > 0) || pauses.some((p) => !Number.isInteger(p) || p < 0)) throw new Error('usage: pause-tradeoff.ts [scale > 0] [pauses: whole seconds, comma-separated]');
  const all = modes();
  const fixed = all.find((m) => m.name === 'fixed') as Mode;
  const adaptive = all.find((m) => m.name === 'adaptive') as Mode;
  const runs: { label: string; mode: Mode }[] = [
    { label: 'fixed', mode: fixed },
    ...pauses.map((p) => ({ label: `adaptive, pause ${p} s`, mode: { ...adaptive, settings: { ...adaptive.settings, adaptivePauseSeconds: p } } })),
  ];
  // The schedule of `npm run simulate`: the deployment's default sweep period, at the same phase.
  const schedule = { phase: SIMULATION_START + 7_000, everyMs: SETTINGS.sweepEverySeconds.default * 1000 };
  const cells = new Map<string, string[]>(runs.map((r) => [r.label, []]));
  const fleets = scenarios(scale);
  for (const name of SCENARIOS) {
    const scenario = fleets.find((s) => s.name === name);
    if (!scenario) throw new Error(`no scenario ${name}`);
    const end = SIMULATION_START + scenario.days * DAY_MS;
    const plans = Array.from({ length: scenario.devices }, (_, i) => scenario.plan(i, SIMULATION_START));
    for (const { label, mode } of runs) {
      const outcomes: DeviceOutcome[] = [];
      for (const plan of plans) outcomes.push(await simulateDevice(plan, mode, schedule, end));
      const q = measure(outcomes, mode.settings.stormThreshold, scenario.devices * scenario.days, end);
      (cells.get(label) as string[]).push(scenario.name === 'dying' ? `${q.detectionMedianSeconds}` : `${q.falseAlarmsPerDeviceDay}`);
    }
  }
  const lines = [
    `| detection | T_D median, dying (s) | false alarms / device-day, 1 % of attempts lost | same, 10 % |`,
    '|---|---:|---:|---:|',
    ...runs.map(({ label }) => `| ${label} | ${(cells.get(label) as string[]).join(' | ')} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`pause-tradeoff: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
