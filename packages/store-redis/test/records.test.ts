import { MemoryStore, runFlow, type Store, StoreError } from '@wharf/store-core';
import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int64,
  makeVector,
  Schema,
  Table,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeStore, range, rows, targets } from './helpers.js';
import type { Target } from './redis-probe.js';

/** What an operation produced: its value, or the code of the error it raised. */
async function outcome(action: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await action() };
  } catch (error) {
    if (!StoreError.isInstance(error)) throw error;
    return { error: error.code };
  }
}

/** The same sequence of record operations, as a list of outcomes. */
async function script(store: Store): Promise<unknown[]> {
  const results: unknown[] = [];
  const run = async (action: () => Promise<unknown>) => results.push(await outcome(action));
  await run(() => store.get(4));
  await run(() => store.get(4n));
  await run(() => store.get(999));
  await run(() => store.insert({ id: 4n, name: 'again' }));
  await run(() => store.insert({ id: 100n, tenant: 'acme', name: 'new', value: 1.25 }));
  await run(() => store.insert({ id: 101n, nope: 1 }));
  await run(() => store.update(5, { name: 'five', value: null }));
  await run(() => store.update(999, { name: 'x' }));
  await run(() => store.update(5, { id: 6n }));
  await run(() => store.upsert({ id: 6n, name: 'six' }));
  await run(() => store.upsert({ id: 102n, name: 'fresh' }));
  await run(() => store.delete(7));
  await run(() => store.delete(7));
  await run(() => store.get(7));
  await run(() => store.insert({ id: 7n, name: 'back' }));
  await run(() => store.restore(7));
  await run(() => store.restore(7));
  await run(() => store.get(7));
  await run(() => store.delete(8));
  await run(() => store.listDeleted());
  await run(() => store.upsert({ id: 8n, value: 8.5 }));
  await run(() => store.count());
  await run(() => store.count({ tenant: 'acme' }));
  await run(() => store.count({ value: { gt: 10, lte: 30 }, flag: { isNull: false } }));
  await run(() => store.list());
  await run(() => store.list({ limit: 5, offset: 3 }));
  await run(() => store.list({ orderBy: { column: 'value', direction: 'desc' }, limit: 4 }));
  await run(() => store.list({ orderBy: ['flag', 'tenant'], limit: 7, offset: 2 }));
  await run(() => store.list({ where: { name: null } }));
  await run(() => store.list({ where: { id: { in: [1, 2n, 3] } } }));
  await run(() =>
    store.list({ where: { name: { ne: 'row-1' }, tenant: { eq: 'acme' } }, limit: 3 }),
  );
  await run(() => store.list({ where: { missing: 1 } }));
  await run(() => store.list({ orderBy: 'missing' }));
  await run(() => store.list({ limit: -1 }));
  await run(() => store.list({ limit: 0 }));
  return results;
}

describe.each(targets())('record API ($kind)', (target: Target) => {
  it('behaves exactly like the reference store', async () => {
    const seed = rows(1, 20);
    const memory = new MemoryStore({
      table: 'items',
      key: 'id',
      softDelete: true,
      database: `m${Math.random()}`,
    });
    await using redis = makeStore(target, { key: 'id', softDelete: true });
    for (const store of [memory, redis] as Store[]) {
      await store.connect();
      await runFlow([seed], store, { runType: 'full_drop' });
    }
    const expected = await script(memory);
    const actual = await script(redis);
    expect(actual).toEqual(expected);
    await memory.close();
  });

  it('pages in a stable order: every row exactly once, ties broken by the key', async () => {
    await using store = makeStore(target, { key: 'id' });
    await store.connect();
    await runFlow([rows(1, 95)], store, { runType: 'full_drop' });
    for (const orderBy of [undefined, 'tenant', { column: 'flag', direction: 'desc' as const }]) {
      const seen: number[] = [];
      for (let offset = 0; offset < 95; offset += 10) {
        const page = await store.list({ limit: 10, offset, ...(orderBy ? { orderBy } : {}) });
        seen.push(...page.map((row) => Number(row.id)));
      }
      expect(seen.slice().sort((left, right) => left - right)).toEqual(range(1, 95));
      const whole = (await store.list(orderBy ? { orderBy } : {})).map((row) => Number(row.id));
      expect(seen).toEqual(whole);
    }
  });

  it('serves every key type and composite keys in key order', async () => {
    await using store = makeStore(target, { key: ['region', 'id'] });
    await store.connect();
    const table = new Table({
      region: vectorFromArray(['b', 'a', 'a\u0000x', 'a', 'é', ''], new Utf8()),
      id: makeVector(
        BigInt64Array.from([1n, -5n, 2n, 9_007_199_254_740_993n, 0n, -9_223_372_036_854_775_808n]),
      ),
      value: vectorFromArray([1, 2, 3, 4, 5, 6], new Float64()),
    });
    await runFlow([table], store, { runType: 'full_drop' });
    const listed = (await store.list()).map((row) => [row.region, row.id]);
    expect(listed).toEqual([
      ['', -9_223_372_036_854_775_808n],
      ['a', -5n],
      ['a', 9_007_199_254_740_993n],
      ['a\u0000x', 2n],
      ['b', 1n],
      ['é', 0n],
    ]);
    expect(await store.get({ region: 'a', id: 9_007_199_254_740_993n })).toMatchObject({
      value: 4,
    });
    await expect(store.get(1)).rejects.toMatchObject({ code: 'WHARF_VALIDATION' });
  });

  it('tenant views never read or change another tenant’s rows', async () => {
    await using store = makeStore(target, { key: 'id', tenantColumn: 'tenant', softDelete: true });
    await store.connect();
    await runFlow([rows(1, 10)], store, { runType: 'full_drop' });
    const acme = store.forTenant('acme');
    const globex = store.forTenant('globex');
    // id 2 belongs to globex, id 1 to acme.
    expect(await acme.get(2)).toBeUndefined();
    expect(await acme.get(1)).toMatchObject({ tenant: 'acme' });
    await expect(acme.update(2, { name: 'stolen' })).rejects.toMatchObject({
      code: 'WHARF_NOT_FOUND',
    });
    expect(await acme.delete(2)).toBe(false);
    await expect(acme.upsert({ id: 2n, name: 'stolen' })).rejects.toMatchObject({
      code: 'WHARF_CONFLICT',
    });
    await expect(acme.insert({ id: 2n, name: 'stolen' })).rejects.toMatchObject({
      code: 'WHARF_CONFLICT',
    });
    await expect(acme.insert({ id: 50n, tenant: 'globex' })).rejects.toMatchObject({
      code: 'WHARF_VALIDATION',
    });
    await expect(acme.update(1, { tenant: 'globex' })).rejects.toMatchObject({
      code: 'WHARF_VALIDATION',
    });
    expect((await acme.list()).every((row) => row.tenant === 'acme')).toBe(true);
    expect(await acme.count()).toBe(5);
    expect(await acme.count({ name: { ne: 'x' } })).toBe(4); // row 7's name is null
    expect((await acme.list({ limit: 2, offset: 1 })).map((row) => row.id)).toEqual([3n, 5n]);
    expect(await globex.delete(2)).toBe(true);
    expect(await acme.listDeleted()).toEqual([]);
    await expect(acme.restore(2)).rejects.toMatchObject({ code: 'WHARF_NOT_FOUND' });
    expect(await globex.listDeleted()).toHaveLength(1);
    await acme.insert({ id: 51n, name: 'mine' });
    expect(await store.get(51)).toMatchObject({ tenant: 'acme' });
    expect(await globex.get(51)).toBeUndefined();
    expect(await store.get(2)).toBeUndefined();
    expect((await store.get(1))?.name).toBe('row-1');
  });

  it('expires rows after ttlSeconds, loaded and written alike', async () => {
    await using store = makeStore(target, { key: 'id', ttlSeconds: 2 });
    await store.connect();
    await runFlow([rows(1, 5)], store, { runType: 'incremental' });
    await store.insert({ id: 10n, name: 'short' });
    expect(await store.count()).toBe(6);
    const deadline = Date.now() + 15_000;
    while ((await store.get(10)) !== undefined || (await store.get(1)) !== undefined) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await store.list()).toEqual([]);
    expect(await store.count()).toBe(0);
    await store.insert({ id: 10n, name: 'again' });
    expect(await store.count()).toBe(1);
  });

  it('finds nearest vectors by brute force, as the reference store does', async () => {
    const schema = new Schema([
      new Field('id', new Int64(), false),
      new Field('embedding', new FixedSizeList(3, new Field('item', new Float32(), true)), true),
    ]);
    const vectors = [
      [1, 0, 0],
      [0, 1, 0],
      [0.7, 0.7, 0],
      [0, 0, 1],
      [-1, 0, 0],
    ];
    const table = new Table({
      id: makeVector(BigInt64Array.from(vectors.map((_, index) => BigInt(index + 1)))),
      embedding: vectorFromArray(vectors, schema.fields[1]!.type),
    });
    const memory = new MemoryStore({ table: 'v', key: 'id', database: `m${Math.random()}` });
    await using redis = makeStore(target, { key: 'id' });
    for (const store of [memory, redis] as Store[]) {
      await store.connect();
      await runFlow([table], store, { runType: 'full_drop' });
    }
    for (const metric of ['cosine', 'euclidean', 'dot'] as const) {
      const query = { column: 'embedding', vector: [0.9, 0.1, 0], k: 3, metric };
      const expected = await memory.search(query);
      const actual = await redis.search(query);
      expect(actual.map((hit) => hit.row.id)).toEqual(expected.map((hit) => hit.row.id));
      expect(actual.map((hit) => hit.score)).toEqual(expected.map((hit) => hit.score));
    }
    await memory.close();
  });
});
