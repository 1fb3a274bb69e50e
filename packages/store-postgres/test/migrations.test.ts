import { MigrationError, StoreError } from '@wharf/store-core';
import { describe, expect, it } from 'vitest';
import type { Migration } from '../src/index.js';
import { makeStore, sql, uniqueTable } from './helpers.js';

async function columnsOf(schema: string, table: string): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return rows.map((row) => row.name);
}

describe('migrations', () => {
  it('applies versions in order, once, each recorded in wharf_migrations', async () => {
    const schema = uniqueTable('m');
    const store = makeStore({ table: 'events', pgSchema: schema });
    await store.connect();
    const migrations: Migration[] = [
      { version: 2, name: 'add label', up: 'ALTER TABLE accounts ADD COLUMN label text' },
      {
        version: 1,
        name: 'create accounts',
        up: 'CREATE TABLE accounts (id bigint PRIMARY KEY); CREATE INDEX ON accounts (id)',
      },
      {
        version: 3,
        name: 'seed',
        up: async (client) => {
          await client.query('INSERT INTO accounts (id, label) VALUES ($1, $2)', [1, 'first']);
        },
      },
    ];
    const first = await store.migrate(migrations);
    expect(first).toEqual({
      applied: [
        { version: 1, name: 'create accounts' },
        { version: 2, name: 'add label' },
        { version: 3, name: 'seed' },
      ],
      version: 3,
    });
    expect(await columnsOf(schema, 'accounts')).toEqual(['id', 'label']);
    const again = await store.migrate(migrations);
    expect(again).toEqual({ applied: [], version: 3 });
    expect(await sql(`SELECT id::int AS id FROM "${schema}".accounts`)).toEqual([{ id: 1 }]);
    const history = await sql<{ version: number; name: string }>(
      `SELECT version, name FROM "${schema}".wharf_migrations ORDER BY version`,
    );
    expect(history.map((row) => row.version)).toEqual([1, 2, 3]);
  });

  it('rolls a failed migration back whole and reports a MigrationError with its cause', async () => {
    const schema = uniqueTable('m');
    const store = makeStore({ table: 'events', pgSchema: schema });
    await store.connect();
    await store.migrate([{ version: 1, name: 'create', up: 'CREATE TABLE things (id int)' }]);
    const error = await store
      .migrate([
        { version: 1, name: 'create', up: 'CREATE TABLE things (id int)' },
        {
          version: 2,
          name: 'broken',
          up: 'ALTER TABLE things ADD COLUMN half text; ALTER TABLE nowhere ADD COLUMN x int',
        },
      ])
      .catch((caught: unknown) => caught);
    expect(MigrationError.isInstance(error)).toBe(true);
    expect((error as StoreError).message).toContain("migration 2 ('broken')");
    expect((error as StoreError).cause).toBeDefined();
    expect(StoreError.isInstance((error as StoreError).cause)).toBe(false);
    expect(await columnsOf(schema, 'things')).toEqual(['id']);
    const history = await sql(`SELECT version FROM "${schema}".wharf_migrations`);
    expect(history).toEqual([{ version: 1 }]);
  });

  it('refuses a gap, a duplicate, and a changed name of an applied version', async () => {
    const schema = uniqueTable('m');
    const store = makeStore({ table: 'events', pgSchema: schema });
    await store.connect();
    const create = { version: 1, name: 'create', up: 'CREATE TABLE items (id int)' };
    for (const list of [
      [create, { version: 3, name: 'skips two', up: 'SELECT 1' }],
      [create, { ...create, name: 'twice' }],
    ]) {
      const error = await store.migrate(list).catch((caught: unknown) => caught);
      expect(MigrationError.isInstance(error)).toBe(true);
    }
    expect(await columnsOf(schema, 'items')).toEqual([]);
    await store.migrate([create]);
    const renamed = await store
      .migrate([{ ...create, name: 'make items' }])
      .catch((caught: unknown) => caught);
    expect(MigrationError.isInstance(renamed)).toBe(true);
    expect((renamed as Error).message).toContain("applied as 'create'");
    const shorter = await store.migrate([]).catch((caught: unknown) => caught);
    expect(MigrationError.isInstance(shorter)).toBe(true);
  });
});
