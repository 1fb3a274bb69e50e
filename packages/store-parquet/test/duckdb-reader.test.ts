import { join } from 'node:path';
import { duckdb, sqlString } from '@wharf/dataset-inspector';
import { ParquetStore } from '@wharf/store-parquet';
import { Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rows, temporaryDirectory } from './helpers/data.js';

describe('an outside reader', () => {
  it('DuckDB queries <folder>/*.parquet as it would any Parquet dataset', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'sales');
    await using store = new ParquetStore({ path, targetFileBytes: 64 * 1024, encoderThreads: 2 });
    await store.connect();
    await store.configureForRun('full_drop');
    for (let start = 0; start < 50_000; start += 5_000) await store.write(rows(start, 5_000));
    const report = await store.finish();
    expect(report.parts).toBeGreaterThan(1);

    const db = await duckdb();
    const glob = sqlString(join(path, '*.parquet'));
    const result = await db.runAndReadAll(
      `SELECT count(*)::BIGINT AS n, sum(id)::BIGINT AS ids, count(DISTINCT name)::BIGINT AS names, sum(amount) AS amount FROM read_parquet(${glob})`,
    );
    expect(result.getRowObjectsJS()[0]).toEqual({
      n: 50_000n,
      ids: 1_249_975_000n,
      names: 50_000n,
      amount: 624_987_500,
    });
    const schema = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${glob})`);
    expect(schema.getRowObjectsJS().map((row) => `${row.column_name}:${row.column_type}`)).toEqual([
      'id:BIGINT',
      'name:VARCHAR',
      'amount:DOUBLE',
    ]);
  });

  it('files are snappy-compressed by default and zstd-compressed when asked', async () => {
    const directory = await temporaryDirectory();
    const db = await duckdb();
    const codecs: Record<string, string[]> = {};
    for (const compression of [undefined, 'zstd', 'none'] as const) {
      const path = join(directory, `codec-${compression ?? 'default'}`);
      await using store = new ParquetStore({
        path,
        encoderThreads: 0,
        ...(compression ? { compression } : {}),
      });
      await store.connect();
      await store.configureForRun('full_drop');
      await store.write(rows(0, 1_000));
      await store.finish();
      const result = await db.runAndReadAll(
        `SELECT DISTINCT compression FROM parquet_metadata(${sqlString(join(path, '*.parquet'))})`,
      );
      codecs[compression ?? 'default'] = result.getRows().map((row) => String(row[0]));
    }
    expect(codecs).toEqual({ default: ['SNAPPY'], zstd: ['ZSTD'], none: ['UNCOMPRESSED'] });
  });

  it('after a column was added, DuckDB reads old and new files together with union_by_name', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'wider');
    await using store = new ParquetStore({ path, schemaEvolution: 'add-columns' });
    await store.connect();
    await store.write(rows(1, 3));
    await store.finish();
    await store.write(
      new Table({
        id: vectorFromArray([4n], new Int64()),
        note: vectorFromArray(['new'], new Utf8()),
      }),
    );
    await store.finish();
    const db = await duckdb();
    const result = await db.runAndReadAll(
      `SELECT id, note FROM read_parquet(${sqlString(join(path, '*.parquet'))}, union_by_name = true) ORDER BY id`,
    );
    expect(result.getRowObjectsJS()).toEqual([
      { id: 1n, note: null },
      { id: 2n, note: null },
      { id: 3n, note: null },
      { id: 4n, note: 'new' },
    ]);
  });
});
