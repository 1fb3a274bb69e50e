import { lstat, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { duckdb, inspectDataset, sqlString } from '@wharf/dataset-inspector';
import { ParquetStore } from '@wharf/store-parquet';
import { Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { idsOf, range, readAll, temporaryDirectory } from './helpers/data.js';

/** A folder of Parquet files written by DuckDB, as another tool would leave it. */
async function foreignFolder(path: string, names: string[]): Promise<void> {
  await mkdir(path);
  const db = await duckdb();
  for (const [index, name] of names.entries()) {
    await db.run(
      `COPY (SELECT (i + ${index * 10})::BIGINT AS id, 'name-' || (i + ${index * 10}) AS name FROM range(1, 11) r(i)) TO ${sqlString(join(path, name))} (FORMAT parquet)`,
    );
  }
}

const more = (start: number, count: number) =>
  new Table({
    id: vectorFromArray(range(start, count).map(BigInt), new Int64()),
    name: vectorFromArray(
      range(start, count).map((id) => `name-${id}`),
      new Utf8(),
    ),
  });

describe('adopting a folder another tool made', () => {
  it('moves its Parquet files into the first version and keeps appending', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'legacy');
    await foreignFolder(path, ['00000000000000000001.parquet', '00000000000000000002.parquet']);

    await using store = new ParquetStore({ path, adoptExisting: true, fileNames: 'sequence' });
    await store.connect();
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(idsOf(await readAll(store.read()))).toEqual(range(1, 20));

    await store.write(more(21, 5));
    await store.finish();
    expect(idsOf(await inspectDataset(path))).toEqual(range(1, 25));
    expect((await readdir(path)).filter((name) => name.endsWith('.parquet')).sort()).toEqual([
      '00000000000000000001.parquet',
      '00000000000000000002.parquet',
      '00000000000000000003.parquet',
    ]);
  });

  it('refuses a folder holding anything but Parquet files, and leaves it as it was', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'mixed');
    await foreignFolder(path, ['a.parquet']);
    await writeFile(join(path, 'notes.txt'), 'hello');
    const store = new ParquetStore({ path, adoptExisting: true });
    await expect(store.connect()).rejects.toThrow(/notes\.txt/);
    expect((await lstat(path)).isDirectory()).toBe(true);
    expect((await readdir(path)).sort()).toEqual(['a.parquet', 'notes.txt']);
  });

  it('links an adopted version whose adoption stopped before the link', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'halfway');
    await foreignFolder(path, ['a.parquet']);
    {
      await using store = new ParquetStore({ path, adoptExisting: true });
      await store.connect();
    }
    // As if the process had died between moving the folder and creating the link.
    const { rm } = await import('node:fs/promises');
    await rm(path);
    await using store = new ParquetStore({ path });
    await store.connect();
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(idsOf(await readAll(store.read()))).toEqual(range(1, 10));
    const manifest = JSON.parse(await readFile(join(path, '_wharf_manifest.json'), 'utf8')) as {
      rows: number;
    };
    expect(manifest.rows).toBe(10);
  });

  it('does not link an unfinished version nobody committed', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'unfinished');
    await foreignFolder(join(directory, 'elsewhere'), ['a.parquet']);
    await mkdir(join(directory, '.unfinished.wharf', 'versions'), { recursive: true });
    await rename(
      join(directory, 'elsewhere'),
      join(directory, '.unfinished.wharf', 'versions', '00000000000000000001'),
    );
    await using store = new ParquetStore({ path });
    await store.connect();
    await expect(lstat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readAll(store.read())).toEqual([]);
  });
});
