/**
 * Lambda bundles: built by CDK through the stack's own HeartbeatFunction (the bundles of record),
 * sized, broken down by package (esbuild metafile of a replica of the same options), and imported
 * in fresh `node` processes against a bundle of the DynamoDB client alone built the same way.
 * Candidate bundling options are built from the replica, so each one's saving is measured.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { bundleLikeTheStack, type CdkBundle } from '../support/cdk-bundles';
import type { BenchContext } from '../support/context';
import { formatMs, progress } from '../support/progress';
import { median, round } from '../support/stats';

const log = progress('bundles');

/** The handlers the stack deploys, by function. */
export const HANDLERS = {
  ingest: 'lambdas/handlers/ingest.ts',
  sweeper: 'lambdas/handlers/sweeper.ts',
  management: 'lambdas/handlers/management.ts',
  notifier: 'lambdas/handlers/notifier.ts',
} as const;
export type HandlerName = keyof typeof HANDLERS;

const BARE_CLIENT_ENTRY = 'bench/bundles/bare-dynamodb-client.ts';
const INGEST_VIA_EXTENSION_ENTRY = 'bench/bundles/ingest-via-extension.ts';
/** The stack's esbuild alias target for @aws-sdk/credential-provider-node (lib/heartbeat-function.ts). */
const CREDENTIAL_STAND_IN = 'lambdas/adapters/lambda-credentials.ts';

/** Same text as ESM_REQUIRE_BANNER in lib/heartbeat-function.ts. */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * The esbuild target the stack uses: node24 when this aws-cdk-lib knows the Node.js 24 runtime,
 * else node22 (the same rule as RUNTIME / ESBUILD_TARGET in lib/heartbeat-function.ts).
 */
async function stackTarget(): Promise<string> {
  const lambda = await import('aws-cdk-lib/aws-lambda');
  return (lambda.Runtime as { NODEJS_24_X?: unknown }).NODEJS_24_X ? 'node24' : 'node22';
}

/**
 * A replica of what NodejsFunction passes to esbuild for a HeartbeatFunction: `--bundle
 * --platform=node --format=esm --target=... --minify --sourcemap --sources-content=false
 * --main-fields=module,main --banner:js=... --alias:@aws-sdk/credential-provider-node=...`, no
 * externals (bundleAwsSDK: true). Used for the variants, the package breakdown and the bare-client
 * baseline; the bundles of record come from CDK itself, and the two are checked against each other.
 */
function replicaOptions(target: string, root: string): esbuild.BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    alias: { '@aws-sdk/credential-provider-node': join(root, CREDENTIAL_STAND_IN) },
    logLevel: 'warning',
    metafile: true,
  };
}

/** A bundling candidate: how it changes the replica's options, and which entries it replaces. */
interface Variant {
  readonly name: string;
  readonly description: string;
  readonly options: (base: esbuild.BuildOptions) => esbuild.BuildOptions;
  readonly entries?: Partial<Record<HandlerName, string>>;
  /** Built in full runs only (quick mode keeps to its budget). */
  readonly fullOnly?: boolean;
}

const withoutAlias = ({ alias: _alias, ...base }: esbuild.BuildOptions): esbuild.BuildOptions => base;

const VARIANTS: readonly Variant[] = [
  { name: 'stack-replica', description: "the stack's options replayed with esbuild's API (must match the CDK build)", options: (base) => base },
  {
    name: 'no-credential-stand-in',
    description: 'without the alias of @aws-sdk/credential-provider-node (the whole default credential chain)',
    options: withoutAlias,
  },
  {
    name: 'ingest-via-extension',
    description: 'ingest reads the secret through the Parameters and Secrets Lambda Extension (no Secrets Manager client)',
    options: (base) => base,
    entries: { ingest: INGEST_VIA_EXTENSION_ENTRY },
  },
  { name: 'legal-comments-none', description: "+ legalComments: 'none'", options: (base) => ({ ...base, legalComments: 'none' }), fullOnly: true },
  { name: 'target-node22', description: 'target node22 instead of node24', options: (base) => ({ ...base, target: 'node22' }), fullOnly: true },
  {
    name: 'default-main-fields',
    description: 'without mainFields (esbuild default for node: main first, the CommonJS builds)',
    options: ({ mainFields: _drop, ...base }) => base,
    fullOnly: true,
  },
];

export interface BuiltBundle {
  readonly variant: string;
  readonly handler: HandlerName | 'bareClient';
  readonly file: string;
  readonly bytes: number;
  readonly kB: number;
  /** Bytes in the output by package (top entries); empty for the CDK builds (no metafile). */
  readonly byPackage: Readonly<Record<string, number>>;
}

/** A bundle's size, for reports. */
export type BundleSize = Omit<BuiltBundle, 'file'>;

export interface BundlesResult {
  readonly target: string;
  readonly sizes: readonly BundleSize[];
  readonly variants: readonly { name: string; description: string; maxKB: number; savedKB: number }[];
  /** Largest bundle as the stack builds it (CDK). */
  readonly maxKB: number;
  readonly largest: string;
  /** Largest difference between the CDK build and the replica, KB (should be ~0). */
  readonly replicaDriftKB: number;
  /** Median in-process import time (ms) per bundle, with and without --enable-source-maps. */
  readonly importMs: Readonly<Record<string, number>>;
  /** Fastest import (ms) per bundle: the intrinsic cost, as the machine's other load only ever adds. */
  readonly importMinMs: Readonly<Record<string, number>>;
  readonly importRatioVsBareClient: number;
  readonly importRatioByHandler: Readonly<Record<string, number>>;
  readonly importRuns: number;
  readonly smoke: string;
}

/** Environment the handlers read at import (values shaped like the stack's), plus no SDK warning. */
const IMPORT_ENV = {
  TABLE_NAME: 'bench-devices',
  HISTORY_TABLE_NAME: 'bench-history',
  API_URL: 'https://bench.execute-api.us-east-1.amazonaws.com/',
  SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-AbCdEf',
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
  SWEEP_SEGMENTS: '4',
  STORM_THRESHOLD: '25',
  DEFAULT_INTERVAL_SECONDS: '60',
  RETENTION_DAYS: '30',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  // The notifier reads its channels when it loads and refuses to start with none: one webhook, as a stack with -c webhookUrl has.
  WEBHOOK_URL: 'https://hooks.example.com/heartbeat',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-AbCdEf',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/undelivered',
};

/** Imports the bundle named by BUNDLE_URL and prints how long the import took, in ms. */
const IMPORT_PROBE = `const start = performance.now();
await import(process.env.BUNDLE_URL);
process.stdout.write(String(performance.now() - start));
`;

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? 'project code';
}

async function build(root: string, outDir: string, variant: Variant, handler: HandlerName | 'bareClient', base: esbuild.BuildOptions): Promise<BuiltBundle> {
  const entry = handler === 'bareClient' ? BARE_CLIENT_ENTRY : (variant.entries?.[handler] ?? HANDLERS[handler]);
  const outfile = join(outDir, variant.name, handler, 'index.mjs');
  const result = await esbuild.build({ ...variant.options(base), absWorkingDir: root, entryPoints: [entry], outfile });
  const bytes = (await stat(outfile)).size;
  const output = Object.entries(result.metafile?.outputs ?? {}).find(([file]) => file.endsWith('index.mjs'))?.[1];
  const byPackage: Record<string, number> = {};
  for (const [input, info] of Object.entries(output?.inputs ?? {})) byPackage[packageOf(input)] = (byPackage[packageOf(input)] ?? 0) + info.bytesInOutput;
  const top = Object.fromEntries(Object.entries(byPackage).sort((a, b) => b[1] - a[1]).slice(0, 12));
  return { variant: variant.name, handler, file: outfile, bytes, kB: round(bytes / 1000, 1), byPackage: top };
}

/** One fresh `node` importing one bundle; resolves with the in-process import time. */
function importOnce(probe: string, bundle: string, nodeOptions: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [probe], {
      env: { PATH: process.env.PATH ?? '', ...IMPORT_ENV, BUNDLE_URL: pathToFileURL(bundle).href, NODE_OPTIONS: nodeOptions },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const ms = Number(out);
      if (code === 0 && Number.isFinite(ms)) resolvePromise(ms);
      else reject(new Error(`importing ${bundle} failed (exit ${code}): ${err.trim().slice(0, 500)}`));
    });
  });
}

/**
 * Imports a bundle and calls its handler with `GET /v1/health` against the bench's DynamoDB Local:
 * proves that a candidate (here the management bundle with environment-only credentials) still works.
 */
function smokeHealth(probeDir: string, bundle: string, endpoint: string, tableName: string): Promise<string> {
  const script = `const { handler } = await import(process.env.BUNDLE_URL);
const answer = await handler({ version: '2.0', rawPath: '/v1/health', routeKey: 'GET /v1/health', headers: {}, isBase64Encoded: false,
  requestContext: { http: { method: 'GET', path: '/v1/health' } } });
process.stdout.write(String(answer.statusCode));`;
  return new Promise((resolvePromise, reject) => {
    void writeFile(join(probeDir, 'smoke.mjs'), script).then(() => {
      const child = spawn(process.execPath, [join(probeDir, 'smoke.mjs')], {
        env: {
          PATH: process.env.PATH ?? '',
          ...IMPORT_ENV,
          TABLE_NAME: tableName,
          AWS_ENDPOINT_URL_DYNAMODB: endpoint,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_SESSION_TOKEN: 'local',
          BUNDLE_URL: pathToFileURL(bundle).href,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      child.on('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`smoke test failed: ${err.trim().slice(0, 500)}`))));
    }, reject);
  });
}

export async function measureBundles(ctx: BenchContext): Promise<BundlesResult> {
  const root = resolve('.');
  const outDir = join(ctx.workDir, 'bundles');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const target = await stackTarget();
  const base = replicaOptions(target, root);

  // The bundles of record: built by CDK through the stack's own HeartbeatFunction.
  const cdkStarted = performance.now();
  const cdk = await bundleLikeTheStack(root, outDir, HANDLERS);
  const sizes: BuiltBundle[] = (Object.keys(HANDLERS) as HandlerName[]).map((handler) => {
    const built = cdk[handler] as CdkBundle;
    return { variant: 'stack', handler, file: built.file, bytes: built.bytes, kB: round(built.bytes / 1000, 1), byPackage: {} };
  });
  log(`${'stack (CDK build)'.padEnd(26)} ${sizes.map((b) => `${b.handler} ${b.kB} KB`).join(', ')}  (${formatMs(performance.now() - cdkStarted)})`);
  const stackMax = Math.max(...sizes.map((b) => b.kB));
  const variants: BundlesResult['variants'][number][] = [
    { name: 'stack', description: "as deployed: built by CDK with lib/heartbeat-function.ts's HeartbeatFunction", maxKB: stackMax, savedKB: 0 },
  ];

  for (const variant of VARIANTS) {
    if (variant.fullOnly && ctx.options.quick) continue;
    const built: BuiltBundle[] = [];
    for (const handler of [...(Object.keys(HANDLERS) as HandlerName[]), 'bareClient' as const]) built.push(await build(root, outDir, variant, handler, base));
    sizes.push(...built);
    const maxKB = Math.max(...built.filter((b) => b.handler !== 'bareClient').map((b) => b.kB));
    variants.push({ name: variant.name, description: variant.description, maxKB, savedKB: round(stackMax - maxKB, 1) });
    log(`${variant.name.padEnd(26)} ${built.map((b) => `${b.handler} ${b.kB} KB`).join(', ')}`);
  }
  const file = (variant: string, handler: string) => sizes.find((b) => b.variant === variant && b.handler === handler)?.file ?? '';
  const bytesOf = (variant: string, handler: string) => sizes.find((b) => b.variant === variant && b.handler === handler)?.bytes ?? Number.NaN;
  const replicaDriftKB = round(Math.max(...Object.keys(HANDLERS).map((h) => Math.abs(bytesOf('stack', h) - bytesOf('stack-replica', h)) / 1000)), 2);
  if (replicaDriftKB > 0.5) log(`WARNING: the replica of the stack's esbuild options differs from the CDK build by up to ${replicaDriftKB} KB: update replicaOptions()`);
  const largest = sizes.filter((b) => b.variant === 'stack').reduce((a, b) => (b.bytes > a.bytes ? b : a));
  log(`largest bundle as deployed: ${largest.handler} ${largest.kB} KB (target <= 350); replica drift ${replicaDriftKB} KB`);

  // Import times: every bundle once per round, in rotating order, each in a fresh node.
  const probe = join(outDir, 'import-probe.mjs');
  await writeFile(probe, IMPORT_PROBE);
  const SOURCE_MAPS = '--enable-source-maps'; // the stack sets NODE_OPTIONS to this
  const cases: { key: string; bundle: string; nodeOptions: string }[] = [];
  // Every handler in HANDLERS (a handler left out of this list made the ratio NaN: the notifier was).
  const importedBundles = ['bareClient', ...Object.keys(HANDLERS)];
  for (const handler of importedBundles) {
    // The bare client is built with the stack's options (replica); the handlers are the CDK builds.
    const bundle = handler === 'bareClient' ? file('stack-replica', handler) : file('stack', handler);
    cases.push({ key: `stack.${handler}`, bundle, nodeOptions: SOURCE_MAPS });
    cases.push({ key: `stack.${handler}.noSourceMaps`, bundle, nodeOptions: '' });
    // What the credential stand-in saves at import, in full runs only (quick mode keeps its budget).
    if (!ctx.options.quick) cases.push({ key: `no-credential-stand-in.${handler}`, bundle: file('no-credential-stand-in', handler), nodeOptions: SOURCE_MAPS });
  }
  const runs = ctx.options.quick ? 7 : 31;
  const samples = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  const stopAt = performance.now() + (ctx.options.quick ? 30_000 : 180_000);
  for (const c of cases) await importOnce(probe, c.bundle, c.nodeOptions); // warm the file cache
  for (let round_ = 0; round_ < runs && performance.now() < stopAt; round_++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(round_ + k) % cases.length] as (typeof cases)[number];
      samples.get(c.key)?.push(await importOnce(probe, c.bundle, c.nodeOptions));
    }
  }
  const importMs: Record<string, number> = {};
  const importMinMs: Record<string, number> = {};
  for (const [key, list] of samples) {
    importMs[key] = round(median(list), 2);
    importMinMs[key] = round(Math.min(...list), 2);
  }
  const importRatioByHandler: Record<string, number> = {};
  for (const handler of Object.keys(HANDLERS)) {
    importRatioByHandler[`stack.${handler}`] = round((importMs[`stack.${handler}`] ?? Number.NaN) / (importMs['stack.bareClient'] ?? Number.NaN), 3);
    importRatioByHandler[`stack.${handler}.noSourceMaps`] = round(
      (importMs[`stack.${handler}.noSourceMaps`] ?? Number.NaN) / (importMs['stack.bareClient.noSourceMaps'] ?? Number.NaN),
      3,
    );
  }
  const importRatio = Math.max(...Object.keys(HANDLERS).map((h) => importRatioByHandler[`stack.${h}`] ?? Number.NaN));
  const used = samples.get('stack.ingest')?.length ?? 0;
  const line = (prefix: string, suffix = '') =>
    importedBundles.map((h) => `${h} ${formatMs(importMs[`${prefix}.${h}${suffix}`] ?? Number.NaN)}`).join(', ');
  log(`import (median of ${used}, NODE_OPTIONS=--enable-source-maps as deployed): ${line('stack')}`);
  log(`import without source maps: ${line('stack', '.noSourceMaps')}`);
  if (!ctx.options.quick) log(`import without the credential stand-in: ${line('no-credential-stand-in')}`);
  log(`import ratio vs bare client (max over handlers): ${importRatio.toFixed(3)}`);
  if (!Number.isFinite(importRatio)) throw new Error('import ratio is not a number: a handler of HANDLERS has no import time');

  // The deployed management bundle (with the credential stand-in) must still work: GET /v1/health against DynamoDB Local.
  const table = await ctx.newTable('smoke');
  const status = await smokeHealth(outDir, file('stack', 'management'), ctx.dynamo.endpoint, table);
  await ctx.dropTable(table);
  const smoke = `the CDK-built management bundle (credential stand-in inside) answered GET /v1/health with ${status} from DynamoDB Local`;
  log(smoke);
  if (status !== '200') throw new Error(smoke);

  await writeFile(join(outDir, 'sizes.json'), JSON.stringify(sizes, null, 2));
  return {
    target,
    sizes: sizes.map(({ file: _file, ...size }) => size),
    variants,
    maxKB: largest.kB,
    largest: largest.handler,
    replicaDriftKB,
    importMs,
    importMinMs,
    importRatioVsBareClient: importRatio,
    importRatioByHandler,
    importRuns: used,
    smoke,
  };
}
