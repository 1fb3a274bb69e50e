/**
 * `wharf copy <from> <to>`: runs a file or a readable store into a store through `runFlow`,
 * with retries, progress, a summary, and a clean abort on Ctrl-C (nothing half-committed,
 * staging cleaned).
 */
import {
  type FlowReport,
  RUN_TYPES,
  type RunType,
  runFlow,
  ValidationError,
} from '@wharf/store-core';
import { formatBytes, formatCount, type ProgressOutput, ProgressReporter } from '../progress.js';
import { openSource } from '../sources/index.js';
import { parseStoreUrl } from '../store-urls.js';

/** Options of {@link copy}. */
export interface CopyOptions {
  /** @default 'incremental' */
  mode?: RunType;
  key?: string[];
  /** @default 3 */
  retries?: number;
  /** Rows per batch read from a text file. */
  batchRows?: number;
  /** Aborts the copy (the CLI wires Ctrl-C to it). */
  signal?: AbortSignal;
  /** Where progress goes. @default process.stderr */
  progress?: ProgressOutput;
  /** Where the summary goes. @default process.stdout */
  output?: { write(text: string): unknown };
}

/** Copies `from` into `to`; resolves with the commit report. */
export async function copy(
  from: string,
  to: string,
  options: CopyOptions = {},
): Promise<FlowReport> {
  const mode = options.mode ?? 'incremental';
  if (!RUN_TYPES.includes(mode))
    throw new ValidationError(`--mode must be one of ${RUN_TYPES.join(', ')}`);
  const target = parseStoreUrl(to);
  const output = options.output ?? process.stdout;
  const source = await openSource(from, {
    ...(options.key ? { key: options.key } : {}),
    ...(options.batchRows ? { batchRows: options.batchRows } : {}),
  });
  const store = await target.open(options.key ? { key: options.key } : {});
  const progress = new ProgressReporter(options.progress ?? process.stderr);
  const started = performance.now();
  try {
    await store.connect();
    const report = await runFlow(() => source.batches(), store, {
      runType: mode,
      retries: options.retries ?? 3,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (state) => progress.update(state),
      onRetry: (error, attempt, delay) =>
        progress.note(
          `attempt ${attempt} failed: ${error.message}; retrying in ${Math.round(delay)} ms`,
        ),
    });
    progress.done();
    const seconds = (performance.now() - started) / 1000;
    output.write(
      [
        `copied ${source.display} -> ${target.display} (${report.runType})`,
        `  rows     ${formatCount(report.rows)}${report.alreadyCommitted ? ' (already committed by an earlier attempt)' : ''}`,
        `  bytes    ${formatBytes(report.bytes)} in ${report.parts} part(s)`,
        `  time     ${seconds.toFixed(2)} s, ${formatCount(report.rows / Math.max(seconds, 1e-9))} rows/s`,
        `  attempts ${report.attempts}`,
        `  run      ${report.runId}`,
        '',
      ].join('\n'),
    );
    return report;
  } finally {
    progress.done();
    await Promise.allSettled([store.close(), source.close()]);
  }
}
