/**
 * What every measurement gets: the run's options, the DynamoDB Local (in memory) of its section and
 * its client, a scratch directory, and fresh tables on demand. Only 127.0.0.1 is ever contacted.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDeviceTableWithoutStream, ensureDeviceTable } from '../../lambdas/local/device-table';
import type { DynamoDbLocal } from '../../lambdas/local/dynamodb-local';

export interface BenchOptions {
  /** Smaller sizes and fewer repetitions: the whole run in under 3 minutes on 2 cores. */
  readonly quick: boolean;
  /** Sections to run (empty: all). */
  readonly only: readonly string[];
}

export interface NewTableOptions {
  /**
   * With a stream (the default), as the stack's table: every write also appends a stream record.
   * DynamoDB Local looks up a stream's first record by walking its one records table of all streams
   * in order (no index on the stream), so each write costs more the more records older streams hold:
   * seeding a large fleet that no measure writes to again is faster and changes no read without one.
   * @default true
   */
  readonly stream?: boolean;
}

/** What a measure that brings its own DynamoDB (or needs none) gets: options and scratch space. */
export interface BenchBasics {
  readonly options: BenchOptions;
  /** Scratch directory (git-ignored). */
  readonly workDir: string;
  /** A fresh sub-directory of the scratch directory. */
  scratch(label: string): Promise<string>;
}

/** What a measure on the bench's own DynamoDB Local gets. */
export interface BenchContext extends BenchBasics {
  readonly dynamo: DynamoDbLocal;
  /** One client for the section: baselines and the code under test share it. */
  readonly client: DynamoDBClient;
  /**
   * Creates an empty device table shaped like the stack's (key, TTL, stream); returns its name.
   * `stream: false` leaves the stream out, for tables the measure only reads (see NewTableOptions).
   */
  newTable(label: string, options?: NewTableOptions): Promise<string>;
  /** Drops a table made by newTable (frees DynamoDB Local's memory). */
  dropTable(name: string): Promise<void>;
}

/** Options and scratch space, for measures that need no DynamoDB Local of the bench's. */
export function createBasics(options: BenchOptions, workDir: string): BenchBasics {
  return {
    options,
    workDir,
    async scratch(label) {
      const dir = join(workDir, `${label}-${randomUUID().slice(0, 8)}`);
      await mkdir(dir, { recursive: true });
      return dir;
    },
  };
}

/** A context on `dynamo`, with one client for the measure and its baseline. */
export function createContext(options: BenchOptions, dynamo: DynamoDbLocal, workDir: string): BenchContext {
  const client = dynamo.client();
  return {
    ...createBasics(options, workDir),
    dynamo,
    client,
    async newTable(label, { stream = true } = {}) {
      const name = `bench-${label}-${randomUUID().slice(0, 8)}`;
      if (stream) {
        await ensureDeviceTable(client, name);
      } else {
        await createDeviceTableWithoutStream(client, name);
      }
      return name;
    },
    async dropTable(name) {
      await client.send(new DeleteTableCommand({ TableName: name }));
    },
  };
}
