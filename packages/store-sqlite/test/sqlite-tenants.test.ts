import { join } from 'node:path';
import { NotFoundError, runFlow, StoreError, ValidationError } from '@wharf/store-core';
import { Field, Float64, Int64, List, Table, Utf8, vectorFromArray } from 'apache-arrow';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { temporaryDirectory } from './helpers.js';

const TENANTS = ['acme', 'globex'];

function accounts(): Table {
  const ids = Array.from({ length: 10 }, (_, index) => index + 1);
  return new Table({
    id: vectorFromArray(ids.map(BigInt), new Int64()),
    tenant: vectorFromArray(
      ids.map((id) => TENANTS[id % 2]!),
      new Utf8(),
    ),
    name: vectorFromArray(
      ids.map((id) => `account-${id}`),
      new Utf8(),
    ),
    embedding: vectorFromArray(
      ids.map((id) => [id, 1]),
      new List(new Field('item', new Float64(), true)),
    ),
  });
}

/** A store on a shared connection whose every statement is recorded. */
async function traced() {
  const filename = join(temporaryDirectory(), 'tenants.db');
  const statements: string[] = [];
  const database = new Database(filename, { verbose: (sql) => statements.push(String(sql)) });
  const store = new SqliteStore({
    filename,
    table: 'accounts',
    key: 'id',
    tenantColumn: 'tenant',
    softDelete: true,
  });
  store.setPool(database);
  await store.connect();
  await runFlow([accounts()], store, { runType: 'full_drop' });
  return { store, database, statements };
}

describe('tenant views', () => {
  it('see, count, list and search only their own rows', async () => {
    const { store, database } = await traced();
    const acme = store.forTenant('acme');
    expect(await acme.count()).toBe(5);
    expect((await acme.list()).map((row) => Number(row.id))).toEqual([2, 4, 6, 8, 10]);
    expect(await acme.get(1n)).toBeUndefined();
    expect(await acme.get(2n)).toMatchObject({ tenant: 'acme' });
    const hits = await acme.search({ column: 'embedding', vector: [1, 1], k: 10 });
    expect(hits.every((hit) => hit.row.tenant === 'acme')).toBe(true);
    expect(hits).toHaveLength(5);
    await store.close();
    database.close();
  });

  it("cannot update, delete, restore or overwrite another tenant's rows", async () => {
    const { store, database } = await traced();
    const acme = store.forTenant('acme');
    await expect(acme.update(1n, { name: 'hijacked' })).rejects.toSatisfy((error) =>
      NotFoundError.isInstance(error),
    );
    expect(await acme.delete(1n)).toBe(false);
    await store.delete(3n);
    await expect(acme.restore(3n)).rejects.toSatisfy((error) => NotFoundError.isInstance(error));
    expect(await acme.listDeleted()).toEqual([]);
    const overwrite = await acme.upsert({ id: 1n, name: 'mine now' }).catch((error) => error);
    expect(StoreError.isInstance(overwrite)).toBe(true);
    expect(await store.get(1n)).toMatchObject({ tenant: 'globex', name: 'account-1' });
    await expect(acme.insert({ id: 50n, tenant: 'globex' })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await expect(acme.update(2n, { tenant: 'globex' })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await acme.insert({ id: 51n, name: 'scoped' });
    expect(await store.get(51n)).toMatchObject({ tenant: 'acme' });
    await store.close();
    database.close();
  });

  it('filter every statement they run on production by the tenant column', async () => {
    const { store, database, statements } = await traced();
    const acme = store.forTenant('acme');
    statements.length = 0;
    await acme.get(2n);
    await acme.count({ name: { ne: 'x' } });
    await acme.list({ where: { id: { gt: 1 } }, orderBy: 'name', limit: 2, offset: 1 });
    await acme.search({ column: 'embedding', vector: [1, 1], k: 2 });
    await acme.update(2n, { name: 'renamed' });
    await acme.upsert({ id: 4n, name: 'upserted' });
    await acme.insert({ id: 60n, name: 'new' });
    await acme.delete(6n);
    await acme.listDeleted();
    await acme.restore(6n);
    await acme.update(1n, { name: 'x' }).catch(() => undefined);
    await acme.delete(1n);
    const production = statements.filter(
      (sql) => /"accounts"/.test(sql) && !/_wharf_schema|pragma_index|sqlite_master/.test(sql),
    );
    expect(production.length).toBeGreaterThan(10);
    const unscoped = production.filter((sql) => {
      if (/^INSERT INTO "accounts"/.test(sql)) {
        // An insert carries the tenant in its values; an upsert may only update the tenant's row.
        return (
          !sql.includes("'acme'") || (/ON CONFLICT/.test(sql) && !/"tenant" = 'acme'/.test(sql))
        );
      }
      if (/WHERE rowid = /.test(sql)) return false; // rows the scoped search scan chose
      return !/"tenant" = 'acme'/.test(sql);
    });
    expect(unscoped).toEqual([]);
    await store.close();
    database.close();
  });

  it('need the tenantColumn option and a tenant id', async () => {
    const store = new SqliteStore({
      filename: join(temporaryDirectory(), 'no-tenant.db'),
      table: 't',
    });
    expect(() => store.forTenant('acme')).toThrow(/tenantColumn/);
    const scoped = new SqliteStore({
      filename: join(temporaryDirectory(), 'tenant.db'),
      table: 't',
      tenantColumn: 'tenant',
    });
    expect(() => scoped.forTenant('')).toThrow(/tenant id/);
  });
});
