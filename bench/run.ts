/**
 * `npm run bench [-- --quick] [-- --only ingest,sweep,...]`: ingest and sweep measured side by side
 * with their DynamoDB floor on an in-memory DynamoDB Local, plus bundle sizes and import times,
 * and, when the local server is there, HTTP throughput and detection latency. Writes
 * bench/results.json, bench/results.md and SVG charts. Talks to 127.0.0.1 only.
 *
 * Sections: bundles, ingest, sweep (ratio, read units, CPU per device, scale-out), alerts, delivery
 * (signed webhooks to a 127.0.0.1 receiver), http, detection, batch, instant (stream alerts), cost
 * (the model's price per million beats). A section that fails is reported and the others still run; the exit code is 1 then.
 * With --only, the report goes to bench/.work/ so that the full results stay whole.
 *
 * Each section that needs DynamoDB Local gets a fresh one of its own (sweep, sweep-cpu and scale-out
 * share theirs and its fleets), and measures its key against a floor on that same instance. One
 * instance for the whole run made every later section slower than the last: DynamoDB Local keeps
 * every stream record of an instance (deleted tables' too) in one SQLite table, and each write to a
 * table with a stream first looks for its stream's oldest record by walking that table in order,
 * past every older stream's records. After 10k seeded devices a write cost several times as much,
 * after 100k the run stalled (see NewTableOptions in support/context.ts).
 */
import { loadavg, cpus } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal, type DynamoDbLocal } from '../lambdas/local/dynamodb-local';
import { measureAlerts, type AlertsResult } from './measure/alerts';
import { measureBundles, type BundlesResult } from './measure/bundles';
import { measureDelivery, type DeliveryResult } from './measure/delivery';
import { measureDetection, type DetectionResult } from './measure/detection';
import { measureHistory, type HistoryResult } from './measure/history';
import { measureHttp, type HttpResult } from './measure/http';
import { measureIngest, type IngestResult } from './measure/ingest';
import { measureScaleOut, type ScaleOutResult } from './measure/scale-out';
import { measureSweep, type SweepResult } from './measure/sweep';
import { measureBatch, measureCost, measureInstant, type BatchResult, type CostResult, type InstantResult } from './measure/speed';
import { measureSweepCpu, type SweepCpuResult } from './measure/sweep-cpu';
import { writeReport, type BenchRun } from './report';
import { createBasics, createContext, type BenchContext, type BenchOptions } from './support/context';
import { FleetTables } from './support/fleet-tables';
import { localServerMissing } from './support/local-server';
import { formatMs, progress } from './support/progress';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const SECTIONS = ['bundles', 'ingest', 'sweep', 'alerts', 'delivery', 'history', 'http', 'detection', 'batch', 'instant', 'cost'] as const;
type Section = (typeof SECTIONS)[number];

const log = progress('bench');

/** Where each run keeps its raw measurements, so `--report` can render them again without measuring. */
const LAST_RUN_FILE = 'last-run.json';
/** Where a partial run (--only) leaves its raw measurements. */
const LAST_PARTIAL_RUN_FILE = 'last-partial-run.json';

function parseArgs(argv: readonly string[]): BenchOptions & { reportOnly: boolean } {
  let quick = false;
  let reportOnly = false;
  let only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--report') reportOnly = true;
    else if (arg === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',').filter(Boolean);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`usage: npm run bench -- [--quick] [--only ${SECTIONS.join(',')}] | --report (render bench/.work/${LAST_RUN_FILE} again)\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${arg}; try --help`);
  }
  for (const section of only) if (!(SECTIONS as readonly string[]).includes(section)) throw new Error(`unknown section "${section}"; sections: ${SECTIONS.join(', ')}`);
  return { quick, only, reportOnly };
}

/** `--report`: renders the last full run's measurements again (after a change to the report code). */
async function reportAgain(): Promise<number> {
  const raw = JSON.parse(await readFile(join(BENCH_DIR, '.work', LAST_RUN_FILE), 'utf8')) as BenchRun & { startedAt: string };
  const written = await writeReport(BENCH_DIR, { ...raw, startedAt: new Date(raw.startedAt) });
  log(`rendered bench/.work/${LAST_RUN_FILE} again: ${written.map((file) => `bench/${file}`).join(', ')}`);
  return 0;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  // Paths in the bench (handlers, bin/heartbeat.mjs) are relative to the project root.
  process.chdir(resolve(BENCH_DIR, '..'));
  if (options.reportOnly) return reportAgain();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const wanted = (section: Section) => options.only.length === 0 || options.only.includes(section);
  const startedAt = new Date();
  const started = performance.now();
  const loadStart = loadavg();
  log(`${options.quick ? 'quick' : 'full'} run; sections: ${SECTIONS.filter(wanted).join(', ')}; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);

  const workDir = join(BENCH_DIR, '.work');
  await mkdir(workDir, { recursive: true });
  let running: DynamoDbLocal | null = null;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping DynamoDB Local`);
    void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  /** Runs `measure` on a fresh in-memory DynamoDB Local of its own, stopped afterwards (see the header). */
  const withDynamo = async <T>(sections: string, measure: (ctx: BenchContext) => Promise<T>): Promise<T> => {
    const dynamoStarted = performance.now();
    const dynamo = await startDynamoDbLocal();
    running = dynamo;
    log(`${sections}: fresh DynamoDB Local (in memory) on 127.0.0.1:${dynamo.port} in ${formatMs(performance.now() - dynamoStarted)}`);
    const ctx = createContext(options, dynamo, workDir);
    try {
      return await measure(ctx);
    } finally {
      ctx.client.destroy();
      running = null;
      await dynamo.stop();
    }
  };

  const problems: Record<string, string> = {};
  const results: {
    ingest?: IngestResult;
    sweep?: SweepResult;
    sweepCpu?: SweepCpuResult;
    scaleOut?: ScaleOutResult;
    alerts?: AlertsResult;
    delivery?: DeliveryResult;
    history?: HistoryResult;
    bundles?: BundlesResult;
    http?: HttpResult;
    detection?: DetectionResult;
    batch?: BatchResult;
    instant?: InstantResult;
    cost?: CostResult;
  } = {};
  const attempt = async <T>(section: string, run: () => Promise<T>): Promise<T | undefined> => {
    const start = performance.now();
    try {
      const value = await run();
      log(`${section} done in ${formatMs(performance.now() - start)}`);
      return value;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems[section] = message;
      log(`${section} FAILED after ${formatMs(performance.now() - start)}: ${message}`);
      return undefined;
    }
  };

  if (wanted('bundles')) results.bundles = await attempt('bundles', () => withDynamo('bundles', (ctx) => measureBundles(ctx)));
  if (wanted('ingest')) results.ingest = await attempt('ingest', () => withDynamo('ingest', (ctx) => measureIngest(ctx)));
  if (wanted('sweep')) {
    // One instance for the three: they share the seeded fleets.
    const shared = await attempt('sweep', () =>
      withDynamo('sweep, sweep-cpu, scale-out', async (ctx) => {
        const fleets = new FleetTables(ctx, progress('fleet'));
        const sweep = await attempt('sweep', () => measureSweep(ctx, fleets));
        const sweepCpu = await attempt('sweep-cpu', () => measureSweepCpu(ctx, fleets));
        const scaleOut = await attempt('scale-out', () => measureScaleOut(ctx, fleets));
        return { sweep, sweepCpu, scaleOut };
      }),
    );
    results.sweep = shared?.sweep;
    results.sweepCpu = shared?.sweepCpu;
    results.scaleOut = shared?.scaleOut;
  }
  if (wanted('alerts')) results.alerts = await attempt('alerts', () => withDynamo('alerts', (ctx) => measureAlerts(ctx, new FleetTables(ctx, progress('fleet')))));
  // Delivery and cost need no DynamoDB; the local server's sections run their own (file-backed, per server).
  const noDynamo = createBasics(options, workDir);
  if (wanted('delivery')) results.delivery = await attempt('delivery', () => measureDelivery(noDynamo));
  if (wanted('history')) results.history = await attempt('history', () => withDynamo('history', (ctx) => measureHistory(ctx)));
  const serverMissing = localServerMissing();
  for (const section of ['http', 'detection', 'batch', 'instant'] as const) {
    if (!wanted(section)) continue;
    if (serverMissing) {
      problems[section] = `the local server is not there yet (${serverMissing})`;
      log(`${section} pending: ${problems[section]}`);
    } else if (section === 'http') results.http = await attempt('http', () => measureHttp(noDynamo));
    else if (section === 'detection') results.detection = await attempt('detection', () => measureDetection(noDynamo));
    else if (section === 'batch') results.batch = await attempt('batch', () => measureBatch(noDynamo));
    else results.instant = await attempt('instant', () => measureInstant(noDynamo));
  }
  if (wanted('cost')) results.cost = await attempt('cost', async () => measureCost());

  const run: BenchRun = {
    quick: options.quick,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    machine: { node: process.versions.node, cpus: cpus().length, loadStart, loadEnd: loadavg() },
    ...results,
    problems,
  };
  // A partial run (--only) must not overwrite the full results: it reports into the scratch dir.
  const reportDir = options.only.length > 0 ? workDir : BENCH_DIR;
  // The raw measurements of both, so `--report` can render them again (a partial run's into its own file).
  await writeFile(join(workDir, options.only.length === 0 ? LAST_RUN_FILE : LAST_PARTIAL_RUN_FILE), JSON.stringify(run));
  const written = await writeReport(reportDir, run);
  const shown = relative(resolve(BENCH_DIR, '..'), reportDir);
  log(`wrote ${written.map((file) => `${shown}/${file}`).join(', ')} after ${formatMs(run.seconds * 1000)}`);
  const failed = Object.entries(problems).filter(([, why]) => !why.startsWith('the local server is not there yet'));
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
