/**
 * The job a child process runs for the cross-process checks, and the one line it prints back.
 * Shared by the parent (which writes the job into the environment) and the child entry.
 */
import type { RunType } from '@wharf/store-core';
import type { ConformanceContext } from './types.js';

/** The environment variable that carries the JSON job to the child. */
export const JOB_ENVIRONMENT_VARIABLE = 'WHARF_CONFORMANCE_JOB';

/** The prefix of the child's result line on stdout. */
export const RESULT_PREFIX = 'wharf-conformance-result ';

/** What a child does: build the store from the module's factory, run one run, commit. */
export interface ChildJob {
  /** Absolute path or file URL of the module exporting the factory. */
  readonly module: string;
  readonly exportName: string;
  readonly context: ConformanceContext;
  readonly runType: RunType;
  readonly runId: string;
  /** The first standard row id; batch `b` writes `startId + b * rowsPerBatch` onwards. */
  readonly startId: number;
  readonly batches: number;
  readonly rowsPerBatch: number;
  /** The standard row variant. @default 0 */
  readonly variant?: number;
  /** The standard columns to write (the store may not claim every type). */
  readonly columns: readonly string[];
}

/** The child's answer. */
export type ChildOutcome =
  | {
      readonly ok: true;
      readonly rows: number;
      readonly runId: string;
      readonly alreadyCommitted: boolean;
    }
  | {
      readonly ok: false;
      readonly error: {
        readonly name: string;
        readonly message: string;
        readonly code?: string;
        readonly retryable?: boolean;
      };
    };

/** The child's outcome from its stdout, or `undefined` when it printed none. */
export function parseOutcome(stdout: string): ChildOutcome | undefined {
  const line = stdout
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith(RESULT_PREFIX));
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildOutcome;
  } catch {
    return undefined;
  }
}
