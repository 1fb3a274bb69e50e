/**
 * The retry runner: the loop pipelines used to write by hand. It runs a source of Arrow batches
 * into a store and commits; on a retryable failure (also one inside `finish()`) it cleans the
 * store's staging, resets its retry-sensitive state, backs off and runs the source again. All
 * attempts share one run id, so a commit that landed before its acknowledgement was lost is
 * never applied twice.
 */
import { randomUUID } from 'node:crypto';
import type { RecordBatch, Table } from 'apache-arrow';
import { batchBytes, toRecordBatches } from './arrow-input.js';
import { type BackoffOptions, backoffDelay, sleep } from './backoff.js';
import type { RunType } from './capabilities.js';
import { validateRunId } from './engine/staged-writer.js';
import { isRetryable, type StoreError, ValidationError } from './errors.js';
import type { CommitReport, Store } from './store.js';

/** A source of batches. A function is called once per attempt, so the data can be replayed. */
export type BatchSource =
  | AsyncIterable<Table | RecordBatch>
  | Iterable<Table | RecordBatch>
  | (() => AsyncIterable<Table | RecordBatch> | Iterable<Table | RecordBatch>);

/** Progress of the current attempt, reported after each batch. */
export interface FlowProgress {
  attempt: number;
  rows: number;
  bytes: number;
  batches: number;
}

/** Options of {@link runFlow}. */
export interface RunFlowOptions {
  /** @default 'incremental' */
  runType?: RunType;
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  backoff?: BackoffOptions;
  /** Aborts between batches and during backoff; staging is cleaned before the promise rejects. */
  signal?: AbortSignal;
  onProgress?: (progress: FlowProgress) => void;
  /** Called before each retry with the error that caused it. */
  onRetry?: (error: StoreError, attempt: number, delayMs: number) => void;
  /** The run id shared by every attempt. Reuse it across processes for exactly-once reruns. */
  runId?: string;
}

/** What {@link runFlow} returns. */
export interface FlowReport extends CommitReport {
  /** Attempts made, 1 when the first succeeded. */
  attempts: number;
}

function openSource(
  source: BatchSource,
): AsyncIterable<Table | RecordBatch> | Iterable<Table | RecordBatch> {
  const opened = typeof source === 'function' ? source() : source;
  if (
    opened === null ||
    typeof opened !== 'object' ||
    (!(Symbol.asyncIterator in opened) && !(Symbol.iterator in opened))
  ) {
    throw new ValidationError(
      'runFlow() source must be an iterable, an async iterable, or a function returning one',
    );
  }
  return opened;
}

/**
 * Runs `source` into `store` and commits, retrying retryable failures exactly-once in effect.
 * A one-shot source (a generator, a stream) cannot be replayed: a retry then fails with the
 * original error; pass a function that opens the source to allow retries. Arrays replay. Non-retryable errors are rethrown unchanged.
 *
 * @example
 * const report = await runFlow(() => readBatches('trips.arrow'), store, { runType: 'full_drop' });
 * console.log(`${report.rows} rows in ${report.attempts} attempt(s)`);
 */
export async function runFlow(
  source: BatchSource,
  store: Store,
  options: RunFlowOptions = {},
): Promise<FlowReport> {
  const runType = options.runType ?? 'incremental';
  const retries = options.retries ?? 3;
  const runId = options.runId ?? randomUUID();
  validateRunId(runId);
  const replayable = typeof source === 'function' || !isOneShot(source);
  if (!store.isConnected) await store.connect();

  for (let attempt = 1; ; attempt += 1) {
    try {
      options.signal?.throwIfAborted();
      await store.configureForRun(runType, { runId });
      const progress: FlowProgress = { attempt, rows: 0, bytes: 0, batches: 0 };
      for await (const data of openSource(source)) {
        options.signal?.throwIfAborted();
        await store.write(data);
        for (const batch of toRecordBatches(data)) {
          progress.rows += batch.numRows;
          progress.bytes += batchBytes(batch);
          progress.batches += 1;
        }
        options.onProgress?.({ ...progress });
      }
      options.signal?.throwIfAborted();
      const report = await store.finish();
      return { ...report, attempts: attempt };
    } catch (error) {
      const canRetry =
        isRetryable(error) && attempt <= retries && replayable && !options.signal?.aborted;
      await cleanupQuietly(store);
      if (!canRetry) throw error;
      try {
        await store.resetRetrySensitiveState();
      } catch {
        // Retrying without a reset could land a run twice or with gaps: give up, reporting the
        // failure that started it rather than the reset's.
        throw error;
      }
      const delay = backoffDelay(attempt, options.backoff);
      options.onRetry?.(error as StoreError, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}

async function cleanupQuietly(store: Store): Promise<void> {
  try {
    await store.cleanupStaging();
  } catch {
    // The original error is the one to report; recovery on the next connect removes the rest.
  }
}

/** A generator or stream object iterates once: its iterator is itself. Arrays replay. */
function isOneShot(source: object): boolean {
  const asyncIterator = (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
  if (typeof asyncIterator === 'function') return asyncIterator.call(source) === source;
  const iterator = (source as Partial<Iterable<unknown>>)[Symbol.iterator];
  return typeof iterator === 'function' && iterator.call(source) === source;
}
