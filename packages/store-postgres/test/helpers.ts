/**
 * Test helpers: the throwaway server's URL, unique table names, an independent `pg` pool for
 * reading what PostgreSQL holds without the store, and small Arrow tables.
 */
import { createHash, randomBytes } from 'node:crypto';
import { batchFromColumns } from '@wharf/store-core';
import {
  Bool,
  Field,
  Float64,
  Int64,
  makeVector,
  Schema,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { PostgresStore, type PostgresStoreOptions } from '../src/index.js';

/** The throwaway server of this test run. */
export function serverUrl(): string {
  return inject('wharf.postgresUrl');
}

/** A table name no other test uses. */
export function uniqueTable(prefix = 't'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

let shared: pg.Pool | undefined;

/** A pool of the test itself, independent of the stores, ended after the file. */
export function probe(): pg.Pool {
  if (!shared) {
    shared = new pg.Pool({ connectionString: serverUrl(), max: 4 });
    shared.on('error', () => undefined);
  }
  return shared;
}

afterAll(async () => {
  await shared?.end();
  shared = undefined;
});

/** Rows of a SQL query through the independent pool. */
export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  return (await probe().query<T>(text, values)).rows;
}

/**
 * Staging tables and journal entries of `table`, counted in the catalog without the store: the
 * staging tables are named `wharf_stage_<16 hex of sha256(table)>_…` (see the README).
 */
export async function stagingArtefacts(table: string, schema = 'public'): Promise<number> {
  const prefix = `wharf_stage_${createHash('sha256').update(table).digest('hex').slice(0, 16)}_`;
  const [counts] = await sql<{ tables: string; journal: string }>(
    `SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND starts_with(tablename, $2)) AS tables,
            (SELECT count(*) FROM ${schema}.wharf_journal WHERE table_name = $3) AS journal`,
    [schema, prefix, table],
  );
  return Number(counts?.tables) + Number(counts?.journal);
}

const stores: PostgresStore[] = [];

/** A store on the test server, closed after the file. */
export function makeStore(
  options: Partial<PostgresStoreOptions> & { table: string },
): PostgresStore {
  const store = new PostgresStore({ connectionString: serverUrl(), ...options });
  stores.push(store);
  return store;
}

afterAll(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close().catch(() => undefined)));
});

/** The standard test schema: id, name, value, flag, at. */
export const SCHEMA = new Schema([
  new Field('id', new Int64(), false),
  new Field('name', new Utf8(), true),
  new Field('value', new Float64(), true),
  new Field('flag', new Bool(), true),
  new Field('at', new TimestampMillisecond('UTC'), true),
]);

/** Rows `start` … `start + count - 1` of the standard test table, in `variant`. */
export function rows(start: number, count: number, variant = 0): Table {
  const ids = Array.from({ length: count }, (_, index) => start + index);
  const batch = batchFromColumns(
    SCHEMA,
    [
      makeVector(BigInt64Array.from(ids, (id) => BigInt(id))),
      vectorFromArray(
        ids.map((id) => (id % 7 === 0 ? null : `row-${id}${variant ? `-v${variant}` : ''}`)),
        new Utf8(),
      ),
      vectorFromArray(
        ids.map((id) => id * 1.5 + variant),
        new Float64(),
      ),
      vectorFromArray(
        ids.map((id) => (id % 5 === 0 ? null : id % 2 === 0)),
        new Bool(),
      ),
      vectorFromArray(
        ids.map((id) => Date.UTC(2024, 0, 1) + id * 1000),
        new TimestampMillisecond('UTC'),
      ),
    ],
    count,
  );
  return new Table([batch]);
}
