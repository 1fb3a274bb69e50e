/**
 * Section 4, run types: `incremental` appends, `full_drop` replaces (also with nothing), and
 * `merge` upserts by key — each checked only where claimed — and a run type the store does not
 * claim is refused.
 */
import { RUN_TYPES, type RunType } from '@wharf/store-core';
import { expectStoreError } from '../assertions.js';
import { allOf, defineChecks, needRunType, needStandardData } from '../check.js';
import { applyRun, standardRows } from '../dataset.js';
import {
  expectNoStaging,
  expectProduction,
  seedBaseline,
  tableFromRows,
  writeRun,
} from '../run-scenarios.js';

/** The checks of the run types section. */
export const runTypesChecks = defineChecks('run-types', [
  {
    slug: 'incremental-appends',
    title: 'incremental runs append to production',
    requires: allOf(needStandardData, needRunType('incremental')),
    async run(harness) {
      const before = await seedBaseline(harness);
      const store = await harness.openStore();
      const first = standardRows(21, 20);
      harness.activity = 'committing an incremental run';
      await writeRun(store, 'incremental', [tableFromRows(harness, first)]);
      await expectProduction(
        harness,
        [...before, ...first],
        'after an incremental run over 20 committed rows',
        'an incremental commit appends its rows and keeps the existing ones',
      );
      const second = standardRows(41, 5);
      await writeRun(store, 'incremental', [tableFromRows(harness, second)]);
      await expectProduction(
        harness,
        [...before, ...first, ...second],
        'after a second incremental run',
        'an incremental commit appends its rows and keeps the existing ones',
      );
    },
  },
  {
    slug: 'full-drop-replaces',
    title: 'full_drop runs replace production',
    requires: allOf(needStandardData, needRunType('full_drop')),
    async run(harness) {
      await seedBaseline(harness);
      const store = await harness.openStore();
      const first = standardRows(101, 30);
      harness.activity = 'committing a full_drop run';
      await writeRun(store, 'full_drop', [tableFromRows(harness, first)]);
      await expectProduction(
        harness,
        first,
        'after a full_drop run over 20 committed rows',
        'a full_drop commit replaces production with exactly the run',
      );
      const second = standardRows(201, 5);
      await writeRun(store, 'full_drop', [tableFromRows(harness, second)]);
      await expectProduction(
        harness,
        second,
        'after a second full_drop run',
        'a full_drop commit replaces production with exactly the run',
      );
      await expectNoStaging(harness, 'after full_drop runs');
    },
  },
  {
    slug: 'full-drop-empty',
    title: 'a full_drop run with no rows empties production',
    requires: allOf(needStandardData, needRunType('full_drop')),
    async run(harness) {
      await seedBaseline(harness);
      const store = await harness.openStore();
      harness.activity = 'committing a full_drop run that wrote an empty table';
      await writeRun(store, 'full_drop', [tableFromRows(harness, [])]);
      await expectProduction(
        harness,
        [],
        'after a full_drop run that wrote an empty table',
        'a full_drop commit replaces production with exactly the run, also when the run is empty',
      );
      const table = harness.tableFor('nowrite');
      await seedBaseline(harness, { table });
      const other = await harness.openStore({ table });
      harness.activity = 'committing a full_drop run with no write() at all';
      await writeRun(other, 'full_drop', []);
      await expectProduction(
        harness,
        [],
        'after a full_drop run with no write() call',
        'a full_drop commit replaces production with exactly the run, also when the run is empty',
        { table },
      );
    },
  },
  {
    slug: 'merge-upserts',
    title: 'merge runs upsert by key',
    requires: allOf(needStandardData, needRunType('merge')),
    context: { key: ['id'] },
    async run(harness) {
      const before = await seedBaseline(harness);
      const store = await harness.openStore();
      const first = standardRows(11, 20, 1);
      harness.activity = 'committing a merge run';
      await writeRun(store, 'merge', [tableFromRows(harness, first)]);
      const afterFirst = applyRun(before, first, 'merge');
      await expectProduction(
        harness,
        afterFirst,
        'after a merge of ids 11–30 (changed) over ids 1–20',
        'a merge commit replaces the rows whose key it holds and adds the others — no duplicated keys, no appended copies',
      );
      const second = standardRows(1, 5, 2);
      await writeRun(store, 'merge', [tableFromRows(harness, second)]);
      await expectProduction(
        harness,
        applyRun(afterFirst, second, 'merge'),
        'after a second merge changing ids 1–5',
        'a merge commit replaces the rows whose key it holds',
      );
    },
  },
  {
    slug: 'unclaimed-rejected',
    title: 'an unknown or unclaimed run type is refused',
    context: { key: ['id'] },
    async run(harness) {
      const store = await harness.openStore();
      await expectStoreError(
        () => store.configureForRun('bogus' as RunType),
        'ValidationError',
        "configureForRun('bogus')",
        'an unknown run type must be refused before any run starts',
      );
      for (const runType of RUN_TYPES) {
        if (store.capabilities.runTypes.includes(runType)) continue;
        await expectStoreError(
          () => store.configureForRun(runType),
          'ValidationError',
          `configureForRun('${runType}')`,
          `the store does not claim runTypes.${runType}`,
        );
      }
    },
  },
]);
