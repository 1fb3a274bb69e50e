import { createHash } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IntegrityError, runFlow } from '@wharf/store-core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { idsOf, readAll, temporaryDirectory, trips, uniqueTable } from './helpers.js';
import { countStagingArtefacts } from './sqlite-probes.js';

function stagingFiles(filename: string): string[] {
  return readdirSync(dirname(filename)).filter((name) =>
    name.startsWith(`${basename(filename)}-wharf-stage-`),
  );
}

function stagingTables(filename: string): string[] {
  const db = new Database(filename, { readonly: true });
  try {
    return (
      db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE '_wharf_stage_%'`).all() as {
        name: string;
      }[]
    ).map((row) => row.name);
  } finally {
    db.close();
  }
}

async function fileStore(filename: string, table: string): Promise<SqliteStore> {
  const store = new SqliteStore({ filename, table, partRows: 2 });
  await store.connect();
  return store;
}

describe('staging files', () => {
  it('an append to an existing table stages in a file of its own, removed after the commit', async () => {
    const filename = join(temporaryDirectory(), 'append.db');
    const table = uniqueTable();
    const store = await fileStore(filename, table);
    await runFlow([trips(1, 3)], store, { runType: 'incremental' });

    await store.configureForRun('incremental');
    await store.write(trips(4, 5));
    // Staged, not visible: the rows are in the run's file, not in the main database.
    expect(stagingFiles(filename)).toHaveLength(1);
    expect(stagingTables(filename)).toEqual([]);
    expect(idsOf(await readAll(store))).toEqual([1, 2, 3]);
    await store.finish();

    expect(idsOf(await readAll(store))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stagingFiles(filename)).toEqual([]);
    expect(countStagingArtefacts(filename, table)).toBe(0);
    await store.close();
  });

  it('full_drop and the first load stage in the main database (their staging table becomes production)', async () => {
    const filename = join(temporaryDirectory(), 'first.db');
    const store = await fileStore(filename, uniqueTable());
    for (const runType of ['incremental', 'full_drop'] as const) {
      await store.configureForRun(runType);
      await store.write(trips(1, 3));
      expect(stagingFiles(filename)).toEqual([]);
      expect(stagingTables(filename)).toHaveLength(1);
      await store.finish();
    }
    expect(idsOf(await readAll(store))).toEqual([1, 2, 3]);
    await store.close();
  });

  it('a merge stages in a file and upserts from it', async () => {
    const filename = join(temporaryDirectory(), 'merge.db');
    const table = uniqueTable();
    const store = new SqliteStore({ filename, table, key: 'id' });
    await runFlow([trips(1, 3)], store, { runType: 'full_drop' });
    await store.configureForRun('merge');
    await store.write(trips(3, 2, 1));
    expect(stagingFiles(filename)).toHaveLength(1);
    await store.finish();
    const rows = await store.list();
    expect(rows.map((row) => Number(row.id))).toEqual([1, 2, 3, 4]);
    expect(rows[2]!.fare).toBe(3 * 1.5 + 1);
    expect(stagingFiles(filename)).toEqual([]);
    await store.close();
  });

  it("a failed run's file is removed, and production keeps its rows", async () => {
    const filename = join(temporaryDirectory(), 'fail.db');
    const table = uniqueTable();
    const store = await fileStore(filename, table);
    await runFlow([trips(1, 2)], store, { runType: 'incremental' });
    await store.configureForRun('incremental');
    await store.write(trips(3, 4));
    expect(stagingFiles(filename)).toHaveLength(1);
    await store.cleanupStaging();
    expect(stagingFiles(filename)).toEqual([]);
    expect(countStagingArtefacts(filename, table)).toBe(0);
    expect(idsOf(await readAll(store))).toEqual([1, 2]);
    await store.close();
  });

  it('recovery removes a staging file no registration names (a crash between the two)', async () => {
    const filename = join(temporaryDirectory(), 'orphan.db');
    const table = uniqueTable();
    const store = await fileStore(filename, table);
    await runFlow([trips(1, 2)], store, { runType: 'incremental' });
    await store.close();
    const leftover = stagingFiles(filename);
    expect(leftover).toEqual([]);
    // What a writer killed after unregistering its run, before deleting its file, leaves.
    const tableHash = createHash('sha256').update(table).digest('hex').slice(0, 8);
    const orphan = `${basename(filename)}-wharf-stage-${tableHash}-0123456789abcdef`;
    writeFileSync(join(dirname(filename), orphan), 'partial');
    // A staging file of another table of the same database is not this store's to remove.
    const other = `${basename(filename)}-wharf-stage-00000000-0123456789abcdef`;
    writeFileSync(join(dirname(filename), other), 'partial');

    const recovering = await fileStore(filename, table);
    await recovering.recover();
    expect(stagingFiles(filename)).toEqual([other]);
    expect(idsOf(await readAll(recovering))).toEqual([1, 2]);
    await recovering.close();
  });

  it('a run whose staging another process discarded (a stale run) cannot publish', async () => {
    const filename = join(temporaryDirectory(), 'stale.db');
    const table = uniqueTable();
    const store = await fileStore(filename, table);
    await runFlow([trips(1, 2)], store, { runType: 'incremental' });
    await store.configureForRun('incremental');
    await store.write(trips(3, 4));

    // What a recovering writer on another host does to a run it finds stale: unregister it,
    // then delete its file.
    const db = new Database(filename);
    db.prepare('DELETE FROM _wharf_staging WHERE table_name = ?').run(table);
    db.close();
    for (const name of stagingFiles(filename)) rmSync(join(dirname(filename), name));

    const failure = await store.finish().catch((error: unknown) => error);
    expect(IntegrityError.isInstance(failure) || (failure as Error).name === 'StagingError').toBe(
      true,
    );
    expect(idsOf(await readAll(store))).toEqual([1, 2]);
    await store.close();
  });
});
