/**
 * The simulator's report: simulate/results.json, the chart simulate/detection-quality.svg, and the
 * table between the simulate markers of README.md, with the targets checked.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectionQualityChart } from '../bench/support/charts';
import type { Mode } from './engine';
import type { QualityOfService } from './measures';
import type { Scenario } from './scenarios';

const here = dirname(fileURLToPath(import.meta.url));
const BEGIN = '<!-- simulate:begin (written by npm run simulate) -->';
const END = '<!-- simulate:end -->';

/** One scenario in one mode, scored. */
export interface ScoredRun {
  readonly scenario: string;
  readonly mode: string;
  readonly qos: QualityOfService;
}

/** A target of issue 13's "Done when", checked against a run. */
export interface TargetCheck {
  readonly target: string;
  readonly met: boolean;
  readonly detail: string;
}

/** Expected pairs of consecutive lost beats per device-day at 1 % loss and one beat a minute. */
const LOSS_PAIRS_PER_DAY = 0.144;

const find = (runs: readonly ScoredRun[], scenario: string, mode: string) => runs.find((r) => r.scenario === scenario && r.mode === mode)?.qos;

/** Scenarios whose beats go out once, with no retry (a plain curl): the raw network model. */
const isRaw = (scenario: string) => scenario.endsWith('-raw');

/** Checks the simulator targets that the modes present can be checked against; a missing mode is reported as not checked. */
export function checkTargets(runs: readonly ScoredRun[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const retried = find(runs, 'loss-1%-retry', 'fixed');
  if (retried) {
    out.push({
      target: "fixed mode: 0 false alarms with 1 % of attempts lost and the default grace, the shipped clients' retries",
      met: retried.falseAlarms === 0,
      detail:
        `${retried.falseAlarms} false alarms in ${retried.deviceDays} device-days (${retried.falseAlarmsPerDeviceDay} per device-day)` +
        (retried.falseAlarms === 0 ? ': a lost attempt makes the beat 10 to 11 s late, far inside the grace of one interval; a beat is lost only when all 6 attempts are (10^-12)' : ''),
    });
  }
  const lossy = find(runs, 'loss-1%-raw', 'fixed');
  if (lossy) {
    out.push({
      target: 'fixed mode: 0 false alarms with 1 % of beats lost and the default grace, no retry (a plain curl)',
      met: lossy.falseAlarms === 0,
      detail:
        `${lossy.falseAlarms} false alarms in ${lossy.deviceDays} device-days (${lossy.falseAlarmsPerDeviceDay} per device-day)` +
        (lossy.falseAlarms === 0
          ? ''
          : `: missed by that much. The default grace equals the interval, so the deadline is two intervals after a beat and two lost beats in a row always page (0.01² x 1,440 beats a day = ${LOSS_PAIRS_PER_DAY} per device-day expected); one lost beat pages too when the next beat's delay is longer than the lost one's and a sweep falls in between. The shipped clients' retries remove it (row above)`),
    });
  }
  const loopFixed = find(runs, 'reboot-loop', 'fixed');
  const loopRules = find(runs, 'reboot-loop', 'rules');
  out.push(
    loopRules && loopFixed
      ? {
          target: 'with recoverAfter a reboot loop pages once per loop, not once per reboot',
          met: loopRules.pagesPerRealOutage !== null && loopRules.pagesPerRealOutage <= 1.0001,
          detail: `${loopRules.pagesPerRealOutage} pages per loop with the rules, ${loopFixed.pagesPerRealOutage} in fixed mode`,
        }
      : { target: 'with recoverAfter a reboot loop pages once per loop, not once per reboot', met: false, detail: 'not checked: the rules mode is not in the core yet' },
  );
  // Steady devices: their detection time when they die ("dying"); false alarms scenario by scenario.
  const target = 'adaptive: lower median T_D than fixed on steady devices (T_D from "dying"), and no more false alarms than fixed in any scenario';
  const [dyingFixed, dyingAdaptive] = [find(runs, 'dying', 'fixed'), find(runs, 'dying', 'adaptive')];
  if (dyingFixed && dyingAdaptive) {
    const faster = (dyingAdaptive.detectionMedianSeconds ?? Number.POSITIVE_INFINITY) < (dyingFixed.detectionMedianSeconds ?? Number.POSITIVE_INFINITY);
    const scenarios = [...new Set(runs.map((r) => r.scenario))];
    const worse = (raw: boolean) =>
      scenarios
        .filter((name) => isRaw(name) === raw)
        .flatMap((name) => {
          const [fixed, adaptive] = [find(runs, name, 'fixed'), find(runs, name, 'adaptive')];
          return fixed && adaptive && adaptive.falseAlarms > fixed.falseAlarms ? [`${name} ${adaptive.falseAlarmsPerDeviceDay} vs ${fixed.falseAlarmsPerDeviceDay}`] : [];
        });
    const speed = `median T_D ${dyingAdaptive.detectionMedianSeconds} s vs ${dyingFixed.detectionMedianSeconds} s fixed`;
    const listed = (w: string[]) => (w.length === 0 ? 'no scenario has more false alarms than fixed' : `more false alarms per device-day than fixed in ${w.join('; ')}`);
    const retryWorse = worse(false);
    out.push({ target: `${target}, the shipped clients' retries`, met: faster && retryWorse.length === 0, detail: `${speed}; ${listed(retryWorse)}` });
    const rawWorse = worse(true);
    out.push({ target: `${target}, no retry (a plain curl)`, met: faster && rawWorse.length === 0, detail: `${speed}; ${listed(rawWorse)}` });
  } else out.push({ target, met: false, detail: 'not checked: adaptive mode did not run' });
  return out;
}

const cell = (v: number | null) => (v === null ? '–' : String(v));

/** The markdown table of all runs, and the target checks. */
export function markdownTable(runs: readonly ScoredRun[], targets: readonly TargetCheck[]): string {
  const lines = [
    '| scenario | mode | real outages | detected | T_D median (s) | T_D p99 (s) | false alarms / device-day | T_M median (s) | pages / real outage |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...runs.map(({ scenario, mode, qos: q }) =>
      `| ${scenario} | ${mode} | ${q.realOutages} | ${q.detected} | ${cell(q.detectionMedianSeconds)} | ${cell(q.detectionP99Seconds)} | ${q.falseAlarmsPerDeviceDay} | ${cell(q.mistakeMedianSeconds)} | ${cell(q.pagesPerRealOutage)} |`,
    ),
    '',
    '| target (issue 13) | met | measured |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.target} | ${t.met ? 'yes' : '**no**'} | ${t.detail} |`),
  ];
  return lines.join('\n');
}

/** Everything the report needs. */
export interface ReportInput {
  readonly results: readonly ScoredRun[];
  readonly scenarios: readonly Scenario[];
  readonly modes: readonly Mode[];
  readonly deviceDays: number;
  readonly seconds: number;
  /** CPU time of all workers together. */
  readonly cpuSeconds: number;
  /** The machine's one-minute load average when the run started, and its cores. */
  readonly load: { readonly averageAtStart: number; readonly cores: number };
  readonly workers: number;
  readonly sweepEverySeconds: number;
  /** false: print the table only. */
  readonly write: boolean;
}

/** Prints the table; with `write`, also writes results.json, the chart and the README section. */
export async function writeReport(input: ReportInput): Promise<void> {
  const targets = checkTargets(input.results);
  const table = markdownTable(input.results, targets);
  process.stdout.write(`${table}\n`);
  if (!input.write) return;
  const json = {
    deviceDays: input.deviceDays,
    seconds: Math.round(input.seconds * 10) / 10,
    cpuSeconds: Math.round(input.cpuSeconds * 10) / 10,
    load: input.load,
    workers: input.workers,
    sweepEverySeconds: input.sweepEverySeconds,
    scenarios: input.scenarios.map((s) => ({ name: s.name, description: s.description, devices: s.devices, days: s.days, intervalSeconds: s.intervalSeconds })),
    modes: input.modes.map((m) => ({ name: m.name, description: m.description })),
    results: input.results,
    targets,
  };
  await writeFile(join(here, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  const svg = await detectionQualityChart(input.results.map((r) => ({ scenario: r.scenario, mode: r.mode, detectionMedianSeconds: r.qos.detectionMedianSeconds, falseAlarmsPerDeviceDay: r.qos.falseAlarmsPerDeviceDay })));
  await writeFile(join(here, 'detection-quality.svg'), svg);
  const readmePath = join(here, '..', 'README.md');
  const readme = await readFile(readmePath, 'utf8');
  const from = readme.indexOf(BEGIN);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no simulate section (${BEGIN} ... ${END})`);
  const scenarioList = input.scenarios.map((s) => `- \`${s.name}\` (${s.devices} devices x ${s.days} days): ${s.description}`).join('\n');
  const modeList = input.modes.map((m) => `- \`${m.name}\`: ${m.description}`).join('\n');
  const section = [
    BEGIN,
    `${input.deviceDays.toLocaleString('en-US')} device-days, sweeps every ${input.sweepEverySeconds} s, ${input.seconds.toFixed(1)} s wall on ${input.workers} worker(s), ${input.cpuSeconds.toFixed(1)} CPU seconds, ${(input.cpuSeconds / input.workers).toFixed(1)} per worker (the machine: ${input.load.cores} cores, load average ${input.load.averageAtStart} at the start; wall time depends on what else the machine runs, the CPU time much less).`,
    '',
    'Scenarios:',
    scenarioList,
    '',
    'Modes:',
    modeList,
    '',
    table,
    '',
    '![Detection quality: median detection time and false alarms per device-day, by scenario and mode](simulate/detection-quality.svg)',
    END,
  ].join('\n');
  await writeFile(readmePath, readme.slice(0, from) + section + readme.slice(to + END.length));
}
