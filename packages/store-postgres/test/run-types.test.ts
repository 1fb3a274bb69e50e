import { ConflictError, runFlow, ValidationError } from '@wharf/store-core';
import { Field, Int64, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeStore, rows, sql, stagingArtefacts, uniqueTable } from './helpers.js';

async function production(
  table: string,
): Promise<{ id: string; name: string | null; value: number }[]> {
  return sql(`SELECT id::text AS id, name, value FROM ${table} ORDER BY ${table}.id`);
}

describe('run types', () => {
  it('incremental appends, full_drop replaces, merge upserts with the last row of a key winning', async () => {
    const table = uniqueTable('runs');
    const store = makeStore({ table, key: 'id' });
    await store.connect();

    await runFlow([rows(1, 5)], store, { runType: 'incremental' });
    await runFlow([rows(6, 5)], store, { runType: 'incremental' });
    expect((await production(table)).map((row) => row.id)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
    ]);

    await runFlow([rows(3, 3, 1), rows(20, 1), rows(4, 1, 2)], store, { runType: 'merge' });
    const merged = await production(table);
    expect(merged).toHaveLength(11);
    expect(merged.find((row) => row.id === '3')?.name).toBe('row-3-v1');
    expect(merged.find((row) => row.id === '4')?.name).toBe('row-4-v2');
    expect(merged.find((row) => row.id === '20')?.name).toBe('row-20');

    const report = await runFlow([rows(100, 3)], store, { runType: 'full_drop' });
    expect(report.rows).toBe(3);
    expect((await production(table)).map((row) => row.id)).toEqual(['100', '101', '102']);

    const runs = await sql<{ count: string }>(
      `SELECT count(*) AS count FROM wharf_runs WHERE table_name = $1`,
      [table],
    );
    expect(runs[0]?.count).toBe('4');
  });

  it('publishes a run id at most once', async () => {
    const table = uniqueTable('once');
    const store = makeStore({ table });
    await store.connect();
    const first = await runFlow([rows(1, 4)], store, { runType: 'incremental', runId: 'run-42' });
    const second = await runFlow([rows(1, 4)], store, { runType: 'incremental', runId: 'run-42' });
    expect(first.alreadyCommitted).toBe(false);
    expect(second.alreadyCommitted).toBe(true);
    expect(await production(table)).toHaveLength(4);
  });

  it('adds nullable columns inside the commit with add-columns, and refuses them when strict', async () => {
    const table = uniqueTable('evolve');
    const strict = makeStore({ table });
    await strict.connect();
    await runFlow([rows(1, 2)], strict, { runType: 'incremental' });
    const wider = rows(3, 2);
    const extra = new Table({
      ...Object.fromEntries(
        wider.schema.fields.map((field) => [field.name, wider.getChild(field.name)!]),
      ),
      color: vectorFromArray(['red', null], new Utf8()),
    });
    const error = await runFlow([extra], makeStore({ table }), { runType: 'incremental' }).catch(
      (caught: unknown) => caught,
    );
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(await production(table)).toHaveLength(2);

    const evolving = makeStore({ table, schemaEvolution: 'add-columns' });
    await runFlow([extra], evolving, { runType: 'incremental' });
    const colors = await sql<{ id: string; color: string | null }>(
      `SELECT id::text AS id, color FROM ${table} ORDER BY ${table}.id`,
    );
    expect(colors).toEqual([
      { id: '1', color: null },
      { id: '2', color: null },
      { id: '3', color: 'red' },
      { id: '4', color: null },
    ]);
    const batches = [];
    for await (const batch of evolving.read({ columns: ['id', 'color'] })) batches.push(batch);
    expect(batches[0]?.schema.fields.map((field) => field.name)).toEqual(['id', 'color']);
  });

  it('keeps grants, indexes, views and ownership through a full_drop (truncate and insert in one transaction)', async () => {
    const table = uniqueTable('keep');
    const store = makeStore({ table, key: 'id' });
    await store.connect();
    await runFlow([rows(1, 3)], store, { runType: 'full_drop' });
    await sql(`CREATE INDEX ${table}_name ON ${table} (name)`);
    await sql(`CREATE VIEW ${table}_view AS SELECT id, name FROM ${table}`);
    await sql(`CREATE ROLE ${table}_reader`);
    await sql(`GRANT SELECT ON ${table} TO ${table}_reader`);
    const oid = await sql<{ oid: number }>(`SELECT $1::regclass::oid AS oid`, [table]);

    await runFlow([rows(10, 2)], store, { runType: 'full_drop' });

    expect(await sql(`SELECT id::text AS id FROM ${table}_view ORDER BY ${table}_view.id`)).toEqual(
      [{ id: '10' }, { id: '11' }],
    );
    expect(await sql<{ oid: number }>(`SELECT $1::regclass::oid AS oid`, [table])).toEqual(oid);
    const indexes = await sql<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE tablename = $1 ORDER BY 1`,
      [table],
    );
    expect(indexes.map((row) => row.name)).toEqual([`${table}_name`, `${table}_pkey`]);
    const grants = await sql(
      `SELECT 1 FROM information_schema.role_table_grants WHERE table_name = $1 AND grantee = $2`,
      [table, `${table}_reader`],
    );
    expect(grants).toHaveLength(1);
    await sql(`DROP VIEW ${table}_view`);
    await sql(`REVOKE ALL ON ${table} FROM ${table}_reader`);
    await sql(`DROP ROLE ${table}_reader`);
  });

  it('lets a full_drop change the schema of a table it created', async () => {
    const table = uniqueTable('reshape');
    const store = makeStore({ table });
    await store.connect();
    await runFlow([rows(1, 2)], store, { runType: 'full_drop' });
    const reshaped = new Table({
      id: vectorFromArray([7n], new Int64()),
      value: vectorFromArray(['seven'], new Utf8()),
    });
    await runFlow([reshaped], makeStore({ table }), { runType: 'full_drop' });
    expect(await sql(`SELECT id::text AS id, value FROM ${table}`)).toEqual([
      { id: '7', value: 'seven' },
    ]);
    const batches = [];
    for await (const batch of store.read()) batches.push(batch);
    expect(batches[0]?.schema).toEqual(
      new Schema([new Field('id', new Int64(), true), new Field('value', new Utf8(), true)]),
    );
  });

  it('fails an incremental run that repeats a key, leaving production unchanged', async () => {
    const table = uniqueTable('dupe');
    const store = makeStore({ table, key: 'id' });
    await store.connect();
    await runFlow([rows(1, 3)], store, { runType: 'incremental' });
    const error = await runFlow([rows(3, 2)], store, { runType: 'incremental' }).catch(
      (caught: unknown) => caught,
    );
    expect(ConflictError.isInstance(error)).toBe(true);
    expect(await production(table)).toHaveLength(3);
    expect(await stagingArtefacts(table)).toBe(0);
  });

  it('loads into a table it did not create, keeping its columns, types and extra columns', async () => {
    const table = uniqueTable('existing');
    await sql(`CREATE TABLE ${table} (
      id bigint PRIMARY KEY,
      name varchar(40),
      value double precision,
      flag boolean,
      at timestamptz,
      loaded_at timestamptz NOT NULL DEFAULT now(),
      tag uuid DEFAULT gen_random_uuid())`);
    const store = makeStore({ table, key: 'id' });
    await store.connect();
    await runFlow([rows(1, 3)], store, { runType: 'incremental' });
    await runFlow([rows(2, 3, 1)], store, { runType: 'merge' });
    expect((await production(table)).map((row) => [row.id, row.name])).toEqual([
      ['1', 'row-1'],
      ['2', 'row-2-v1'],
      ['3', 'row-3-v1'],
      ['4', 'row-4-v1'],
    ]);
    await runFlow([rows(10, 2)], store, { runType: 'full_drop' });
    const kept = await sql<{ id: string; stamped: boolean; tagged: boolean }>(
      `SELECT id::text AS id, loaded_at IS NOT NULL AS stamped, tag IS NOT NULL AS tagged FROM ${table} ORDER BY ${table}.id`,
    );
    expect(kept).toEqual([
      { id: '10', stamped: true, tagged: true },
      { id: '11', stamped: true, tagged: true },
    ]);
    const batches = [];
    for await (const batch of store.read()) batches.push(batch);
    expect(batches[0]?.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual(
      [
        'id:Int64',
        'name:Utf8',
        'value:Float64',
        'flag:Bool',
        'at:Timestamp<MICROSECOND, UTC>',
        'loaded_at:Timestamp<MICROSECOND, UTC>',
      ],
    );
    expect(await sql(`SELECT 1 FROM wharf_schemas WHERE table_name = $1`, [table])).toEqual([]);
  });
});
