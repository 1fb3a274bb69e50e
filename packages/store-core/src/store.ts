/**
 * The `Store` contract: one destination (a table, a dataset folder, a key space) where Arrow
 * batches land. Writes are staged; nothing is visible until `finish()` commits.
 *
 * Required of a subclass: `capabilities`, `write()`, `finish()`. Everything else has a
 * default here, so a caller never tests whether a method exists. A method that needs a
 * capability the store does not claim throws a `ValidationError` naming it.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ArrowInput } from './arrow-input.js';
import {
  type CapabilityName,
  type RunType,
  requireCapability,
  requireRunType,
  type StoreCapabilities,
} from './capabilities.js';
import type { FaultHook } from './engine/fault-hook.js';
import type { StagingSnapshot } from './engine/staged-writer.js';
import { ConnectionError } from './errors.js';
import type { MetricsSnapshot } from './metrics.js';
import type {
  ListQuery,
  RecordApi,
  RecordKey,
  Row,
  VectorHit,
  VectorQuery,
  Where,
} from './records.js';

/** What `finish()` returns: what this run committed. */
export interface CommitReport {
  /** The run's id (stable across the attempts of one `runFlow`). */
  readonly runId: string;
  readonly runType: RunType;
  /** Rows committed by this run. */
  readonly rows: number;
  /** Bytes of Arrow data committed by this run. */
  readonly bytes: number;
  /** Staged parts (files, chunks, staging inserts) published. */
  readonly parts: number;
  /** From the run's first write (or from `finish()` for an empty run) to the commit. */
  readonly durationMs: number;
  /** ISO-8601 time of the commit. */
  readonly committedAt: string;
  /**
   * `true` when production already held this run id (an earlier attempt had committed it), so
   * this commit changed nothing.
   */
  readonly alreadyCommitted: boolean;
}

/** What `health()` returns. */
export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'down';
  /** Round trip of the backend's cheapest call, in milliseconds. */
  readonly latencyMs: number;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Options of `connect()`. */
export interface ConnectOptions {
  /** Recover what crashed writers left. `false` for tools that only look. @default true */
  recover?: boolean;
}

/** Per-run settings passed with `configureForRun`. */
export interface RunSettings {
  /**
   * The run's id. Attempts that share an id commit at most once: a store that finds the id
   * already committed publishes nothing. `runFlow` keeps one id across its retries.
   * @default a fresh random id
   */
  runId?: string;
}

/** What `recover()` did with the runs a crashed process left behind. */
export interface RecoveryReport {
  /** Runs whose commit had begun and was completed. */
  readonly rolledForward: readonly string[];
  /** Runs that had not begun to commit and were discarded. */
  readonly discarded: readonly string[];
}

/** What `describe()` reports: a read-only look at a store, for tools such as `wharf inspect`. */
export interface StoreDescription {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** The Arrow schema of production, when known. */
  readonly schema?: Schema;
  /** Rows in production, when the store can count them cheaply. */
  readonly rows?: number;
  /** Recently committed run ids, oldest first, when the store records them. */
  readonly committedRuns?: readonly string[];
  /** Uncommitted runs and orphaned staging. */
  readonly staging?: StagingSnapshot;
  /** Backend-specific facts (files, versions, tables). Never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Options of `read()`. */
export interface ReadOptions {
  /** Only these columns. @default every column */
  columns?: readonly string[];
}

/** A view of a store limited to one tenant's rows. */
export interface TenantView extends RecordApi {
  readonly tenantId: string;
}

/** The base class every store extends. See the module comment for the contract. */
export abstract class Store implements RecordApi, AsyncDisposable {
  /** What this store can do; read by the library and the conformance kit. */
  abstract readonly capabilities: StoreCapabilities;

  /** A short description for messages, e.g. `memory:trips`. Never contains a secret. */
  abstract readonly name: string;

  #state: 'new' | 'connected' | 'closed' = 'new';

  /** Stages data for the current run; nothing becomes visible before `finish()`. */
  abstract write(data: ArrowInput): Promise<void>;

  /** Commits everything staged in this run, atomically. */
  abstract finish(): Promise<CommitReport>;

  /** `true` between a successful `connect()` and `close()`. */
  get isConnected(): boolean {
    return this.#state === 'connected';
  }

  /**
   * Opens connections, then runs `recover()` on what crashed writers left (unless
   * `{ recover: false }`, for read-only tools). Idempotent.
   */
  async connect(options: ConnectOptions = {}): Promise<void> {
    if (this.#state === 'closed') {
      throw new ConnectionError(`${this.name} is closed; create a new store to reconnect`);
    }
    if (this.#state === 'connected') return;
    await this.onConnect();
    this.#state = 'connected';
    if (options.recover === false) return;
    try {
      await this.recover();
    } catch (error) {
      this.#state = 'new';
      await this.onClose().catch(() => {});
      throw error;
    }
  }

  /** Releases connections; idempotent. Every later operation raises `ConnectionError`. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasConnected = this.#state === 'connected';
    this.#state = 'closed';
    if (wasConnected) await this.onClose();
  }

  /** `await using store = …` closes the store at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Checks the backend with its cheapest call. Never throws: a failure reports `down`. */
  async health(): Promise<HealthReport> {
    const started = performance.now();
    if (this.#state !== 'connected') {
      return { status: 'down', latencyMs: 0, details: { reason: `store is ${this.#state}` } };
    }
    try {
      const details = await this.ping();
      return { status: 'ok', latencyMs: performance.now() - started, details };
    } catch (error) {
      return {
        status: 'down',
        latencyMs: performance.now() - started,
        details: { reason: error instanceof Error ? error.message : String(error) },
      };
    }
  }

  /** Prepares the next run. Validates the run type against `capabilities.runTypes`. */
  async configureForRun(runType: RunType, _settings: RunSettings = {}): Promise<void> {
    requireRunType(this.capabilities, runType);
  }

  /** Removes this store's staged, uncommitted data (before a retry). No-op by default. */
  async cleanupStaging(): Promise<void> {}

  /** Resets counters and other per-run state (before a retry). No-op by default. */
  async resetRetrySensitiveState(): Promise<void> {}

  /** Receives a shared connection pool or client. Ignored by stores that use none. */
  setPool(_pool: unknown): void {}

  /** Finishes or undoes what a crashed process left behind. Runs on `connect()` too. */
  async recover(): Promise<RecoveryReport> {
    return { rolledForward: [], discarded: [] };
  }

  /** A read-only description of production and staging. Never changes anything. */
  async describe(): Promise<StoreDescription> {
    this.assertOpen('describe');
    return { name: this.name, capabilities: this.capabilities };
  }

  /** A snapshot of this store's operation metrics. */
  metrics(): MetricsSnapshot {
    return {
      operations: { total: 0, succeeded: 0, failed: 0 },
      latencyMs: { mean: 0, p50: 0, p95: 0 },
      rows: 0,
      bytes: 0,
      parts: 0,
      commits: 0,
      byOperation: {},
    };
  }

  /** The fault hook of the staging engine, where `capabilities.faultInjection` is claimed. */
  get faults(): FaultHook {
    return this.unsupported('faultInjection', 'faults');
  }

  /** Streams committed data back, where `capabilities.readBack` is claimed. */
  read(_options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    return this.unsupported('readBack', 'read');
  }

  /** A view limited to one tenant's rows, where `capabilities.tenants` is claimed. */
  forTenant(_tenantId: string): TenantView {
    return this.unsupported('tenants', 'forTenant');
  }

  get(_key: RecordKey): Promise<Row | undefined> {
    return this.unsupportedAsync('records', 'get');
  }
  insert(_row: Row): Promise<void> {
    return this.unsupportedAsync('records', 'insert');
  }
  update(_key: RecordKey, _patch: Row): Promise<Row> {
    return this.unsupportedAsync('records', 'update');
  }
  upsert(_row: Row): Promise<void> {
    return this.unsupportedAsync('records', 'upsert');
  }
  delete(_key: RecordKey): Promise<boolean> {
    return this.unsupportedAsync('records', 'delete');
  }
  list(_query: ListQuery = {}): Promise<Row[]> {
    return this.unsupportedAsync('records', 'list');
  }
  count(_where: Where = {}): Promise<number> {
    return this.unsupportedAsync('records', 'count');
  }
  restore(_key: RecordKey): Promise<void> {
    return this.unsupportedAsync('softDelete', 'restore');
  }
  listDeleted(_query: ListQuery = {}): Promise<Row[]> {
    return this.unsupportedAsync('softDelete', 'listDeleted');
  }
  search(_query: VectorQuery): Promise<VectorHit[]> {
    return this.unsupportedAsync('vectorSearch', 'search');
  }

  /** Backend I/O of `connect()` (recovery runs after it; do not call `recover()` here). */
  protected async onConnect(): Promise<void> {}

  /** Backend I/O of `close()`. */
  protected async onClose(): Promise<void> {}

  /** The backend's cheapest round trip, for `health()`; returns details to report. */
  protected async ping(): Promise<Record<string, unknown>> {
    return {};
  }

  /** Throws `ConnectionError` unless the store is connected. Call it first in every operation. */
  protected assertOpen(operation: string): void {
    if (this.#state === 'connected') return;
    throw new ConnectionError(
      this.#state === 'closed'
        ? `${this.name}.${operation}() called after close()`
        : `${this.name}.${operation}() called before connect()`,
    );
  }

  private unsupported(capability: CapabilityName, operation: string): never {
    requireCapability(this.capabilities, capability, `${this.name}.${operation}`);
    throw new Error(`${this.name} claims '${capability}' but does not implement ${operation}()`);
  }

  private async unsupportedAsync(capability: CapabilityName, operation: string): Promise<never> {
    this.unsupported(capability, operation);
  }
}
