/**
 * The public types of the conformance kit. A backend's test hands the kit a factory for fresh
 * stores and independent probes that read production and staging without the store's own
 * read path; the kit runs the checks its capabilities call for.
 */

import type { Row, Store } from '@wharf/store-core';
import type { Table } from 'apache-arrow';

/** The sections of the kit, in report order. */
export const SECTION_IDS = [
  'contract-shape',
  'lifecycle',
  'staged-writes',
  'run-types',
  'retry-protocol',
  'fault-sweep',
  'cross-process',
  'errors',
  'arrow-types',
  'bad-input',
  'records',
  'tenants',
  'soft-delete',
  'concurrency',
  'vector-search',
] as const;

/** One section of the kit. */
export type SectionId = (typeof SECTION_IDS)[number];

/** What the kit tells the factory and the probes about the store it wants. */
export interface ConformanceContext {
  /** The id of the running check, e.g. `staged-writes/isolation`. */
  readonly checkId: string;
  /**
   * The table, dataset or key-space name to use: a plain identifier unique to this check
   * (letters, digits, underscores). Stores created for one check share it.
   */
  readonly table: string;
  /** A temporary directory owned by this check, removed afterwards. */
  readonly directory: string;
  /** A unique prefix for anything else the store names (buckets, keys). */
  readonly prefix: string;
  /** Key columns the store must use for `merge` runs and the record API, if any. */
  readonly key?: readonly string[];
  /** The tenant column the store must use, when the check needs tenant views. */
  readonly tenantColumn?: string;
  /** Whether deletes must be soft, when the check needs it. */
  readonly softDelete?: boolean;
  /**
   * Credentials the kit planted in the options (for the errors section): a factory that
   * accepts a password or key should use this one, so the kit can check no message shows it.
   */
  readonly secret: string;
  /** When set, the factory must point the store at an unreachable server or location. */
  readonly unreachable?: boolean;
}

/** What production holds, read independently: an Arrow table or plain rows. */
export type Inspection = Table | readonly Row[];

/** How the kit starts a child process that builds the same store (cross-process sections). */
export interface SpawnOptions {
  /**
   * An absolute path (or file URL) of a JavaScript module the child can import with plain
   * Node.js, exporting the factory under `exportName`. It receives the same context.
   */
  readonly module: string;
  /** @default 'createStore' */
  readonly exportName?: string;
  /** Extra Node.js flags for the child (a loader, say). @default [] */
  readonly execArgv?: readonly string[];
  /** Extra environment for the child (server URLs). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Everything the kit needs from a backend's test. */
export interface ConformanceOptions {
  /** Shown in the report, e.g. `@wharf/store-sqlite`. */
  readonly name: string;
  /** A fresh, unconnected store for `context`. */
  createStore(context: ConformanceContext): Store | Promise<Store>;
  /** What production holds now, read WITHOUT the store's read path. */
  inspect(context: ConformanceContext): Promise<Inspection>;
  /**
   * How many staging artefacts (staged parts, staging tables, journal entries) exist for
   * `context.table`, read without the store. The no-leak checks expect 0.
   */
  inspectStaging(context: ConformanceContext): Promise<number>;
  /** Required for the cross-process sections; without it they fail as not configured. */
  readonly spawn?: SpawnOptions;
  /**
   * Sections switched off for this backend, with the reason. Reported `not-claimed` with the
   * reason — never `passed`.
   */
  readonly skipSections?: Partial<Record<SectionId, string>>;
  /** Rows in the "large batch" checks. @default 200_000 */
  readonly largeRows?: number;
  /** Per-check timeout in milliseconds. @default 120_000 */
  readonly timeoutMs?: number;
  /** Parent folder of the per-check temporary directories. @default os.tmpdir() */
  readonly tempRoot?: string;
  /**
   * Run only these sections (the CLI's `--section`). Checks of the other sections are reported
   * `not-claimed` with the reason `section not selected` — never `passed`.
   * @default every section
   */
  readonly sections?: readonly SectionId[];
}

/** The outcome of one check. */
export type CheckStatus = 'passed' | 'failed' | 'not-claimed';

/** One row of the report. */
export interface CheckResult {
  readonly id: string;
  readonly section: SectionId;
  readonly title: string;
  readonly status: CheckStatus;
  /** Why it failed, or which capability it needs and the store does not claim. */
  readonly error?: string;
  readonly durationMs: number;
}

/** What `runConformance` returns; the CLI prints it as a matrix and writes it as JSON. */
export interface ConformanceReport {
  readonly store: string;
  readonly checks: readonly CheckResult[];
  readonly summary: {
    readonly passed: number;
    readonly failed: number;
    readonly notClaimed: number;
  };
}
