import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import {
  Bool,
  Float64,
  Int64,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { afterAll } from 'vitest';
import { SqliteStore, type SqliteStoreOptions } from '../src/index.js';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'wharf-sqlite-test-'));
  directories.push(directory);
  return directory;
}

let counter = 0;
/** A table name unique within the test run. */
export function uniqueTable(prefix = 't'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

/** A connected store on a fresh database file (or the given one). */
export async function openStore(options: Partial<SqliteStoreOptions> = {}): Promise<SqliteStore> {
  const store = new SqliteStore({
    filename: join(temporaryDirectory(), 'store.db'),
    table: uniqueTable(),
    ...options,
  });
  await store.connect();
  return store;
}

/** Trips `start` … `start + count - 1`: id, city, fare, paid, at. */
export function trips(start: number, count: number, variant = 0): Table {
  const ids = Array.from({ length: count }, (_, index) => start + index);
  return new Table({
    id: vectorFromArray(
      ids.map((id) => BigInt(id)),
      new Int64(),
    ),
    city: vectorFromArray(
      ids.map((id) =>
        id % 7 === 0 ? null : `${id % 2 === 0 ? 'Oslo' : 'Lyon'}${variant ? `-${variant}` : ''}`,
      ),
      new Utf8(),
    ),
    fare: vectorFromArray(
      ids.map((id) => id * 1.5 + variant),
      new Float64(),
    ),
    paid: vectorFromArray(
      ids.map((id) => (id % 5 === 0 ? null : id % 3 === 0)),
      new Bool(),
    ),
    at: vectorFromArray(
      ids.map((id) => Date.UTC(2024, 0, 1) + id * 1000),
      new TimestampMillisecond('UTC'),
    ),
  });
}

/** Everything `read()` streams, as one table. */
export async function readAll(store: SqliteStore, columns?: string[]): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const batch of store.read(columns ? { columns } : {})) batches.push(batch);
  return new Table(batches);
}

/** The ids of a table's `id` column, as numbers. */
export function idsOf(table: Table): number[] {
  return Array.from(table.getChild('id') ?? [], (value) => Number(value));
}
