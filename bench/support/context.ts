/**
 * What every measurement gets: the run's options, one DynamoDB Local (in memory) and its client,
 * a scratch directory, and fresh tables on demand. Only 127.0.0.1 is ever contacted.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureDeviceTable } from '../../lambdas/local/device-table';
import type { DynamoDbLocal } from '../../lambdas/local/dynamodb-local';

export interface BenchOptions {
  /** Smaller sizes and fewer repetitions: the whole run in under 3 minutes on 2 cores. */
  readonly quick: boolean;
  /** Sections to run (empty: all). */
  readonly only: readonly string[];
}

export interface BenchContext {
  readonly options: BenchOptions;
  readonly dynamo: DynamoDbLocal;
  /** One client for the whole run: baselines and the code under test share it. */
  readonly client: DynamoDBClient;
  /** Scratch directory (git-ignored). */
  readonly workDir: string;
  /** Creates an empty device table shaped like the stack's; returns its name. */
  newTable(label: string): Promise<string>;
  /** Drops a table made by newTable (frees DynamoDB Local's memory). */
  dropTable(name: string): Promise<void>;
  /** A fresh sub-directory of the scratch directory. */
  scratch(label: string): Promise<string>;
}

export function createContext(options: BenchOptions, dynamo: DynamoDbLocal, workDir: string): BenchContext {
  const client = dynamo.client();
  return {
    options,
    dynamo,
    client,
    workDir,
    async newTable(label) {
      const name = `bench-${label}-${randomUUID().slice(0, 8)}`;
      await ensureDeviceTable(client, name);
      return name;
    },
    async dropTable(name) {
      await client.send(new DeleteTableCommand({ TableName: name }));
    },
    async scratch(label) {
      const dir = join(workDir, `${label}-${randomUUID().slice(0, 8)}`);
      await mkdir(dir, { recursive: true });
      return dir;
    },
  };
}
