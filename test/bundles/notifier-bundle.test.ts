/**
 * The notifier as deployed: the bundle `cdk synth` writes for a stack with channels, run in its
 * own `node` process with the template's environment, reads its secrets through a Secrets Manager
 * stand-in and its PagerDuty fleet state in DynamoDB Local, and delivers an SNS event to a webhook
 * receiver (signature checked with the reference verifier) and a PagerDuty stand-in on 127.0.0.1.
 * The receivers' URLs replace the template's (its webhook must be https; local ones are http).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DeviceDownAlert, DeviceUpAlert, FleetDownAlert } from '../../lambdas/core/alerts';
import { createTestTable, type TestTable } from '../support/dynamodb';
import { startReceiver, type Receiver } from '../support/receivers';
import { SecretsManagerStandIn } from '../support/secrets-manager-stand-in';
import { invokeBundle, resolveEnvironment, synthesize, type SynthesizedStack } from './support/deployed-stack';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const WEBHOOK_KEY = 'QnVuZGxlVGVzdFdlYmhvb2tLZXlGb3JUaGVOb3RpZmllcjA'; // as the stack generates: 44+ alphanumerics
const ROUTING_KEY = 'R0UTINGKEYOFTHEBUNDLETEST0000001';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST', AWS_SECRET_ACCESS_KEY: 'bundle-test-secret-key', AWS_SESSION_TOKEN: 'bundle-test-session' };

const downOf = (deviceId: string): DeviceDownAlert => ({
  type: 'device.down', incidentId: `${deviceId}:2026-11-25T10:00:00.000Z`, deviceId, group: 'plant-b', lastSeen: '2026-11-25T09:58:00.000Z',
  deadline: '2026-11-25T10:00:00.000Z', detectedAt: '2026-11-25T10:00:41.000Z', reason: 'timeout', interval: 60, grace: 60,
});
const upOf = (down: DeviceDownAlert): DeviceUpAlert => ({
  type: 'device.up', incidentId: down.incidentId, deviceId: down.deviceId, group: down.group, lastSeen: '2026-11-25T10:05:00.000Z',
  deadline: '2026-11-25T10:07:00.000Z', detectedAt: '2026-11-25T10:05:00.000Z', downSince: '2026-11-25T10:00:00.000Z', downForSeconds: 300, reason: down.reason, interval: 60, grace: 60,
});
const snsEvent = (...alerts: unknown[]) => ({ Records: alerts.map((alert) => ({ EventSource: 'aws:sns', Sns: { Type: 'Notification', Message: JSON.stringify(alert) } })) });

describe('the notifier bundle cdk synth writes', () => {
  let outDir: string;
  let stack: SynthesizedStack;
  let table: TestTable;
  let secrets: SecretsManagerStandIn;
  let webhook: Receiver;
  let pagerDuty: Receiver;
  let env: Record<string, string>;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'heartbeat-notifier-bundle-'));
    stack = await synthesize(outDir, { webhookUrl: 'https://hooks.example.com/heartbeat', pagerDutySecret: 'heartbeat/pagerduty' });
    table = await createTestTable();
    webhook = await startReceiver();
    pagerDuty = await startReceiver([], 202);
    const ref = (logicalId: string, type: string): string => {
      if (type === 'AWS::DynamoDB::Table') return table.tableName;
      if (type === 'AWS::SecretsManager::Secret') return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${logicalId}-AbCdEf`;
      if (type === 'AWS::SQS::Queue') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${logicalId}`;
      if (type === 'AWS::ApiGatewayV2::Api') return 'bundletestapi';
      throw new Error(`no local stand-in for a Ref to ${type} (${logicalId})`);
    };
    const pseudo = { 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
    const notifier = stack.fn('Function');
    const templateEnv = resolveEnvironment(notifier.environment, ref, stack.template, pseudo);
    secrets = await SecretsManagerStandIn.start({
      [templateEnv.WEBHOOK_SECRET_ARN as string]: WEBHOOK_KEY,
      [templateEnv.PAGERDUTY_SECRET_ARN as string]: ROUTING_KEY,
    });
    env = {
      ...templateEnv,
      WEBHOOK_URL: `${webhook.url}/hook`,
      PAGERDUTY_URL: `${pagerDuty.url}/v2/enqueue`,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      ...CREDENTIALS,
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoDbEndpoint'),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }, 300_000);

  afterAll(async () => {
    await secrets?.close();
    await Promise.all([webhook?.close(), pagerDuty?.close()]);
    await table?.drop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('reads its two secrets once and delivers a fleet.down, then resolves it after its last device is up', async () => {
    // Prepare
    const notifier = stack.fn('Function');
    const downs = ['nb-1', 'nb-2'].map(downOf);
    const fleet: FleetDownAlert = { type: 'fleet.down', group: 'plant-b', count: 2, deviceIds: ['nb-1', 'nb-2'], incidentIds: downs.map((d) => d.incidentId), detectedAt: '2026-11-25T10:00:41.000Z' };

    // Act: three invocations in one process (one container), as SNS would send them.
    const run = await invokeBundle(notifier, env, [snsEvent(fleet), snsEvent(upOf(downs[0] as DeviceDownAlert)), snsEvent(upOf(downs[1] as DeviceDownAlert))]);

    // Assess
    expect(run.results, run.output).toEqual([
      { alerts: 1, delivered: 2, undelivered: 0 },
      { alerts: 1, delivered: 2, undelivered: 0 },
      { alerts: 1, delivered: 3, undelivered: 0 },
    ]);
    expect(secrets.reads.sort()).toEqual([env.PAGERDUTY_SECRET_ARN, env.WEBHOOK_SECRET_ARN].sort());
    for (const request of webhook.requests) expect(new Webhook(`whsec_${WEBHOOK_KEY}`).verify(request.body, request.headers as Record<string, string>)).toHaveProperty('type');
    expect(webhook.requests.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(['fleet.down', 'device.up', 'device.up']);
    const events = pagerDuty.requests.map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string; routing_key: string });
    const fleetKey = 'fleet:plant-b:nb-1:2026-11-25T10:00:00.000Z';
    expect(events[0]).toMatchObject({ event_action: 'trigger', dedup_key: fleetKey, routing_key: ROUTING_KEY });
    expect(events.filter((e) => e.dedup_key === fleetKey).map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(events.at(-1)).toMatchObject({ event_action: 'resolve', dedup_key: fleetKey });
  });
});
