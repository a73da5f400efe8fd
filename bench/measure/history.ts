/**
 * Reading the outage history: read units of one page of incidents (the fleet's, one group's, one
 * device's), each a Query on a key or an index of the history table, against the floor of reading
 * the same history without those keys: one Scan of the whole history table, in the same run.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb/incident-store';
import type { IncidentRecord } from '../../lambdas/core/history';
import { TaskPool } from '../../lambdas/core/concurrency';
import { ensureHistoryTable } from '../../lambdas/local/history-table';
import type { BenchContext } from '../support/context';
import { progress } from '../support/progress';
import { round } from '../support/stats';

const log = progress('history');

export interface HistoryResult {
  readonly incidents: number;
  readonly devices: number;
  readonly pageSize: number;
  /** The key: read units of one page of the fleet's incidents (GET /v1/incidents). */
  readonly readUnitsPerIncidentPage: number;
  readonly groupReadUnitsPerIncidentPage: number;
  readonly deviceReadUnitsPerIncidentPage: number;
  /** Read units of one Scan of the whole history table (what reading it without keys costs). */
  readonly scanReadUnits: number;
  /** A fleet page over the scan: how much of the table a page reads. */
  readonly pageRatioVsScan: number;
}

export async function measureHistory(ctx: BenchContext): Promise<HistoryResult> {
  const devices = ctx.options.quick ? 100 : 400;
  const perDevice = 10;
  const pageSize = 50;
  const tableName = `bench-history-${randomUUID().slice(0, 8)}`;
  await ensureHistoryTable(ctx.client, tableName);
  try {
    const units: Record<string, number> = {};
    const store = new DynamoDbIncidentStore({ client: ctx.client, tableName, onReadUnits: (operation, read) => (units[operation] = (units[operation] ?? 0) + read) });
    const now = Date.parse('2026-11-25T12:00:00.000Z');
    const pool = new TaskPool(16);
    for (let d = 0; d < devices; d++) {
      for (let i = 0; i < perDevice; i++) {
        const downSince = now - (i + 1) * 3_600_000 - d * 1000;
        const incident: IncidentRecord = { deviceId: `bench-${String(d).padStart(5, '0')}`, group: `plant-${d % 5}`, reason: i % 3 === 0 ? 'fail' : 'timeout', downSince, upAt: i === 0 ? null : downSince + 600_000, message: 'battery 12 %' };
        await pool.run(async () => {
          await store.recordOpened(incident);
          if (incident.upAt !== null) await store.recordClosed(incident, Math.floor(incident.upAt / 1000) + 90 * 86_400);
        });
      }
    }
    await pool.drain();
    const incidents = devices * perDevice;
    log(`${incidents} incidents of ${devices} devices written`);

    const readOnce = async (operation: string, run: () => Promise<unknown>) => {
      units[operation] = 0;
      await run();
      return units[operation] ?? 0;
    };
    const since = now - 30 * 86_400_000;
    const fleet = await readOnce('fleetIncidents', () => store.fleetIncidents({ since, limit: pageSize }));
    const group = await readOnce('groupIncidents', () => store.fleetIncidents({ since, group: 'plant-1', limit: pageSize }));
    const device = await readOnce('deviceIncidents', () => store.deviceIncidents('bench-00001', { limit: pageSize }));
    let scanReadUnits = 0;
    let start: Record<string, never> | undefined;
    do {
      const page = await ctx.client.send(new ScanCommand({ TableName: tableName, ReturnConsumedCapacity: 'TOTAL', ...(start ? { ExclusiveStartKey: start } : {}) }));
      scanReadUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    log(`page of ${pageSize}: fleet ${fleet} RU, group ${group} RU, device ${device} RU; scan of the table ${scanReadUnits} RU`);
    return {
      incidents,
      devices,
      pageSize,
      readUnitsPerIncidentPage: fleet,
      groupReadUnitsPerIncidentPage: group,
      deviceReadUnitsPerIncidentPage: device,
      scanReadUnits,
      pageRatioVsScan: round(fleet / scanReadUnits, 4),
    };
  } finally {
    await ctx.client.send(new DeleteTableCommand({ TableName: tableName }));
  }
}
