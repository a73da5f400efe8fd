/**
 * `npm run simulate`: every scenario in every mode, through the real core on a virtual clock.
 * Work is split into chunks of devices across worker threads (one per core); each worker
 * simulates its devices and sends back their outcomes, which the main thread scores and reports.
 * Options: --scale <n> (fleet size factor, default 1), --workers <n>, --no-write (print only).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { simulateDevice, type DeviceOutcome, type SweepSchedule } from './engine';
import { measure } from './measures';
import { modes } from './modes';
import { writeReport, type ScoredRun } from './report';
import { SIMULATION_START, scenarios } from './scenarios';
import { SETTINGS } from '../lambdas/core/settings-catalog';

/** One piece of work: devices [from, to) of one scenario in one mode. */
interface Chunk {
  readonly scenario: number;
  readonly mode: number;
  readonly from: number;
  readonly to: number;
  readonly scale: number;
}

const DAY_MS = 86_400_000;
const CHUNK_DEVICES = 250;

/** The sweep schedule of a run: every sweepEverySeconds (the deployment default), at a fixed phase. */
function schedule(everySeconds: number): SweepSchedule {
  return { phase: SIMULATION_START + 7_000, everyMs: everySeconds * 1000 };
}

/** The deployment's default sweep period (settings catalog). */
const SWEEP_EVERY_SECONDS = SETTINGS.sweepEverySeconds.default;

async function runChunk(chunk: Chunk): Promise<DeviceOutcome[]> {
  const scenario = scenarios(chunk.scale)[chunk.scenario];
  const mode = modes()[chunk.mode];
  if (!scenario || !mode) throw new Error(`no scenario ${chunk.scenario} or mode ${chunk.mode}`);
  const end = SIMULATION_START + scenario.days * DAY_MS;
  const out: DeviceOutcome[] = [];
  for (let i = chunk.from; i < chunk.to; i++) out.push(await simulateDevice(scenario.plan(i, SIMULATION_START), mode, schedule(SWEEP_EVERY_SECONDS), end));
  return out;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const scale = Number(option('--scale') ?? '1');
  const workers = Number(option('--workers') ?? String(Math.min(2, availableParallelism())));
  if (!(scale > 0) || !Number.isInteger(workers) || workers < 1) throw new Error('--scale must be > 0 and --workers a positive integer');
  const allScenarios = scenarios(scale);
  const allModes = modes();
  const chunks: Chunk[] = [];
  for (let s = 0; s < allScenarios.length; s++) {
    for (let m = 0; m < allModes.length; m++) {
      const devices = (allScenarios[s] as { devices: number }).devices;
      for (let from = 0; from < devices; from += CHUNK_DEVICES) chunks.push({ scenario: s, mode: m, from, to: Math.min(devices, from + CHUNK_DEVICES), scale });
    }
  }
  const totalDeviceDays = allScenarios.reduce((sum, s) => sum + s.devices * s.days, 0) * allModes.length;
  process.stdout.write(`[simulate] ${allScenarios.length} scenarios x ${allModes.length} modes, ${totalDeviceDays.toLocaleString('en-US')} device-days on ${workers} worker(s)\n`);
  // How busy the machine was: on a shared one, wall time says more about the neighbours than about the simulator.
  const load = { averageAtStart: Math.round((loadavg()[0] ?? 0) * 10) / 10, cores: cpus().length };
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const outcomes = new Map<string, DeviceOutcome[]>();
  let done = 0;
  let doneDeviceDays = 0;
  const queue = [...chunks];
  const pool = Array.from({ length: workers }, () => new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { worker: true } }));
  await Promise.all(
    pool.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const give = () => {
            const chunk = queue.shift();
            if (!chunk) {
              void worker.terminate();
              resolve();
              return;
            }
            worker.once('message', (result: DeviceOutcome[]) => {
              const key = `${chunk.scenario}/${chunk.mode}`;
              outcomes.set(key, [...(outcomes.get(key) ?? []), ...result]);
              done++;
              doneDeviceDays += (chunk.to - chunk.from) * (allScenarios[chunk.scenario] as { days: number }).days;
              if (done % 10 === 0 || done === chunks.length) {
                const seconds = (performance.now() - started) / 1000;
                process.stdout.write(`[simulate] ${doneDeviceDays.toLocaleString('en-US')} / ${totalDeviceDays.toLocaleString('en-US')} device-days, ${seconds.toFixed(1)} s\n`);
              }
              give();
            });
            worker.postMessage(chunk);
          };
          worker.once('error', reject);
          give();
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  // Worker threads are threads of this process: its CPU time is the whole simulation's (wall time depends on who else runs).
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const results: ScoredRun[] = [];
  allScenarios.forEach((scenario, s) => {
    allModes.forEach((mode, m) => {
      const end = SIMULATION_START + scenario.days * DAY_MS;
      const qos = measure(outcomes.get(`${s}/${m}`) ?? [], mode.settings.stormThreshold, scenario.devices * scenario.days, end);
      results.push({ scenario: scenario.name, mode: mode.name, qos });
    });
  });
  process.stdout.write(`[simulate] ${totalDeviceDays.toLocaleString('en-US')} device-days in ${seconds.toFixed(1)} s (${workers} worker(s), ${cpuSeconds.toFixed(1)} CPU seconds)\n`);
  await writeReport({ results, scenarios: allScenarios, modes: allModes, deviceDays: totalDeviceDays, seconds, cpuSeconds, load, workers, sweepEverySeconds: SWEEP_EVERY_SECONDS, write: !process.argv.includes('--no-write') });
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(`simulate: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
} else if (workerData?.worker) {
  parentPort?.on('message', (chunk: Chunk) => {
    runChunk(chunk).then((result) => parentPort?.postMessage(result));
  });
}
