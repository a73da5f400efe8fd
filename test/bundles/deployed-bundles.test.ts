/**
 * The deployed artifacts work: the Lambda bundles `cdk synth` writes (esbuild output with the
 * credential provider swapped by an alias) each run in a plain `node` process of their own, with
 * the environment the template gives that function, against DynamoDB Local and local stand-ins
 * for Secrets Manager and SNS reached through the SDK's endpoint variables. What is proved here
 * and nowhere else: the bundles load (no missing module, no CommonJS `require` left unshimmed),
 * their composition roots read the variables the template sets, and their SDK clients talk to the
 * services with the environment-only credential provider.
 *
 * One scenario, in order: a beat through the ingest bundle, a sweep through the sweeper bundle
 * that publishes a `device.down` to SNS, a stream record of a `fail` beat through the instant-alert
 * bundle that publishes its `device.down` at once, a read through the management bundle.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HeartbeatRecorder } from '../../lambdas/core/heartbeat';
import { DEFAULT_SETTINGS } from '../../lambdas/core/model';
import { silentLogger } from '../../lambdas/core/ports';
import { deviceToken } from '../../lambdas/core/tokens';
import { createTestHistoryTable, createTestTable, type TestHistoryTable, type TestTable } from '../support/dynamodb';
import { beatEvent, httpEvent } from '../support/events';
import { FakeClock } from '../support/fakes';
import { SecretsManagerStandIn } from '../support/secrets-manager-stand-in';
import { SnsStandIn } from '../support/sns-stand-in';
import { invokeBundle, resolveEnvironment, synthesize, type DeployedFunction, type SynthesizedStack } from './support/deployed-stack';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const SECRET = 'bundle-test-signing-secret-0123456789';
/** Fake credentials: Lambda hands a function its role's credentials in exactly these variables. */
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST', AWS_SECRET_ACCESS_KEY: 'bundle-test-secret-key', AWS_SESSION_TOKEN: 'bundle-test-session' };
/** Strings only the SDK's full credential chain carries (web identity, process, container providers). */
const FULL_CHAIN_MARKERS = ['AWS_WEB_IDENTITY_TOKEN_FILE', 'credential_process', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

// Each bundle reads what the one before it wrote (beat, sweep, management): never shuffled.
describe('the Lambda bundles cdk synth writes', { shuffle: false }, () => {
  let outDir: string;
  let stack: SynthesizedStack;
  let table: TestTable;
  let historyTable: TestHistoryTable;
  let secrets: SecretsManagerStandIn;
  let sns: SnsStandIn;
  let envOf: (fn: DeployedFunction) => Record<string, string>;
  let alertTopicArn: string;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'heartbeat-bundles-'));
    stack = await synthesize(outDir);
    table = await createTestTable();
    historyTable = await createTestHistoryTable();

    // CloudFormation references become the local stand-ins' names.
    const ref = (logicalId: string, type: string): string => {
      switch (type) {
        case 'AWS::DynamoDB::Table':
          // Two tables: the devices, and the outage history (construct id History).
          return logicalId.startsWith('MonitorHistory') ? historyTable.tableName : table.tableName;
        case 'AWS::SecretsManager::Secret':
          return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${logicalId}-AbCdEf`;
        case 'AWS::SNS::Topic':
          return `arn:aws:sns:${REGION}:${ACCOUNT}:${logicalId}`;
        case 'AWS::ApiGatewayV2::Api':
          return 'bundletestapi';
        default:
          throw new Error(`no local stand-in for a Ref to ${type} (${logicalId})`);
      }
    };
    const pseudo = { 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
    const templateEnv = (fn: DeployedFunction) => resolveEnvironment(fn.environment, ref, stack.template, pseudo);

    const signingSecretArn = templateEnv(stack.fn('Ingest')).SIGNING_SECRET_ARN as string;
    alertTopicArn = templateEnv(stack.fn('Sweeper')).ALERT_TOPIC_ARN as string;
    secrets = await SecretsManagerStandIn.start({ [signingSecretArn]: JSON.stringify({ current: SECRET, previous: '' }) });
    sns = await SnsStandIn.start({ topicArns: [alertTopicArn] });

    envOf = (fn) => ({
      ...templateEnv(fn),
      // What the Lambda service adds to every function's environment.
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize ?? 128),
      TZ: ':UTC',
      ...CREDENTIALS,
      // Where this test's services are.
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoDbEndpoint'),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      // Node 20 here, 24 on Lambda: keep the SDK's end-of-support notice out of the output.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
  }, 300_000);

  afterAll(async () => {
    await secrets?.close();
    await sns?.close();
    await table?.drop();
    await historyTable?.drop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('are the functions this test runs: a new function of the default stack needs its scenario here', () => {
    // Act
    const ids = stack.functions.map((fn) => fn.constructPath.split('/').at(-2)).sort();
    // Assess
    expect(ids).toEqual(['Ingest', 'InstantAlerts', 'Management', 'Sweeper']);
  });

  it('are ES modules with only the environment credential provider inside', () => {
    // Act
    const bundles = stack.functions.map((fn) => ({ fn, text: readFileSync(fn.bundleFile, 'utf8') }));
    // Assess
    for (const { fn, text } of bundles) {
      expect(fn.bundleFile.endsWith('index.mjs'), fn.constructPath).toBe(true);
      for (const marker of FULL_CHAIN_MARKERS) expect(text.includes(marker), `${fn.constructPath} holds ${marker}`).toBe(false);
    }
  });

  it('ingest: records a beat with a token of the secret read from Secrets Manager, and refuses a wrong one', async () => {
    // Prepare
    const ingest = stack.fn('Ingest');
    const events = [
      beatEvent('bundle-beat', { token: deviceToken(SECRET, 'bundle-beat'), body: '{"interval":30,"message":"from the bundle"}', contentType: 'application/json' }),
      beatEvent('bundle-beat', { token: deviceToken('another-secret-0123456789', 'bundle-beat') }),
    ];
    // Act
    const run = await invokeBundle(ingest, envOf(ingest), events);
    // Assess
    const [accepted, refused] = run.results as { statusCode: number; body: string }[];
    expect(accepted?.statusCode, run.output).toBe(200);
    expect(JSON.parse(accepted?.body ?? '{}')).toMatchObject({ deviceId: 'bundle-beat', status: 'up' });
    expect(refused?.statusCode).toBe(401);
    expect(await table.store().getDevice('bundle-beat')).toMatchObject({ beats: 1, intervalSeconds: 30, message: 'from the bundle' });
    expect(secrets.reads).toContain(envOf(ingest).SIGNING_SECRET_ARN);
    expect(secrets.accessKeyIds).toContain(CREDENTIALS.AWS_ACCESS_KEY_ID);
  });

  it('sweeper: turns a silent device down and publishes one device.down to SNS', async () => {
    // Prepare: a device whose last beat was ten minutes ago (interval 60 s, no grace).
    const tenMinutesAgo = new FakeClock(Date.now() - 10 * 60_000);
    await new HeartbeatRecorder({ store: table.store(), clock: tenMinutesAgo, settings: DEFAULT_SETTINGS, logger: silentLogger }).record('bundle-late', { interval: 60, grace: 0 });
    const sweeper = stack.fn('Sweeper');
    const scheduled = { version: '0', id: 'bundle-test', 'detail-type': 'Scheduled Event', source: 'aws.events', account: ACCOUNT, time: new Date().toISOString(), region: REGION, resources: [], detail: {} };
    // With sweepEvery under 60 s (the default is 15) one invocation sweeps through its whole minute:
    // the run is cut off once the first sweep has published and recorded the alert, and written the summary.
    const store = table.store();
    const alerted = async () =>
      sns.ofEvent('device.down').length > 0 && (await store.getDevice('bundle-late'))?.downAlerted === true && (await store.readSummary()) !== null;
    // Act
    const run = await invokeBundle(sweeper, envOf(sweeper), [scheduled], { until: alerted, timeoutMs: 90_000 });
    // Assess
    const downs = sns.ofEvent('device.down');
    expect(downs.map((m) => m.attributes.deviceId), run.output).toEqual(['bundle-late']);
    const [down] = downs;
    expect(down?.topicArn).toBe(alertTopicArn);
    expect(down?.subject).toMatch(/^DOWN bundle-late: silent for 10m/);
    expect(down?.messageStructure).toBe('json');
    const alert = JSON.parse(JSON.parse(down?.message ?? '{}').default);
    expect(alert).toMatchObject({ type: 'device.down', deviceId: 'bundle-late', reason: 'timeout', interval: 60, grace: 0 });
    expect(alert.incidentId).toMatch(/^bundle-late:/);
    expect(sns.accessKeyIds).toContain(CREDENTIALS.AWS_ACCESS_KEY_ID);
    expect(await table.store().getDevice('bundle-late')).toMatchObject({ state: 'down', downAlerted: true });
    expect(await table.store().getDevice('bundle-beat')).toMatchObject({ state: 'up' });
    // The outbox recorded the announced outage in the history table.
    const history = await historyTable.store().deviceIncidents('bundle-late', { limit: 10 });
    expect(history.incidents, run.output).toEqual([expect.objectContaining({ deviceId: 'bundle-late', reason: 'timeout', upAt: null })]);
  });

  it('instant alerts: announces the fail beat of a stream record at once, through SNS', async () => {
    // Prepare: a first beat that fails, and its stream record as Lambda delivers it (INSERT, no old image).
    await new HeartbeatRecorder({ store: table.store(), clock: new FakeClock(Date.now()), settings: DEFAULT_SETTINGS, logger: silentLogger }).record('bundle-fail', {
      status: 'fail',
      message: 'overheated',
    });
    const item = (await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: 'bundle-fail' } } }))).Item;
    const record = { eventID: '1', eventName: 'INSERT', eventSource: 'aws:dynamodb', awsRegion: REGION, dynamodb: { Keys: { pk: { S: 'bundle-fail' } }, NewImage: item, StreamViewType: 'NEW_AND_OLD_IMAGES' } };
    const instant = stack.fn('InstantAlerts');
    // Act
    const run = await invokeBundle(instant, envOf(instant), [{ Records: [record] }]);
    // Assess
    const downs = sns.ofEvent('device.down').filter((m) => m.attributes.deviceId === 'bundle-fail');
    expect(downs, run.output).toHaveLength(1);
    expect(JSON.parse(JSON.parse(downs[0]?.message ?? '{}').default)).toMatchObject({ type: 'device.down', deviceId: 'bundle-fail', reason: 'fail' });
    expect(await table.store().getDevice('bundle-fail')).toMatchObject({ state: 'down', downAlerted: true, lease: null });
  });

  it('management: reads the down device and the health summary the sweep wrote', async () => {
    // Prepare
    const management = stack.fn('Management');
    const events = [
      httpEvent({ method: 'GET', path: '/v1/devices/bundle-late', pathParameters: { deviceId: 'bundle-late' }, iam: true }),
      httpEvent({ method: 'GET', path: '/v1/health' }),
    ];
    // Act
    const run = await invokeBundle(management, envOf(management), events);
    // Assess
    const [device, health] = (run.results as { statusCode: number; body: string }[]).map((r) => ({ status: r.statusCode, body: JSON.parse(r.body) }));
    expect(device, run.output).toMatchObject({ status: 200, body: { deviceId: 'bundle-late', status: 'down', interval: 60, grace: 0, beats: 1 } });
    // Uptime from the history table: down since its deadline 9 minutes ago, first beat 10 minutes ago.
    expect(device?.body.uptime['1d']).toBeGreaterThan(0.05);
    expect(device?.body.uptime['1d']).toBeLessThan(0.15);
    expect(health?.status).toBe(200);
    expect(health?.body.devices).toMatchObject({ up: 1, down: 1 });
    expect(health?.body.sweepEverySeconds).toBe(Number(envOf(management).SWEEP_EVERY_SECONDS));
  });
});
