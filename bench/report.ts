/**
 * Turns one run's measurements into bench/results.json (flat keys, numbers only; null when a
 * section did not run), bench/results.md (targets table, details, projections, findings) and the
 * SVG charts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlertsResult } from './measure/alerts';
import type { BundlesResult } from './measure/bundles';
import type { DeliveryResult } from './measure/delivery';
import type { HistoryResult } from './measure/history';
import type { DetectionResult } from './measure/detection';
import type { BatchResult, CostResult, InstantResult } from './measure/speed';
import type { HttpResult } from './measure/http';
import type { IngestResult } from './measure/ingest';
import type { ScaleOutResult } from './measure/scale-out';
import type { SweepResult } from './measure/sweep';
import type { SweepCpuResult } from './measure/sweep-cpu';
import { projectionsMarkdown } from './projections';
import { scaleOutChart, targetsChart, type ScaleOutPoint } from './support/charts';
import { round } from './support/stats';
import { budgetUsed, meets, TARGETS } from './support/targets';

export interface BenchRun {
  readonly quick: boolean;
  readonly startedAt: Date;
  readonly seconds: number;
  readonly machine: { readonly node: string; readonly cpus: number; readonly loadStart: readonly number[]; readonly loadEnd: readonly number[] };
  readonly ingest?: IngestResult;
  readonly sweep?: SweepResult;
  readonly sweepCpu?: SweepCpuResult;
  readonly scaleOut?: ScaleOutResult;
  readonly alerts?: AlertsResult;
  readonly delivery?: DeliveryResult;
  readonly history?: HistoryResult;
  readonly bundles?: BundlesResult;
  readonly http?: HttpResult;
  readonly detection?: DetectionResult;
  readonly batch?: BatchResult;
  readonly instant?: InstantResult;
  readonly cost?: CostResult;
  /** Sections that failed or could not run, and why. */
  readonly problems: Readonly<Record<string, string>>;
}

type Flat = Record<string, number | null>;

/** Every number of the run under a dotted key; the issue's keys first. */
export function flatResults(run: BenchRun): Flat {
  const flat: Flat = {
    'ingest.writeUnitsPerBeat': run.ingest?.writeUnitsPerBeat ?? null,
    'ingest.readUnitsPerBeat': run.ingest?.readUnitsPerBeat ?? null,
    'ingest.ratioVsBareUpdate': run.ingest ? round(run.ingest.ratioVsBareUpdate, 4) : null,
    'http.throughputRatioVsBareUpdate': run.http ? round(run.http.throughputRatioVsBareUpdate, 4) : null,
    'sweep.ratioVsBareScan': run.sweep ? round(run.sweep.ratioVsBareScan, 4) : null,
    'sweep.readUnitsPerDeviceRatioVsScanFloor': run.sweep ? round(run.sweep.readUnitsPerDeviceRatioVsScanFloor, 4) : null,
    'sweep.alertsPerSecond': run.alerts?.alertsPerSecond ?? null,
    'delivery.webhooksPerSecond': run.delivery?.webhooksPerSecond ?? null,
    'history.readUnitsPerIncidentPage': run.history?.readUnitsPerIncidentPage ?? null,
    'bundles.maxKB': run.bundles?.maxKB ?? null,
    'bundles.importRatioVsBareClient': run.bundles ? round(run.bundles.importRatioVsBareClient, 4) : null,
    'detection.p99LateSeconds': run.detection?.p99LateSeconds ?? null,
    'batch.beatsPerSecond': run.batch?.beatsPerSecond ?? null,
    'batch.ratioVsBareUpdate': run.batch?.ratioVsBareUpdate ?? null,
    'instant.p99Seconds': run.instant?.p99Seconds ?? null,
    'cost.perMillionBeats.cheapest': run.cost?.perMillionBeats.cheapest ?? null,
    'cost.perMillionBeats.default': run.cost?.perMillionBeats.default ?? null,
  };
  const put = (prefix: string, values: object) => {
    for (const [key, value] of Object.entries(values)) if (typeof value === 'number') flat[`${prefix}.${key}`] ??= round(value, 6);
  };
  if (run.ingest) {
    const { breakdown, ...rest } = run.ingest;
    put('ingest', rest);
    put('ingest.breakdownMedianMs', breakdown);
    if (run.ingest.storeRequestShape) put('ingest.storeRequestShape', run.ingest.storeRequestShape);
  }
  if (run.sweep) put('sweep', run.sweep);
  if (run.sweepCpu) put('sweep.cpu', run.sweepCpu);
  for (const row of run.scaleOut?.rows ?? []) put(`sweep.scaleOut.N${row.devices}.K${row.segments}`, row);
  if (run.alerts) {
    put('alerts', { lateDevices: run.alerts.lateDevices, repetitions: run.alerts.repetitions });
    for (const [config, values] of Object.entries(run.alerts.byConfig)) put(`alerts.${config}`, values);
  }
  if (run.bundles) {
    for (const size of run.bundles.sizes) flat[`bundles.kB.${size.variant}.${size.handler}`] = size.kB;
    for (const [key, ms] of Object.entries(run.bundles.importMs)) flat[`bundles.importMs.${key}`] = ms;
    for (const [key, ms] of Object.entries(run.bundles.importMinMs)) flat[`bundles.importMinMs.${key}`] = ms;
    for (const [key, ratio] of Object.entries(run.bundles.importRatioByHandler)) flat[`bundles.importRatio.${key}`] = ratio;
  }
  if (run.delivery) put('delivery', run.delivery);
  if (run.history) put('history', run.history);
  if (run.http) put('http', run.http);
  if (run.detection) put('detection', run.detection);
  if (run.batch) put('batch', run.batch);
  if (run.instant) put('instant', run.instant);
  return flat;
}

/** A number for a table: up to `digits` decimals, thousands separated; n/a when missing. */
const show = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toLocaleString('en-US', { maximumFractionDigits: digits });

function targetsTable(flat: Flat, problems: Readonly<Record<string, string>>): string[] {
  const lines = ['| key | what | measured | target | met? |', '|---|---|---:|---:|:---:|'];
  for (const target of TARGETS) {
    const value = flat[target.key];
    const ok = meets(target, value);
    const section = target.key.split('.')[0] ?? '';
    const note = ok === null ? (problems[section === 'sweep' && target.key.endsWith('alertsPerSecond') ? 'alerts' : section] ?? 'not run') : '';
    lines.push(`| \`${target.key}\` | ${target.what} | ${show(value)} | ${target.comparison} ${target.target} | ${ok === null ? `pending: ${note}` : ok ? 'yes' : '**no**'} |`);
  }
  return lines;
}

/** `17 actions, 12 \`if_not_exists\`, 18 names, 15 values` (a run from before the shape was recorded: `its whole expression`). */
function requestShape(ingest: IngestResult): string {
  const shape = ingest.storeRequestShape as IngestResult['storeRequestShape'] | undefined;
  return shape ? `${shape.actions} actions, ${shape.ifNotExists} \`if_not_exists\`, ${shape.names} names, ${shape.values} values` : 'its whole expression';
}

function ingestSection(ingest: IngestResult): string[] {
  const b = ingest.breakdown;
  const w = ingest.breakdownWire;
  const pct = (a: number, base: number) => `${(((a - base) / base) * 100).toFixed(1)}%`;
  const row = (label: string, step: keyof IngestResult['breakdown']) =>
    `| ${label} | ${show(b[step])} | ${step === 'bareUpdate' ? '' : pct(b[step], b.bareUpdate)} | ${show(w[step])} | ${show(b[step] - w[step])} |`;
  return [
    '## Ingest',
    '',
    `Capacity per beat (onCapacity): first beat ${ingest.writeUnitsPerFirstBeat} WCU, later beats ${ingest.writeUnitsPerBeat} WCU and ${ingest.readUnitsPerBeat} RCU, beat with message and meta ${ingest.writeUnitsPerMetaBeat} WCU.`,
    '',
    `Interleaved, ${ingest.pairs} pairs on one client: handler median ${show(ingest.handlerMedianMs)} ms (p99 ${show(ingest.handlerP99Ms)}), bare \`UpdateItem SET ls = :now\` median ${show(ingest.bareMedianMs)} ms (p99 ${show(ingest.bareP99Ms)}): ratio **${show(ingest.ratioVsBareUpdate)}**.`,
    '',
    'Where the time goes (a second loop, five steps rotated so each runs in every position; "on the wire" is from the signed request leaving the SDK to its answer coming back, i.e. DynamoDB Local plus loopback; "in Node" is the rest):',
    '',
    '| step | median ms | over bare | on the wire | in Node |',
    '|---|---:|---:|---:|---:|',
    row('bare UpdateItem (one SET)', 'bareUpdate'),
    row(`the store's own UpdateItem, replayed raw (${requestShape(ingest)}, ALL_OLD)`, 'storeRequestRaw'),
    row('`store.recordBeat` (+ adapter: expression builder, item parsing)', 'storeRecordBeat'),
    row('handler, empty body (+ token check, event translation, core, answer)', 'handler'),
    row('handler, JSON body with message and meta', 'handlerWithBody'),
    '',
    `Handler / the store's own request: ${show(b.handler / b.storeRequestRaw)}.`,
  ];
}

function sweepSection(run: BenchRun): string[] {
  const out: string[] = ['## Sweep'];
  const s = run.sweep;
  if (s) {
    out.push(
      '',
      `${s.devices.toLocaleString('en-US')} healthy devices, K=${s.segments}, ${s.repetitions} alternated repetitions: sweep median ${show(s.sweepMedianMs, 1)} ms, bare parallel Scan ${show(s.scanMedianMs, 1)} ms: ratio **${show(s.ratioVsBareScan)}**.`,
      '',
      `Read units per device: ${show(s.readUnitsPerDevice, 6)} at K=${s.segments} (${show(s.readUnitsPerDeviceOneSegment, 6)} at K=1) vs the floor ${show(s.scanFloorUnitsPerDevice, 6)} (mean item ${show(s.meanItemBytes, 1)} B by DynamoDB's size rules / 8 KB): ratio **${show(s.readUnitsPerDeviceRatioVsScanFloor)}**. The excess is page rounding (each Scan page rounds up to 4 KB) and the summary item.`,
    );
  }
  const c = run.sweepCpu;
  if (c) {
    out.push(
      '',
      `Sweeper CPU without DynamoDB Local (one real ${Math.round(c.pageBytes / 1024)} KB page of ${c.devicesPerPage} devices replayed from memory, process CPU time): **${show(c.sweepMicrosPerDevice)} us per device** for the whole sweep vs ${show(c.bareScanMicrosPerDevice)} us for the SDK's deserialisation alone (wall ${show(c.sweepWallMicrosPerDevice)} us with the machine's other load), i.e. ~${Math.round(1e6 / c.sweepMicrosPerDevice).toLocaleString('en-US')} devices/s per core. Locally the sweep is bound by DynamoDB Local, not by its own code.`,
    );
  }
  const rows = run.scaleOut?.rows ?? [];
  if (rows.length > 0) {
    out.push(
      '',
      '### Scale-out: N devices, K segments in one invocation',
      '',
      '| N | K | sweep s | bare Scan s | speed-up vs K=1 | devices/s | sweep / bare Scan | runs (median of) |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.devices.toLocaleString('en-US')} | ${r.segments} | ${show(r.sweepSeconds)} | ${show(r.scanSeconds)} | ${show(r.speedUp, 2)} | ${r.devicesPerSecond.toLocaleString('en-US')} | ${show(r.ratioVsBareScan)} | ${r.repetitions ?? 'n/a'} |`,
      ),
      '',
      '![sweep scale-out](sweep-scale-out.svg)',
      '',
      `On this ${run.machine.cpus}-core machine DynamoDB Local (Java) and the sweep (Node) share the cores, so K segments overlap waiting but cannot multiply CPU; on AWS each segment is served by its own partition(s) and the limit is the sweeper's one core (see Projections).`,
    );
    const sampled = rows.filter((r) => r.repetitions !== undefined && r.repetitions < 3);
    if (sampled.length > 0) {
      out.push(
        '',
        `Rows of fewer than 3 runs (${sampled.map((r) => `N=${r.devices.toLocaleString('en-US')} K=${r.segments}`).join(', ')}) spent their time budget per (N, K) on DynamoDB Local's Scan: each is a sample of one or two runs of that engine, not a median worth comparing closely.`,
      );
    }
    const profile = run.scaleOut?.pageProfile;
    if (profile && profile.pages.length > 1) {
      const first = profile.pages[0];
      const last = profile.pages[profile.pages.length - 1];
      out.push(
        '',
        `One plain K=1 Scan of ${profile.devices.toLocaleString('en-US')} devices, page by page: ${profile.pages.map((p) => `${p.items.toLocaleString('en-US')} items in ${show(p.ms, 0)} ms`).join('; ')}. ` +
          `DynamoDB Local's time per 1 MB page falls from ${show(first?.ms, 0)} ms to ${show(last?.ms, 0)} ms as fewer rows follow the start key: it works through the rest of the segment for every page, so a whole-table Scan costs it O(N^2 / page) and more segments help far more than on AWS, where a page costs the same wherever it starts. The large-N rows above measure that engine, not the sweep; the per-device figures for the projections come from the 10k fleet and the replayed page.`,
      );
    }
  }
  return out;
}

function deliverySection(d: DeliveryResult): string[] {
  return [
    '## Alert delivery (webhook)',
    '',
    `${d.alerts.toLocaleString('en-US')} distinct \`device.down\` alerts through the AlertDispatcher (Standard Webhooks signing, fetch, keep-alive) to a receiver on 127.0.0.1, ${d.concurrency} in flight, median of ${d.repetitions} repetitions:`,
    '',
    '| path | webhooks/s |',
    '|---|---:|',
    `| AlertDispatcher, signed (the key) | ${show(d.webhooksPerSecond, 1)} |`,
    `| floor: bare \`fetch\` POST of the same body, same concurrency | ${show(d.bareFetchPerSecond, 1)} |`,
    `| ratio | ${show(d.ratioVsBareFetch)} |`,
  ];
}

function alertsSection(a: AlertsResult): string[] {
  return [
    '## Alerts',
    '',
    `${a.lateDevices.toLocaleString('en-US')} devices late at once, storm aggregation off, local sink (one append to alerts.jsonl), ${a.repetitions} repetitions each:`,
    '',
    '| sweeper settings | K | writes in flight | alerts/s | floor: 2 conditional writes per alert, same concurrency | alerts / floor |',
    '|---|---:|---:|---:|---:|---:|',
    ...Object.entries(a.byConfig).map(
      ([name, c]) => `| ${name === 'local' ? 'local mode (the key)' : 'Lambda'} | ${c.segments} | ${c.writeConcurrency} | ${show(c.alertsPerSecond, 1)} | ${show(c.floorAlertsPerSecond, 1)} | ${show(c.ratioVsFloor)} |`,
    ),
    '',
    'Each alert costs two conditional writes by design (turn down and take the lease; settle after publishing), so the ceiling is half the conditional-write rate of the engine. ' +
      "The table has the stack's stream, as local mode's has: on DynamoDB Local every write also stores a stream record with both images, in the sweep and in the floor alike.",
  ];
}

function bundlesSection(b: BundlesResult): string[] {
  const handlers = ['ingest', 'sweeper', 'management', 'bareClient'];
  const variants = [...new Set(b.sizes.map((s) => s.variant))];
  const size = (variant: string, handler: string) => b.sizes.find((s) => s.variant === variant && s.handler === handler)?.kB;
  const pkgList = (variant: string, handler: string) => {
    const s = b.sizes.find((x) => x.variant === variant && x.handler === handler);
    return s ? Object.entries(s.byPackage).map(([pkg, bytes]) => `${pkg} ${(bytes / 1000).toFixed(1)}`).join(', ') : '';
  };
  const imp = (key: string) => (b.importMs[key] === undefined ? 'n/a' : `${show(b.importMs[key], 1)} ms (min ${show(b.importMinMs[key], 1)})`);
  const minRatio = (h: string, suffix = '') => show((b.importMinMs[`stack.${h}${suffix}`] ?? Number.NaN) / (b.importMinMs[`stack.bareClient${suffix}`] ?? Number.NaN));
  return [
    '## Bundles',
    '',
    `Built by CDK through the stack's own \`HeartbeatFunction\` (lib/heartbeat-function.ts; local esbuild, target ${b.target}), sizes of \`index.mjs\` in KB (1000 bytes). Largest as deployed: **${b.largest} ${show(b.maxKB, 1)} KB** (target <= 350). ` +
      `The other rows replay the same options through esbuild's API with one change each (the replica differs from the CDK build by ${show(b.replicaDriftKB, 2)} KB at most).`,
    '',
    `| variant | ${handlers.join(' | ')} | max of the three |`,
    `|---|${handlers.map(() => '---:').join('|')}|---:|`,
    ...variants.map((v) => {
      const described = b.variants.find((x) => x.name === v);
      return `| ${v}: ${described?.description ?? ''} | ${handlers.map((h) => show(size(v, h), 1)).join(' | ')} | ${show(described?.maxKB, 1)} |`;
    }),
    '',
    `What the deployed bundles are made of (KB in the output, from the replica's metafile): ingest: ${pkgList('stack-replica', 'ingest')}.`,
    '',
    `Sweeper: ${pkgList('stack-replica', 'sweeper')}.`,
    '',
    `Import time in a fresh \`node\` (median of ${b.importRuns} per bundle, rounds rotated; in-process \`await import()\` with the handler's environment set):`,
    '',
    '| bundle | as deployed (NODE_OPTIONS=--enable-source-maps) | without source maps | without the credential stand-in |',
    '|---|---:|---:|---:|',
    ...handlers.map((h) => `| ${h} | ${imp(`stack.${h}`)} | ${imp(`stack.${h}.noSourceMaps`)} | ${imp(`no-credential-stand-in.${h}`)} |`),
    '',
    `Import ratio vs the DynamoDB-client-only bundle (built with the same options), max over handlers, medians: **${show(b.importRatioVsBareClient)}** (${Object.entries(b.importRatioByHandler)
      .map(([k, v]) => `${k} ${show(v)}`)
      .join(', ')}). The same from the fastest runs: ${['ingest', 'sweeper', 'management'].map((h) => `${h} ${minRatio(h)} (${minRatio(h, '.noSourceMaps')} without source maps)`).join(', ')}. ` +
      'On this shared 2-core machine single imports vary by +-15 ms, so differences below ~10 ms between bundles are not resolved.',
    '',
    `Check: ${b.smoke}.`,
  ];
}

function httpSection(h: HttpResult): string[] {
  return [
    '## HTTP (local server)',
    '',
    `\`node bin/heartbeat.mjs start\` (started in ${show(h.serverStartSeconds, 1)} s; file-backed DynamoDB Local under its data directory), autocannon with 16 connections, ${h.rounds} rounds of ${h.roundSeconds} s alternating with bare UpdateItems at concurrency 16 on the same DynamoDB Local:`,
    '',
    `- beats/s, empty body: **${h.beatsPerSecond}** (latency p50 ${show(h.httpLatencyP50Ms, 1)} ms, p99 ${show(h.httpLatencyP99Ms, 1)} ms)${Number.isFinite(h.beatsPerSecondWithBody) ? `; with a JSON body (message + meta): ${h.beatsPerSecondWithBody}` : ''}`,
    `- bare UpdateItem/s: ${h.bareUpdatesPerSecond}; the store's own beat UpdateItem replayed: ${h.storeRequestUpdatesPerSecond}/s`,
    `- ratio **${show(h.throughputRatioVsBareUpdate)}** vs bare; ${show(h.throughputRatioVsStoreRequest)} vs the store's own request (the server and handler alone); the server stopped ${h.serverStopMs} ms after SIGTERM.`,
    ...(Object.keys(h.cpuMsPerRequest).length > 0
      ? [
          '',
          `CPU per request (ms, from /proc; medians over rounds) on the shared cores: the bench process (load generator or SDK client), the server, and the server's DynamoDB Local:`,
          '',
          '| step | bench process | server | DynamoDB Local (Java) | total |',
          '|---|---:|---:|---:|---:|',
          ...Object.entries(h.cpuMsPerRequest).map(([step, c]) => {
            const total = (c.bench ?? 0) + (c.server ?? 0) + (c.dynamoDbLocal ?? 0);
            return `| ${step} | ${show(c.bench)} | ${show(c.server)} | ${show(c.dynamoDbLocal)} | ${show(total)} |`;
          }),
        ]
      : []),
  ];
}

function speedSection(run: BenchRun): string[] {
  const out = ['## Batches, instant alerts, cost', ''];
  const b = run.batch;
  if (b) {
    out.push(
      `Batches (local server): ${b.connections} connections sending \`POST /v1/heartbeats\` with ${b.batchSize} beats each recorded **${show(b.beatsPerSecond, 0)} beats/s**; bare UpdateItems with as many writes in flight (${b.connections * b.batchSize}) on the same DynamoDB Local: ${show(b.bareUpdatesPerSecond, 0)}/s. Ratio **${show(b.ratioVsBareUpdate)}** (medians of ${b.rounds} alternating rounds of ${b.roundSeconds} s).`,
      '',
    );
  }
  const i = run.instant;
  if (i) {
    out.push(
      `Instant alerts (local server, sweep every ${i.sweepSeconds} s): from a \`fail\` beat's (or a recovering beat's) 200 to its \`device.down\` (\`device.up\`) line, ${i.alerts} alerts: median ${show(i.medianSeconds)} s, p99 **${show(i.p99Seconds)} s**, max ${show(i.maxSeconds)} s. Only the stream consumer can be that fast.`,
      '',
    );
  }
  const c = run.cost;
  if (c) {
    out.push(
      `Cost model at ${show(c.devices, 0)} devices beating every ${c.intervalSeconds} s: default deployment **$${show(c.perMillionBeats.default, 4)}** per million beats all in; cheapest combination (${c.cheapestChoice}) **$${show(c.perMillionBeats.cheapest, 4)}** (\`npx heartbeat cost --devices ${c.devices}\` shows every option).`,
    );
  }
  return out;
}

function detectionSection(d: DetectionResult): string[] {
  return [
    '## Detection (local server)',
    '',
    `${d.devices} devices with a 5 s interval and no grace beat every second and stop at random times; the server sweeps every ${d.sweepSeconds} s (the stack's default \`sweepEvery\`). From each deadline (as answered to its last beat) to its \`device.down\` line on the server's stdout: median ${show(d.medianLateSeconds)} s, p99 **${show(d.p99LateSeconds)} s**, max ${show(d.maxLateSeconds)} s (server-side \`detectedAt\` p99 ${show(d.p99DetectedAtLateSeconds)} s). Target: sweep period + 2 = ${d.target} s.`,
  ];
}

/** Findings for missed targets, from this run's numbers. */
function findings(run: BenchRun, flat: Flat): string[] {
  const out: string[] = [];
  const missed = (key: string) => {
    const target = TARGETS.find((t) => t.key === key);
    return target ? meets(target, flat[key]) === false : false;
  };
  if (missed('ingest.ratioVsBareUpdate') && run.ingest) {
    const b = run.ingest.breakdown;
    const w = run.ingest.breakdownWire;
    const gap = b.handler - b.bareUpdate;
    const engine = w.handler - w.bareUpdate;
    out.push(
      `- **ingest.ratioVsBareUpdate ${show(run.ingest.ratioVsBareUpdate)}**: of the ${show(gap)} ms between the handler and a one-attribute UpdateItem, ` +
        `${show(engine)} ms (${((engine / gap) * 100).toFixed(0)}%) is spent on the wire, i.e. by DynamoDB Local parsing and evaluating the store's expression (${requestShape(run.ingest)}) and returning ALL_OLD ` +
        `(the same bytes replayed raw cost the same), and ${show(gap - engine)} ms in Node (SDK work on the bigger request and answer, adapter, core, token check, translation). ` +
        `Against the store's own request the handler is at ${show(b.handler / b.storeRequestRaw)}.`,
    );
  }
  if (missed('bundles.maxKB') && run.bundles) {
    const ext = run.bundles.sizes.find((s) => s.variant === 'ingest-via-extension' && s.handler === 'ingest');
    const replicaIngest = run.bundles.sizes.find((s) => s.variant === 'stack-replica' && s.handler === 'ingest');
    out.push(
      `- **bundles.maxKB ${show(run.bundles.maxKB, 1)}** (${run.bundles.largest}): see the variants table; the Secrets Manager client is worth ${show((replicaIngest?.kB ?? 0) - (ext?.kB ?? 0), 1)} KB of ingest.`,
    );
  }
  if (missed('sweep.alertsPerSecond') && run.alerts) {
    const local = run.alerts.byConfig.local;
    out.push(
      `- **sweep.alertsPerSecond ${show(local.alertsPerSecond, 1)}**: the floor itself, two conditional UpdateItems per alert at ${local.writeConcurrency} in flight with no sweep around them, reaches only ${show(local.floorAlertsPerSecond, 1)} alerts/s on this DynamoDB Local; ` +
        (local.ratioVsFloor >= 0.95
          ? `the sweep keeps pace with it (${show(local.ratioVsFloor)} of the floor). `
          : `the sweep runs at ${show(local.ratioVsFloor)} of it (the rest is the scan, the append and its two phases: all turns-down, then one publish, then all settles). `) +
        "Two writes per alert are the outbox's price for at-least-once delivery; the engine's conditional-write rate sets the figure.",
    );
  }
  if (missed('http.throughputRatioVsBareUpdate') && run.http) {
    const h = run.http;
    out.push(
      `- **http.throughputRatioVsBareUpdate ${show(h.throughputRatioVsBareUpdate)}**: ${h.beatsPerSecond} beats/s vs ${h.bareUpdatesPerSecond} bare UpdateItem/s; ` +
        `the store's own beat UpdateItem, with no HTTP or handler around it, reaches ${h.storeRequestUpdatesPerSecond}/s (${show(h.storeRequestUpdatesPerSecond / h.bareUpdatesPerSecond)} of bare), ` +
        `so the server and handler keep ${show(h.throughputRatioVsStoreRequest)} of what the engine gives the richer write.`,
    );
  }
  if (missed('bundles.importRatioVsBareClient') && run.bundles) {
    const b = run.bundles;
    const worst = Object.keys(b.importRatioByHandler)
      .filter((k) => !k.endsWith('noSourceMaps'))
      .reduce((a, k) => ((b.importRatioByHandler[k] ?? 0) > (b.importRatioByHandler[a] ?? 0) ? k : a));
    const handler = worst.replace('stack.', '');
    out.push(
      `- **bundles.importRatioVsBareClient ${show(b.importRatioVsBareClient)}** (${handler}): ${show(b.importMs[`stack.${handler}`], 1)} ms as deployed vs ${show(b.importMs['stack.bareClient'], 1)} ms; ` +
        `without NODE_OPTIONS=--enable-source-maps ${show(b.importMs[`stack.${handler}.noSourceMaps`], 1)} vs ${show(b.importMs['stack.bareClient.noSourceMaps'], 1)} ms (ratio ${show(b.importRatioByHandler[`stack.${handler}.noSourceMaps`])}). ` +
        'With source maps on, Node reads and parses each bundle\'s map at import, so the cost grows with the map: the handlers\' maps are larger than the bare client\'s.',
    );
  }
  if (missed('sweep.ratioVsBareScan') && run.sweep) {
    out.push(`- **sweep.ratioVsBareScan ${show(run.sweep.ratioVsBareScan)}**: sweep ${show(run.sweep.sweepMedianMs, 1)} ms vs bare Scan ${show(run.sweep.scanMedianMs, 1)} ms.`);
  }
  if (missed('detection.p99LateSeconds') && run.detection) {
    out.push(`- **detection.p99LateSeconds ${show(run.detection.p99LateSeconds)}**: server-side detectedAt p99 ${show(run.detection.p99DetectedAtLateSeconds)} s.`);
  }
  return out.length > 0 ? ['## Findings', '', ...out] : [];
}

/** Writes results.json, results.md and the charts into `dir`; returns the files written. */
export async function writeReport(dir: string, run: BenchRun): Promise<string[]> {
  const flat = flatResults(run);
  const written: string[] = [];
  await writeFile(join(dir, 'results.json'), `${JSON.stringify(flat, null, 2)}\n`);
  written.push('results.json');

  const targetPoints = TARGETS.flatMap((t) => {
    const value = flat[t.key];
    if (value === null || value === undefined) return [];
    const used = budgetUsed(t, value);
    return Number.isFinite(used) ? [{ key: t.key, used: round(used, 3), met: meets(t, value) === true }] : [];
  });
  if (targetPoints.length > 0) {
    await writeFile(join(dir, 'targets.svg'), await targetsChart(targetPoints));
    written.push('targets.svg');
  }
  const scaleRows = run.scaleOut?.rows ?? [];
  if (scaleRows.length > 0) {
    const points: ScaleOutPoint[] = scaleRows.flatMap((r) => [
      { devices: r.devices, segments: r.segments, seconds: r.sweepSeconds, kind: 'sweep' as const },
      { devices: r.devices, segments: r.segments, seconds: r.scanSeconds, kind: 'bare Scan' as const },
    ]);
    await writeFile(join(dir, 'sweep-scale-out.svg'), await scaleOutChart(points));
    written.push('sweep-scale-out.svg');
  }

  const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const md: string[] = [
    '# Benchmark results',
    '',
    `Run ${run.startedAt.toISOString()} with \`npm run bench${run.quick ? ' -- --quick' : ''}\` (${run.quick ? 'quick' : 'full'} mode) in ${Math.round(run.seconds)} s; Node ${run.machine.node}, ${run.machine.cpus} cores, load average (1/5/15 min) ${load(run.machine.loadStart)} at start and ${load(run.machine.loadEnd)} at the end. ` +
      'Every figure is a ratio against a baseline measured in the same run on the same DynamoDB Local (a fresh in-memory instance per section, so no section inherits another\'s stream records; the local server\'s own file-backed one for `http.*`), alternated with it, so the machine\'s speed cancels out; absolute times are this machine\'s.',
    '',
    '## Targets',
    '',
    ...targetsTable(flat, run.problems),
    '',
    ...(targetPoints.length > 0 ? ['![measured vs target](targets.svg)', ''] : []),
    ...findings(run, flat),
    '',
    ...(run.ingest ? [...ingestSection(run.ingest), ''] : []),
    ...sweepSection(run),
    '',
    ...(run.alerts ? [...alertsSection(run.alerts), ''] : []),
    ...(run.delivery ? [...deliverySection(run.delivery), ''] : []),
    ...(run.bundles ? [...bundlesSection(run.bundles), ''] : []),
    ...(run.http ? [...httpSection(run.http), ''] : []),
    ...(run.detection ? [...detectionSection(run.detection), ''] : []),
    ...(run.batch || run.instant || run.cost ? [...speedSection(run), ''] : []),
    ...(run.sweep && run.sweepCpu
      ? [
          projectionsMarkdown({
            readUnitRatio: run.sweep.readUnitsPerDeviceRatioVsScanFloor,
            sweepMicrosPerDevice: run.sweepCpu.sweepMicrosPerDevice,
            measuredItemBytes: run.sweep.meanItemBytes,
          }),
          '',
        ]
      : []),
    ...(Object.keys(run.problems).length > 0 ? ['## Not measured', '', ...Object.entries(run.problems).map(([section, why]) => `- ${section}: ${why}`), ''] : []),
  ];
  await writeFile(join(dir, 'results.md'), `${md.join('\n').replace(/\n{3,}/g, '\n\n')}`);
  written.push('results.md');
  return written;
}
