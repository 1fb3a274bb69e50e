/**
 * Section 5, retry protocol: a run id commits at most once; a failed run is retried by
 * `cleanupStaging()` + `resetRetrySensitiveState()` and running again; and `runFlow` does that by
 * itself, also when the failure hit the commit or its acknowledgement. Failures are made with
 * the fault hook, so most checks need `faultInjection`.
 */
import { type FlowReport, isRetryable, runFlow, type Store, StoreError } from '@wharf/store-core';
import type { Table } from 'apache-arrow';
import { attempt, describeError, ensure, expectStoreError, fail } from '../assertions.js';
import { allOf, defineChecks, needCapability, needRunType, needStandardData } from '../check.js';
import type { CheckHarness } from '../harness.js';
import { EXACTLY_ONCE, NOTHING_LOST } from '../invariants.js';
import {
  describeStep,
  dryRunTrace,
  expectNoStaging,
  expectProduction,
  newRunId,
  publishStep,
  seedBaseline,
  stateAfter,
  sweepRun,
  writeRun,
} from '../run-scenarios.js';

const needFaults = allOf(
  needStandardData,
  needRunType('incremental'),
  needCapability('faultInjection'),
);

const FAST_BACKOFF = { initialMs: 1, maxMs: 5, jitter: 0 };

async function flowWithFaultAt(
  harness: CheckHarness,
  step: number,
  describe: string,
): Promise<void> {
  const before = await seedBaseline(harness);
  const plan = sweepRun(harness, 'incremental');
  const store: Store = await harness.openStore();
  store.faults.arm({ at: step, mode: 'fail' });
  const retried: StoreError[] = [];
  harness.activity = `running runFlow with a failure armed at ${describe}`;
  let report: FlowReport;
  try {
    report = await runFlow(() => plan.tables as Table[], store, {
      runType: 'incremental',
      runId: newRunId('flow'),
      retries: 3,
      backoff: FAST_BACKOFF,
      onRetry: (error) => retried.push(error),
    });
  } catch (error) {
    fail(
      `runFlow gave up after a single injected failure at ${describe}: ${describeError(error)} — the failure must be a retryable StoreError and cleanupStaging() + resetRetrySensitiveState() must make the next attempt possible`,
    );
  }
  ensure(
    report.attempts === 2,
    `runFlow reported ${report.attempts} attempt(s) after one injected failure at ${describe}, expected 2 (retried errors: ${retried.map(describeError).join('; ') || 'none'})`,
  );
  await expectProduction(
    harness,
    stateAfter(before, plan, 'incremental'),
    `after runFlow retried a failure at ${describe}`,
    EXACTLY_ONCE,
  );
  await expectNoStaging(harness, `after runFlow retried a failure at ${describe}`);
}

/** The checks of the retry protocol section. */
export const retryProtocolChecks = defineChecks('retry-protocol', [
  {
    slug: 'same-run-id-commits-once',
    title: 'a second run with a committed run id changes nothing',
    requires: allOf(needStandardData, needRunType('incremental')),
    async run(harness) {
      const before = await seedBaseline(harness);
      const plan = sweepRun(harness, 'incremental');
      const runId = newRunId('once');
      const store = await harness.openStore();
      harness.activity = 'committing a run with a chosen run id';
      await writeRun(store, 'incremental', plan.tables, runId);
      const after = stateAfter(before, plan, 'incremental');
      const other = await harness.openStore();
      harness.activity = 'running the same run id again on another store instance';
      const report = await writeRun(other, 'incremental', plan.tables, runId);
      await expectProduction(
        harness,
        after,
        'after the same run id was committed twice',
        EXACTLY_ONCE,
      );
      ensure(
        report.alreadyCommitted === true,
        `finish() of a run id production already holds reported alreadyCommitted=${String(report.alreadyCommitted)}, expected true`,
      );
      await expectNoStaging(harness, 'after a rerun of a committed run id');
    },
  },
  {
    slug: 'manual-retry',
    title: 'cleanupStaging() + resetRetrySensitiveState() make a failed run retryable',
    requires: needFaults,
    async run(harness) {
      const trace = await dryRunTrace(harness, 'incremental');
      const stage = trace.find((step) => step.name === 'stagePart')?.index ?? 1;
      const before = await seedBaseline(harness);
      const plan = sweepRun(harness, 'incremental');
      const runId = newRunId('manual');
      const store = await harness.openStore();
      await store.configureForRun('incremental', { runId });
      store.faults.arm({ at: stage, mode: 'fail' });
      harness.activity = `running with a failure armed at ${describeStep(trace, stage)}`;
      const error = await attempt(async () => {
        for (const table of plan.tables) await store.write(table);
        await store.finish();
      });
      ensure(error !== undefined, `a failure armed at ${describeStep(trace, stage)} never fired`);
      ensure(
        StoreError.isInstance(error) && isRetryable(error),
        () =>
          `a failure injected at ${describeStep(trace, stage)} surfaced as ${describeError(error)} — it must stay a retryable StoreError so the retry runner retries it`,
      );
      await expectProduction(harness, before, 'after the failed attempt', NOTHING_LOST);
      harness.activity = 'cleaning up for a retry';
      await store.cleanupStaging();
      await store.resetRetrySensitiveState();
      await expectNoStaging(harness, 'after cleanupStaging() following a failed attempt');
      harness.activity = 'retrying the run';
      await writeRun(store, 'incremental', plan.tables, runId);
      await expectProduction(
        harness,
        stateAfter(before, plan, 'incremental'),
        'after retrying a failed run on the same store',
        EXACTLY_ONCE,
      );
    },
  },
  {
    slug: 'run-flow-retries-write',
    title: 'runFlow retries a failure during write() exactly once',
    requires: needFaults,
    async run(harness) {
      await flowWithFaultAt(harness, 1, 'step 1 (the first write)');
    },
  },
  {
    slug: 'run-flow-retries-publish',
    title: 'runFlow retries a failure at the publish step exactly once',
    requires: needFaults,
    async run(harness) {
      const trace = await dryRunTrace(harness, 'incremental');
      const publish = publishStep(trace);
      await flowWithFaultAt(harness, publish, describeStep(trace, publish));
    },
  },
  {
    slug: 'run-flow-lost-acknowledgement',
    title: 'runFlow retries a failure after publish (lost acknowledgement) without duplicates',
    requires: needFaults,
    async run(harness) {
      const trace = await dryRunTrace(harness, 'incremental');
      const last = trace.length;
      ensure(
        last > publishStep(trace),
        `the publish step is the last step of a run (${describeStep(trace, last)}); the kit cannot fail the run after publish`,
      );
      await flowWithFaultAt(harness, last, `${describeStep(trace, last)}, after publish`);
    },
  },
  {
    slug: 'non-retryable-not-retried',
    title: 'runFlow does not retry a ValidationError and production stays unchanged',
    requires: allOf(needStandardData, needRunType('incremental')),
    async run(harness) {
      const before = await seedBaseline(harness);
      const store = await harness.openStore();
      let retries = 0;
      harness.activity = 'running runFlow over a source that yields a non-Arrow value';
      await expectStoreError(
        () =>
          runFlow(
            () => [sweepRun(harness, 'incremental').tables[0]!, { rows: [] } as unknown as Table],
            store,
            {
              runType: 'incremental',
              retries: 3,
              backoff: FAST_BACKOFF,
              onRetry: () => {
                retries += 1;
              },
            },
          ),
        'ValidationError',
        'runFlow over a source yielding a plain object',
        'write() must refuse anything that is not Arrow with a ValidationError, which is not retryable',
      );
      ensure(
        retries === 0,
        `runFlow retried a ValidationError ${retries} time(s); a ValidationError must not be retryable`,
      );
      await expectProduction(harness, before, 'after a run refused for bad input', NOTHING_LOST);
      await expectNoStaging(harness, 'after a run refused for bad input');
    },
  },
]);
