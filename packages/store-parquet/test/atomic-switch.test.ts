import { readdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { duckdb, sqlString } from '@wharf/dataset-inspector';
import { ParquetStore } from '@wharf/store-parquet';
import { describe, expect, it } from 'vitest';
import { rows, temporaryDirectory } from './helpers/data.js';

interface Manifest {
  files: { name: string }[];
  rows: number;
}

/** The committed version's file names, read after a commit (through the resolved symlink). */
async function committedFiles(path: string): Promise<string> {
  const version = await realpath(path);
  const manifest = JSON.parse(
    await readFile(join(version, '_wharf_manifest.json'), 'utf8'),
  ) as Manifest;
  return manifest.files
    .map((file) => file.name)
    .sort()
    .join(',');
}

async function listed(path: string): Promise<string> {
  return (await readdir(path))
    .filter((name) => name.endsWith('.parquet'))
    .sort()
    .join(',');
}

describe('the atomic switch', () => {
  it('a reader listing <folder>/*.parquet during many commits sees exactly one committed version each time', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'switching');
    await using store = new ParquetStore({ path, encoderThreads: 0 });
    await store.connect();
    await store.configureForRun('full_drop');
    await store.write(rows(1, 10));
    await store.finish();

    const committed = new Set([await committedFiles(path)]);
    const observed: string[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) observed.push(await listed(path));
    })();
    for (let commit = 0; commit < 40; commit += 1) {
      await store.configureForRun(commit % 3 === 0 ? 'full_drop' : 'incremental');
      for (let part = 0; part < 1 + (commit % 3); part += 1) {
        await store.write(rows(commit * 100 + part * 10, 10));
      }
      await store.finish();
      committed.add(await committedFiles(path));
    }
    writing = false;
    await reader;

    expect(observed.length).toBeGreaterThan(40);
    const strays = observed.filter((files) => !committed.has(files));
    expect(strays).toEqual([]);
    expect(observed.filter((files) => files === '')).toEqual([]);
  });

  it('DuckDB reading <folder>/*.parquet during incremental commits always counts one committed version', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'growing');
    await using store = new ParquetStore({ path, encoderThreads: 0 });
    await store.connect();
    await store.write(rows(1, 5));
    await store.finish();

    const db = await duckdb();
    const counts: number[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const result = await db.runAndReadAll(
          `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(join(path, '*.parquet'))})`,
        );
        counts.push(Number(result.getRowObjectsJS()[0]!.n));
      }
    })();
    for (let commit = 1; commit <= 25; commit += 1) {
      await store.write(rows(commit * 1000, 5));
      await store.finish();
    }
    writing = false;
    await reader;

    expect(counts.length).toBeGreaterThan(0);
    // Every commit adds 5 rows: a count that is not a multiple of 5 would be half a commit.
    expect(counts.filter((count) => count % 5 !== 0 || count < 5 || count > 130)).toEqual([]);
  });

  it('old versions are removed after a commit, keeping the current one and keepVersions - 1 before it', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'kept');
    await using store = new ParquetStore({ path, keepVersions: 3 });
    await store.connect();
    for (let commit = 0; commit < 6; commit += 1) {
      await store.write(rows(commit * 10, 10));
      await store.finish();
    }
    const versions = await readdir(join(directory, '.kept.wharf', 'versions'));
    expect(versions.sort()).toEqual([
      '00000000000000000004',
      '00000000000000000005',
      '00000000000000000006',
    ]);
    expect(await realpath(path)).toBe(
      join(await realpath(directory), '.kept.wharf', 'versions', '00000000000000000006'),
    );
  });
});
