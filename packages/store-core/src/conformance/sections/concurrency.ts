/**
 * Section 14, concurrency: several writers on one table — stores in one process, and processes
 * where the store claims `multiProcess` — commit all-or-nothing: each run lands whole or fails
 * with a `ConflictError` and lands not at all, and production is exactly the union of the runs
 * that committed. Two concurrent inserts of one key give exactly one `ConflictError`.
 */
import { type CommitReport, ConflictError, type Store } from '@wharf/store-core';
import { describeError, ensure, fail, isExpectedError } from '../assertions.js';
import {
  allOf,
  defineChecks,
  needCapability,
  needRecordData,
  needRunType,
  needStandardData,
} from '../check.js';
import { asRecord, type StandardRow, standardRow, standardRows } from '../dataset.js';
import { ATOMICITY } from '../invariants.js';
import { expectRecord } from '../records-helpers.js';
import { expectProduction, newRunId, seedBaseline, tableFromRows } from '../run-scenarios.js';
import { describeChild, runChild } from '../spawn-child.js';

const WRITERS = 4;
const ROUNDS = 3;
const ROWS = 10;

function writerRows(writer: number): StandardRow[] {
  return standardRows(1 + writer * 1000, ROUNDS * ROWS);
}

/** The checks of the concurrency section. */
export const concurrencyChecks = defineChecks('concurrency', [
  {
    slug: 'writers-in-one-process',
    title: 'four stores writing one table at once commit all-or-nothing, with nothing lost',
    requires: allOf(needStandardData, needRunType('incremental')),
    async run(harness) {
      const stores: Store[] = [];
      for (let writer = 0; writer < WRITERS; writer += 1) {
        const store = await harness.openStore();
        await store.configureForRun('incremental');
        stores.push(store);
      }
      // A writer may lose a race as early as write() (a table lock, say), with a ConflictError.
      const lost = new Set<number>();
      const conflict = (writer: number, reason: unknown, stage: string) => {
        if (!ConflictError.isInstance(reason)) {
          fail(
            `concurrent writer ${writer + 1} failed in ${stage} with ${describeError(reason)} — a writer that loses a race may only fail with a ConflictError`,
          );
        }
        lost.add(writer);
      };
      for (let round = 0; round < ROUNDS; round += 1) {
        harness.activity = `writing round ${round + 1} of ${ROUNDS} from ${WRITERS} stores at once`;
        const writes = await Promise.allSettled(
          stores.map(async (store, writer) => {
            if (lost.has(writer)) return;
            await store.write(
              tableFromRows(harness, writerRows(writer).slice(round * ROWS, (round + 1) * ROWS)),
            );
          }),
        );
        writes.forEach((outcome, writer) => {
          if (outcome.status === 'rejected') conflict(writer, outcome.reason, 'write()');
        });
      }
      harness.activity = `committing ${WRITERS} runs at once`;
      const outcomes = await Promise.allSettled(
        stores.map(async (store, writer) => (lost.has(writer) ? undefined : store.finish())),
      );
      const committed: StandardRow[] = [];
      outcomes.forEach((outcome, writer) => {
        if (outcome.status === 'rejected') {
          conflict(writer, outcome.reason, 'finish()');
          return;
        }
        const report: CommitReport | undefined = outcome.value;
        if (report === undefined) return;
        ensure(
          report.rows === ROUNDS * ROWS,
          `concurrent writer ${writer + 1} reported ${report.rows} rows committed, expected ${ROUNDS * ROWS}`,
        );
        committed.push(...writerRows(writer));
      });
      ensure(
        committed.length > 0,
        `none of ${WRITERS} concurrent writers could commit; at least one must win`,
      );
      await expectProduction(
        harness,
        committed,
        `after ${WRITERS} stores committed concurrently (${committed.length / (ROUNDS * ROWS)} succeeded)`,
        `${ATOMICITY}; each concurrent run lands whole or not at all, and no commit overwrites another`,
      );
    },
  },
  {
    slug: 'processes',
    title: 'three processes committing one table at once land all-or-nothing',
    requires: allOf(needStandardData, needRunType('incremental'), needCapability('multiProcess')),
    async run(harness) {
      await seedBaseline(harness, {}, []);
      harness.activity = 'running three children that commit at once';
      const runs = await Promise.all(
        [0, 1, 2].map((writer) =>
          runChild(harness, {
            runType: 'incremental',
            runId: newRunId(`proc${writer}`),
            startId: 1 + writer * 1000,
            batches: ROUNDS,
            rowsPerBatch: ROWS,
          }),
        ),
      );
      const committed: StandardRow[] = [];
      runs.forEach((run, writer) => {
        if (run.outcome?.ok === true) {
          committed.push(...writerRows(writer));
          return;
        }
        ensure(
          run.outcome !== undefined && run.outcome.error.code === ConflictError.code,
          () =>
            `concurrent process ${writer + 1} did not commit: ${describeChild(run)} — it may only fail with a ConflictError`,
        );
      });
      ensure(
        committed.length > 0,
        'none of three concurrent processes could commit; at least one must win',
      );
      await expectProduction(
        harness,
        committed,
        `after three processes committed concurrently (${committed.length / (ROUNDS * ROWS)} succeeded)`,
        `${ATOMICITY}; each concurrent run lands whole or not at all`,
      );
    },
  },
  {
    slug: 'insert-race',
    title: 'two stores inserting the same key at once: one wins, one gets a ConflictError',
    requires: needRecordData,
    context: { key: ['id'] },
    async run(harness) {
      await seedBaseline(harness, {}, standardRows(1, 5));
      const left = await harness.openStore();
      const right = await harness.openStore();
      for (let id = 100; id < 105; id += 1) {
        harness.activity = `inserting key ${id} from two stores at once`;
        const outcomes = await Promise.allSettled([
          left.insert(asRecord(standardRow(id, 1), harness.fields)),
          right.insert(asRecord(standardRow(id, 2), harness.fields)),
        ]);
        const winners = outcomes.flatMap((outcome, index) =>
          outcome.status === 'fulfilled' ? [index] : [],
        );
        const losers = outcomes.flatMap((outcome) =>
          outcome.status === 'rejected' ? [outcome.reason] : [],
        );
        ensure(
          winners.length === 1,
          `two concurrent insert()s of key ${id} gave ${winners.length} successes, expected exactly one — the other must fail with a ConflictError`,
        );
        ensure(
          losers.every((reason) => isExpectedError(reason, 'ConflictError')),
          () =>
            `the losing concurrent insert() of key ${id} threw ${describeError(losers[0])}, expected a ConflictError`,
        );
        const variant = winners[0] === 0 ? 1 : 2;
        expectRecord(
          harness,
          await left.get(BigInt(id)),
          standardRow(id, variant),
          `key ${id} after the race`,
        );
      }
    },
  },
]);
