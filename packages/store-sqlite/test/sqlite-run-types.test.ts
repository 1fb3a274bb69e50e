import { join } from 'node:path';
import { ConflictError, runFlow, ValidationError } from '@wharf/store-core';
import { Field, Int64, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { idsOf, openStore, readAll, temporaryDirectory, trips, uniqueTable } from './helpers.js';
import { countStagingArtefacts, readProductionRows } from './sqlite-probes.js';

describe('run types', () => {
  it('appends with incremental, replaces with full_drop, upserts with merge', async () => {
    const store = await openStore({ key: 'id' });
    await runFlow([trips(1, 4)], store, { runType: 'incremental' });
    await runFlow([trips(5, 2)], store, { runType: 'incremental' });
    expect(idsOf(await readAll(store))).toEqual([1, 2, 3, 4, 5, 6]);

    await runFlow([trips(5, 4, 1)], store, { runType: 'merge' });
    const merged = await store.list();
    expect(merged.map((row) => Number(row.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(merged[5]!.fare).toBe(6 * 1.5 + 1);
    expect(merged[0]!.fare).toBe(1.5);

    await runFlow([trips(100, 3)], store, { runType: 'full_drop' });
    expect(idsOf(await readAll(store))).toEqual([100, 101, 102]);
    await runFlow([], store, { runType: 'full_drop' });
    expect(await store.count()).toBe(0);
    await store.close();
  });

  it('keeps the last row of a key within one merge run', async () => {
    const store = await openStore({ key: 'id' });
    await runFlow([trips(1, 3)], store, { runType: 'full_drop' });
    await store.configureForRun('merge');
    await store.write(trips(2, 1, 1));
    await store.write(trips(2, 1, 2));
    await store.finish();
    expect((await store.get(2n))?.fare).toBe(3 + 2);
    expect(await store.count()).toBe(3);
    await store.close();
  });

  it('replaces the schema with full_drop and widens it with add-columns', async () => {
    const store = await openStore({ key: 'id', schemaEvolution: 'add-columns' });
    await runFlow([trips(1, 2)], store, { runType: 'full_drop' });
    const wider = new Table({
      id: vectorFromArray([3n], new Int64()),
      note: vectorFromArray(['new column'], new Utf8()),
    });
    await runFlow([wider], store, { runType: 'incremental' });
    const table = await readAll(store);
    expect(table.schema.fields.map((field) => field.name)).toEqual([
      'id',
      'city',
      'fare',
      'paid',
      'at',
      'note',
    ]);
    expect(table.getChild('note')?.toArray()).toEqual([null, null, 'new column']);
    expect(table.getChild('city')?.get(2)).toBeNull();

    await store.close();

    // A new store takes its schema from its first batch; full_drop installs it.
    const replacing = new SqliteStore({ filename: store.filename, table: store.table });
    await replacing.connect();
    const other = new Table({
      code: vectorFromArray(['x'], new Utf8()),
      id: vectorFromArray([9n], new Int64()),
    });
    await runFlow([other], replacing, { runType: 'full_drop' });
    expect((await readAll(replacing)).schema.fields.map((field) => field.name)).toEqual([
      'code',
      'id',
    ]);
    await replacing.close();
  });

  it('refuses an incremental run whose columns do not fit production, and changes nothing', async () => {
    const store = await openStore();
    await runFlow([trips(1, 2)], store, { runType: 'full_drop' });
    const mismatched = new Table({ id: vectorFromArray(['one'], new Utf8()) });
    await expect(runFlow([mismatched], store, { runType: 'incremental' })).rejects.toSatisfy(
      (error) => ValidationError.isInstance(error) && /id/.test((error as Error).message),
    );
    expect(idsOf(await readAll(store))).toEqual([1, 2]);
    await store.close();
  });

  it('enforces the key: an incremental run repeating a key is a ConflictError and lands nothing', async () => {
    const filename = join(temporaryDirectory(), 'keys.db');
    const store = new SqliteStore({ filename, table: 'keyed', key: 'id' });
    await store.connect();
    await runFlow([trips(1, 3)], store, { runType: 'incremental' });
    await expect(
      runFlow([trips(4, 2), trips(3, 1)], store, { runType: 'incremental', retries: 0 }),
    ).rejects.toSatisfy((error) => ConflictError.isInstance(error));
    expect(idsOf(await readAll(store))).toEqual([1, 2, 3]);
    expect(countStagingArtefacts(filename, 'keyed')).toBe(0);
    await store.close();
  });

  it('commits a run id once: a rerun reports alreadyCommitted and changes nothing', async () => {
    const store = await openStore();
    const first = await runFlow([trips(1, 5)], store, { runType: 'incremental', runId: 'load-7' });
    const second = await runFlow([trips(1, 5)], store, { runType: 'incremental', runId: 'load-7' });
    expect(first.alreadyCommitted).toBe(false);
    expect(second.alreadyCommitted).toBe(true);
    expect(await store.count()).toBe(5);
    await store.close();
  });

  it('remembers the last 1000 published run ids per table', async () => {
    const filename = join(temporaryDirectory(), 'runs.db');
    const store = new SqliteStore({ filename, table: 'runs' });
    await store.connect();
    for (let run = 0; run < 1003; run += 1) {
      await store.configureForRun('full_drop', { runId: `run-${run}` });
      await store.finish();
    }
    await store.close();
    const db = new Database(filename, { readonly: true });
    const rows = db
      .prepare(`SELECT run_id FROM _wharf_runs WHERE table_name = 'runs' ORDER BY seq`)
      .all() as { run_id: string }[];
    db.close();
    expect(rows).toHaveLength(1000);
    expect(rows[0]!.run_id).toBe('run-3');
    expect(rows.at(-1)!.run_id).toBe('run-1002');
  });

  it('never shows a run before finish(), and leaves no staging after it', async () => {
    const filename = join(temporaryDirectory(), 'isolation.db');
    const table = uniqueTable();
    const writer = new SqliteStore({ filename, table, partRows: 10 });
    await writer.connect();
    await writer.configureForRun('incremental');
    await writer.write(trips(1, 25));
    expect(readProductionRows(filename, table)).toEqual([]);
    expect(countStagingArtefacts(filename, table)).toBeGreaterThan(0);
    const report = await writer.finish();
    expect(report).toMatchObject({ rows: 25, parts: 3, alreadyCommitted: false });
    expect(readProductionRows(filename, table)).toHaveLength(25);
    expect(countStagingArtefacts(filename, table)).toBe(0);
    await writer.close();
  });

  it('discards the staging of a run closed without finish()', async () => {
    const filename = join(temporaryDirectory(), 'abandoned.db');
    const store = new SqliteStore({ filename, table: 'abandoned' });
    await store.connect();
    await store.write(trips(1, 5));
    await store.close();
    expect(countStagingArtefacts(filename, 'abandoned')).toBe(0);
    expect(readProductionRows(filename, 'abandoned')).toEqual([]);
  });

  it('adds the key index to a table loaded without a key before merging into it', async () => {
    const filename = join(temporaryDirectory(), 'adopt.db');
    const keyless = new SqliteStore({ filename, table: 'adopt' });
    await runFlow([trips(1, 3)], keyless, { runType: 'full_drop' });
    await keyless.close();
    const keyed = new SqliteStore({ filename, table: 'adopt', key: 'id' });
    await runFlow([trips(3, 2, 1)], keyed, { runType: 'merge' });
    expect(idsOf(await readAll(keyed))).toEqual([1, 2, 3, 4]);
    await expect(keyed.insert({ id: 1n })).rejects.toSatisfy((error) =>
      ConflictError.isInstance(error),
    );
    await keyed.close();
  });

  it('leaves production before or after when a step fails or the store crashes mid-run', async () => {
    const filename = join(temporaryDirectory(), 'faults.db');
    const table = uniqueTable();
    const seed = new SqliteStore({ filename, table, key: 'id' });
    await runFlow([trips(1, 3)], seed, { runType: 'full_drop' });
    seed.faults.reset();
    await runFlow([trips(10, 2)], seed, { runType: 'incremental', runId: 'dry' });
    const steps = seed.faults.trace.map((step) => step.name);
    await seed.close();
    expect(steps).toContain('publish');
    for (let step = 1; step <= steps.length; step += 1) {
      for (const mode of ['fail', 'crash'] as const) {
        const runId = `run-${mode}-${step}`;
        const before = readProductionRows(filename, table).length;
        const store = new SqliteStore({ filename, table, key: 'id' });
        await store.connect();
        store.faults.arm({ at: step, mode });
        const first = 100 + step * 10 + (mode === 'crash' ? 5 : 0);
        await runFlow([trips(first, 2)], store, {
          runType: 'incremental',
          runId,
          retries: 0,
        }).catch(() => undefined);
        // A crashed store does no cleanup on close(); it only lets its connection go.
        await store.close();
        const fresh = new SqliteStore({ filename, table, key: 'id' });
        await fresh.connect();
        const after = readProductionRows(filename, table).length;
        expect([before, before + 2], `${mode} at ${steps[step - 1]}`).toContain(after);
        expect(countStagingArtefacts(filename, table), `${mode} at ${steps[step - 1]}`).toBe(0);
        const rerun = await runFlow([trips(first, 2)], fresh, { runType: 'incremental', runId });
        expect(rerun.alreadyCommitted).toBe(after === before + 2);
        expect(readProductionRows(filename, table)).toHaveLength(before + 2);
        await fresh.close();
      }
    }
  });

  it('stages a schema given up front, and refuses reserved column names', async () => {
    const schema = new Schema([
      new Field('id', new Int64(), false),
      new Field('city', new Utf8(), true),
    ]);
    const store = await openStore({ schema });
    await runFlow([new Table({ id: vectorFromArray([1n], new Int64()) })], store, {
      runType: 'full_drop',
    });
    expect((await readAll(store)).getChild('city')?.get(0)).toBeNull();
    const reserved = await openStore();
    await expect(
      runFlow([new Table({ _wharf_deleted_at: vectorFromArray([1n], new Int64()) })], reserved, {
        runType: 'full_drop',
        retries: 0,
      }),
    ).rejects.toSatisfy((error) => ValidationError.isInstance(error));
    await store.close();
    await reserved.close();
  });
});
