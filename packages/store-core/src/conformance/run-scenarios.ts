/**
 * Building blocks the sections share: seed a known baseline, write a run, and compare
 * production with the state before or after it.
 */
import type {
  CommitReport,
  RunType,
  StepRecord,
  Store,
  StoreCapabilities,
} from '@wharf/store-core';
import type { Table } from 'apache-arrow';
import { describeError, ensure, fail, plural } from './assertions.js';
import { describeDifference, sameRows } from './compare.js';
import { applyRun, makeRows, type StandardRow, standardRows, tableOf } from './dataset.js';
import type { CheckHarness, ContextOverrides } from './harness.js';
import { NO_LEAKS } from './invariants.js';

/** The run type used where any will do: incremental, else full_drop, else merge. */
export function preferredRunType(capabilities: StoreCapabilities): RunType {
  const claimed = Array.isArray(capabilities.runTypes) ? capabilities.runTypes : [];
  for (const runType of ['incremental', 'full_drop', 'merge'] as const) {
    if (claimed.includes(runType)) return runType;
  }
  return 'incremental';
}

/** Configures `store` for a run, writes `tables` one `write()` each and commits. */
export async function writeRun(
  store: Store,
  runType: RunType,
  tables: readonly Table[],
  runId?: string,
): Promise<CommitReport> {
  await store.configureForRun(runType, runId === undefined ? {} : { runId });
  for (const table of tables) await store.write(table);
  return store.finish();
}

/** A fresh run id, valid for every store (letters, digits, dashes). */
export function newRunId(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Commits `rows` (default: ids 1 … 20) to the check's table (or `overrides.table`) through a
 * store that is closed afterwards; returns the rows, the baseline later runs start from.
 */
export async function seedBaseline(
  harness: CheckHarness,
  overrides: ContextOverrides = {},
  rows: readonly StandardRow[] = standardRows(1, 20),
): Promise<StandardRow[]> {
  harness.activity = 'seeding the baseline rows';
  const runType = preferredRunType(harness.capabilities);
  const store = await harness.openStore(
    runType === 'merge' && harness.context.key === undefined
      ? { key: ['id'], ...overrides }
      : overrides,
  );
  await writeRun(store, runType, [tableFromRows(harness, rows)]);
  await harness.closeQuietly(store);
  return [...rows];
}

/** An Arrow table of standard `rows` with the store's standard columns. */
export function tableFromRows(harness: CheckHarness, rows: readonly StandardRow[]): Table {
  return tableOf(rows, harness.fields);
}

/** The three batches of ten rows a sweep run writes, and the rows they are. */
export interface RunPlan {
  readonly tables: readonly Table[];
  readonly rows: readonly StandardRow[];
}

/**
 * The run the fault checks write over a baseline of ids 1 … 20: for `incremental` and
 * `full_drop` ids 101 … 130; for `merge` ids 11 … 40 in variant 1, so half of it updates.
 */
export function sweepRun(
  harness: CheckHarness,
  runType: RunType,
  batches = 3,
  rowsPerBatch = 10,
): RunPlan {
  const start = runType === 'merge' ? 11 : 101;
  const variant = runType === 'merge' ? 1 : 0;
  const tables = Array.from({ length: batches }, (_, index) =>
    makeRows(start + index * rowsPerBatch, rowsPerBatch, variant, harness.fields),
  );
  return { tables, rows: standardRows(start, batches * rowsPerBatch, variant) };
}

/** Fails unless production holds exactly `expected`. */
export async function expectProduction(
  harness: CheckHarness,
  expected: readonly StandardRow[],
  situation: string,
  rule: string,
  overrides: ContextOverrides = {},
): Promise<void> {
  const actual = await harness.production(overrides);
  const wanted = harness.canonical(expected);
  if (!sameRows(actual, wanted)) {
    fail(`${situation}: production is wrong — ${describeDifference(actual, wanted)} (${rule})`);
  }
}

/**
 * Fails unless production is exactly `before` or exactly `after`; returns which. When both
 * states are equal (a rerun of a committed run), reports `after`.
 */
export async function expectBeforeOrAfter(
  harness: CheckHarness,
  before: readonly StandardRow[],
  after: readonly StandardRow[],
  situation: string,
  rule: string,
  overrides: ContextOverrides = {},
): Promise<'before' | 'after'> {
  const actual = await harness.production(overrides);
  const afterRows = harness.canonical(after);
  if (sameRows(actual, afterRows)) return 'after';
  const beforeRows = harness.canonical(before);
  if (sameRows(actual, beforeRows)) return 'before';
  fail(
    `${situation}: production is neither the state before the run (${plural(before.length, 'row')}) nor the state after it (${plural(after.length, 'row')}) — against the state after, ${describeDifference(actual, afterRows)}; against the state before, ${describeDifference(actual, beforeRows)} (${rule})`,
  );
}

/**
 * A fresh, connected store after a crash: `connect()` runs recovery, which must finish or undo
 * whatever the dead writer left — a failure here is the store's, reported as such.
 */
export async function openRecovering(
  harness: CheckHarness,
  overrides: ContextOverrides,
  after: string,
): Promise<Store> {
  const store = await harness.createStore(overrides);
  try {
    await store.connect();
  } catch (error) {
    fail(
      `after ${after}, a fresh store's connect() (which recovers) failed with ${describeError(error)} — recovery must roll forward or discard what the dead writer left, whatever step it died at; publish must be idempotent (do nothing for a run id production already holds) without needing the staged parts`,
    );
  }
  return store;
}

/** Fails unless the staging probe counts no artefacts. */
export async function expectNoStaging(
  harness: CheckHarness,
  situation: string,
  overrides: ContextOverrides = {},
): Promise<void> {
  const count = await harness.inspectStaging(overrides);
  ensure(
    count === 0,
    `${situation}: inspectStaging() counts ${plural(count, 'staging artefact')}, expected 0 (${NO_LEAKS})`,
  );
}

/** What production must hold after `plan` over `before` with `runType`. */
export function stateAfter(
  before: readonly StandardRow[],
  plan: RunPlan,
  runType: RunType,
): StandardRow[] {
  return applyRun(before, plan.rows, runType);
}

/**
 * The steps of a sweep run with `runType` over a baseline, counted by the fault hook on a
 * scratch table: the dry run that the fault sweeps number their steps by.
 */
export async function dryRunTrace(harness: CheckHarness, runType: RunType): Promise<StepRecord[]> {
  // One scratch table per run type: a store that enforces its key on appending runs must not
  // see the rows of another run type's dry run again.
  const table = harness.tableFor(`dry_${runType}`);
  await seedBaseline(harness, { table });
  harness.activity = `counting the steps of a ${runType} run (dry run)`;
  const store = await harness.openStore({ table });
  store.faults.reset();
  await writeRun(store, runType, sweepRun(harness, runType).tables, newRunId('dry'));
  const trace = [...store.faults.trace];
  await harness.closeQuietly(store);
  ensure(
    trace.length > 0,
    `the fault hook counted no steps during a whole ${runType} run — store.faults must number every staging step (stage, journal, publish, discard)`,
  );
  return trace;
}

/** The 1-based index of the publish step in `trace`. */
export function publishStep(trace: readonly StepRecord[]): number {
  const step =
    trace.find((candidate) => candidate.name === 'publish') ??
    trace.find(
      (candidate) => /publish|commit/i.test(candidate.name) && !/journal/i.test(candidate.name),
    );
  if (!step) {
    fail(
      `the fault hook's trace has no publish step (steps: ${trace.map((candidate) => candidate.name).join(', ')}) — name the step that makes a run production 'publish'`,
    );
  }
  return step.index;
}

/** `an incremental run`, `a full_drop run`, `a merge run`. */
export function aRun(runType: RunType): string {
  return `${runType === 'incremental' ? 'an' : 'a'} ${runType} run`;
}

/** `step 5 of 7 (publish)`. */
export function describeStep(trace: readonly StepRecord[], index: number): string {
  return `step ${index} of ${trace.length} (${trace[index - 1]?.name ?? '?'})`;
}
