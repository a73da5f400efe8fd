/**
 * MaintenanceStore on the device table: every window in one item (`#maintenance`, see
 * table-schema.ts), so the sweep reads them all with one GetItem. The scan of the sweep and the
 * device list skip it like every `#` item.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { MaintenanceWindow } from '../../core/maintenance';
import type { MaintenanceStore } from '../../core/ports';
import { MAINTENANCE_KEY, PARTITION_KEY } from './table-schema';
import { n, s, type Item } from './update-builder';

const WINDOWS = 'w';

function toAttribute(window: MaintenanceWindow): AttributeValue {
  const m: Item = { f: n(window.from), u: n(window.until) };
  if (window.deviceIds !== null) m.d = { L: window.deviceIds.map((id) => s(id)) };
  if (window.group !== null) m.g = s(window.group);
  if (window.reason !== null) m.r = s(window.reason);
  return { M: m };
}

function fromAttribute(windowId: string, value: AttributeValue): MaintenanceWindow | null {
  const m = value.M;
  if (m === undefined || m.f?.N === undefined || m.u?.N === undefined) return null;
  return {
    windowId,
    deviceIds: m.d?.L ? m.d.L.map((id) => id.S ?? '').filter((id) => id !== '') : null,
    group: m.g?.S ?? null,
    from: Number(m.f.N),
    until: Number(m.u.N),
    reason: m.r?.S ?? null,
  };
}

export class DynamoDbMaintenanceStore implements MaintenanceStore {
  constructor(private readonly options: { readonly client: DynamoDBClient; readonly tableName: string }) {}

  private readonly key = { [PARTITION_KEY]: s(MAINTENANCE_KEY) };

  async listWindows(): Promise<MaintenanceWindow[]> {
    // Eventually consistent: a window added a second ago is seen by the next sweep at the latest.
    const result = await this.options.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: this.key }));
    const windows = result.Item?.[WINDOWS]?.M ?? {};
    return Object.entries(windows)
      .map(([id, value]) => fromAttribute(id, value))
      .filter((w): w is MaintenanceWindow => w !== null);
  }

  async addWindow(window: MaintenanceWindow, forget: readonly string[]): Promise<void> {
    await this.write(window, forget, 3);
  }

  private async write(window: MaintenanceWindow, forget: readonly string[], attempts: number): Promise<void> {
    const { client, tableName } = this.options;
    const names: Record<string, string> = { '#w': WINDOWS, '#id': window.windowId };
    const values: Item = { ':win': toAttribute(window) };
    const removes = forget.filter((id) => id !== window.windowId).map((id, i) => {
      names[`#old${i}`] = id;
      return `#w.#old${i}`;
    });
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: this.key,
          UpdateExpression: `SET #w.#id = :win${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(#w)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // The first window ever: create the map with it (unless another request just did; then retry above).
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: this.key,
          UpdateExpression: 'SET #w = :map',
          ConditionExpression: 'attribute_not_exists(#w)',
          ExpressionAttributeNames: { '#w': WINDOWS },
          ExpressionAttributeValues: { ':map': { M: { [window.windowId]: toAttribute(window) } } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || attempts <= 1) throw error;
      await this.write(window, forget, attempts - 1);
    }
  }

  async endWindow(windowId: string, now: number): Promise<boolean> {
    const window = (await this.listWindows()).find((w) => w.windowId === windowId);
    if (window === undefined || window.until <= now) return false;
    const begun = window.from <= now;
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.key,
          // A window that has not begun is simply removed; one under way ends now (its end still sets deadlines).
          UpdateExpression: begun ? 'SET #w.#id.#u = :now' : 'REMOVE #w.#id',
          ConditionExpression: 'attribute_exists(#w.#id) AND #w.#id.#u > :now',
          ExpressionAttributeNames: { '#w': WINDOWS, '#id': windowId, '#u': 'u' },
          ExpressionAttributeValues: { ':now': n(now) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
