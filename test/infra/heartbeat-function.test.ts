/**
 * Proves the house Lambda defaults of HeartbeatFunction (runtime, arm64, own log group and role,
 * source maps) and that bindTable grants exactly the listed actions. One test bundles a tiny
 * fixtures with the local esbuild to check the real bundle: ESM, require banner, minified, source
 * map, and the SDK's credential chain swapped for the Lambda stand-in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { HeartbeatFunction, type HeartbeatFunctionProps } from '../../lib/heartbeat-function';
import { actionsOf, cdkJsonContext, logicalId, roleIdOf, roleStatements, testApp } from './support';

const FIXTURE = fileURLToPath(new URL('./fixtures/echo-handler.ts', import.meta.url));
const CREDENTIALS_FIXTURE = fileURLToPath(new URL('./fixtures/credentials-handler.ts', import.meta.url));

function build(props: Partial<HeartbeatFunctionProps> = {}) {
  const stack = new Stack(testApp(), 'Bare');
  const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
  const fn = new HeartbeatFunction(stack, 'Fn', { entry: FIXTURE, ...props });
  return { stack, table, fn };
}

describe('HeartbeatFunction defaults', () => {
  it('runs Node.js 24 on arm64 with source maps enabled and no tracing', () => {
    const { stack } = build({ environment: { EXTRA: 'yes' } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', EXTRA: 'yes' } },
      TracingConfig: Match.absent(),
    });
  });

  it('logs JSON and drops Lambda\'s per-invocation START/END/REPORT lines (system level WARN)', () => {
    const { stack } = build();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' },
    });
  });

  it('logs to its own log group, kept one month unless told otherwise', () => {
    const { stack, fn } = build();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logicalId(fn.logGroup) } } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });

    const { stack: weekly } = build({ logRetention: logs.RetentionDays.ONE_WEEK });
    Template.fromStack(weekly).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('has a role without managed policies that may write only to its own log group', () => {
    const { stack, fn } = build();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    const statements = roleStatements(template, roleIdOf(fn));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logicalId(fn.logGroup), 'Arn'] },
      },
    ]);
  });
});

describe('HeartbeatFunction.bindTable', () => {
  it('sets TABLE_NAME and grants exactly the listed actions on the table ARN', () => {
    const { stack, table, fn } = build();
    fn.bindTable(table, ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem']);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TABLE_NAME: { Ref: logicalId(table) } }) },
    });
    const statements = roleStatements(template, roleIdOf(fn)).filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: { 'Fn::GetAtt': [logicalId(table), 'Arn'] } },
    ]);
    expect(actionsOf(statements)).not.toContain('dynamodb:Scan');
  });

  it('refuses an empty action list', () => {
    const { table, fn } = build();
    expect(() => fn.bindTable(table, [])).toThrow(/list the DynamoDB actions/);
  });
});

/** Synthesizes one HeartbeatFunction with bundling on (the local esbuild) and returns its bundle and source map. */
function bundle(entry: string): { code: string; map: { sources: string[]; sourcesContent?: unknown } } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'heartbeat-bundle-'));
  try {
    // Asset metadata on, as the CDK CLI sets it, so the template names the bundle's folder.
    const app = new App({
      outdir,
      context: { ...cdkJsonContext(), 'aws:cdk:enable-asset-metadata': true },
      builtinCloudFormationValidation: false,
    });
    const stack = new Stack(app, 'Bundled');
    new HeartbeatFunction(stack, 'Fn', { entry });
    const assembly = app.synth();
    const resource = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0] as {
      Metadata: { 'aws:asset:path': string };
    };
    const assetDir = path.join(assembly.directory, resource.Metadata['aws:asset:path']);
    return {
      code: readFileSync(path.join(assetDir, 'index.mjs'), 'utf8'),
      map: JSON.parse(readFileSync(path.join(assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown },
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('HeartbeatFunction bundle', () => {
  it('is a minified ESM file with the require banner and a source map without sources', () => {
    const { code, map } = bundle(FIXTURE);
    expect(code.startsWith("import { createRequire } from 'module';const require = createRequire(import.meta.url);")).toBe(true);
    expect(code).toMatch(/export\s*\{/);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    // Minified: the fixture's doc comment and formatting are gone.
    expect(code).not.toContain('A minimal handler');
    expect(map.sources.some((source) => source.endsWith('echo-handler.ts'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
  });

  it("replaces the SDK's default credential chain with the environment-only stand-in", () => {
    const { code, map } = bundle(CREDENTIALS_FIXTURE);
    expect(map.sources.some((source) => source.endsWith('lambdas/adapters/lambda-credentials.ts'))).toBe(true);
    expect(map.sources.some((source) => source.includes('credential-provider-node'))).toBe(false);
    expect(map.sources.some((source) => source.includes('credential-provider-sso'))).toBe(false);
    // The full chain bundles to well over 100 KB; the stand-in to a few.
    expect(code.length).toBeLessThan(30_000);
  });
});
