/**
 * Pins what an upgrade of a live stack must never change about the devices table.
 *
 * The table is RETAINed. If its logical id, its key schema or its table name changes, CloudFormation
 * does not migrate it: it creates a NEW, empty table and leaves the old one orphaned outside the
 * stack (RETAIN), with every device, deadline and open outage in it. After such an upgrade the
 * monitor watches nobody and says nothing: the whole fleet is silently lost. The TTL attribute is
 * pinned too: renaming it would stop reclaiming every item written before the upgrade.
 *
 * These values are literals on purpose. If a test here fails, do not update the literal: put the
 * construct id, key or attribute back. A real migration (new table, copy, switch) is a release of
 * its own, with a CHANGELOG entry and upgrade notes.
 */
import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../../lambdas/adapters/dynamodb/table-schema';
import { HeartbeatMonitor } from '../../lib/heartbeat-monitor';
import { buildHeartbeatStack, logicalId, testApp } from './support';

const NEVER_CHANGE =
  'must never change: a new logical id or key schema makes CloudFormation create a new, empty devices table and orphan the RETAINed one with the whole fleet in it (see the header of test/infra/upgrade-safety.test.ts)';

/** Logical id of the devices table in the stack `npx cdk deploy` creates (stack HeartbeatMonitor, construct Monitor, table Devices). */
const STACK_TABLE_LOGICAL_ID = 'MonitorDevices3DA0B15A';
/** Logical id of the devices table of a HeartbeatMonitor with construct id `Heartbeat`, as a user's own stack would hold it. */
const CONSTRUCT_TABLE_LOGICAL_ID = 'HeartbeatDevices6DBBA74A';

interface TableResource {
  readonly Type: string;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Properties: {
    readonly KeySchema: unknown;
    readonly AttributeDefinitions: unknown;
    readonly TimeToLiveSpecification?: unknown;
    readonly TableName?: unknown;
  };
}

describe('devices table of the deployed stack', () => {
  const { stack, template } = buildHeartbeatStack();
  const tables = template.findResources('AWS::DynamoDB::Table') as Record<string, TableResource>;

  it('keeps its logical id', () => {
    // Prepare
    // The other table is the outage history (its own logical id).
    const ids = Object.keys(tables).filter((id) => id !== logicalId(stack.monitor.historyTable));
    // Act
    const ofConstruct = logicalId(stack.monitor.table);
    // Assess
    expect(ids, `the devices table's logical id ${NEVER_CHANGE}`).toEqual([STACK_TABLE_LOGICAL_ID]);
    expect(ofConstruct, `the devices table's logical id ${NEVER_CHANGE}`).toBe(STACK_TABLE_LOGICAL_ID);
  });

  it('keeps its key schema: pk (string) as the only key', () => {
    // Prepare
    const table = tables[STACK_TABLE_LOGICAL_ID];
    // Act
    const { KeySchema, AttributeDefinitions } = table?.Properties ?? {};
    // Assess
    expect(KeySchema, `the devices table's key schema ${NEVER_CHANGE}`).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(AttributeDefinitions, `the devices table's key attribute type ${NEVER_CHANGE}`).toEqual([{ AttributeName: 'pk', AttributeType: 'S' }]);
    expect(PARTITION_KEY, `PARTITION_KEY ${NEVER_CHANGE}`).toBe('pk');
  });

  it('keeps TTL on the ttl attribute, so items written by every earlier release are still reclaimed', () => {
    // Prepare
    const table = tables[STACK_TABLE_LOGICAL_ID];
    // Act
    const ttl = table?.Properties.TimeToLiveSpecification;
    // Assess
    expect(ttl, 'the TTL attribute must stay "ttl": items of earlier releases carry it, a new name would never reclaim them').toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
    expect(TTL_ATTRIBUTE).toBe('ttl');
  });

  it('has no fixed table name and is retained on delete and on replacement', () => {
    // Prepare
    const table = tables[STACK_TABLE_LOGICAL_ID];
    // Act
    const { DeletionPolicy, UpdateReplacePolicy } = table ?? {};
    // Assess
    expect(table?.Properties.TableName, 'a fixed TableName makes any replacement fail, and adding one later replaces the table').toBeUndefined();
    expect({ DeletionPolicy, UpdateReplacePolicy }).toEqual({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

/** The history table of the deployed stack (also pinned by test/infra/history.test.ts). */
const HISTORY_TABLE_LOGICAL_ID = 'MonitorHistoryEBB0A023';

describe('devices table across deployment options', () => {
  it('keeps the same logical id, key schema and TTL whatever the options, so switching one never replaces the table', () => {
    // Prepare
    const variants = [{ billing: 'provisioned' }, { frontDoor: 'functionUrl' }, { sweepEvery: 60, retentionDays: 90 }];
    // Act
    const tables = variants.map((context) => buildHeartbeatStack(context).template.findResources('AWS::DynamoDB::Table') as Record<string, TableResource>);
    // Assess
    for (const [index, found] of tables.entries()) {
      const label = `${JSON.stringify(variants[index])}: the devices table ${NEVER_CHANGE}`;
      // The other table is the outage history (pinned in test/infra/history.test.ts).
      expect(Object.keys(found).filter((id) => id !== HISTORY_TABLE_LOGICAL_ID), label).toEqual([STACK_TABLE_LOGICAL_ID]);
      expect(found[STACK_TABLE_LOGICAL_ID]?.Properties.KeySchema, label).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
      expect(found[STACK_TABLE_LOGICAL_ID]?.Properties.TimeToLiveSpecification, label).toEqual({ AttributeName: 'ttl', Enabled: true });
    }
  });
});

describe('devices table of the HeartbeatMonitor construct in a user stack', () => {
  it("keeps the table's construct id (Devices) and so its logical id under any HeartbeatMonitor", () => {
    // Prepare
    const stack = new Stack(testApp(), 'UserStack');
    // Act
    const monitor = new HeartbeatMonitor(stack, 'Heartbeat');
    // Assess
    expect(monitor.table.node.id, `the table's construct id ${NEVER_CHANGE}`).toBe('Devices');
    expect(logicalId(monitor.table), `the devices table's logical id ${NEVER_CHANGE}`).toBe(CONSTRUCT_TABLE_LOGICAL_ID);
  });
});
