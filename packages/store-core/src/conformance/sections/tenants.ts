/**
 * Section 12, tenants: a `forTenant(id)` view reads, counts and lists only its tenant's rows,
 * and can neither update, delete nor overwrite another tenant's row; a row inserted through a
 * view belongs to the view's tenant.
 */
import { type Row, StoreError, type TenantView } from '@wharf/store-core';
import { attempt, describeError, ensure, fail, isExpectedError } from '../assertions.js';
import { allOf, defineChecks, needCapability, needRecordData } from '../check.js';
import { asRecord, type StandardRow, standardRow, standardRows, TENANTS } from '../dataset.js';
import type { CheckHarness } from '../harness.js';
import { expectRecord, idList, idsOf, standardIds } from '../records-helpers.js';
import { seedBaseline } from '../run-scenarios.js';

const requires = allOf(needRecordData, needCapability('tenants'));
const context = { key: ['id'], tenantColumn: 'tenant' } as const;
const [ACME, GLOBEX] = TENANTS;

async function seeded(harness: CheckHarness) {
  const rows = await seedBaseline(harness, {}, standardRows(1, 20));
  const store = await harness.openStore();
  return { rows, store, acme: store.forTenant(ACME), globex: store.forTenant(GLOBEX) };
}

function ofTenant(rows: readonly StandardRow[], tenant: string): string[] {
  return standardIds(rows.filter((row) => row.tenant === tenant));
}

function sorted(ids: readonly string[]): string[] {
  return [...ids].sort((left, right) => Number(left) - Number(right));
}

async function expectScopedReads(view: TenantView, rows: readonly StandardRow[], tenant: string) {
  const expected = sorted(ofTenant(rows, tenant));
  const listed = sorted(idsOf(await view.list()));
  ensure(
    JSON.stringify(listed) === JSON.stringify(expected),
    () =>
      `forTenant('${tenant}').list() returned ids [${idList(listed)}], expected only ${tenant}'s [${idList(expected)}] — a view never reads another tenant's rows`,
  );
  const count = await view.count();
  ensure(
    count === expected.length,
    `forTenant('${tenant}').count() is ${count}, expected ${expected.length} (its own rows only)`,
  );
  const other = tenant === ACME ? GLOBEX : ACME;
  const leaked = await view.list({ where: { tenant: other } });
  ensure(
    leaked.length === 0,
    `forTenant('${tenant}').list({ where: { tenant: '${other}' } }) returned ${leaked.length} of ${other}'s rows — a where clause must not widen a view`,
  );
  const otherCount = await view.count({ tenant: other });
  ensure(
    otherCount === 0,
    `forTenant('${tenant}').count({ tenant: '${other}' }) is ${otherCount}, expected 0`,
  );
}

async function expectUntouched(
  harness: CheckHarness,
  store: { get(key: bigint): Promise<Row | undefined> },
  id: number,
  situation: string,
) {
  expectRecord(
    harness,
    await store.get(BigInt(id)),
    standardRow(id),
    `${situation}, row ${id} read through the store`,
  );
}

/** The checks of the tenants section. */
export const tenantsChecks = defineChecks('tenants', [
  {
    slug: 'reads-isolated',
    title: "a tenant view reads, counts and lists only its tenant's rows",
    requires,
    context,
    async run(harness) {
      const { rows, acme, globex } = await seeded(harness);
      harness.activity = 'reading through two tenant views';
      await expectScopedReads(acme, rows, ACME);
      await expectScopedReads(globex, rows, GLOBEX);
      expectRecord(
        harness,
        await acme.get(1n),
        standardRow(1),
        `forTenant('${ACME}').get(1) of its own row`,
      );
      const foreign = await acme.get(2n);
      ensure(
        foreign === undefined,
        `forTenant('${ACME}').get(2) returned ${GLOBEX}'s row 2 — a view never reads another tenant's rows`,
      );
    },
  },
  {
    slug: 'writes-isolated',
    title: "a tenant view cannot update, delete or overwrite another tenant's row",
    requires,
    context,
    async run(harness) {
      const { store, acme } = await seeded(harness);
      harness.activity = `updating ${GLOBEX}'s row through ${ACME}'s view`;
      const updateError = await attempt(() => acme.update(2n, { name: 'hijacked' }));
      ensure(isExpectedError(updateError, 'NotFoundError'), () =>
        updateError === undefined
          ? `forTenant('${ACME}').update(2) of ${GLOBEX}'s row succeeded — for a view, another tenant's row does not exist (NotFoundError)`
          : `forTenant('${ACME}').update(2) of ${GLOBEX}'s row threw ${describeError(updateError)}, expected a NotFoundError`,
      );
      await expectUntouched(harness, store, 2, `after ${ACME}'s view tried to update it`);

      harness.activity = `deleting ${GLOBEX}'s row through ${ACME}'s view`;
      const deleteError = await attempt(async () => {
        const deleted = await acme.delete(2n);
        ensure(
          deleted === false,
          `forTenant('${ACME}').delete(2) of ${GLOBEX}'s row returned ${String(deleted)}, expected false`,
        );
      });
      if (deleteError !== undefined && !isExpectedError(deleteError, 'NotFoundError'))
        throw deleteError;
      await expectUntouched(harness, store, 2, `after ${ACME}'s view tried to delete it`);

      harness.activity = `upserting over ${GLOBEX}'s key through ${ACME}'s view`;
      const hijack = { ...asRecord(standardRow(2, 1), harness.fields), tenant: ACME };
      const upsertError = await attempt(() => acme.upsert(hijack));
      if (upsertError !== undefined && !StoreError.isInstance(upsertError)) {
        fail(
          `forTenant('${ACME}').upsert() over ${GLOBEX}'s key threw ${describeError(upsertError)}; refuse it with a StoreError`,
        );
      }
      await expectUntouched(harness, store, 2, `after ${ACME}'s view upserted a row with its key`);
      const { tenant: _tenant, ...untenanted } = asRecord(standardRow(4, 1), harness.fields);
      await attempt(() => acme.upsert(untenanted));
      await expectUntouched(
        harness,
        store,
        4,
        `after ${ACME}'s view upserted a row without tenant with its key`,
      );
    },
  },
  {
    slug: 'insert-scoped',
    title: "a row inserted through a view belongs to the view's tenant",
    requires,
    context,
    async run(harness) {
      const { store, acme, globex } = await seeded(harness);
      harness.activity = `inserting a row without tenant through ${ACME}'s view`;
      const { tenant: _tenant, ...untenanted } = asRecord(standardRow(501), harness.fields);
      await acme.insert(untenanted);
      const inserted = await store.get(501n);
      ensure(
        inserted?.tenant === ACME,
        `a row inserted through forTenant('${ACME}') without a tenant has tenant ${JSON.stringify(inserted?.tenant)}, expected '${ACME}'`,
      );
      harness.activity = `inserting a row naming ${GLOBEX} through ${ACME}'s view`;
      const foreign = { ...asRecord(standardRow(503), harness.fields), tenant: GLOBEX };
      const error = await attempt(() => acme.insert(foreign));
      if (error !== undefined) {
        ensure(
          isExpectedError(error, 'ValidationError'),
          () =>
            `forTenant('${ACME}').insert() of a row naming '${GLOBEX}' threw ${describeError(error)}; refuse it with a ValidationError or store it as '${ACME}'`,
        );
      } else {
        const stored = await store.get(503n);
        ensure(
          stored?.tenant === ACME,
          `forTenant('${ACME}').insert() of a row naming '${GLOBEX}' stored it with tenant ${JSON.stringify(stored?.tenant)} — a view never writes another tenant's rows`,
        );
      }
      const globexCount = await globex.count();
      ensure(
        globexCount === 10,
        `after inserts through ${ACME}'s view, ${GLOBEX}'s view counts ${globexCount} rows, expected 10`,
      );
    },
  },
]);
