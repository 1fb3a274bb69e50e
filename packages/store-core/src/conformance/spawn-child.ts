/**
 * Starting a child process for the cross-process checks: Node.js with the backend's flags,
 * running the kit's child entry (`conformance-child.js`, found next to the kit's own module)
 * with a JSON job and, optionally, a fault plan in its environment.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunType } from '@wharf/store-core';
import { fail } from './assertions.js';
import {
  type ChildJob,
  type ChildOutcome,
  JOB_ENVIRONMENT_VARIABLE,
  parseOutcome,
} from './child-job.js';
import type { CheckHarness } from './harness.js';
import type { SpawnOptions } from './types.js';

/** Where the child entry may be, relative to this module: bundled next to it, or built from source. */
const CHILD_CANDIDATES = ['./conformance-child.js', '../../dist/conformance-child.js'];

/** The path of the built child entry, or a failure saying how to get one. */
export function childEntryPath(): string {
  for (const candidate of CHILD_CANDIDATES) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  fail(
    "the kit's child entry conformance-child.js was not found next to the kit — build @wharf/store-core (pnpm build) before running the cross-process checks",
  );
}

/** The spawn options, or the failure a store that claims multiProcess gets without them. */
export function requireSpawn(harness: CheckHarness): SpawnOptions {
  const options = harness.options.spawn;
  if (options === undefined) {
    fail(
      'the store claims multiProcess, but no spawn options were given — configure spawn (ConformanceOptions.spawn: the module exporting the factory) to run the cross-process checks',
    );
  }
  return options;
}

/** What the parent asks a child to run. */
export interface ChildRequest {
  readonly runType: RunType;
  readonly runId: string;
  readonly startId: number;
  readonly batches?: number;
  readonly rowsPerBatch?: number;
  readonly variant?: number;
  /** `WHARF_FAULT` for the child, e.g. `kill:3`. @default none */
  readonly fault?: string;
  /** The table, when not the check's own. */
  readonly table?: string;
}

/** How a child ended. */
export interface ChildRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly outcome: ChildOutcome | undefined;
  readonly stderr: string;
}

/** Runs one child to its end (or kills it at the check's timeout). */
export function runChild(harness: CheckHarness, request: ChildRequest): Promise<ChildRun> {
  const options = requireSpawn(harness);
  const job: ChildJob = {
    module: options.module,
    exportName: options.exportName ?? 'createStore',
    context: harness.contextWith(request.table === undefined ? {} : { table: request.table }),
    runType: request.runType,
    runId: request.runId,
    startId: request.startId,
    batches: request.batches ?? 3,
    rowsPerBatch: request.rowsPerBatch ?? 10,
    variant: request.variant ?? 0,
    columns: harness.fields.map((field) => field.name),
  };
  const entry = childEntryPath();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.execArgv ?? []), entry], {
      env: {
        ...process.env,
        ...options.env,
        [JOB_ENVIRONMENT_VARIABLE]: JSON.stringify(job),
        WHARF_FAULT: request.fault ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    harness.trackChild(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (exitCode, signal) => {
      resolve({ exitCode, signal, outcome: parseOutcome(stdout), stderr: stderr.slice(-2000) });
    });
  });
}

/** A one-line account of how a child ended, for messages. */
export function describeChild(run: ChildRun): string {
  const how =
    run.signal !== null
      ? `was killed by ${run.signal}`
      : `exited with code ${String(run.exitCode)}`;
  const outcome =
    run.outcome === undefined
      ? 'printed no result'
      : run.outcome.ok
        ? `committed ${run.outcome.rows} rows`
        : `failed with ${run.outcome.error.name}${run.outcome.error.code ? ` (${run.outcome.error.code})` : ''}: ${run.outcome.error.message}`;
  const stderr = run.stderr.trim() === '' ? '' : `; stderr: ${run.stderr.trim().slice(-500)}`;
  return `the child ${how} and ${outcome}${stderr}`;
}
