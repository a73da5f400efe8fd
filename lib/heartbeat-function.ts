/**
 * The house Lambda function: one place for the defaults every handler of this service shares
 * (runtime, arm64, its own log group, ESM bundle with the SDK inside, source maps), and a
 * `bindTable` method that wires a table in one call with exactly the actions the handler uses.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { STACK_ENV } from '../lambdas/core/settings-catalog';

/** The DynamoDB item actions a handler may be granted. Spelled out, so a wildcard cannot be asked for. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan';

/**
 * ESM output has no `require`; a few CommonJS dependencies inside the bundle still call it.
 * The banner gives them one, built for this module's location.
 */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * Lambda hands a function its role's credentials in environment variables, the first place the SDK's
 * default provider chain looks. This stand-in reads only those, so the rest of the chain (SSO, INI,
 * IMDS, web identity and the clients they pull in) stays out of the bundle: about 135 KB less to load.
 */
const CREDENTIAL_PROVIDER_STAND_IN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'lambdas',
  'adapters',
  'lambda-credentials.ts',
);

/** Node.js 24 (the newest Lambda runtime, so cdk-nag's L1 holds); 22 with an aws-cdk-lib too old to know 24. */
const RUNTIME: lambda.Runtime = (lambda.Runtime as { NODEJS_24_X?: lambda.Runtime }).NODEJS_24_X ?? lambda.Runtime.NODEJS_22_X;
const ESBUILD_TARGET = RUNTIME.name === 'nodejs24.x' ? 'node24' : 'node22';

/** Props of a HeartbeatFunction: NodejsFunction props minus what the house decides. */
export interface HeartbeatFunctionProps
  extends Omit<NodejsFunctionProps, 'runtime' | 'architecture' | 'bundling' | 'code' | 'logGroup' | 'logRetention' | 'tracing' | 'role' | 'entry'> {
  /** Path of the handler source file; it must export `handler`. */
  readonly entry: string;

  /**
   * How long an invocation may run.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;

  /**
   * How long the function's log events are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A NodejsFunction with the house defaults: Node.js 24 on arm64, its own log group and execution
 * role, no tracing, and a minified ESM bundle (SDK included) built by the local esbuild, never Docker.
 */
export class HeartbeatFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HeartbeatFunctionProps) {
    const { logRetention = logs.RetentionDays.ONE_MONTH, environment, timeout, ...rest } = props;

    // A subclass cannot create children before super(), so the log group and role sit beside the function.
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, { retention: logRetention });
    // Our own role, granted writes to that one log group only: the managed AWSLambdaBasicExecutionRole
    // would allow creating and writing any log group in the account.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${id} function`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      ...rest,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout: timeout ?? Duration.seconds(10),
      role,
      logGroup,
      // No X-Ray: the service's paths are one or two calls deep, and tracing adds a wildcard IAM grant.
      tracing: lambda.Tracing.DISABLED,
      // Lambda's own START/END/REPORT lines are ~40% of the log bytes of a beat ($0.17 per million
      // beats at list prices, measured by the bench); the same figures are in CloudWatch metrics.
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      environment: {
        // Stack traces in the logs point at the TypeScript sources, not the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        minify: true,
        sourceMap: true,
        // Line mapping needs only the map, not a copy of every source file in it.
        sourcesContent: false,
        // The SDK version we test with ships in the bundle: no drift with the runtime's copy, and a
        // tree-shaken bundle loads faster than the runtime's full SDK.
        bundleAwsSDK: true,
        // Prefer the ESM builds of dependencies: they tree-shake, which roughly halves the SDK's share.
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        esbuildArgs: { '--alias': [`@aws-sdk/credential-provider-node=${CREDENTIAL_PROVIDER_STAND_IN}`] },
      },
    });
  }

  /**
   * Tells the handler which table to use (TABLE_NAME) and grants it exactly `actions` on the
   * table itself: no index ARNs, no wildcard.
   */
  bindTable(table: dynamodb.ITable, actions: readonly TableAction[]): void {
    this.bindTableAs(STACK_ENV.tableName, table, actions, []);
  }

  /**
   * The same for the history table (HISTORY_TABLE_NAME), plus `Query` on exactly the named
   * indexes when the actions include it: still no wildcard.
   */
  bindHistoryTable(table: dynamodb.ITable, actions: readonly TableAction[], indexes: readonly string[] = []): void {
    this.bindTableAs(STACK_ENV.historyTableName, table, actions, indexes);
  }

  private bindTableAs(envName: string, table: dynamodb.ITable, actions: readonly TableAction[], indexes: readonly string[]): void {
    if (actions.length === 0) {
      throw new Error(`bindTable on ${this.node.path}: list the DynamoDB actions the handler needs.`);
    }
    this.addEnvironment(envName, table.tableName);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...new Set(actions)],
        resources: [table.tableArn],
      }),
    );
    if (indexes.length > 0 && actions.includes('dynamodb:Query')) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: indexes.map((index) => `${table.tableArn}/index/${index}`),
        }),
      );
    }
  }
}
