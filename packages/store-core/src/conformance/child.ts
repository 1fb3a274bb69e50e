/**
 * The child process of the cross-process checks (built to `dist/conformance-child.js`). It
 * reads a job from `WHARF_CONFORMANCE_JOB`, imports the backend's factory module, builds the
 * store, runs one run and commits, then prints one result line and exits. The parent arms
 * `WHARF_FAULT=kill:<k>` to have the staging engine SIGKILL it at step k.
 */
import { pathToFileURL } from 'node:url';
import { type Store, StoreError } from '@wharf/store-core';
import {
  type ChildJob,
  type ChildOutcome,
  JOB_ENVIRONMENT_VARIABLE,
  RESULT_PREFIX,
} from './child-job.js';
import { makeRows, STANDARD_FIELDS } from './dataset.js';

function report(outcome: ChildOutcome): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(outcome)}\n`);
}

function errorOutcome(error: unknown): ChildOutcome {
  if (StoreError.isInstance(error)) {
    return {
      ok: false,
      error: {
        name: error.name,
        message: error.message,
        code: error.code,
        retryable: error.retryable,
      },
    };
  }
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, error: { name, message } };
}

async function main(): Promise<void> {
  const text = process.env[JOB_ENVIRONMENT_VARIABLE];
  if (text === undefined) throw new Error(`${JOB_ENVIRONMENT_VARIABLE} is not set`);
  const job = JSON.parse(text) as ChildJob;
  const url = job.module.startsWith('file:') ? job.module : pathToFileURL(job.module).href;
  const imported = (await import(url)) as Record<string, unknown>;
  const factory = imported[job.exportName];
  if (typeof factory !== 'function') {
    throw new Error(`${job.module} does not export a function named '${job.exportName}'`);
  }
  const fields = STANDARD_FIELDS.filter((field) => job.columns.includes(field.name));
  const store = (await factory(job.context)) as Store;
  try {
    await store.connect();
    await store.configureForRun(job.runType, { runId: job.runId });
    for (let batch = 0; batch < job.batches; batch += 1) {
      const start = job.startId + batch * job.rowsPerBatch;
      await store.write(makeRows(start, job.rowsPerBatch, job.variant ?? 0, fields));
    }
    const commit = await store.finish();
    report({
      ok: true,
      rows: commit.rows,
      runId: commit.runId,
      alreadyCommitted: commit.alreadyCommitted,
    });
  } finally {
    await store.close();
  }
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    report(errorOutcome(error));
    process.exitCode = 1;
  },
);
