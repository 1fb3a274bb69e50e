/**
 * Section 7, cross-process: a child process commits through the same store, a child killed
 * (SIGKILL, through `WHARF_FAULT=kill:<k>`) at a step of its run is recovered by a fresh store
 * in the parent, and a run id committed by one process lands once when another reruns it.
 */
import type { RunType } from '@wharf/store-core';
import { ensure, fail } from '../assertions.js';
import { allOf, defineChecks, needCapability, needRunType, needStandardData } from '../check.js';
import type { CheckHarness } from '../harness.js';
import { ATOMICITY, EXACTLY_ONCE } from '../invariants.js';
import {
  aRun,
  describeStep,
  dryRunTrace,
  expectBeforeOrAfter,
  expectNoStaging,
  expectProduction,
  newRunId,
  openRecovering,
  preferredRunType,
  publishStep,
  seedBaseline,
  stateAfter,
  sweepRun,
  writeRun,
} from '../run-scenarios.js';
import { describeChild, runChild } from '../spawn-child.js';

const needProcesses = allOf(needStandardData, needCapability('multiProcess'));

/** The steps the kill sweep visits: the first, staging, around publish and the last. */
function killSteps(trace: readonly { index: number; name: string }[], full: boolean): number[] {
  const publish = publishStep(trace);
  const stage = trace.find((step) => step.name === 'stagePart')?.index;
  const wanted = full
    ? [1, stage, publish - 1, publish, publish + 1, trace.length]
    : [publish, publish + 1];
  return [...new Set(wanted)]
    .filter((step): step is number => step !== undefined && step >= 1 && step <= trace.length)
    .sort((left, right) => left - right);
}

async function killAt(
  harness: CheckHarness,
  runType: RunType,
  trace: readonly { index: number; name: string }[],
  step: number,
): Promise<void> {
  const where = describeStep(trace, step);
  const table = harness.tableFor(`${runType === 'full_drop' ? 'f' : runType[0]}k${step}`);
  const context = { table };
  const before = await seedBaseline(harness, context);
  const plan = sweepRun(harness, runType);
  const after = stateAfter(before, plan, runType);
  const runId = newRunId(`kill${step}`);
  harness.activity = `running ${aRun(runType)} in a child killed at ${where}`;
  const child = await runChild(harness, {
    runType,
    runId,
    startId: runType === 'merge' ? 11 : 101,
    variant: runType === 'merge' ? 1 : 0,
    fault: `kill:${step}`,
    table,
  });
  if (child.signal !== 'SIGKILL') {
    fail(
      `a child armed with WHARF_FAULT=kill:${step} was expected to die at ${where}, but ${describeChild(child)} — a store that claims faultInjection must honour WHARF_FAULT in a child process`,
    );
  }
  harness.activity = `recovering in the parent after the child was killed at ${where}`;
  const fresh = await openRecovering(
    harness,
    context,
    `a child was killed at ${where} of ${aRun(runType)}`,
  );
  const situation = `after a child was killed at ${where} of ${aRun(runType)} and a fresh store in the parent recovered`;
  await expectBeforeOrAfter(harness, before, after, situation, ATOMICITY, context);
  await expectNoStaging(harness, situation, context);
  harness.activity = `rerunning run ${runId} in the parent after the kill at ${where}`;
  await writeRun(fresh, runType, plan.tables, runId);
  await expectProduction(
    harness,
    after,
    `after a child was killed at ${where}, recovery and a rerun of its run id in the parent`,
    EXACTLY_ONCE,
    context,
  );
  await harness.closeQuietly(fresh);
}

/** The checks of the cross-process section. */
export const crossProcessChecks = defineChecks('cross-process', [
  {
    slug: 'child-commits',
    title: 'a run committed by another process is visible and leaves no staging',
    requires: needProcesses,
    context: { key: ['id'] },
    async run(harness) {
      const runType = preferredRunType(harness.capabilities);
      const before = await seedBaseline(harness);
      const plan = sweepRun(harness, runType);
      harness.activity = 'running a child that commits a run';
      const child = await runChild(harness, {
        runType,
        runId: newRunId('child'),
        startId: runType === 'merge' ? 11 : 101,
        variant: runType === 'merge' ? 1 : 0,
      });
      ensure(
        child.exitCode === 0 && child.outcome?.ok === true,
        () => `a child process could not commit a run: ${describeChild(child)}`,
      );
      await expectProduction(
        harness,
        stateAfter(before, plan, runType),
        'after a child process committed a run',
        'a commit from another process must be visible to every process',
      );
      await expectNoStaging(harness, 'after a child process committed a run');
    },
  },
  {
    slug: 'kill-sweep',
    title: 'a process killed at any step of a run is recovered by another, and a rerun lands once',
    requires: allOf(needProcesses, needCapability('faultInjection')),
    context: { key: ['id'] },
    async run(harness) {
      const main = preferredRunType(harness.capabilities);
      for (const runType of harness.capabilities.runTypes) {
        const trace = await dryRunTrace(harness, runType);
        for (const step of killSteps(trace, runType === main)) {
          await killAt(harness, runType, trace, step);
        }
      }
    },
  },
  {
    slug: 'rerun-in-another-process',
    title: 'a run id committed by one process lands once when another process reruns it',
    requires: allOf(needProcesses, needRunType('incremental')),
    async run(harness) {
      const before = await seedBaseline(harness);
      const plan = sweepRun(harness, 'incremental');
      const runId = newRunId('rerun');
      const request = { runType: 'incremental' as const, runId, startId: 101 };
      harness.activity = 'committing a run in a first child';
      const first = await runChild(harness, request);
      ensure(
        first.outcome?.ok === true,
        () => `the first child could not commit: ${describeChild(first)}`,
      );
      harness.activity = 'rerunning the same run id in a second child';
      const second = await runChild(harness, request);
      ensure(
        second.outcome?.ok === true,
        () => `the second child could not run: ${describeChild(second)}`,
      );
      await expectProduction(
        harness,
        stateAfter(before, plan, 'incremental'),
        'after two processes ran the same run id',
        EXACTLY_ONCE,
      );
      ensure(
        second.outcome.alreadyCommitted === true,
        'the rerun in the second process reported alreadyCommitted=false for a run id production already held',
      );
    },
  },
]);
