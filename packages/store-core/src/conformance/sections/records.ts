/**
 * Section 11, records: the record API by key — `get`, `insert` (ConflictError on a duplicate),
 * `update` (NotFoundError when absent; returns the row), `upsert`, `delete`, `count` — and
 * `list` with `where`, `orderBy` and `limit`/`offset` pages that never overlap or skip a row.
 * Record writes are production: the inspector sees them.
 */
import type { ListQuery, Where } from '@wharf/store-core';
import { ensure, expectStoreError, fail, safeJson } from '../assertions.js';
import { allOf, defineChecks, needArrowTypes, needRecordData } from '../check.js';
import { asRecord, type StandardRow, standardRow, standardRows } from '../dataset.js';
import type { CheckHarness } from '../harness.js';
import { expectRecord, idList, idsOf, standardIds } from '../records-helpers.js';
import { expectProduction, seedBaseline } from '../run-scenarios.js';

const requires = allOf(needRecordData, needArrowTypes('float64'));

async function seeded(harness: CheckHarness, count: number) {
  const rows = await seedBaseline(harness, {}, standardRows(1, count));
  const store = await harness.openStore();
  return { rows, store };
}

function expectIds(
  actual: readonly string[],
  expected: readonly string[],
  situation: string,
): void {
  ensure(
    JSON.stringify(actual) === JSON.stringify(expected),
    () => `${situation}: got ids [${idList(actual)}], expected [${idList(expected)}]`,
  );
}

function sortedIds(rows: readonly StandardRow[]): string[] {
  return standardIds(rows).sort((left, right) => Number(left) - Number(right));
}

/** Pages through `list` and checks the pages cover `expected` once each, in order when given. */
async function expectPages(
  harness: CheckHarness,
  list: (query: ListQuery) => Promise<Record<string, unknown>[]>,
  query: ListQuery,
  expected: readonly string[],
  ordered: boolean,
  pageSize: number,
): Promise<void> {
  const seen: string[] = [];
  for (let offset = 0; offset < expected.length + pageSize; offset += pageSize) {
    harness.activity = `listing a page at offset ${offset}`;
    const page = idsOf(await list({ ...query, limit: pageSize, offset }));
    ensure(
      page.length <= pageSize,
      `list({ limit: ${pageSize}, offset: ${offset} }) returned ${page.length} rows, more than the limit`,
    );
    seen.push(...page);
    if (page.length < pageSize) break;
  }
  const description = `paging list(${JSON.stringify(query.orderBy ?? 'key')}) in pages of ${pageSize}`;
  const twice = seen.filter((id, index) => seen.indexOf(id) !== index);
  const missing = expected.filter((id) => !seen.includes(id));
  if (twice.length > 0 || missing.length > 0 || seen.length !== expected.length) {
    const problems = [
      ...(twice.length > 0 ? [`returned ids [${idList(twice)}] twice`] : []),
      ...(missing.length > 0 ? [`skipped ids [${idList(missing)}]`] : []),
      `gave ${seen.length} rows for ${expected.length}`,
    ];
    fail(
      `${description} ${problems.join(', ')} — pages must neither overlap nor skip a row (the key is the tie-breaker of every order)`,
    );
  }
  if (ordered) expectIds(seen, expected, description);
}

/** The checks of the records section. */
export const recordsChecks = defineChecks('records', [
  {
    slug: 'get',
    title: 'get() returns the row with a key, undefined without',
    requires,
    context: { key: ['id'] },
    async run(harness) {
      const { store } = await seeded(harness, 10);
      harness.activity = 'getting rows by key';
      expectRecord(harness, await store.get(3n), standardRow(3), 'get(3)');
      expectRecord(harness, await store.get(10n), standardRow(10), 'get(10)');
      const missing = await store.get(999n);
      ensure(
        missing === undefined,
        `get(999) of a key that does not exist returned ${safeJson(missing)}, expected undefined`,
      );
    },
  },
  {
    slug: 'insert',
    title: 'insert() adds a row; a duplicate key is a ConflictError',
    requires,
    context: { key: ['id'] },
    async run(harness) {
      const { rows, store } = await seeded(harness, 10);
      harness.activity = 'inserting a new row';
      await store.insert(asRecord(standardRow(100), harness.fields));
      expectRecord(harness, await store.get(100n), standardRow(100), 'get() after insert()');
      const count = await store.count();
      ensure(count === 11, `count() after inserting one row into 10 is ${count}, expected 11`);
      await expectStoreError(
        () => store.insert(asRecord(standardRow(100, 1), harness.fields)),
        'ConflictError',
        'insert() of an existing key',
        'insert() never overwrites: a duplicate key is a conflict',
      );
      await expectStoreError(
        () => store.insert(asRecord(standardRow(3, 1), harness.fields)),
        'ConflictError',
        'insert() of a key committed by a run',
        'insert() never overwrites: a duplicate key is a conflict',
      );
      expectRecord(
        harness,
        await store.get(100n),
        standardRow(100),
        'get() after a refused duplicate insert',
      );
      await expectProduction(
        harness,
        [...rows, standardRow(100)],
        'after insert() and two refused duplicates',
        'record writes are production: the inspector sees exactly them',
      );
    },
  },
  {
    slug: 'update',
    title: 'update() changes given columns and returns the row; a missing key is a NotFoundError',
    requires,
    context: { key: ['id'] },
    async run(harness) {
      const { rows, store } = await seeded(harness, 10);
      harness.activity = 'updating a row';
      const changed = { ...standardRow(5), name: 'renamed', value: 12.25 };
      const returned = await store.update(5n, { name: 'renamed', value: 12.25 });
      expectRecord(harness, returned, changed, 'the row update() returned');
      expectRecord(harness, await store.get(5n), changed, 'get() after update()');
      await expectStoreError(
        () => store.update(999n, { name: 'ghost' }),
        'NotFoundError',
        'update() of a missing key',
        'update() never creates a row',
      );
      const count = await store.count();
      ensure(
        count === 10,
        `count() after update() is ${count}, expected 10 — update() must not add rows`,
      );
      await expectProduction(
        harness,
        rows.map((row) => (row.id === 5n ? changed : row)),
        'after update()',
        'record writes are production: the inspector sees exactly them',
      );
    },
  },
  {
    slug: 'upsert',
    title: 'upsert() replaces an existing row and inserts a new one',
    requires,
    context: { key: ['id'] },
    async run(harness) {
      const { rows, store } = await seeded(harness, 10);
      harness.activity = 'upserting an existing and a new row';
      await store.upsert(asRecord(standardRow(4, 1), harness.fields));
      await store.upsert(asRecord(standardRow(200), harness.fields));
      expectRecord(
        harness,
        await store.get(4n),
        standardRow(4, 1),
        'get() after upsert() of an existing key',
      );
      expectRecord(
        harness,
        await store.get(200n),
        standardRow(200),
        'get() after upsert() of a new key',
      );
      const count = await store.count();
      ensure(
        count === 11,
        `count() after one replacing and one new upsert over 10 rows is ${count}, expected 11`,
      );
      await expectProduction(
        harness,
        [...rows.map((row) => (row.id === 4n ? standardRow(4, 1) : row)), standardRow(200)],
        'after two upserts',
        'an upsert replaces the row with its key, never adds a second one',
      );
    },
  },
  {
    slug: 'delete',
    title: 'delete() removes a row and reports whether one was there',
    requires,
    context: { key: ['id'] },
    async run(harness) {
      const { rows, store } = await seeded(harness, 10);
      harness.activity = 'deleting a row';
      const deleted = await store.delete(4n);
      ensure(
        deleted === true,
        `delete(4) of an existing row returned ${String(deleted)}, expected true`,
      );
      const gone = await store.get(4n);
      ensure(gone === undefined, 'get(4) after delete(4) still returns the row');
      const again = await store.delete(4n);
      ensure(again === false, `a second delete(4) returned ${String(again)}, expected false`);
      const missing = await store.delete(999n);
      ensure(
        missing === false,
        `delete(999) of a missing key returned ${String(missing)}, expected false`,
      );
      const count = await store.count();
      ensure(count === 9, `count() after deleting one of 10 rows is ${count}, expected 9`);
      await expectProduction(
        harness,
        rows.filter((row) => row.id !== 4n),
        'after delete()',
        'a deleted row is gone from production',
      );
    },
  },
  {
    slug: 'where',
    title: 'list() and count() filter with equality, gt, gte/lt, ne, in and isNull',
    requires,
    context: { key: ['id'] },
    async run(harness) {
      const { rows, store } = await seeded(harness, 30);
      const cases: [string, Where, (row: StandardRow) => boolean][] = [
        ["{ tenant: 'acme' }", { tenant: 'acme' }, (row) => row.tenant === 'acme'],
        ['{ value: { gt: 30 } }', { value: { gt: 30 } }, (row) => row.value > 30],
        [
          '{ value: { gte: 15, lt: 30 } }',
          { value: { gte: 15, lt: 30 } },
          (row) => row.value >= 15 && row.value < 30,
        ],
        ["{ tenant: { ne: 'acme' } }", { tenant: { ne: 'acme' } }, (row) => row.tenant !== 'acme'],
        [
          '{ id: { in: [2, 3, 99] } }',
          { id: { in: [2n, 3n, 99n] } },
          (row) => [2n, 3n].includes(row.id),
        ],
        ['{ name: { isNull: true } }', { name: { isNull: true } }, (row) => row.name === null],
        ['{ name: { isNull: false } }', { name: { isNull: false } }, (row) => row.name !== null],
        [
          "{ tenant: 'globex', value: { lte: 21 } }",
          { tenant: 'globex', value: { lte: 21 } },
          (row) => row.tenant === 'globex' && row.value <= 21,
        ],
      ];
      for (const [label, where, predicate] of cases) {
        harness.activity = `listing with where ${label}`;
        const expected = sortedIds(rows.filter(predicate));
        const listed = idsOf(await store.list({ where })).sort(
          (left, right) => Number(left) - Number(right),
        );
        expectIds(listed, expected, `list({ where: ${label} })`);
        const count = await store.count(where);
        ensure(
          count === expected.length,
          `count(${label}) is ${count}, expected ${expected.length}`,
        );
      }
    },
  },
  {
    slug: 'order-by',
    title: 'list() orders by a column, ascending and descending',
    requires,
    context: { key: ['id'] },
    async run(harness) {
      const { rows, store } = await seeded(harness, 20);
      harness.activity = 'listing in key order (the default)';
      expectIds(idsOf(await store.list()), sortedIds(rows), 'list() with no orderBy (key order)');
      harness.activity = "listing ordered by 'value' descending";
      const byValue = [...rows].sort((left, right) => right.value - left.value);
      expectIds(
        idsOf(await store.list({ orderBy: { column: 'value', direction: 'desc' } })),
        standardIds(byValue),
        "list({ orderBy: { column: 'value', direction: 'desc' } })",
      );
      harness.activity = "listing ordered by 'tenant' then 'value'";
      const byTenant = [...rows].sort(
        (left, right) => left.tenant.localeCompare(right.tenant) || left.value - right.value,
      );
      expectIds(
        idsOf(await store.list({ orderBy: ['tenant', { column: 'value', direction: 'asc' }] })),
        standardIds(byTenant),
        "list({ orderBy: ['tenant', 'value'] })",
      );
    },
  },
  {
    slug: 'pagination',
    title: 'limit/offset pages over 57 rows never overlap or skip a row',
    requires,
    context: { key: ['id'] },
    async run(harness) {
      const { rows, store } = await seeded(harness, 57);
      const list = (query: ListQuery) => store.list(query);
      await expectPages(harness, list, { orderBy: 'id' }, sortedIds(rows), true, 10);
      const descending = [...rows].sort((left, right) => right.value - left.value);
      await expectPages(
        harness,
        list,
        { orderBy: { column: 'value', direction: 'desc' } },
        standardIds(descending),
        true,
        10,
      );
      // Many rows share a tenant: only the key tie-breaker keeps the pages apart.
      await expectPages(harness, list, { orderBy: 'tenant' }, sortedIds(rows), false, 7);
      harness.activity = 'listing a page beyond the end';
      const beyond = await store.list({ orderBy: 'id', limit: 10, offset: 100 });
      ensure(
        beyond.length === 0,
        `list({ offset: 100 }) over 57 rows returned ${beyond.length} rows, expected none`,
      );
    },
  },
]);
