/**
 * The outage history in the template: its own table (keys, the two indexes, TTL, PITR), the
 * `historyDays` prop, the routes behind IAM, and grants of exactly what each function does with it
 * (the ingest function gets nothing: a beat never touches history).
 */
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HeartbeatMonitor } from '../../lib/heartbeat-monitor';
import { actionsOf, asList, buildHeartbeatStack, logicalId, roleIdOf, roleStatements, testApp } from './support';
import { Template } from 'aws-cdk-lib/assertions';

describe('HeartbeatMonitor history', () => {
  const { stack, template } = buildHeartbeatStack();
  const monitor = stack.node.findAll().find((c): c is HeartbeatMonitor => c instanceof HeartbeatMonitor) as HeartbeatMonitor;
  const historyId = logicalId(monitor.historyTable);

  it('keeps history in a table of its own with TTL, keyed by device and start, with fleet and group indexes', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        GlobalSecondaryIndexes: [
          { IndexName: 'fleet', KeySchema: [{ AttributeName: 'fk', KeyType: 'HASH' }, { AttributeName: 'ek', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
          { IndexName: 'byGroup', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }, { AttributeName: 'ek', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
        ],
      },
    });
    expect(historyId).not.toBe(logicalId(monitor.table));
    // RETAINed like the devices: a new logical id would orphan the history and start an empty one.
    expect(historyId).toBe('MonitorHistoryEBB0A023');
  });

  it('tells the management function the table and keeps closed outages 90 days by default', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('management'),
      Environment: { Variables: Match.objectLike({ HISTORY_TABLE_NAME: { Ref: historyId }, HISTORY_DAYS: '90' }) },
    });
  });

  it('refuses a historyDays under the contract floor of 90', () => {
    // Act + Assess
    expect(() => new HeartbeatMonitor(new Stack(testApp(), 'Short'), 'M', { historyDays: 30 })).toThrow(/historyDays must be a whole number from 90 to 3650, got 30/);
    const long = Template.fromStack((() => {
      const s = new Stack(testApp(), 'Long');
      new HeartbeatMonitor(s, 'M', { historyDays: 400 });
      return s;
    })());
    long.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ HISTORY_DAYS: '400' }) } });
  });

  it('grants management Query on the table and exactly its two indexes, and the pause writes', () => {
    // Prepare
    const statements = roleStatements(template, roleIdOf(monitor.managementFunction)).filter((s) =>
      JSON.stringify(s.Resource).includes(historyId),
    );

    // Assess
    expect(actionsOf(statements)).toEqual(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const resources = JSON.stringify(statements.flatMap((s) => asList(s.Resource)));
    expect(resources).toContain('/index/fleet');
    expect(resources).toContain('/index/byGroup');
    expect(resources).not.toContain('/index/*');
  });

  it('grants the sweeper exactly PutItem and UpdateItem on the history table (no read, no index)', () => {
    // Prepare
    const statements = roleStatements(template, roleIdOf(monitor.sweeperFunction)).filter((s) => JSON.stringify(s.Resource).includes(historyId));

    // Assess
    expect(actionsOf(statements)).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(JSON.stringify(statements)).not.toContain('/index/');
  });

  it('grants the instant-alert consumer the same history writes as the sweeper', () => {
    // Prepare
    const statements = roleStatements(template, roleIdOf(monitor.instantAlertFunction)).filter((s) => JSON.stringify(s.Resource).includes(historyId));

    // Assess
    expect(actionsOf(statements)).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('gives the ingest function nothing of the history: a beat never touches it', () => {
    // Assess
    const statements = roleStatements(template, roleIdOf(monitor.ingestFunction));
    expect(JSON.stringify(statements)).not.toContain(historyId);
  });

  it('puts both history routes behind IAM', () => {
    // Assess
    for (const routeKey of ['GET /v1/devices/{deviceId}/incidents', 'GET /v1/incidents']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'AWS_IAM' });
    }
  });
});
