/**
 * The deployed artifacts, exactly as `cdk synth` makes them: the project's own CDK CLI runs the
 * app of cdk.json (with its context, cdk-nag and the stack's HeartbeatFunction bundling: esbuild
 * options, the credential-provider alias and all) into a scratch directory. Nothing here knows a
 * bundling option; a change in lib/ reaches these bundles as it reaches a deployment.
 *
 * From the template come each function's bundle (its asset directory) and the environment the
 * template gives it, with CloudFormation references resolved to local stand-ins by the caller.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The plain-node runner that invokes a bundle in its own process. */
export const INVOKE_BUNDLE = fileURLToPath(new URL('./invoke-bundle.mjs', import.meta.url));

type Json = Record<string, unknown>;

/** One Lambda function of the synthesized template. */
export interface DeployedFunction {
  readonly logicalId: string;
  /** Its construct path, e.g. `HeartbeatMonitor/Monitor/Ingest/Resource`. */
  readonly constructPath: string;
  /** The bundle file the handler lives in (`<asset dir>/index.mjs`). */
  readonly bundleFile: string;
  /** The handler's export name (`handler` of `index.handler`). */
  readonly exportName: string;
  readonly memorySize: number | undefined;
  /** The function's timeout (Lambda's default, 3 s, when the template sets none). */
  readonly timeoutSeconds: number;
  /** `Environment.Variables` as the template has them, CloudFormation intrinsics included. */
  readonly environment: Readonly<Record<string, unknown>>;
}

export interface SynthesizedStack {
  readonly template: { readonly Resources: Record<string, { Type: string; Properties?: Json; Metadata?: Json }> };
  readonly functions: readonly DeployedFunction[];
  /** The function whose construct path ends with `/<id>/Resource`. */
  fn(id: string): DeployedFunction;
}

/** Runs `cdk synth -q` into `outDir` with no AWS account (credentials and profile removed), with `-c` for each of `context`. */
export async function synthesize(outDir: string, context: Readonly<Record<string, string>> = {}): Promise<SynthesizedStack> {
  const cdk = createRequire(join(ROOT, 'package.json')).resolve('aws-cdk/bin/cdk');
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_HOME: join(outDir, '.cdk-home'), CDK_DISABLE_CLI_TELEMETRY: 'true' };
  for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[name];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [cdk, 'synth', '-q', '--no-notices', '--output', outDir, ...Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`])], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cdk synth exited ${code}: ${output.trim()}`))));
  });
  const templates = readdirSync(outDir).filter((file) => file.endsWith('.template.json'));
  if (templates.length !== 1) throw new Error(`expected one stack template in ${outDir}, found ${templates.join(', ') || 'none'}`);
  const template = JSON.parse(readFileSync(join(outDir, templates[0] as string), 'utf8')) as SynthesizedStack['template'];
  const functions = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]): DeployedFunction => {
      const assetDir = resource.Metadata?.['aws:asset:path'];
      const [moduleName, exportName] = String(resource.Properties?.Handler ?? '').split('.') as [string, string];
      if (typeof assetDir !== 'string') throw new Error(`${logicalId} has no bundled asset`);
      const bundleFile = ['.mjs', '.js'].map((ext) => join(outDir, assetDir, `${moduleName}${ext}`)).find((file) => existsSync(file));
      if (!bundleFile) throw new Error(`${logicalId}: no ${moduleName}.mjs or .js in ${assetDir}`);
      const variables = ((resource.Properties?.Environment as Json | undefined)?.Variables ?? {}) as Record<string, unknown>;
      return {
        logicalId,
        constructPath: String(resource.Metadata?.['aws:cdk:path'] ?? logicalId),
        bundleFile,
        exportName,
        memorySize: resource.Properties?.MemorySize as number | undefined,
        timeoutSeconds: Number(resource.Properties?.Timeout ?? 3),
        environment: variables,
      };
    });
  return {
    template,
    functions,
    fn(id) {
      const found = functions.find((f) => f.constructPath.endsWith(`/${id}/Resource`));
      if (!found) throw new Error(`no function ${id} in the template (has ${functions.map((f) => f.constructPath).join(', ')})`);
      return found;
    },
  };
}

/**
 * Resolves the CloudFormation intrinsics of a function's environment: `Ref` (resources through
 * `ref`, pseudo parameters through `pseudo`) and `Fn::Join`. Anything else throws, naming it, so a
 * new kind of value in the template shows up here rather than as a silently wrong variable.
 */
export function resolveEnvironment(
  environment: Readonly<Record<string, unknown>>,
  ref: (logicalId: string, type: string) => string,
  template: SynthesizedStack['template'],
  pseudo: Readonly<Record<string, string>>,
): Record<string, string> {
  const resolve = (value: unknown, name: string): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value === 'object' && value !== null) {
      const [fn, args] = Object.entries(value)[0] ?? [];
      if (fn === 'Ref' && typeof args === 'string') {
        if (args.startsWith('AWS::')) {
          const pseudoValue = pseudo[args];
          if (pseudoValue === undefined) throw new Error(`${name}: no value for the pseudo parameter ${args}`);
          return pseudoValue;
        }
        const resource = template.Resources[args];
        if (!resource) throw new Error(`${name}: Ref to unknown resource ${args}`);
        return ref(args, resource.Type);
      }
      if (fn === 'Fn::Join' && Array.isArray(args)) {
        const [separator, parts] = args as [string, unknown[]];
        return parts.map((part) => resolve(part, name)).join(separator);
      }
    }
    throw new Error(`${name}: cannot resolve ${JSON.stringify(value)}`);
  };
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, resolve(value, name)]));
}

/** What one bundle process answered. */
export interface BundleRun {
  /** The handler's results, one per event; empty when the run was cut off (`until`). */
  readonly results: unknown[];
  /** Everything the process wrote (its log lines), for assertions and failure messages. */
  readonly output: string;
}

export interface InvokeOptions {
  /**
   * Ends the invocation early, as Lambda may (a timeout, a frozen container): polled every 100 ms,
   * and once it resolves true the process is killed. For handlers that keep working for a
   * schedule period, like the sweeper sweeping every 15 s through its minute.
   */
  readonly until?: () => Promise<boolean>;
  /** Gives up after this long, failing. Default 60 s. */
  readonly timeoutMs?: number;
}

/** Invokes `fn`'s bundle in a new `node` process with exactly `env` (plus PATH), once per event, in order. */
export function invokeBundle(fn: DeployedFunction, env: Readonly<Record<string, string>>, events: readonly unknown[], options: InvokeOptions = {}): Promise<BundleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [INVOKE_BUNDLE, fn.bundleFile, fn.exportName, String(fn.timeoutSeconds * 1000)], {
      cwd: join(fn.bundleFile, '..'),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let cutOff = false;
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    const poll = options.until
      ? setInterval(() => {
          void options.until?.().then((done) => {
            if (done && !cutOff) {
              cutOff = true;
              child.kill('SIGKILL');
            }
          });
        }, 100)
      : undefined;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      const line = /^RESULTS (.*)$/m.exec(output)?.[1];
      if (code === 0 && line !== undefined) resolve({ results: JSON.parse(line) as unknown[], output });
      else if (cutOff && !timedOut) resolve({ results: [], output });
      else reject(new Error(`${fn.constructPath} bundle ${timedOut ? 'timed out' : `exited ${code ?? signal}`}:\n${output.slice(-3000)}`));
    });
    child.stdin.end(JSON.stringify(events));
  });
}
