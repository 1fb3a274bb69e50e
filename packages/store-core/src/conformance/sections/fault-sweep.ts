/**
 * Section 6, fault sweep: for every step *k* of a run and every claimed run type, fail (or
 * crash) the run at *k* over a committed baseline and check the invariants: production is
 * exactly as before or as after (as before when an atomic store failed before publishing),
 * no staging is left after cleanup or recovery, and a rerun with the same run id lands
 * exactly once. A crashed instance is abandoned; a fresh one recovers on `connect()`.
 */
import {
  type FaultMode,
  isRetryable,
  RUN_TYPES,
  type RunType,
  SimulatedCrash,
  type StepRecord,
  StoreError,
} from '@wharf/store-core';
import { attempt, describeError, ensure, fail } from '../assertions.js';
import { allOf, defineChecks, needCapability, needRunType, needStandardData } from '../check.js';
import type { CheckHarness } from '../harness.js';
import { ATOMICITY, EXACTLY_ONCE, NOTHING_LOST } from '../invariants.js';
import {
  aRun,
  describeStep,
  dryRunTrace,
  expectBeforeOrAfter,
  expectNoStaging,
  expectProduction,
  newRunId,
  openRecovering,
  publishStep,
  seedBaseline,
  stateAfter,
  sweepRun,
  writeRun,
} from '../run-scenarios.js';

async function sweepStep(
  harness: CheckHarness,
  runType: RunType,
  mode: Exclude<FaultMode, 'kill'>,
  trace: readonly StepRecord[],
  step: number,
): Promise<void> {
  const where = describeStep(trace, step);
  const table = harness.tableFor(`k${step}`);
  const context = { table };
  const before = await seedBaseline(harness, context);
  const plan = sweepRun(harness, runType);
  const after = stateAfter(before, plan, runType);
  const runId = newRunId(`k${step}`);
  const atomic = harness.capabilities.commit === 'atomic';
  const beforePublish = step <= publishStep(trace);

  const store = await harness.openStore(context);
  await store.configureForRun(runType, { runId });
  store.faults.arm({ at: step, mode });
  harness.activity = `running ${aRun(runType)} with a '${mode}' fault armed at ${where}`;
  const error = await attempt(async () => {
    for (const table of plan.tables) await store.write(table);
    await store.finish();
  });
  ensure(
    error !== undefined,
    `a '${mode}' fault armed at ${where} never fired: the run completed — the steps of a run must be the same as in the dry run (${trace.map((record) => record.name).join(', ')})`,
  );
  if (mode === 'fail') {
    ensure(
      StoreError.isInstance(error) && isRetryable(error),
      () =>
        `a failure injected at ${where} surfaced as ${describeError(error)} — it must stay a retryable StoreError`,
    );
  } else {
    ensure(
      SimulatedCrash.isInstance(error),
      () =>
        `a crash injected at ${where} surfaced as ${describeError(error)} — a SimulatedCrash must propagate unchanged (a crashed process does not clean up)`,
    );
  }

  if (atomic) {
    const situation = `right after a ${mode} at ${where} of ${aRun(runType)} (before any cleanup or recovery)`;
    if (beforePublish) {
      await expectProduction(
        harness,
        before,
        situation,
        `${NOTHING_LOST}; an atomic store publishes nothing before its publish step`,
        context,
      );
    } else {
      await expectBeforeOrAfter(
        harness,
        before,
        after,
        situation,
        `${ATOMICITY}; readers of an atomic store never see a mix`,
        context,
      );
    }
  }

  if (mode === 'fail') {
    harness.activity = `cleaning up after a failure at ${where}`;
    await store.cleanupStaging();
    await store.resetRetrySensitiveState();
    const situation = `after a failure at ${where} of ${aRun(runType)} and cleanupStaging()`;
    if (atomic && beforePublish) {
      await expectProduction(harness, before, situation, NOTHING_LOST, context);
    } else {
      await expectBeforeOrAfter(harness, before, after, situation, ATOMICITY, context);
    }
    await expectNoStaging(harness, situation, context);
    harness.activity = `rerunning run ${runId} after a failure at ${where}`;
    await writeRun(store, runType, plan.tables, runId);
    await expectProduction(
      harness,
      after,
      `after a failure at ${where} of ${aRun(runType)} and a rerun with the same run id`,
      EXACTLY_ONCE,
      context,
    );
    await expectNoStaging(harness, `after the rerun that followed a failure at ${where}`, context);
  } else {
    harness.activity = `recovering with a fresh store after a crash at ${where}`;
    const fresh = await openRecovering(harness, context, `a crash at ${where} of ${aRun(runType)}`);
    const situation = `after a crash at ${where} of ${aRun(runType)} and recovery by a fresh store's connect()`;
    await expectBeforeOrAfter(harness, before, after, situation, ATOMICITY, context);
    await expectNoStaging(harness, situation, context);
    harness.activity = `rerunning run ${runId} after a crash at ${where}`;
    await writeRun(fresh, runType, plan.tables, runId);
    await expectProduction(
      harness,
      after,
      `after a crash at ${where} of ${aRun(runType)}, recovery and a rerun with the same run id`,
      EXACTLY_ONCE,
      context,
    );
    await expectNoStaging(harness, `after the rerun that followed a crash at ${where}`, context);
    await harness.closeQuietly(fresh);
  }
  await harness.closeQuietly(store);
}

function sweepCheck(runType: RunType, mode: Exclude<FaultMode, 'kill'>) {
  return {
    slug: `${mode}-${runType.replace('_', '-')}`,
    title:
      mode === 'fail'
        ? `a failure at every step of ${aRun(runType)} leaves production before or after, and a rerun lands once`
        : `a crash at every step of ${aRun(runType)} is recovered by a fresh store, and a rerun lands once`,
    requires: allOf(needStandardData, needCapability('faultInjection'), needRunType(runType)),
    context: { key: ['id'] },
    async run(harness: CheckHarness) {
      const trace = await dryRunTrace(harness, runType);
      for (let step = 1; step <= trace.length; step += 1) {
        await sweepStep(harness, runType, mode, trace, step);
      }
    },
  };
}

/** The checks of the fault sweep section. */
export const faultSweepChecks = defineChecks('fault-sweep', [
  {
    slug: 'step-trace',
    title: 'the fault hook numbers every step of a run and can be reset',
    requires: allOf(needStandardData, needCapability('faultInjection')),
    context: { key: ['id'] },
    async run(harness) {
      const runType = harness.capabilities.runTypes[0] ?? 'incremental';
      const trace = await dryRunTrace(harness, runType);
      trace.forEach((record, index) => {
        ensure(
          record.index === index + 1 && typeof record.name === 'string' && record.name.length > 0,
          `the fault hook's trace is malformed at position ${index + 1}: ${JSON.stringify(record)} — steps are numbered 1, 2, 3… and named`,
        );
      });
      publishStep(trace);
      const store = await harness.openStore();
      store.faults.arm({ at: 1, mode: 'fail' });
      store.faults.reset();
      ensure(
        store.faults.steps === 0 && store.faults.crashed === false,
        `after faults.reset() the hook reports steps=${store.faults.steps}, crashed=${String(store.faults.crashed)}; expected 0 and false`,
      );
      harness.activity = 'committing after arming and resetting the hook';
      const error = await attempt(() =>
        writeRun(store, runType, sweepRun(harness, runType).tables),
      );
      if (error !== undefined) {
        fail(`a run failed after faults.reset() disarmed the hook: ${describeError(error)}`);
      }
    },
  },
  ...RUN_TYPES.flatMap((runType) => [sweepCheck(runType, 'fail'), sweepCheck(runType, 'crash')]),
]);
