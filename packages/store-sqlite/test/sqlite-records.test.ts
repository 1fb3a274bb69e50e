import { join } from 'node:path';
import { ConflictError, NotFoundError, runFlow, ValidationError } from '@wharf/store-core';
import {
  Decimal,
  Field,
  Float32,
  Int64,
  List,
  makeData,
  makeVector,
  Schema,
  Table,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { openStore, temporaryDirectory, trips } from './helpers.js';
import { readProductionRows } from './sqlite-probes.js';

async function seeded(options: Parameters<typeof openStore>[0] = {}) {
  const store = await openStore({ key: 'id', ...options });
  await runFlow([trips(1, 10)], store, { runType: 'full_drop' });
  return store;
}

describe('the record API', () => {
  it('gets, inserts, updates, upserts and deletes by key', async () => {
    const store = await seeded();
    expect(await store.get(3n)).toEqual({
      id: 3n,
      city: 'Lyon',
      fare: 4.5,
      paid: true,
      at: Date.UTC(2024, 0, 1) + 3000,
    });
    expect(await store.get(99n)).toBeUndefined();
    expect(await store.get(3)).toMatchObject({ id: 3n });

    await store.insert({ id: 11n, city: 'Rome', fare: 2, paid: false, at: Date.UTC(2025, 0, 1) });
    expect(await store.count()).toBe(11);
    const duplicate = await store.insert({ id: 11n, city: 'Again' }).catch((error) => error);
    expect(ConflictError.isInstance(duplicate)).toBe(true);

    const updated = await store.update(11n, { city: 'Turin' });
    expect(updated).toMatchObject({ id: 11n, city: 'Turin', fare: 2 });
    await expect(store.update(404n, { city: 'x' })).rejects.toSatisfy((error) =>
      NotFoundError.isInstance(error),
    );
    await expect(store.update(11n, { id: 12n })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );

    await store.upsert({ id: 11n, fare: 9 });
    expect(await store.get(11n)).toMatchObject({ city: 'Turin', fare: 9 });
    await store.upsert({ id: 12n, city: 'Bari' });
    expect(await store.get(12n)).toMatchObject({ city: 'Bari', fare: null });

    expect(await store.delete(12n)).toBe(true);
    expect(await store.delete(12n)).toBe(false);
    expect(await store.get(12n)).toBeUndefined();
    await store.close();
  });

  it('writes production: the inspector sees record changes at once', async () => {
    const filename = join(temporaryDirectory(), 'records.db');
    const store = new SqliteStore({ filename, table: 'records', key: 'id' });
    await store.connect();
    await runFlow([trips(1, 3)], store, { runType: 'full_drop' });
    await store.insert({ id: 4n, city: 'Nice' });
    await store.delete(1n);
    expect(readProductionRows(filename, 'records').map((row) => row.id)).toEqual([2n, 3n, 4n]);
    await store.close();
  });

  it('filters with equality, comparisons, in, ne and isNull', async () => {
    const store = await seeded();
    const ids = async (where: Parameters<typeof store.list>[0]) =>
      (await store.list(where)).map((row) => Number(row.id));
    expect(await ids({ where: { city: 'Oslo' } })).toEqual([2, 4, 6, 8, 10]);
    expect(await ids({ where: { id: { gt: 7 } } })).toEqual([8, 9, 10]);
    expect(await ids({ where: { id: { gte: 3n, lt: 5n } } })).toEqual([3, 4]);
    expect(await ids({ where: { city: { ne: 'Oslo' } } })).toEqual([1, 3, 5, 9]);
    expect(await ids({ where: { id: { in: [2, 4n, 99] } } })).toEqual([2, 4]);
    expect(await ids({ where: { id: { in: [] } } })).toEqual([]);
    expect(await ids({ where: { city: null } })).toEqual([7]);
    expect(await ids({ where: { paid: { isNull: true } } })).toEqual([5, 10]);
    expect(await ids({ where: { paid: true } })).toEqual([3, 6, 9]);
    expect(await ids({ where: { at: { gte: Date.UTC(2024, 0, 1) + 9000 } } })).toEqual([9, 10]);
    expect(await store.count({ city: 'Lyon' })).toBe(4);
    await expect(store.list({ where: { nope: 1 } })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await store.close();
  });

  it('orders with nulls last (first descending) and pages without overlap', async () => {
    const store = await seeded();
    const ascending = await store.list({ orderBy: 'city' });
    expect(ascending.map((row) => row.city)).toEqual([
      'Lyon',
      'Lyon',
      'Lyon',
      'Lyon',
      'Oslo',
      'Oslo',
      'Oslo',
      'Oslo',
      'Oslo',
      null,
    ]);
    expect(ascending.slice(0, 4).map((row) => Number(row.id))).toEqual([1, 3, 5, 9]);
    const descending = await store.list({ orderBy: [{ column: 'city', direction: 'desc' }] });
    expect(descending[0]!.city).toBeNull();
    expect(descending.slice(1, 6).map((row) => Number(row.id))).toEqual([2, 4, 6, 8, 10]);

    const pages: number[] = [];
    for (let offset = 0; offset < 10; offset += 3) {
      const page = await store.list({ orderBy: 'paid', limit: 3, offset });
      pages.push(...page.map((row) => Number(row.id)));
    }
    expect([...pages].sort((left, right) => left - right)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expect(store.list({ limit: -1 })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await store.close();
  });

  it('supports composite keys', async () => {
    const store = await openStore({ key: ['region', 'id'] });
    await store.insert({ region: 'eu', id: 1n, name: 'a' });
    await store.insert({ region: 'us', id: 1n, name: 'b' });
    expect(await store.get({ region: 'us', id: 1n })).toEqual({ region: 'us', id: 1n, name: 'b' });
    await expect(store.get(1n)).rejects.toSatisfy((error) => ValidationError.isInstance(error));
    await store.close();
  });

  it('soft-deletes: rows disappear, stay listable, come back with restore or upsert', async () => {
    const filename = join(temporaryDirectory(), 'soft.db');
    const store = new SqliteStore({ filename, table: 'soft', key: 'id', softDelete: true });
    await store.connect();
    await runFlow([trips(1, 5)], store, { runType: 'full_drop' });
    expect(await store.delete(2n)).toBe(true);
    expect(await store.get(2n)).toBeUndefined();
    expect(await store.count()).toBe(4);
    expect((await store.listDeleted()).map((row) => row.id)).toEqual([2n]);
    expect(readProductionRows(filename, 'soft').map((row) => row.id)).toEqual([1n, 3n, 4n, 5n]);
    const reinserted = await store.insert({ id: 2n }).catch((error) => error);
    expect(ConflictError.isInstance(reinserted)).toBe(true);
    expect((reinserted as Error).message).toMatch(/soft-deleted/);

    await store.restore(2n);
    expect(await store.get(2n)).toMatchObject({ id: 2n, city: 'Oslo' });
    await expect(store.restore(2n)).rejects.toSatisfy((error) => NotFoundError.isInstance(error));

    await store.delete(3n);
    await store.upsert({ id: 3n, city: 'Back' });
    expect(await store.get(3n)).toMatchObject({ city: 'Back', fare: 4.5 });

    await store.delete(4n);
    await runFlow([trips(4, 1, 1)], store, { runType: 'merge' });
    expect(await store.get(4n)).toMatchObject({ city: 'Oslo-1' });
    await store.close();

    const hard = await openStore({ key: 'id' });
    await expect(hard.restore(1n)).rejects.toSatisfy((error) => ValidationError.isInstance(error));
    await hard.close();
  });

  it('creates the table from the first inserted row when nothing was loaded yet', async () => {
    const store = await openStore({ key: 'id' });
    expect(await store.list()).toEqual([]);
    expect(await store.count()).toBe(0);
    await store.insert({
      id: 1n,
      name: 'first',
      score: 1.5,
      ok: true,
      bytes: Uint8Array.from([1, 2]),
    });
    const row = await store.get(1n);
    expect(row).toEqual({
      id: 1n,
      name: 'first',
      score: 1.5,
      ok: true,
      bytes: Uint8Array.from([1, 2]),
    });
    await expect(store.insert({ id: 2n, unknown: 1 })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await store.close();
  });

  it('converts values of the stored types: timestamps in ms, decimals as text, lists', async () => {
    const schema = new Schema([
      new Field('id', new Int64(), false),
      new Field('at', new TimestampNanosecond('UTC'), true),
      new Field('price', new Decimal(2, 10, 128), true),
      new Field('tags', new List(new Field('item', new Utf8(), true)), true),
    ]);
    const store = await openStore({ key: 'id', schema });
    await store.insert({ id: 1n, at: 1_700_000_000_123.5, price: '12.30', tags: ['a', 'b'] });
    expect(await store.get(1n)).toEqual({
      id: 1n,
      at: 1_700_000_000_123.5,
      price: '12.30',
      tags: ['a', 'b'],
    });
    await expect(store.insert({ id: 2n, price: '1.234' })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await expect(store.insert({ id: null })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await expect(store.insert({ id: 3n, at: 'yesterday' })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await store.close();
  });

  it('finds the nearest vectors by cosine, euclidean and dot', async () => {
    const store = await openStore({ key: 'id' });
    const vectors = [
      [1, 0, 0],
      [0, 1, 0],
      [1, 1.25, 0],
      [0.5, 0.25, 0],
      [-1, -0.5, 0],
    ];
    await runFlow(
      [
        new Table({
          id: vectorFromArray(
            vectors.map((_, index) => BigInt(index + 1)),
            new Int64(),
          ),
          embedding: vectorFromArray(vectors, new List(new Field('item', new Float32(), true))),
        }),
      ],
      store,
      { runType: 'full_drop' },
    );
    const query = [1, 0.5, 0];
    const cosine = await store.search({ column: 'embedding', vector: query, k: 2 });
    expect(cosine.map((hit) => hit.row.id)).toEqual([4n, 3n]);
    const euclidean = await store.search({
      column: 'embedding',
      vector: query,
      k: 3,
      metric: 'euclidean',
    });
    expect(euclidean.map((hit) => hit.row.id)).toEqual([1n, 4n, 3n]);
    expect(euclidean[0]!.score).toBeCloseTo(0.5);
    const dot = await store.search({ column: 'embedding', vector: query, k: 10, metric: 'dot' });
    expect(dot.map((hit) => hit.row.id)).toEqual([3n, 1n, 4n, 2n, 5n]);
    const filtered = await store.search({
      column: 'embedding',
      vector: query,
      k: 5,
      where: { id: { gt: 2 } },
    });
    expect(filtered.map((hit) => hit.row.id)).toEqual([4n, 3n, 5n]);
    await expect(store.search({ column: 'nope', vector: query, k: 1 })).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await expect(store.search({ column: 'embedding', vector: [1], k: 1 })).rejects.toSatisfy(
      (error) => ValidationError.isInstance(error),
    );
    await store.close();
  });

  it('needs a key for the record API and for merge runs', async () => {
    const store = await openStore();
    await expect(store.get(1n)).rejects.toSatisfy((error) => ValidationError.isInstance(error));
    await expect(store.configureForRun('merge')).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
    await store.close();
  });

  it('keeps ns timestamps written in bulk exact in the file, while rows read them in ms', async () => {
    const filename = join(temporaryDirectory(), 'ns.db');
    const store = new SqliteStore({ filename, table: 'ns', key: 'id' });
    await store.connect();
    const at = makeVector(
      makeData({
        type: new TimestampNanosecond(),
        length: 1,
        data: BigInt64Array.from([1_700_000_000_123_456_789n]),
      }),
    );
    await runFlow([new Table({ id: vectorFromArray([1n], new Int64()), at })], store, {
      runType: 'full_drop',
    });
    expect((await store.get(1n))?.at).toBeCloseTo(1_700_000_000_123.4568, 3);
    await store.update(1n, {});
    expect(readProductionRows(filename, 'ns')[0]!.at).toBe(1_700_000_000_123_456_789n);
    await store.close();
  });
});
