/**
 * The Lambda bundles exactly as the stack builds them: each handler is wrapped in the stack's own
 * HeartbeatFunction (lib/heartbeat-function.ts) inside a throwaway CDK app with the feature flags
 * of cdk.json, and CDK's NodejsFunction runs the local esbuild. Whatever lib/ changes in its
 * bundling options, these files follow. No AWS account, no Docker; output under the scratch dir.
 *
 * It runs in a child process (this file is also its entry point): aws-cdk-lib weighs ~400 MB,
 * which the timing-sensitive rest of the bench is better off without, and CDK's bundling chatter
 * stays out of the progress lines.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CdkBundle {
  /** Path of the bundle's index.mjs. */
  readonly file: string;
  readonly bytes: number;
}

/** In this process: bundles `entries` (name -> path relative to `root`) with the stack's HeartbeatFunction. */
async function bundleHere(root: string, outDir: string, entries: Readonly<Record<string, string>>): Promise<Record<string, CdkBundle>> {
  const { App, Stack } = await import('aws-cdk-lib');
  const { HeartbeatFunction } = await import('../../lib/heartbeat-function');
  const cdkJson = JSON.parse(await readFile(join(root, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const bundles: Record<string, CdkBundle> = {};
  for (const [name, entry] of Object.entries(entries)) {
    // One app per handler, so its only asset directory is this handler's bundle.
    const outdir = join(outDir, `cdk-${name}`);
    await rm(outdir, { recursive: true, force: true });
    const app = new App({ outdir, context: { ...cdkJson.context } });
    const stack = new Stack(app, 'BenchBundles', { env: { account: '123456789012', region: 'us-east-1' } });
    new HeartbeatFunction(stack, 'Handler', { entry: join(root, entry) });
    const assets = (await readdir(outdir)).filter((dir) => dir.startsWith('asset.'));
    if (assets.length !== 1) throw new Error(`expected one bundle for ${name}, found ${assets.length} asset directories in ${outdir}`);
    const file = join(outdir, assets[0] as string, 'index.mjs');
    bundles[name] = { file, bytes: (await readFile(file)).byteLength };
  }
  return bundles;
}

/** Bundles `entries` like the stack, in a child process; resolves with each bundle's file and size. */
export function bundleLikeTheStack(root: string, outDir: string, entries: Readonly<Record<string, string>>): Promise<Record<string, CdkBundle>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), root, outDir, JSON.stringify(entries)], {
      cwd: root,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString('utf8')).slice(-4000)));
    child.on('exit', (code) => {
      const result = /^BUNDLES (.*)$/m.exec(out)?.[1];
      if (code === 0 && result) resolve(JSON.parse(result) as Record<string, CdkBundle>);
      else reject(new Error(`CDK bundling failed (exit ${code}): ${err.trim().slice(-1500)}`));
    });
  });
}

// Child-process entry point: `node --import tsx cdk-bundles.ts <root> <outDir> <entries JSON>`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root, outDir, entries] = process.argv.slice(2);
  bundleHere(root as string, outDir as string, JSON.parse(entries as string) as Record<string, string>).then(
    (bundles) => process.stdout.write(`BUNDLES ${JSON.stringify(bundles)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
