/**
 * Section 3, staged writes: nothing written is visible before `finish()`, everything is after,
 * the commit report is right, and no staging artefact survives a commit or an abandoned run.
 */
import type { CommitReport, RunType } from '@wharf/store-core';
import type { RecordBatch } from 'apache-arrow';
import { ensure, fail, plural } from '../assertions.js';
import { allOf, defineChecks, needCapability, needStandardData } from '../check.js';
import { describeDifference, sameRows } from '../compare.js';
import { applyRun, makeRows, type StandardRow, standardRows } from '../dataset.js';
import type { CheckHarness } from '../harness.js';
import { ISOLATION, NOTHING_LOST } from '../invariants.js';
import { type CanonicalRow, rowsOfColumns } from '../normalize.js';
import {
  expectNoStaging,
  expectProduction,
  preferredRunType,
  seedBaseline,
  tableFromRows,
  writeRun,
} from '../run-scenarios.js';

/** The default row count of the large-batch check. */
export const DEFAULT_LARGE_ROWS = 200_000;

/**
 * Fails unless production still holds exactly `snapshot` (what it held before the run began):
 * a write must change nothing a reader sees.
 */
async function expectIsolated(
  harness: CheckHarness,
  snapshot: readonly CanonicalRow[],
  situation: string,
): Promise<void> {
  const actual = await harness.production();
  if (!sameRows(actual, snapshot)) {
    const shown = actual.length - snapshot.length;
    fail(
      `production showed ${shown > 0 ? plural(shown, 'new row') : 'changed rows'} ${situation}, before finish() — ${describeDifference(actual, snapshot)} (${ISOLATION})`,
    );
  }
}

function checkReport(report: CommitReport, rows: number, runType: RunType): void {
  ensure(
    typeof report === 'object' && report !== null,
    `finish() must resolve to a commit report, got ${String(report)}`,
  );
  ensure(
    report.rows === rows,
    `finish() reported rows=${String(report.rows)}, but the run wrote ${rows} — the commit report must count the rows committed`,
  );
  ensure(
    report.runType === runType,
    `finish() reported runType=${JSON.stringify(report.runType)}, but the run was configured as '${runType}'`,
  );
  ensure(
    typeof report.runId === 'string' && report.runId.length > 0,
    `finish() reported runId=${JSON.stringify(report.runId)}; every commit has a run id`,
  );
  ensure(
    report.alreadyCommitted === false,
    'finish() reported alreadyCommitted=true for a run id production never saw',
  );
  ensure(
    typeof report.bytes === 'number' && report.bytes >= 0,
    `finish() reported bytes=${String(report.bytes)}; expected a non-negative number`,
  );
  ensure(
    typeof report.parts === 'number' && report.parts >= (rows > 0 ? 1 : 0),
    `finish() reported parts=${String(report.parts)} for ${plural(rows, 'row')}`,
  );
  ensure(
    typeof report.durationMs === 'number' && report.durationMs >= 0,
    `finish() reported durationMs=${String(report.durationMs)}`,
  );
  ensure(
    typeof report.committedAt === 'string' && !Number.isNaN(Date.parse(report.committedAt)),
    `finish() reported committedAt=${JSON.stringify(report.committedAt)}; expected an ISO-8601 time`,
  );
}

/** The checks of the staged writes section. */
export const stagedWritesChecks = defineChecks('staged-writes', [
  {
    slug: 'isolation',
    title: 'nothing is visible in production before finish()',
    requires: needStandardData,
    async run(harness) {
      const before = await seedBaseline(harness);
      const snapshot = await harness.production();
      const runType = preferredRunType(harness.capabilities);
      const store = await harness.openStore();
      await store.configureForRun(runType);
      const run: StandardRow[] = [];
      for (let batch = 0; batch < 3; batch += 1) {
        const rows = standardRows(101 + batch * 10, 10);
        harness.activity = `writing batch ${batch + 1} of 3`;
        await store.write(tableFromRows(harness, rows));
        run.push(...rows);
        await expectIsolated(harness, snapshot, `after write() #${batch + 1}`);
      }
      harness.activity = 'committing';
      await store.finish();
      await expectProduction(
        harness,
        applyRun(before, run, runType),
        'after finish()',
        'finish() commits everything staged in the run',
      );
    },
  },
  {
    slug: 'commit',
    title: 'finish() commits every row (Table and RecordBatch input) and reports it',
    requires: needStandardData,
    async run(harness) {
      const runType = preferredRunType(harness.capabilities);
      const store = await harness.openStore();
      await store.configureForRun(runType);
      const first = standardRows(1, 15);
      const second = standardRows(16, 15);
      harness.activity = 'writing a Table and a RecordBatch';
      await store.write(tableFromRows(harness, first));
      const batch: RecordBatch | undefined = tableFromRows(harness, second).batches[0];
      ensure(batch !== undefined, 'internal: the kit built an empty batch');
      await store.write(batch);
      harness.activity = 'committing';
      const report = await store.finish();
      checkReport(report, 30, runType);
      await expectProduction(
        harness,
        [...first, ...second],
        'after finish()',
        'finish() commits every row written, from Tables and RecordBatches alike',
      );
    },
  },
  {
    slug: 'empty-run',
    title: 'a run with no rows commits cleanly',
    requires: needStandardData,
    async run(harness) {
      const before = await seedBaseline(harness);
      const claimed = harness.capabilities.runTypes;
      const runType: RunType = claimed.includes('incremental')
        ? 'incremental'
        : claimed.includes('merge')
          ? 'merge'
          : 'full_drop';
      const store = await harness.openStore(runType === 'merge' ? { key: ['id'] } : {});
      await store.configureForRun(runType);
      harness.activity = 'committing an empty run';
      const report = await store.finish();
      ensure(
        report?.rows === 0,
        `finish() of an empty run reported rows=${String(report?.rows)}, expected 0`,
      );
      await expectProduction(
        harness,
        applyRun(before, [], runType),
        `after an empty ${runType} run`,
        NOTHING_LOST,
      );
      await expectNoStaging(harness, 'after an empty run');
    },
  },
  {
    slug: 'many-batches',
    title: 'fifty write() calls in one run commit exactly once each',
    requires: needStandardData,
    async run(harness) {
      const runType = preferredRunType(harness.capabilities);
      const store = await harness.openStore();
      await store.configureForRun(runType);
      for (let batch = 0; batch < 50; batch += 1) {
        harness.activity = `writing batch ${batch + 1} of 50`;
        await store.write(makeRows(1 + batch * 20, 20, 0, harness.fields));
      }
      harness.activity = 'committing';
      const report = await store.finish();
      checkReport(report, 1000, runType);
      await expectProduction(
        harness,
        standardRows(1, 1000),
        'after a run of 50 batches',
        'every batch written must be committed, once',
      );
    },
  },
  {
    slug: 'large-batch',
    title: 'one large batch commits exactly (options.largeRows rows)',
    requires: needStandardData,
    async run(harness) {
      const count = harness.options.largeRows ?? DEFAULT_LARGE_ROWS;
      const runType = preferredRunType(harness.capabilities);
      const store = await harness.openStore();
      await store.configureForRun(runType);
      harness.activity = `writing one batch of ${count} rows`;
      await store.write(makeRows(1, count, 0, harness.fields));
      await expectIsolated(harness, [], `after writing ${plural(count, 'row')} in one batch`);
      harness.activity = 'committing';
      const report = await store.finish();
      checkReport(report, count, runType);
      await expectProduction(
        harness,
        standardRows(1, count),
        `after committing one batch of ${count} rows`,
        'a large batch must land whole and unchanged',
      );
    },
  },
  {
    slug: 'no-staging-after-commit',
    title: 'no staging artefact remains after a commit',
    requires: needStandardData,
    async run(harness) {
      const store = await harness.openStore();
      const runType = preferredRunType(harness.capabilities);
      await writeRun(store, runType, [
        makeRows(1, 10, 0, harness.fields),
        makeRows(11, 10, 0, harness.fields),
      ]);
      await expectNoStaging(harness, 'after finish()');
      await writeRun(store, runType, [makeRows(21, 10, 0, harness.fields)]);
      await expectNoStaging(harness, 'after a second finish() on the same store');
    },
  },
  {
    slug: 'abandoned-run',
    title: 'close() without finish() leaves production and staging as they were',
    requires: needStandardData,
    async run(harness) {
      const before = await seedBaseline(harness);
      const store = await harness.openStore();
      await store.configureForRun(preferredRunType(harness.capabilities));
      harness.activity = 'writing a run that is never finished';
      await store.write(makeRows(101, 10, 0, harness.fields));
      await store.write(makeRows(111, 10, 0, harness.fields));
      await store.close();
      await expectProduction(harness, before, 'after close() without finish()', NOTHING_LOST);
      await expectNoStaging(harness, 'after close() without finish() (an aborted run)');
      const fresh = await harness.openStore();
      await expectNoStaging(harness, 'after a fresh store connected following an aborted run');
      await harness.closeQuietly(fresh);
    },
  },
  {
    slug: 'runs-in-sequence',
    title: 'one store commits several runs in a row',
    requires: needStandardData,
    async run(harness) {
      const runType = preferredRunType(harness.capabilities);
      const store = await harness.openStore();
      const first = await writeRun(store, runType, [makeRows(1, 10, 0, harness.fields)]);
      const second = await writeRun(store, runType, [makeRows(11, 10, 0, harness.fields)]);
      ensure(
        first.runId !== second.runId,
        `two runs of one store reported the same run id '${first.runId}' — each run gets a fresh id unless configureForRun() names one`,
      );
      const expected = runType === 'full_drop' ? standardRows(11, 10) : standardRows(1, 20);
      await expectProduction(
        harness,
        expected,
        'after two runs on one store',
        'each finish() commits its own run',
      );
    },
  },
  {
    slug: 'read-back',
    title: 'read() returns what production holds, with the written types',
    requires: allOf(needStandardData, needCapability('readBack')),
    async run(harness) {
      const store = await harness.openStore();
      const rows = standardRows(1, 25);
      await writeRun(store, preferredRunType(harness.capabilities), [tableFromRows(harness, rows)]);
      harness.activity = 'reading production back with read()';
      const batches: RecordBatch[] = [];
      for await (const batch of store.read()) batches.push(batch);
      const actual = batches.flatMap((batch) =>
        rowsOfColumns(batch, harness.fields, 'a batch from read()'),
      );
      const expected = harness.canonical(rows);
      ensure(
        sameRows(actual, expected),
        () => `read() does not return what was committed — ${describeDifference(actual, expected)}`,
      );
      for (const batch of batches) {
        for (const field of harness.fields) {
          const type = batch.schema.fields.find((candidate) => candidate.name === field.name)?.type;
          ensure(
            String(type) === String(field.type),
            `read() returned column '${field.name}' as ${String(type)}, but ${String(field.type)} was written`,
          );
        }
      }
    },
  },
]);
