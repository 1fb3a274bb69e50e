import {
  ConflictError,
  MemoryStore,
  NotFoundError,
  type Row,
  runFlow,
  type Store,
  ValidationError,
} from '@wharf/store-core';
import {
  Bool,
  Field,
  Float32,
  Float64,
  Int64,
  List,
  Schema,
  Table,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeStore, sql, uniqueTable } from './helpers.js';

const SCHEMA = new Schema([
  new Field('id', new Int64(), false),
  new Field('tenant', new Utf8(), true),
  new Field('name', new Utf8(), true),
  new Field('score', new Float64(), true),
  new Field('active', new Bool(), true),
  new Field('embedding', new List(new Field('item', new Float32(), true)), true),
]);

const NAMES = [
  'delta',
  'Alpha',
  'charlie',
  null,
  'bravo',
  'echo',
  'alpha',
  'Bravo',
  null,
  'foxtrot',
  'golf',
  'hotel',
];

function seed(): Table {
  const ids = NAMES.map((_, index) => BigInt(index + 1));
  return new Table(SCHEMA, {
    id: vectorFromArray(ids, new Int64()),
    tenant: vectorFromArray(
      ids.map((id) => (id % 2n === 1n ? 'acme' : 'globex')),
      new Utf8(),
    ),
    name: vectorFromArray(NAMES, new Utf8()),
    score: vectorFromArray(
      ids.map((id) => (id % 4n === 0n ? null : Number(id % 3n))),
      new Float64(),
    ),
    active: vectorFromArray(
      ids.map((id) => (id % 5n === 0n ? null : id % 2n === 0n)),
      new Bool(),
    ),
    embedding: vectorFromArray(
      ids.map((id) => [Number(id), 1, id % 3n === 0n ? -1 : 0.5]),
      new List(new Field('item', new Float32(), true)),
    ),
  } as never);
}

async function loaded(options: { softDelete?: boolean } = {}) {
  const table = uniqueTable('records');
  const store = makeStore({ table, key: 'id', tenantColumn: 'tenant', ...options });
  await store.connect();
  await runFlow([seed()], store, { runType: 'full_drop' });
  return { table, store };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('record API', () => {
  it('gets, inserts, updates, upserts and deletes by key', async () => {
    const { store } = await loaded();
    expect(await store.get(2n)).toMatchObject({ id: 2n, tenant: 'globex', name: 'Alpha' });
    expect(await store.get(99)).toBeUndefined();

    await store.insert({ id: 50n, tenant: 'acme', name: 'new' });
    expect(
      ConflictError.isInstance(await rejection(store.insert({ id: 50n, name: 'again' }))),
    ).toBe(true);

    const updated = await store.update(50n, { score: 9.5 });
    expect(updated).toMatchObject({ id: 50n, name: 'new', score: 9.5 });
    expect(NotFoundError.isInstance(await rejection(store.update(404n, { name: 'x' })))).toBe(true);
    expect(ValidationError.isInstance(await rejection(store.update(50n, { id: 51n })))).toBe(true);
    expect(ValidationError.isInstance(await rejection(store.insert({ id: 52n, nope: 1 })))).toBe(
      true,
    );

    await store.upsert({ id: 50n, name: 'replaced' });
    await store.upsert({ id: 51n, tenant: 'acme', name: 'fresh' });
    expect(await store.get(50n)).toMatchObject({ name: 'replaced', score: 9.5 });
    expect(await store.get(51n)).toMatchObject({ name: 'fresh' });

    expect(await store.delete(51n)).toBe(true);
    expect(await store.delete(51n)).toBe(false);
    expect(await store.get(51n)).toBeUndefined();
    expect(await store.count()).toBe(NAMES.length + 1);
  });

  it('filters, orders (key as tie-breaker) and pages exactly as the memory store does', async () => {
    const { store } = await loaded();
    const memory = new MemoryStore({
      table: uniqueTable('memory'),
      key: 'id',
      tenantColumn: 'tenant',
      database: uniqueTable('db'),
    });
    await runFlow([seed()], memory, { runType: 'full_drop' });
    const strip = (rows: Row[]) => rows.map(({ embedding: _embedding, ...rest }) => rest);
    const queries = [
      {},
      { where: { tenant: 'acme' } },
      { where: { name: null } },
      { where: { name: { isNull: false }, score: { gte: 1 } } },
      { where: { score: { ne: 1 } } },
      { where: { id: { in: [1n, 3, 5n, 77n] } } },
      { where: { id: { gt: 3n, lte: 9 } } },
      { where: { name: { lt: 'b' } } },
      { where: { active: true } },
      { orderBy: 'name' },
      { orderBy: { column: 'name', direction: 'desc' as const } },
      { orderBy: ['score', { column: 'active', direction: 'desc' as const }] },
      { orderBy: 'score', limit: 4, offset: 2 },
      {
        where: { tenant: 'globex' },
        orderBy: { column: 'score', direction: 'desc' as const },
        limit: 2,
      },
    ];
    for (const query of queries) {
      expect(
        strip(await store.list(query)),
        JSON.stringify(query, (_, value) => (typeof value === 'bigint' ? `${value}n` : value)),
      ).toEqual(strip(await memory.list(query)));
      if (query.where) expect(await store.count(query.where)).toBe(await memory.count(query.where));
    }

    const pages: bigint[] = [];
    for (let offset = 0; ; offset += 5) {
      const page = await store.list({ orderBy: 'score', limit: 5, offset });
      if (page.length === 0) break;
      pages.push(...page.map((row) => row.id as bigint));
    }
    expect(new Set(pages).size).toBe(NAMES.length);
    expect(pages).toHaveLength(NAMES.length);
    for (const query of [
      { limit: -1 },
      { offset: 1.5 },
      { orderBy: 'nope' },
      { where: { nope: 1 } },
    ]) {
      expect(ValidationError.isInstance(await rejection(store.list(query)))).toBe(true);
    }
    await memory.close();
  });

  it('soft-deletes: rows leave normal reads, stay in the table, and come back with restore', async () => {
    const { store, table } = await loaded({ softDelete: true });
    expect(await store.delete(3n)).toBe(true);
    expect(await store.get(3n)).toBeUndefined();
    expect(await store.count()).toBe(NAMES.length - 1);
    expect((await store.list()).some((row) => row.id === 3n)).toBe(false);
    expect((await store.listDeleted()).map((row) => row.id)).toEqual([3n]);
    const [kept] = await sql<{ deleted: boolean }>(
      `SELECT deleted_at IS NOT NULL AS deleted FROM ${table} WHERE id = 3`,
    );
    expect(kept?.deleted).toBe(true);
    expect(ConflictError.isInstance(await rejection(store.insert({ id: 3n, name: 'again' })))).toBe(
      true,
    );
    expect(NotFoundError.isInstance(await rejection(store.restore(4n)))).toBe(true);

    await store.restore(3n);
    expect(await store.get(3n)).toMatchObject({ id: 3n, name: 'charlie' });
    expect(await store.listDeleted()).toEqual([]);

    await store.delete(5n);
    await store.upsert({ id: 5n, name: 'revived' });
    expect(await store.get(5n)).toMatchObject({ name: 'revived', tenant: 'acme' });

    const batches = [];
    await store.delete(7n);
    for await (const batch of store.read()) batches.push(batch);
    expect(batches.reduce((sum, batch) => sum + batch.numRows, 0)).toBe(NAMES.length - 1);
  });

  it('searches by vector in SQL: cosine, dot and euclidean, with where and k', async () => {
    const { store } = await loaded();
    const euclidean = await store.search({
      column: 'embedding',
      vector: [4, 1, 0.5],
      k: 3,
      metric: 'euclidean',
    });
    expect(euclidean.map((hit) => hit.row.id)).toEqual([4n, 5n, 3n]);
    expect(euclidean[0]?.score).toBeCloseTo(0, 6);
    const dot = await store.search({ column: 'embedding', vector: [1, 0, 0], k: 2, metric: 'dot' });
    expect(dot.map((hit) => hit.row.id)).toEqual([12n, 11n]);
    const cosine = await store.search({
      column: 'embedding',
      vector: [0, 1, 0],
      k: 1,
      where: { tenant: 'acme' },
    });
    expect(cosine[0]?.row.id).toBe(1n);
    expect(
      ValidationError.isInstance(
        await rejection(store.search({ column: 'embedding', vector: [1, 2], k: 1 })),
      ),
    ).toBe(true);
    expect(
      ValidationError.isInstance(
        await rejection(store.search({ column: 'name', vector: [1], k: 1 })),
      ),
    ).toBe(true);
  });

  it('creates the table on a first insert when none exists, from the row', async () => {
    const table = uniqueTable('fresh');
    const store = makeStore({ table, key: 'id' });
    await store.connect();
    expect(await store.get(1n)).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await store.insert({ id: 1n, label: 'one', ratio: 0.5 });
    expect(await store.get(1n)).toEqual({ id: 1n, label: 'one', ratio: 0.5 });
  });
});

describe('tenant views', () => {
  it('never reads or changes another tenant’s rows, through any record method', async () => {
    const { store, table } = await loaded({ softDelete: true });
    await store.delete(2n); // a soft-deleted globex row
    const snapshot = () =>
      sql(`SELECT * FROM ${table} WHERE tenant = 'globex' ORDER BY ${table}.id`);
    const before = await snapshot();
    const acme: Store['forTenant'] extends (id: string) => infer View ? View : never =
      store.forTenant('acme');

    expect(await acme.get(4n)).toBeUndefined();
    expect(await acme.get(3n)).toMatchObject({ id: 3n, tenant: 'acme' });
    expect(ConflictError.isInstance(await rejection(acme.insert({ id: 4n, name: 'taken' })))).toBe(
      true,
    );
    expect(
      ValidationError.isInstance(await rejection(acme.insert({ id: 90n, tenant: 'globex' }))),
    ).toBe(true);
    expect(NotFoundError.isInstance(await rejection(acme.update(4n, { name: 'stolen' })))).toBe(
      true,
    );
    expect(ValidationError.isInstance(await rejection(acme.update(3n, { tenant: 'globex' })))).toBe(
      true,
    );
    expect(ConflictError.isInstance(await rejection(acme.upsert({ id: 6n, name: 'stolen' })))).toBe(
      true,
    );
    expect(await acme.delete(6n)).toBe(false);
    expect(NotFoundError.isInstance(await rejection(acme.restore(2n)))).toBe(true);
    expect((await acme.list()).every((row) => row.tenant === 'acme')).toBe(true);
    expect(await acme.list({ where: { tenant: 'globex' } })).toEqual([]);
    expect(await acme.list({ where: { id: 4n } })).toEqual([]);
    expect(await acme.count()).toBe(6);
    expect(await acme.count({ tenant: 'globex' })).toBe(0);
    expect(await acme.listDeleted()).toEqual([]);
    const hits = await acme.search({
      column: 'embedding',
      vector: [12, 1, 0.5],
      k: 20,
      metric: 'euclidean',
    });
    expect(hits.length).toBe(6);
    expect(hits.every((hit) => hit.row.tenant === 'acme')).toBe(true);

    await acme.insert({ id: 91n, name: 'mine' });
    expect(await store.get(91n)).toMatchObject({ tenant: 'acme' });
    await acme.upsert({ id: 91n, name: 'still mine' });
    expect(await acme.delete(91n)).toBe(true);
    await acme.restore(91n);

    expect(await snapshot()).toEqual(before);
  });
});
