/**
 * Section 13, soft delete: with `softDelete`, a deleted row disappears from `get`, `list` and
 * `count`, shows in `listDeleted`, and `restore` brings it back unchanged; restoring a key with
 * no deleted row is a `NotFoundError`.
 */
import { ensure, expectStoreError } from '../assertions.js';
import { allOf, defineChecks, needCapability, needRecordData } from '../check.js';
import { standardRow, standardRows } from '../dataset.js';
import type { CheckHarness } from '../harness.js';
import { expectRecord, idList, idsOf } from '../records-helpers.js';
import { seedBaseline } from '../run-scenarios.js';

const requires = allOf(needRecordData, needCapability('softDelete'));
const context = { key: ['id'], softDelete: true } as const;

async function seededWithDeletion(harness: CheckHarness) {
  await seedBaseline(harness, {}, standardRows(1, 10));
  const store = await harness.openStore();
  harness.activity = 'soft-deleting row 3';
  const deleted = await store.delete(3n);
  ensure(
    deleted === true,
    `delete(3) of an existing row returned ${String(deleted)}, expected true`,
  );
  return store;
}

/** The checks of the soft delete section. */
export const softDeleteChecks = defineChecks('soft-delete', [
  {
    slug: 'hidden-from-reads',
    title: 'a soft-deleted row disappears from get, list and count',
    requires,
    context,
    async run(harness) {
      const store = await seededWithDeletion(harness);
      const got = await store.get(3n);
      ensure(got === undefined, 'get(3) after a soft delete still returns the row');
      const listed = idsOf(await store.list());
      ensure(
        !listed.includes('3'),
        `list() after soft-deleting 3 still returns it: [${idList(listed)}]`,
      );
      const count = await store.count();
      ensure(count === 9, `count() after soft-deleting one of 10 rows is ${count}, expected 9`);
      const byKey = await store.count({ id: 3n });
      ensure(byKey === 0, `count({ id: 3 }) after a soft delete is ${byKey}, expected 0`);
      const again = await store.delete(3n);
      ensure(
        again === false,
        `a second delete(3) of a soft-deleted row returned ${String(again)}, expected false`,
      );
    },
  },
  {
    slug: 'list-deleted',
    title: 'listDeleted() shows the soft-deleted rows, unchanged',
    requires,
    context,
    async run(harness) {
      const store = await seededWithDeletion(harness);
      const deleted = await store.listDeleted();
      ensure(
        deleted.length === 1,
        `listDeleted() after soft-deleting row 3 returned ids [${idList(idsOf(deleted))}], expected [3]`,
      );
      expectRecord(harness, deleted[0], standardRow(3), 'the row listDeleted() returned');
    },
  },
  {
    slug: 'restore',
    title: 'restore() brings a soft-deleted row back; a key with none is a NotFoundError',
    requires,
    context,
    async run(harness) {
      const store = await seededWithDeletion(harness);
      harness.activity = 'restoring row 3';
      await store.restore(3n);
      expectRecord(harness, await store.get(3n), standardRow(3), 'get(3) after restore(3)');
      const count = await store.count();
      ensure(count === 10, `count() after restoring the deleted row is ${count}, expected 10`);
      const deleted = await store.listDeleted();
      ensure(
        deleted.length === 0,
        `listDeleted() after restore(3) still returns ids [${idList(idsOf(deleted))}]`,
      );
      await expectStoreError(
        () => store.restore(999n),
        'NotFoundError',
        'restore(999) of a key that never existed',
        'restore() needs a soft-deleted row',
      );
      await expectStoreError(
        () => store.restore(4n),
        'NotFoundError',
        'restore(4) of a row that is not deleted',
        'restore() needs a soft-deleted row',
      );
    },
  },
]);
