/**
 * DynamoDB stream records of the device table, as Lambda hands them over and as GetRecords returns
 * them locally, turned into the device records the alert outbox works on.
 */
import type { DeviceRecord } from '../../core/model';
import { recordFromItem } from './device-item';
import { matchesStreamFilters } from './stream-filters';
import { PARTITION_KEY } from './table-schema';
import type { Item } from './update-builder';

/** The part of a stream record this service reads; both the Lambda event and the streams SDK fit it. */
export interface DeviceStreamRecord {
  readonly eventName?: string;
  readonly dynamodb?: { readonly NewImage?: Record<string, unknown>; readonly OldImage?: Record<string, unknown> };
}

/**
 * The devices whose change must be announced now: records that match the instant-alert filters,
 * devices only (not the summary or other `#` items), the newest image of each device.
 */
export function devicesToAnnounce(records: readonly DeviceStreamRecord[]): DeviceRecord[] {
  const newest = new Map<string, DeviceRecord>();
  for (const record of records) {
    const image = record.dynamodb?.NewImage as Item | undefined;
    if (image === undefined || !matchesStreamFilters(record)) continue;
    const key = image[PARTITION_KEY]?.S;
    if (key === undefined || key.startsWith('#')) continue;
    newest.set(key, recordFromItem(image));
  }
  return [...newest.values()];
}
