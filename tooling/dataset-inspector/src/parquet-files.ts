/**
 * The independent inspector: reads a dataset folder the way an outside reader does, by
 * globbing `<folder>/*.parquet`, and never through parquet-wasm or the store. DuckDB reads the
 * rows; hyparquet (a pure-JavaScript Parquet reader) supplies timestamp columns as raw integers
 * in the file's unit, because DuckDB has no nanosecond TIMESTAMPTZ and truncates such values,
 * and its JavaScript conversion of timestamps goes through `Date` (milliseconds).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

/** One row as plain JavaScript values. */
export type InspectedRow = Record<string, unknown>;

let connection: Promise<DuckDBConnection> | undefined;

/** A DuckDB connection of this process (in memory). */
export function duckdb(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:').then((instance) => instance.connect());
  return connection;
}

/** SQL text of a string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The Parquet files a reader globbing `<folder>/*.parquet` finds, in name order. */
export async function globParquet(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder))
      .filter((name) => name.endsWith('.parquet'))
      .sort()
      .map((name) => join(folder, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

const RAW_TIMESTAMPS = {
  timestampFromMilliseconds: (value: bigint) => value,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value,
};

/** Every row of the dataset at `folder`, file by file; `[]` when it has no files. */
export async function inspectDataset(folder: string): Promise<InspectedRow[]> {
  const rows: InspectedRow[] = [];
  for (const path of await globParquet(folder)) {
    for (const row of await inspectFile(path)) rows.push(row);
  }
  return rows;
}

/** The rows of one Parquet file. */
export async function inspectFile(path: string): Promise<InspectedRow[]> {
  const db = await duckdb();
  const reader = await db.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(path)})`);
  const names = reader.columnNames();
  const types = reader.columnTypes().map(String);
  const values = reader.getRowObjectsJS() as InspectedRow[];
  // Decimals from DuckDB's text form (exact), not through a JavaScript number.
  const decimals = names.filter((_, index) => types[index]!.startsWith('DECIMAL'));
  const texts = decimals.length > 0 ? (reader.getRowObjectsJson() as InspectedRow[]) : [];
  const timestamps = names.filter((_, index) => types[index]!.startsWith('TIMESTAMP'));
  const raw =
    timestamps.length > 0
      ? await parquetReadObjects({
          file: await asyncBufferFromFile(path),
          columns: timestamps,
          compressors,
          parsers: RAW_TIMESTAMPS,
        })
      : [];
  return values.map((row, index) => {
    const result: InspectedRow = { ...row };
    for (const name of decimals) result[name] = texts[index]![name];
    for (const name of timestamps) result[name] = raw[index]![name];
    return result;
  });
}
