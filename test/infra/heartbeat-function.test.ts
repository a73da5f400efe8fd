/**
 * Proves the house Lambda defaults of HeartbeatFunction (runtime, arm64, own log group and role,
 * source maps) and that bindTable grants exactly the listed actions. One test bundles a tiny
 * fixture with the local esbuild to check the real bundle: ESM, require banner, minified, source map.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

describe('HeartbeatFunction bundle', () => {
  it('bundles with the local esbuild into a minified ESM file with the require banner and a source map', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'heartbeat-bundle-'));
    try {
      // Bundling on (no bundling-stacks override): this is the one test that runs esbuild.
      const app = new App({ outdir, context: cdkJsonContext(), builtinCloudFormationValidation: false });
      const stack = new Stack(app, 'Bundled');
      new HeartbeatFunction(stack, 'Fn', { entry: FIXTURE });
      const assembly = app.synth();

      const resource = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0] as {
        Metadata: { 'aws:asset:path': string };
      };
      const assetDir = path.join(assembly.directory, resource.Metadata['aws:asset:path']);
      const bundle = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith("import { createRequire } from 'module';const require = createRequire(import.meta.url);")).toBe(true);
      expect(bundle).toMatch(/export\s*\{/);
      expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      // Minified: the fixture's doc comment and formatting are gone.
      expect(bundle).not.toContain('A minimal handler');
      expect(existsSync(path.join(assetDir, 'index.mjs.map'))).toBe(true);
      const map = JSON.parse(readFileSync(path.join(assetDir, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
      expect(map.sourcesContent).toBeUndefined();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
