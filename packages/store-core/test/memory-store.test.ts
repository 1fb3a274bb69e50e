import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, Float32, Int64, List, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  countMemoryStaging,
  MemoryStore,
  type MemoryStoreOptions,
  NotFoundError,
  readMemoryProduction,
  runFlow,
  ValidationError,
} from '../src/index.js';
import { trips, uniqueTable } from './helpers.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'wharf-memory-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function open(options: Partial<MemoryStoreOptions> = {}) {
  const store = new MemoryStore({ table: uniqueTable(), key: 'id', ...options });
  await store.connect();
  return store;
}

async function collect(store: MemoryStore): Promise<Table> {
  const batches = [];
  for await (const batch of store.read()) batches.push(batch);
  return new Table(batches);
}

describe('MemoryStore run types', () => {
  it('appends, replaces and merges', async () => {
    const store = await open();
    await runFlow([trips(0, 4)], store, { runType: 'incremental' });
    await runFlow([trips(4, 2)], store, { runType: 'incremental' });
    expect(await store.count()).toBe(6);
    const changed = trips(3, 4); // ids 3..6: 3,4,5 exist, 6 is new
    await runFlow([changed], store, { runType: 'merge' });
    expect(await store.count()).toBe(7);
    await runFlow([trips(100, 2)], store, { runType: 'full_drop' });
    expect((await store.list()).map((row) => row.id)).toEqual([100n, 101n]);
    await runFlow([], store, { runType: 'full_drop' });
    expect(await store.count()).toBe(0);
  });

  it('keeps the last row of a key within one merge run', async () => {
    const store = await open();
    const first = trips(1, 1);
    const second = new Table({
      id: vectorFromArray([1n], new Int64()),
      city: vectorFromArray(['Bergen'], new Utf8()),
      fare: first.getChild('fare')!,
    });
    await runFlow([first, second], store, { runType: 'merge' });
    expect(await store.list()).toEqual([{ id: 1n, city: 'Bergen', fare: 1.5 }]);
  });

  it('reads back exactly the committed Arrow data, and nothing staged', async () => {
    const store = await open();
    await store.write(trips(0, 3));
    expect((await collect(store)).numRows).toBe(0);
    await store.finish();
    const back = await collect(store);
    expect(back.numRows).toBe(3);
    expect(String(back.schema.fields[0]!.type)).toBe('Int64');
    expect(back.getChild('city')!.toArray()).toEqual(['Oslo', 'Lyon', 'Oslo']);
  });

  it('refuses a merge without key columns and bad table names', async () => {
    const store = await open({ key: undefined });
    await expect(store.configureForRun('merge')).rejects.toThrow(/key columns/);
    for (const table of ['../etc', 'a"b', "x'; DROP TABLE y; --", 'a/b', '']) {
      expect(() => new MemoryStore({ table })).toThrow(ValidationError);
    }
  });
});

describe('MemoryStore record API', () => {
  it('gets, inserts, updates, upserts and deletes by key', async () => {
    const store = await open();
    await runFlow([trips(0, 3)], store);
    expect(await store.get(1)).toEqual({ id: 1n, city: 'Lyon', fare: 1.5 });
    expect(await store.get(99)).toBeUndefined();
    await store.insert({ id: 3n, city: 'Rome', fare: 2 });
    await expect(store.insert({ id: 3n, city: 'Rome', fare: 2 })).rejects.toSatisfy(
      ConflictError.isInstance,
    );
    expect(await store.update(3, { fare: 9 })).toEqual({ id: 3n, city: 'Rome', fare: 9 });
    await expect(store.update(42, { fare: 1 })).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(store.update(3, { id: 4n })).rejects.toThrow(/key column/);
    await store.upsert({ id: 3n, city: 'Milan', fare: 9 });
    await store.upsert({ id: 7n, city: 'Turin', fare: 1 });
    expect(await store.count()).toBe(5);
    expect(await store.delete(7)).toBe(true);
    expect(await store.delete(7)).toBe(false);
    expect(await store.count({ city: 'Milan' })).toBe(1);
  });

  it('lists with where, ordering and pages that neither overlap nor skip', async () => {
    const store = await open();
    await runFlow([trips(0, 57)], store);
    const seen: bigint[] = [];
    for (let offset = 0; offset < 60; offset += 10) {
      const page = await store.list({
        orderBy: { column: 'city', direction: 'desc' },
        limit: 10,
        offset,
      });
      seen.push(...page.map((row) => row.id as bigint));
    }
    expect(new Set(seen).size).toBe(57);
    expect(seen).toHaveLength(57);
    const lyon = await store.list({ where: { city: 'Lyon', id: { gt: 50 } } });
    expect(lyon.map((row) => row.id)).toEqual([51n, 53n, 55n]);
    expect(await store.count({ id: { in: [1, 2, 500] } })).toBe(2);
    await expect(store.list({ where: { nope: 1 } })).rejects.toThrow(/unknown column 'nope'/);
  });

  it('keeps tenants apart', async () => {
    const store = await open({ tenantColumn: 'tenant' });
    const acme = store.forTenant('acme');
    const globex = store.forTenant('globex');
    await acme.insert({ id: 1n, name: 'anvil' });
    await globex.insert({ id: 2n, name: 'laser' });
    expect(await acme.get(2)).toBeUndefined();
    expect(await acme.count()).toBe(1);
    expect((await globex.list()).map((row) => row.name)).toEqual(['laser']);
    await expect(acme.update(2, { name: 'stolen' })).rejects.toSatisfy(NotFoundError.isInstance);
    expect(await acme.delete(2)).toBe(false);
    await expect(acme.upsert({ id: 2n, name: 'stolen' })).rejects.toSatisfy(
      ConflictError.isInstance,
    );
    await expect(acme.insert({ id: 3n, tenant: 'globex', name: 'x' })).rejects.toThrow(
      ValidationError,
    );
    expect(await store.get(2)).toEqual({ id: 2n, name: 'laser', tenant: 'globex' });
    expect(await store.count()).toBe(2);
  });

  it('soft-deletes, lists deleted rows and restores them', async () => {
    const store = await open({ softDelete: true });
    await runFlow([trips(0, 3)], store);
    expect(await store.delete(1)).toBe(true);
    expect(await store.get(1)).toBeUndefined();
    expect(await store.count()).toBe(2);
    expect((await store.listDeleted()).map((row) => row.id)).toEqual([1n]);
    let rows = 0;
    for await (const batch of store.read()) rows += batch.numRows;
    expect(rows).toBe(2);
    await expect(store.insert({ id: 1n, city: 'x', fare: 1 })).rejects.toThrow(/soft-deleted/);
    await store.restore(1);
    expect(await store.count()).toBe(3);
    await expect(store.restore(1)).rejects.toSatisfy(NotFoundError.isInstance);
  });

  it('finds the nearest vectors', async () => {
    const schema = new Schema([
      new Field('id', new Int64(), false),
      new Field('embedding', new List(new Field('item', new Float32(), true)), true),
    ]);
    const store = await open({ schema });
    const vectors = [
      [1, 0],
      [0, 1],
      [0.9, 0.1],
      [-1, 0],
    ];
    for (const [index, embedding] of vectors.entries())
      await store.insert({ id: BigInt(index), embedding });
    const cosine = await store.search({ column: 'embedding', vector: [1, 0], k: 2 });
    expect(cosine.map((hit) => hit.row.id)).toEqual([0n, 2n]);
    const euclidean = await store.search({
      column: 'embedding',
      vector: [0, 0.9],
      k: 10,
      metric: 'euclidean',
    });
    expect(euclidean.map((hit) => hit.row.id)).toEqual([1n, 2n, 0n, 3n]);
    await expect(store.search({ column: 'embedding', vector: [1, 0, 0], k: 1 })).rejects.toThrow(
      /dimensions/,
    );
  });
});

describe('MemoryStore in a directory', () => {
  it('shares state between instances and recovers a crashed run', async () => {
    const table = uniqueTable();
    const writer = await open({ table, directory });
    await runFlow([trips(0, 10)], writer, { runType: 'full_drop' });
    await writer.configureForRun('incremental');
    writer.faults.arm({ at: 5, mode: 'crash' }); // publish
    await writer.write(trips(10, 5));
    await expect(writer.finish()).rejects.toThrow(/simulated crash/);
    expect((await readMemoryProduction(directory, table)).numRows).toBe(10);
    expect(await countMemoryStaging(directory, table)).toBeGreaterThan(0);

    const looker = new MemoryStore({ table, directory, key: 'id' });
    await looker.connect({ recover: false });
    const description = await looker.describe();
    expect(description.rows).toBe(10);
    expect(description.staging?.runs).toMatchObject([
      { state: 'committing', alive: false, parts: 1 },
    ]);
    expect(await countMemoryStaging(directory, table)).toBeGreaterThan(0);
    await looker.close();

    const recovered = await open({ table, directory });
    expect((await readMemoryProduction(directory, table)).numRows).toBe(15);
    expect(await countMemoryStaging(directory, table)).toBe(0);
    expect(await recovered.count()).toBe(15);
  });

  it('lets concurrent writers commit whole runs without losing any', async () => {
    const table = uniqueTable();
    const stores = await Promise.all([0, 1, 2, 3].map(() => open({ table, directory })));
    await Promise.all(stores.map((store, index) => runFlow([trips(index * 100, 50)], store)));
    const production = await readMemoryProduction(directory, table);
    expect(production.numRows).toBe(200);
    expect(new Set(production.getChild('id')!.toArray()).size).toBe(200);
  });

  it('discards the staging of a store closed without finish()', async () => {
    const table = uniqueTable();
    const store = await open({ table, directory });
    await store.write(trips(0, 3));
    await store.close();
    expect(await countMemoryStaging(directory, table)).toBe(0);
    expect((await readMemoryProduction(directory, table)).numRows).toBe(0);
  });
});
