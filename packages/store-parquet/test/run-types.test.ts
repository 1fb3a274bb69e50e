import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectDataset } from '@wharf/dataset-inspector';
import { ParquetStore } from '@wharf/store-parquet';
import { Field, Int64, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { idsOf, range, readAll, rows, temporaryDirectory } from './helpers/data.js';

async function manifestOf(path: string) {
  return JSON.parse(await readFile(join(path, '_wharf_manifest.json'), 'utf8')) as {
    files: { name: string; rows: number }[];
    rows: number;
    publishedRuns: string[];
  };
}

describe('run types', () => {
  it('full_drop replaces production, incremental appends', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'trips');
    await using store = new ParquetStore({ path });
    await store.connect();

    await store.configureForRun('full_drop');
    await store.write(rows(1, 10));
    const first = await store.finish();
    expect(first).toMatchObject({ rows: 10, runType: 'full_drop', alreadyCommitted: false });
    expect(idsOf(await inspectDataset(path))).toEqual(range(1, 10));

    await store.configureForRun('incremental');
    await store.write(rows(11, 5));
    await store.finish();
    expect(idsOf(await inspectDataset(path))).toEqual(range(1, 15));
    expect(idsOf(await readAll(store.read()))).toEqual(range(1, 15));

    await store.configureForRun('full_drop');
    await store.write(rows(100, 3));
    await store.finish();
    expect(idsOf(await inspectDataset(path))).toEqual(range(100, 3));
    const manifest = await manifestOf(path);
    expect(manifest.rows).toBe(3);
    expect(manifest.publishedRuns).toHaveLength(3);
  });

  it('an incremental commit keeps the earlier files as hard links, not copies', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'links');
    await using store = new ParquetStore({ path, runType: 'incremental' });
    await store.connect();
    await store.write(rows(1, 10));
    await store.finish();
    const [firstFile] = (await readdir(path)).filter((name) => name.endsWith('.parquet'));
    await store.write(rows(11, 10));
    await store.finish();
    const { stat } = await import('node:fs/promises');
    expect((await stat(join(path, firstFile!))).nlink).toBeGreaterThanOrEqual(2);
  });

  it('merge upserts by key: the run replaces rows with its keys, its last row per key wins', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'people');
    await using store = new ParquetStore({ path, key: 'id', encoderThreads: 0 });
    await store.connect();
    await store.configureForRun('full_drop');
    await store.write(rows(1, 10, 0));
    await store.write(rows(11, 10, 0)); // a second file, untouched by the merge
    await store.finish();

    await store.configureForRun('merge');
    await store.write(rows(5, 3, 1)); // ids 5, 6, 7 updated
    await store.write(rows(7, 1, 2)); // id 7 again: the later row wins
    await store.write(rows(30, 2, 1)); // ids 30, 31 inserted
    const report = await store.finish();
    expect(report.runType).toBe('merge');

    const production = await inspectDataset(path);
    expect(idsOf(production)).toEqual([...range(1, 20), 30, 31]);
    const byId = new Map(production.map((row) => [Number(row.id), row.name]));
    expect(byId.get(4)).toBe('name-4-0');
    expect(byId.get(5)).toBe('name-5-1');
    expect(byId.get(7)).toBe('name-7-2');
    expect(byId.get(15)).toBe('name-15-0');
    expect(byId.get(31)).toBe('name-31-1');
    expect(idsOf(await readAll(store.read()))).toEqual([...range(1, 20), 30, 31]);
  });

  it('merge with a key spread over several columns', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'pairs');
    const table = (pairs: [bigint, string, string][]) =>
      new Table({
        a: vectorFromArray(
          pairs.map((pair) => pair[0]),
          new Int64(),
        ),
        b: vectorFromArray(
          pairs.map((pair) => pair[1]),
          new Utf8(),
        ),
        value: vectorFromArray(
          pairs.map((pair) => pair[2]),
          new Utf8(),
        ),
      });
    await using store = new ParquetStore({ path, key: ['a', 'b'] });
    await store.connect();
    await store.configureForRun('merge');
    await store.write(
      table([
        [1n, 'x', 'old'],
        [1n, 'y', 'old'],
      ]),
    );
    await store.finish();
    await store.write(table([[1n, 'y', 'new']]));
    await store.finish();
    const production = (await inspectDataset(path)).map((row) => `${row.a}/${row.b}=${row.value}`);
    expect(production.sort()).toEqual(['1/x=old', '1/y=new']);
  });

  it('a merge run without key columns is refused', async () => {
    const directory = await temporaryDirectory();
    await using store = new ParquetStore({ path: join(directory, 'nokey') });
    await store.connect();
    await expect(store.configureForRun('merge')).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('add-columns widens the dataset; older files read back with nulls in the new column', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'evolving');
    await using store = new ParquetStore({ path, schemaEvolution: 'add-columns' });
    await store.connect();
    await store.write(rows(1, 3));
    await store.finish();
    const wider = new Table({
      id: vectorFromArray([4n], new Int64()),
      name: vectorFromArray(['four'], new Utf8()),
      amount: vectorFromArray([4]),
      note: vectorFromArray(['new'], new Utf8()),
    });
    await store.write(wider);
    await store.finish();
    const batches = await readAll(store.read());
    expect(
      batches.every(
        (batch) => batch.schema.fields.map((field) => field.name).join() === 'id,name,amount,note',
      ),
    ).toBe(true);
    const notes = batches.flatMap((batch) => [...batch.getChild('note')!].map(String));
    expect(notes.sort()).toEqual(['new', 'null', 'null', 'null']);
    const projected = await readAll(store.read({ columns: ['note'] }));
    expect(projected.reduce((sum, batch) => sum + batch.numRows, 0)).toBe(4);
  });

  it('an incremental run whose columns do not fit production fails at its first part, production unchanged', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'strict');
    await using store = new ParquetStore({ path });
    await store.connect();
    await store.write(rows(1, 3));
    await store.finish();
    const other = new ParquetStore({
      path,
      schema: new Schema([new Field('id', new Utf8(), true)]),
    });
    await other.connect();
    await expect(
      (async () => {
        await other.write(new Table({ id: vectorFromArray(['x'], new Utf8()) }));
        await other.finish();
      })(),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await other.cleanupStaging();
    await other.close();
    expect(idsOf(await inspectDataset(path))).toEqual([1, 2, 3]);
  });

  it('read({ columns }) returns only those columns, in that order', async () => {
    const directory = await temporaryDirectory();
    await using store = new ParquetStore({ path: join(directory, 'columns') });
    await store.connect();
    await store.write(rows(1, 5));
    await store.finish();
    const batches = await readAll(store.read({ columns: ['amount', 'id'] }));
    expect(batches[0]!.schema.fields.map((field) => field.name)).toEqual(['amount', 'id']);
    await expect(readAll(store.read({ columns: ['missing'] }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('a reader that stops early leaves the store usable', async () => {
    const directory = await temporaryDirectory();
    await using store = new ParquetStore({ path: join(directory, 'early'), targetFileBytes: 1 });
    await store.connect();
    for (let start = 0; start < 5; start += 1) await store.write(rows(start * 10, 10));
    await store.finish();
    for await (const batch of store.read()) {
      expect(batch.numRows).toBe(10);
      break;
    }
    expect(idsOf(await readAll(store.read()))).toEqual(range(0, 50));
  });
});
