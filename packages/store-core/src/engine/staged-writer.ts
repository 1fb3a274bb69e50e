/**
 * The staged-write engine. A backend supplies a few primitives (stage a part, publish the
 * staged parts for a run type, discard, list leftovers, read and write the run journal); the
 * engine owns the protocol that keeps the five invariants:
 *
 * 1. isolation — parts are staged where production readers do not look;
 * 2. atomicity — `publish` is one atomic step of the backend (or, for a store claiming only
 *    `recoverable`, rolled forward from the journal until it completes);
 * 3. exactly once — `publish` records the run id with the data and does nothing for an id it
 *    already holds, so a retried or recovered run never lands twice;
 * 4. nothing lost — production changes only inside `publish`;
 * 5. no leaks — staging is discarded after commit, on cleanup and by recovery.
 *
 * A run: `journal:begin` → `begin` → `stagePart`… → `journal:commit` (state `committing`, the
 * part list) → `publish` → `discard` → `journal:remove`. Each is a step of the fault hook.
 */
import { randomUUID } from 'node:crypto';
import { type RecordBatch, type Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { batchBytes, toRecordBatches } from '../arrow-input.js';
import { assertSupportedTypes } from '../arrow-types.js';
import { type RunType, requireRunType, type StoreCapabilities } from '../capabilities.js';
import { CommitError, StagingError, StoreError, ValidationError } from '../errors.js';
import { MetricsRecorder } from '../metrics.js';
import { fitBatch, type SchemaEvolution } from '../schema-policy.js';
import type { CommitReport, RecoveryReport, RunSettings } from '../store.js';
import { type FaultPlan, SimulatedCrash, StepRunner } from './fault-hook.js';
import {
  isOwnerAlive,
  type JournalEntry,
  markAlive,
  markDead,
  ownerOf,
  type RunInfo,
  type StagedPart,
} from './journal.js';

/** Lets a primitive expose its own sub-steps (one rename of many, say) to the fault hook. */
export type Checkpoint = (name: string) => Promise<void>;

/** One part handed to `stagePart`: consecutive batches, all of the run's current schema. */
export interface PartToStage {
  readonly index: number;
  readonly batches: readonly RecordBatch[];
  readonly schema: Schema;
  readonly rows: number;
  readonly bytes: number;
}

/** A run found in the staging area by {@link StagedWriter.inspect}. */
export interface StagedRunInfo {
  readonly runId: string;
  readonly runType: RunType;
  readonly state: JournalEntry['state'];
  readonly startedAt: string;
  readonly parts: number;
  /** Whether its writer may still be working on it (recovery leaves it alone then). */
  readonly alive: boolean;
}

/** What the staging area holds. */
export interface StagingSnapshot {
  readonly runs: readonly StagedRunInfo[];
  /** Run ids with staging artefacts but no journal entry (recovery discards them). */
  readonly orphans: readonly string[];
}

/** What `publish` reports. */
export interface PublishResult {
  /** `true` when production already held this run id and nothing changed. */
  readonly alreadyPublished: boolean;
}

/**
 * The primitives a backend supplies. Each is one step of the protocol. Every method must be
 * idempotent where noted, because recovery may repeat it after a crash.
 */
export interface StagingPrimitives {
  /** Prepares the staging area of a run (a staging table, a folder). Idempotent. */
  begin(run: RunInfo, schema: Schema | undefined): Promise<void>;
  /** Stages one part where production readers do not look; returns its descriptor. */
  stagePart(run: RunInfo, part: PartToStage): Promise<StagedPart>;
  /**
   * Makes the parts production, per `run.runType`, in one atomic step (or rolled forward by
   * recovery for a `recoverable` store), recording `run.runId` with the data. Idempotent: when
   * production already records `run.runId`, changes nothing and reports `alreadyPublished`.
   * `schema` is the run's final schema (`undefined` for an empty run with no known schema).
   */
  publish(
    run: RunInfo,
    parts: readonly StagedPart[],
    schema: Schema | undefined,
    checkpoint: Checkpoint,
  ): Promise<PublishResult>;
  /** Removes every staging artefact of the run. Idempotent. */
  discard(runId: string, checkpoint: Checkpoint): Promise<void>;
  /** Run ids that have staging artefacts (with or without a journal entry). */
  listLeftovers(): Promise<string[]>;
  readJournal(): Promise<JournalEntry[]>;
  /** Creates or replaces the entry of `entry.runId`. */
  writeJournal(entry: JournalEntry): Promise<void>;
  /** Removes the entry of `runId`. Idempotent. */
  removeJournal(runId: string): Promise<void>;
  /** Resets the backend's retry-sensitive state (a file sequence counter, say). */
  resetRetrySensitiveState?(): void | Promise<void>;
}

/** Options of the engine. Backends pass their own defaults for the part sizes. */
export interface StagedWriterOptions {
  /** For messages and metrics, e.g. `sqlite:trips`. */
  name: string;
  capabilities: StoreCapabilities;
  primitives: StagingPrimitives;
  /** The target schema; otherwise the first batch decides. */
  schema?: Schema;
  /** @default 'strict' */
  schemaEvolution?: SchemaEvolution;
  /** The run type used until `configure()` says otherwise. @default 'incremental' if claimed */
  runType?: RunType;
  /** A part is staged once it holds this many rows. @default 65_536 */
  partRows?: number;
  /** …or this many bytes of Arrow data. @default 16 MiB */
  partBytes?: number;
  /**
   * A run on another host whose journal entry is older than this is treated as abandoned by
   * recovery. Runs on this host are judged by whether their process still exists.
   * @default 3_600_000 (one hour)
   */
  staleRunAfterMs?: number;
  /** A fault to arm at once. @default read from `WHARF_FAULT` */
  faultPlan?: FaultPlan;
}

interface ActiveRun {
  info: RunInfo;
  parts: StagedPart[];
  state: 'staging' | 'committing' | 'failed';
  started: number;
}

/** Encodes a schema for the journal (a zero-row Arrow IPC stream, base64). */
export function encodeSchema(schema: Schema): string {
  return Buffer.from(tableToIPC(new Table(schema), 'stream')).toString('base64');
}

/** Decodes a schema written by {@link encodeSchema}. */
export function decodeSchema(encoded: string): Schema {
  return tableFromIPC(Buffer.from(encoded, 'base64')).schema;
}

/**
 * The engine behind a staged store. A backend's `Store` subclass creates one and delegates
 * `write`, `finish`, `configureForRun`, `cleanupStaging`, `resetRetrySensitiveState`,
 * `recover`, `faults` and `metrics` to it.
 *
 * @example
 * this.#writer = new StagedWriter({ name: 'memory:trips', capabilities, primitives });
 * write(data) { return this.#writer.write(data); }
 */
export class StagedWriter {
  readonly #options: StagedWriterOptions;
  readonly #primitives: StagingPrimitives;
  readonly #steps: StepRunner;
  readonly #metrics: MetricsRecorder;
  readonly #instance = randomUUID();
  readonly #partRows: number;
  readonly #partBytes: number;
  #schema: Schema | undefined;
  #runType: RunType;
  #nextRunId: string | undefined;
  #run: ActiveRun | undefined;
  #buffer: RecordBatch[] = [];
  #bufferedRows = 0;
  #bufferedBytes = 0;
  #busy = false;

  constructor(options: StagedWriterOptions) {
    this.#options = options;
    this.#primitives = options.primitives;
    this.#steps = new StepRunner(options.faultPlan);
    this.#metrics = new MetricsRecorder(options.name);
    this.#schema = options.schema;
    this.#partRows = options.partRows ?? 65_536;
    this.#partBytes = options.partBytes ?? 16 * 1024 * 1024;
    const claimed = options.capabilities.runTypes;
    this.#runType = requireRunType(
      options.capabilities,
      options.runType ?? (claimed.includes('incremental') ? 'incremental' : claimed[0]),
    );
    markAlive(this.#instance);
  }

  /** The fault hook (`store.faults`). */
  get faults(): StepRunner {
    return this.#steps;
  }

  /** The metrics recorder (`store.metrics()` returns its snapshot). */
  get metrics(): MetricsRecorder {
    return this.#metrics;
  }

  /** Bytes of Arrow data buffered in memory, not yet staged. Bounded by `partBytes` + a batch. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /** The current target schema (from options, the first batch, or widened by evolution). */
  get schema(): Schema | undefined {
    return this.#schema;
  }

  /** The run type of the next (or current) run. */
  get runType(): RunType {
    return this.#runType;
  }

  /** The id of the run in progress, if any. */
  get runId(): string | undefined {
    return this.#run?.info.runId;
  }

  /** Sets the run type and settings of the next run. */
  async configure(runType: RunType, settings: RunSettings = {}): Promise<void> {
    this.#steps.assertAlive();
    const checked = requireRunType(this.#options.capabilities, runType);
    if (settings.runId !== undefined) validateRunId(settings.runId);
    if (this.#run && this.#run.state !== 'failed') {
      throw new ValidationError(
        `${this.#options.name}: configureForRun() during a run; finish() it or call cleanupStaging() first`,
      );
    }
    // A failed run whose cleanup did not complete is cleaned now (or this call fails with the
    // cleanup's own, usually retryable, error).
    if (this.#run) await this.cleanup();
    this.#runType = checked;
    this.#nextRunId = settings.runId;
  }

  /** Stages `data` (a Table or RecordBatch) for the current run. */
  async write(data: unknown): Promise<void> {
    await this.#exclusive('write', async () => {
      if (this.#run?.state === 'failed') {
        throw new ValidationError(
          `${this.#options.name}: the run failed; call cleanupStaging() before writing again`,
        );
      }
      const incoming = data as { schema?: Schema };
      const batches = toRecordBatches(data);
      if (incoming.schema) this.#checkTypes(incoming.schema);
      for (const batch of batches) {
        const fitted = fitBatch(this.#schema, batch, this.#options.schemaEvolution);
        if (fitted.schema !== this.#schema) this.#checkTypes(fitted.schema);
        this.#schema = fitted.schema;
        await this.#ensureRun();
        for (const slice of splitRows(fitted.batch, this.#partRows)) {
          this.#buffer.push(slice);
          this.#bufferedRows += slice.numRows;
          this.#bufferedBytes += batchBytes(slice);
          if (this.#bufferedRows >= this.#partRows || this.#bufferedBytes >= this.#partBytes) {
            await this.#stageBuffer();
          }
        }
      }
    });
  }

  /** Commits the current run (an empty one when nothing was written). */
  async finish(): Promise<CommitReport> {
    return this.#exclusive('finish', async () => {
      if (this.#run?.state === 'failed') {
        throw new ValidationError(
          `${this.#options.name}: the run failed; call cleanupStaging() and run again`,
        );
      }
      await this.#ensureRun();
      const run = this.#run!;
      try {
        await this.#stageBuffer();
        const entry = this.#entry(run, 'committing');
        await this.#step(
          'journal:commit',
          () => this.#primitives.writeJournal(entry),
          StagingError,
        );
        run.state = 'committing';
        const published = await this.#step(
          'publish',
          () =>
            this.#primitives.publish(run.info, run.parts, this.#schema, (name) =>
              this.#checkpoint(name),
            ),
          CommitError,
        );
        await this.#step('discard', () => this.#discard(run.info.runId), CommitError);
        await this.#step(
          'journal:remove',
          () => this.#primitives.removeJournal(run.info.runId),
          CommitError,
        );
        const rows = run.parts.reduce((sum, part) => sum + part.rows, 0);
        const bytes = run.parts.reduce((sum, part) => sum + part.bytes, 0);
        if (!published.alreadyPublished) this.#metrics.addCommit(rows, bytes);
        this.#run = undefined;
        this.#nextRunId = undefined;
        return {
          runId: run.info.runId,
          runType: run.info.runType,
          rows,
          bytes,
          parts: run.parts.length,
          durationMs: performance.now() - run.started,
          committedAt: new Date().toISOString(),
          alreadyCommitted: published.alreadyPublished,
        };
      } catch (error) {
        if (!SimulatedCrash.isInstance(error)) run.state = 'failed';
        throw error;
      }
    });
  }

  /**
   * Removes the staged data of the current or failed run. For a `recoverable` store whose
   * commit had begun, completes the commit instead (a partial publish cannot be undone).
   */
  async cleanup(): Promise<void> {
    await this.#exclusive('cleanupStaging', async () => {
      const run = this.#run;
      this.#clearBuffer();
      if (!run) return;
      // Failed from here on: if this cleanup fails too, the run stays failed, the retry's
      // reset is allowed, and the next configure() tries the cleanup again.
      if (run.state === 'staging') run.state = 'failed';
      if (this.#options.capabilities.commit === 'recoverable') {
        const entries = await this.#primitives.readJournal();
        const entry = entries.find((candidate) => candidate.runId === run.info.runId);
        if (entry?.state === 'committing') await this.#rollForward(entry);
      }
      await this.#step('discard', () => this.#discard(run.info.runId), StagingError);
      await this.#step(
        'journal:remove',
        () => this.#primitives.removeJournal(run.info.runId),
        StagingError,
      );
      this.#run = undefined;
    });
  }

  /** Resets per-run counters and the backend's retry-sensitive state. */
  async resetRetrySensitiveState(): Promise<void> {
    this.#steps.assertAlive();
    if (this.#run && this.#run.state !== 'failed') {
      throw new ValidationError(
        `${this.#options.name}: resetRetrySensitiveState() during a run; call cleanupStaging() first`,
      );
    }
    await this.#primitives.resetRetrySensitiveState?.();
  }

  /**
   * Finishes or undoes the runs that dead writers left: a run whose journal says `committing`
   * is published (idempotently) and cleaned; any other abandoned run, and staging with no
   * journal entry, is discarded. Runs of live writers are left alone.
   */
  async recover(): Promise<RecoveryReport> {
    return this.#exclusive('recover', async () => {
      // Leftovers first: a run's journal entry is written before its staging, so any staging
      // seen here has an entry that the journal read below will see (unless it finished).
      const leftovers = await this.#primitives.listLeftovers();
      const entries = await this.#primitives.readJournal();
      const staleAfter = this.#options.staleRunAfterMs ?? 3_600_000;
      const rolledForward: string[] = [];
      const discarded: string[] = [];
      const known = new Set<string>();
      for (const entry of entries) {
        known.add(entry.runId);
        if (isOwnerAlive(entry, staleAfter)) continue;
        if (entry.state === 'committing') {
          if (await this.#rollForwardOrDiscard(entry)) rolledForward.push(entry.runId);
          else discarded.push(entry.runId);
        } else {
          await this.#step('discard', () => this.#discard(entry.runId), StagingError);
          discarded.push(entry.runId);
        }
        await this.#step(
          'journal:remove',
          () => this.#primitives.removeJournal(entry.runId),
          StagingError,
        );
      }
      for (const runId of leftovers) {
        if (known.has(runId) || runId === this.#run?.info.runId) continue;
        await this.#step('discard', () => this.#discard(runId), StagingError);
        discarded.push(runId);
      }
      return { rolledForward, discarded };
    });
  }

  /**
   * What the staging area holds now, read-only: journal entries (with whether their writer is
   * alive) and run ids with staging but no journal entry.
   */
  async inspect(): Promise<StagingSnapshot> {
    const leftovers = await this.#primitives.listLeftovers();
    const entries = await this.#primitives.readJournal();
    const staleAfter = this.#options.staleRunAfterMs ?? 3_600_000;
    const journaled = new Set(entries.map((entry) => entry.runId));
    return {
      runs: entries.map((entry) => ({
        runId: entry.runId,
        runType: entry.runType,
        state: entry.state,
        startedAt: entry.startedAt,
        parts: entry.parts.length,
        alive: isOwnerAlive(entry, staleAfter),
      })),
      orphans: leftovers.filter((runId) => !journaled.has(runId)),
    };
  }

  /**
   * Discards the current run's staging (when the store closes without `finish()`), unless the
   * store crashed. Never throws.
   */
  async abort(): Promise<void> {
    try {
      if (!this.#steps.crashed && this.#run) await this.cleanup();
    } catch {
      // Recovery on the next connect removes what could not be removed now.
    } finally {
      markDead(this.#instance);
    }
  }

  /**
   * Rolls an abandoned committing run forward; `false` when its publish can never succeed (a
   * non-retryable error, e.g. its schema no longer fits production) and, the store being
   * atomic, production is untouched: then the run is discarded instead of blocking every
   * later recovery. A `recoverable` store rethrows: a partial publish cannot be undone.
   */
  async #rollForwardOrDiscard(entry: JournalEntry): Promise<boolean> {
    try {
      await this.#rollForward(entry);
      return true;
    } catch (error) {
      const permanent = StoreError.isInstance(error) && !error.retryable;
      if (!permanent || this.#options.capabilities.commit !== 'atomic') throw error;
      await this.#step('discard', () => this.#discard(entry.runId), StagingError);
      return false;
    }
  }

  async #rollForward(entry: JournalEntry): Promise<void> {
    const info: RunInfo = {
      runId: entry.runId,
      runType: entry.runType,
      startedAt: entry.startedAt,
    };
    const schema = entry.schema === undefined ? undefined : decodeSchema(entry.schema);
    await this.#step(
      'publish',
      () => this.#primitives.publish(info, entry.parts, schema, (name) => this.#checkpoint(name)),
      CommitError,
    );
    await this.#step('discard', () => this.#discard(entry.runId), CommitError);
  }

  #discard(runId: string): Promise<void> {
    return this.#primitives.discard(runId, (name) => this.#checkpoint(name));
  }

  async #ensureRun(): Promise<void> {
    if (this.#run) return;
    const info: RunInfo = {
      runId: this.#nextRunId ?? randomUUID(),
      runType: this.#runType,
      startedAt: new Date().toISOString(),
    };
    const run: ActiveRun = { info, parts: [], state: 'staging', started: performance.now() };
    this.#run = run;
    await this.#step(
      'journal:begin',
      () => this.#primitives.writeJournal(this.#entry(run, 'staging')),
      StagingError,
    );
    await this.#step('begin', () => this.#primitives.begin(info, this.#schema), StagingError);
  }

  async #stageBuffer(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const run = this.#run!;
    const part: PartToStage = {
      index: run.parts.length,
      batches: this.#buffer,
      schema: this.#schema!,
      rows: this.#bufferedRows,
      bytes: this.#bufferedBytes,
    };
    const staged = await this.#step(
      'stagePart',
      () => this.#primitives.stagePart(run.info, part),
      StagingError,
    );
    run.parts.push(staged);
    this.#metrics.addParts(1);
    this.#clearBuffer();
  }

  #clearBuffer(): void {
    this.#buffer = [];
    this.#bufferedRows = 0;
    this.#bufferedBytes = 0;
  }

  #entry(run: ActiveRun, state: JournalEntry['state']): JournalEntry {
    return {
      runId: run.info.runId,
      runType: run.info.runType,
      state,
      owner: ownerOf(this.#instance),
      startedAt: run.info.startedAt,
      updatedAt: new Date().toISOString(),
      parts: [...run.parts],
      ...(this.#schema ? { schema: encodeSchema(this.#schema) } : {}),
    };
  }

  #checkTypes(schema: Schema): void {
    assertSupportedTypes(schema, this.#options.capabilities.arrowTypes, this.#options.name);
  }

  async #checkpoint(name: string): Promise<void> {
    await this.#steps.run(name, async () => {});
  }

  /** Runs a primitive as a fault-hook step, wrapping any non-store error in `Wrapper`. */
  async #step<T>(
    name: string,
    action: () => Promise<T>,
    Wrapper: typeof StagingError | typeof CommitError,
  ): Promise<T> {
    try {
      return await this.#steps.run(name, action);
    } catch (error) {
      if (SimulatedCrash.isInstance(error)) {
        markDead(this.#instance);
        throw error;
      }
      if (StoreError.isInstance(error)) throw error;
      throw new Wrapper(`${this.#options.name}: ${name} failed: ${messageText(error)}`, {
        cause: error,
      });
    }
  }

  async #exclusive<T>(operation: string, action: () => Promise<T>): Promise<T> {
    this.#steps.assertAlive();
    if (this.#busy) {
      throw new ValidationError(
        `${this.#options.name}: ${operation}() called while another call is in progress; await each call`,
      );
    }
    this.#busy = true;
    try {
      return await this.#metrics.track(operation, action);
    } finally {
      this.#busy = false;
    }
  }
}

function messageText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function* splitRows(batch: RecordBatch, rows: number): Generator<RecordBatch> {
  if (!Number.isFinite(rows) || batch.numRows <= rows) {
    yield batch;
    return;
  }
  for (let offset = 0; offset < batch.numRows; offset += rows) {
    yield batch.slice(offset, Math.min(batch.numRows, offset + rows));
  }
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Run ids end up in file names and keys: letters, digits, `.`, `_` and `-`, at most 128. */
export function validateRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new ValidationError(
      `run id ${JSON.stringify(runId)} is not valid: use letters, digits, '.', '_' and '-' (at most 128, not starting with a symbol)`,
    );
  }
}
