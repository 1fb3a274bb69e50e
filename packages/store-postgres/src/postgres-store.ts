/**
 * `PostgresStore`: a wharf store on PostgreSQL through `pg`. Batches are staged with binary
 * `COPY` into a per-run (unlogged) staging table and published in one transaction; the record
 * API, tenant views, soft delete, brute-force vector search and versioned migrations work on
 * the same table. The staged-write protocol (journal, recovery, fault hook) is store-core's
 * `StagedWriter`; this class supplies its primitives.
 */
import {
  assertIdentifier,
  ConnectionError,
  type EngineCall,
  type JournalEntry,
  keyColumns,
  type ListQuery,
  NotFoundError,
  type PartToStage,
  type PublishResult,
  type ReadOptions,
  type RecordKey,
  type Row,
  type RunInfo,
  type RunType,
  SimulatedCrash,
  type StagedPart,
  StagedStore,
  StagedWriter,
  StagingError,
  type StagingPrimitives,
  type StoreCapabilities,
  type StoreDescription,
  type TenantView,
  ValidationError,
  type VectorHit,
  type VectorQuery,
  type Where,
} from '@wharf/store-core';
import { Binary, Bool, Field, Float64, Int64, type RecordBatch, Schema, Utf8 } from 'apache-arrow';
import pg from 'pg';
import {
  createProduction,
  DELETED_AT,
  ensureCatalog,
  lockTable,
  metaTable,
  type PostgresTarget,
  readJournal,
  readProduction,
  removeJournal,
  writeJournal,
} from './postgres-catalog.js';
import { inTransaction, type Lease, lease, withLease } from './postgres-connection.js';
import { toStoreError } from './postgres-errors.js';
import { type Migration, type MigrationReport, runMigrations } from './postgres-migrations.js';
import {
  DEFAULT_POOL,
  type PostgresPool,
  type PostgresStoreOptions,
  secretsOf,
} from './postgres-options.js';
import { publishRun } from './postgres-publish.js';
import { readBatches } from './postgres-read.js';
import {
  countRows,
  deleteRow,
  getRow,
  insertRow,
  listRows,
  type RecordTable,
  restoreRow,
  searchRows,
  updateRow,
  upsertRow,
} from './postgres-records.js';
import { qualifiedName, quoteIdentifier } from './postgres-sql.js';
import {
  createStaging,
  dropStaging,
  StagingCopy,
  stagingColumns,
  stagingRuns,
  stagingTableName,
  widenStaging,
} from './postgres-staging.js';
import { POSTGRES_ARROW_TYPES } from './postgres-types.js';
import type { RecordScope } from './postgres-where.js';

/** The connection a run holds from its first write to its commit. */
interface RunSession {
  readonly runId: string;
  readonly runType: RunType;
  readonly lease: Lease;
  /** More connections staging rows in parallel (none for merge runs, whose order matters). */
  readonly lanes: Lease[];
  /** Columns of the staging table, once created. */
  columns: Set<string> | undefined;
  /** The COPY left open between parts, completed before anything else uses the connection. */
  copy: StagingCopy | undefined;
}

/** The scoped record operations a tenant view calls. */
interface ScopedRecords {
  get(key: RecordKey): Promise<Row | undefined>;
  insert(row: Row): Promise<void>;
  update(key: RecordKey, patch: Row): Promise<Row>;
  upsert(row: Row): Promise<void>;
  delete(key: RecordKey): Promise<boolean>;
  list(query: ListQuery, rows: 'live' | 'deleted'): Promise<Row[]>;
  count(where: Where): Promise<number>;
  restore(key: RecordKey): Promise<void>;
  search(query: VectorQuery): Promise<VectorHit[]>;
}

/**
 * A wharf store on one PostgreSQL table.
 *
 * @example
 * import { runFlow } from '@wharf/store-core';
 * import { PostgresStore } from '@wharf/store-postgres';
 *
 * await using store = new PostgresStore({
 *   connectionString: process.env.DATABASE_URL,
 *   table: 'trips',
 *   key: 'id',
 * });
 * const report = await runFlow(() => readBatches(), store, { runType: 'merge' });
 * console.log(report.rows, await store.count());
 */
export class PostgresStore extends StagedStore {
  /** Every run type, atomic commits, the record API, tenants, soft delete, vector search. */
  readonly capabilities: StoreCapabilities;
  /** `postgres:<pgSchema>.<table>`; never contains a credential. */
  readonly name: string;
  readonly #options: PostgresStoreOptions;
  readonly #target: PostgresTarget;
  readonly #key: string[];
  protected readonly writer: StagedWriter;
  #pool: pg.Pool | undefined;
  #ownsPool = false;
  #session: RunSession | undefined;
  readonly #onPoolError = (): void => {
    // An idle client lost its connection (a server restart, say); the pool drops it.
  };

  protected override get mergeKey(): readonly string[] {
    return this.#key;
  }

  constructor(options: PostgresStoreOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('PostgresStore needs options with at least a table');
    }
    const table = assertIdentifier(options.table);
    const pgSchema = assertIdentifier(options.pgSchema ?? 'public', 'pgSchema');
    this.#key = keyColumns(options.key);
    for (const column of this.#key) assertIdentifier(column, 'key column');
    if (options.tenantColumn !== undefined) assertIdentifier(options.tenantColumn, 'tenant column');
    if (
      options.fullDropMode !== undefined &&
      !['truncate', 'delete'].includes(options.fullDropMode)
    ) {
      throw new ValidationError(`fullDropMode must be 'truncate' or 'delete'`);
    }
    this.#options = options;
    this.name = `postgres:${pgSchema}.${table}`;
    this.#target = {
      name: this.name,
      pgSchema,
      table,
      qualified: qualifiedName(pgSchema, table),
      key: this.#key,
      tenantColumn: options.tenantColumn,
      softDelete: options.softDelete === true,
      schemaEvolution: options.schemaEvolution ?? 'strict',
      unloggedStaging: options.unloggedStaging !== false,
      fullDropMode: options.fullDropMode ?? 'truncate',
      secrets: secretsOf(options),
    };
    this.capabilities = {
      runTypes: ['full_drop', 'incremental', 'merge'],
      commit: 'atomic',
      readBack: true,
      records: true,
      tenants: true,
      softDelete: true,
      vectorSearch: true,
      faultInjection: true,
      multiProcess: true,
      arrowTypes: POSTGRES_ARROW_TYPES,
    };
    this.writer = new StagedWriter({
      name: this.name,
      capabilities: this.capabilities,
      primitives: this.#primitives(),
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.schemaEvolution ? { schemaEvolution: options.schemaEvolution } : {}),
      ...(options.runType ? { runType: options.runType } : {}),
      ...(options.partRows ? { partRows: options.partRows } : {}),
      ...(options.partBytes ? { partBytes: options.partBytes } : {}),
      ...(options.staleRunAfterMs ? { staleRunAfterMs: options.staleRunAfterMs } : {}),
    });
  }

  /** The staging engine's fault hook (tests arm it; `WHARF_FAULT` arms it in a child). */

  /** Operation counts and latencies of this store. */

  /**
   * Shares a `pg.Pool` (from `pg` 8) with other stores, before `connect()`. The store then
   * never ends it: `close()` only gives back the connections it took.
   */
  override setPool(pool: PostgresPool): void {
    const candidate = pool as unknown as Partial<pg.Pool> | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      typeof candidate.connect !== 'function' ||
      typeof candidate.end !== 'function'
    ) {
      throw new ValidationError(`${this.name}: setPool() expects a pg.Pool`);
    }
    if (this.isConnected || this.#pool !== undefined) {
      throw new ValidationError(`${this.name}: setPool() must be called before connect()`);
    }
    this.#pool = pool as unknown as pg.Pool;
    this.#ownsPool = false;
  }

  override async describe(): Promise<StoreDescription> {
    this.assertOpen('describe');
    const target = this.#target;
    const facts = await this.#guard('describe', () =>
      withLease(this.#requirePool(), async (leased) => {
        const production = await readProduction(leased.client, target);
        const rows = production.exists
          ? Number(
              (await leased.client.query(`SELECT count(*) AS n FROM ${target.qualified}`)).rows[0]
                .n,
            )
          : 0;
        const runs = await leased.client.query(
          `SELECT run_id FROM ${metaTable(target, 'runs')} WHERE table_name = $1 ORDER BY sequence`,
          [target.table],
        );
        return { production, rows, runs: runs.rows.map((row: { run_id: string }) => row.run_id) };
      }),
    );
    return {
      name: this.name,
      capabilities: this.capabilities,
      ...(facts.production.schema ? { schema: facts.production.schema } : {}),
      rows: facts.rows,
      committedRuns: facts.runs,
      staging: await this.stagingSnapshot(),
      details: { table: target.qualified, managedByWharf: facts.production.stored },
    };
  }

  /**
   * Applies versioned schema changes in order, each in its own transaction with its row in
   * `wharf_migrations` (in `pgSchema`); applied versions are skipped. A failure is a
   * `MigrationError` and leaves the schema as the previous migration left it.
   */
  async migrate(migrations: readonly Migration[]): Promise<MigrationReport> {
    this.assertOpen('migrate');
    return this.writer.metrics.track('migrate', () =>
      this.#guard('migrate', () =>
        withLease(this.#requirePool(), (leased) => runMigrations(leased, this.#target, migrations)),
      ),
    );
  }

  /**
   * Streams production (without soft-deleted rows) as record batches of the stored Arrow
   * types, from one `COPY … TO STDOUT`: one snapshot, about one batch in memory at a time.
   */
  override async *read(options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    this.assertOpen('read');
    const leased = await this.#guard('read', () => lease(this.#requirePool()));
    let handedOver = false;
    try {
      const production = await this.#guard('read', () =>
        readProduction(leased.client, this.#target),
      );
      if (!production.exists || !production.schema) return;
      const schema = production.schema;
      for (const name of options.columns ?? []) {
        if (!schema.fields.some((field) => field.name === name)) {
          throw new ValidationError(`read: unknown column '${name}'`, {
            details: { column: name },
          });
        }
      }
      const selected = options.columns
        ? new Schema(
            options.columns.map((name) => schema.fields.find((field) => field.name === name)!),
          )
        : schema;
      handedOver = true;
      const batches = readBatches(leased, {
        target: this.#target,
        schema: selected,
        batchRows: this.#options.readBatchRows ?? 65_536,
      });
      const iterator = batches[Symbol.asyncIterator]();
      try {
        for (;;) {
          const next = await this.#guard('read', () => iterator.next());
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await iterator.return?.(undefined);
      }
    } finally {
      if (!handedOver) leased.release();
    }
  }

  /** A view whose every statement is limited to rows of `tenantId` (needs `tenantColumn`). */
  override forTenant(tenantId: string): TenantView {
    this.#tenantColumn();
    if (typeof tenantId !== 'string' || tenantId === '') {
      throw new ValidationError('forTenant() needs a non-empty tenant id');
    }
    return new PostgresTenantView(tenantId, this.#scoped({ tenant: tenantId }));
  }

  // The record API on the whole table (see store-core's RecordApi for the contract).
  override get(key: RecordKey): Promise<Row | undefined> {
    return this.#scoped({}).get(key);
  }
  override insert(row: Row): Promise<void> {
    return this.#scoped({}).insert(row);
  }
  override update(key: RecordKey, patch: Row): Promise<Row> {
    return this.#scoped({}).update(key, patch);
  }
  override upsert(row: Row): Promise<void> {
    return this.#scoped({}).upsert(row);
  }
  override delete(key: RecordKey): Promise<boolean> {
    return this.#scoped({}).delete(key);
  }
  override list(query: ListQuery = {}): Promise<Row[]> {
    return this.#scoped({}).list(query, 'live');
  }
  override count(where: Where = {}): Promise<number> {
    return this.#scoped({}).count(where);
  }
  override restore(key: RecordKey): Promise<void> {
    return this.#scoped({}).restore(key);
  }
  override listDeleted(query: ListQuery = {}): Promise<Row[]> {
    return this.#scoped({}).list(query, 'deleted');
  }
  override search(query: VectorQuery): Promise<VectorHit[]> {
    return this.#scoped({}).search(query);
  }

  protected override async onConnect(): Promise<void> {
    await this.#guard('connect', async () => {
      if (this.#pool === undefined) {
        const sizing = { ...DEFAULT_POOL, ...this.#options.pool };
        this.#pool = new pg.Pool({
          ...(this.#options.connectionString
            ? { connectionString: this.#options.connectionString }
            : {}),
          ...this.#options.connection,
          min: sizing.min,
          max: sizing.max,
          idleTimeoutMillis: sizing.idleTimeoutMs,
          connectionTimeoutMillis: sizing.connectionTimeoutMs,
          allowExitOnIdle: true,
          application_name: 'wharf',
        } as pg.PoolConfig);
        this.#ownsPool = true;
      }
      this.#pool.on('error', this.#onPoolError);
      await withLease(this.#pool, (leased) => ensureCatalog(leased, this.#target));
    });
  }

  protected override async onClose(): Promise<void> {
    await this.writer.abort();
    this.#endSession();
    const pool = this.#pool;
    if (pool === undefined) return;
    pool.removeListener('error', this.#onPoolError);
    if (this.#ownsPool) {
      this.#pool = undefined;
      await pool.end().catch(() => undefined);
    }
  }

  protected override async ping(): Promise<Record<string, unknown>> {
    return this.#guard('health', () =>
      withLease(this.#requirePool(), async (leased) => {
        const result = await leased.client.query<{ version: string }>(
          `SELECT current_setting('server_version') AS version`,
        );
        return {
          server: result.rows[0]?.version,
          table: `${this.#target.pgSchema}.${this.#target.table}`,
        };
      }),
    );
  }

  /**
   * Runs an engine call (write, finish, cleanup, recover). When the fault hook simulates a crash, the run's connection is
   * destroyed as a dying process's would be, so the server frees what it held (an open COPY,
   * locks) and recovery by another store never waits on it.
   */
  protected override async runEngine<T>(_call: EngineCall, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (SimulatedCrash.isInstance(error) && this.#session) failSession(this.#session);
      throw error;
    }
  }

  #requirePool(): pg.Pool {
    if (this.#pool === undefined) throw new ConnectionError(`${this.name} is not connected`);
    return this.#pool;
  }

  /** Runs `action`, turning any driver error into a `StoreError` (a simulated crash passes). */
  async #guard<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (SimulatedCrash.isInstance(error)) throw error;
      throw toStoreError(error, { store: this.name, operation, secrets: this.#target.secrets });
    }
  }

  /** The session of `runId`, failing when its connection was lost. */
  #sessionOf(runId: string): RunSession | undefined {
    const session = this.#session;
    if (session === undefined || session.runId !== runId) return undefined;
    if (session.lease.broken) {
      const cause = session.lease.error;
      const reason = cause instanceof Error ? ` (${cause.message})` : '';
      throw new ConnectionError(
        `${this.name}: the connection of run ${runId} was lost${reason}; clean up the staging and run again`,
        { cause: cause ?? new Error('connection lost'), secrets: this.#target.secrets },
      );
    }
    return session;
  }

  #endSession(runId?: string): void {
    const session = this.#session;
    if (session === undefined || (runId !== undefined && session.runId !== runId)) return;
    this.#session = undefined;
    session.lease.release();
    for (const lane of session.lanes) lane.release();
  }

  /** Runs `action` on the run's own connection when it holds one, else on a pooled one. */
  async #onRunConnection<T>(runId: string, action: (leased: Lease) => Promise<T>): Promise<T> {
    const session = this.#sessionOf(runId);
    if (session === undefined) return withLease(this.#requirePool(), action);
    try {
      await this.#settle(session);
      return await action(session.lease);
    } catch (error) {
      session.lease.observe(error);
      if (session.lease.broken) failSession(session);
      throw error;
    }
  }

  /** Completes the run's open COPY, if any; a failure breaks the session. */
  async #settle(session: RunSession): Promise<void> {
    const copy = session.copy;
    if (copy === undefined) return;
    session.copy = undefined;
    try {
      await copy.end();
    } catch (error) {
      failSession(session);
      throw error;
    }
  }

  /**
   * Takes the extra staging connections of a run, up to `copyStreams` in all — only while the
   * pool has one to spare, so that runs sharing a small pool never wait on each other.
   */
  async #openLanes(session: RunSession): Promise<void> {
    const wanted = session.runType === 'merge' ? 1 : Math.max(1, this.#options.copyStreams ?? 2);
    const pool = this.#requirePool() as pg.Pool & { options?: { max?: number } };
    while (1 + session.lanes.length < wanted) {
      const spare = pool.idleCount > 0 || pool.totalCount < (pool.options?.max ?? 10);
      if (!spare) return;
      session.lanes.push(await lease(pool));
    }
  }

  #primitives(): StagingPrimitives {
    const target = this.#target;
    const step = <T>(operation: string, action: () => Promise<T>) => this.#guard(operation, action);
    return {
      begin: (run: RunInfo, schema: Schema | undefined) =>
        step('begin', async () => {
          this.#endSession();
          const leased = await lease(this.#requirePool());
          const session: RunSession = {
            runId: run.runId,
            runType: run.runType,
            lease: leased,
            lanes: [],
            columns: undefined,
            copy: undefined,
          };
          this.#session = session;
          try {
            await createStaging(leased, target, run.runId, schema?.fields ?? []);
            session.columns = new Set(schema?.fields.map((field) => field.name) ?? []);
          } catch (error) {
            leased.observe(error);
            if (leased.broken) leased.fail();
            throw error;
          }
        }),
      stagePart: (run: RunInfo, part: PartToStage) =>
        step('stagePart', async (): Promise<StagedPart> => {
          const session = this.#sessionOf(run.runId);
          if (session === undefined) {
            throw new StagingError(`${this.name}: run ${run.runId} has no staging connection`);
          }
          const client = session.lease.client;
          try {
            if (session.copy && !session.copy.fits(part.schema)) await this.#settle(session);
            if (session.copy === undefined) {
              session.columns ??= await stagingColumns(client, target, run.runId);
              if (session.columns === undefined) {
                await createStaging(session.lease, target, run.runId, part.schema.fields);
                session.columns = new Set(part.schema.fields.map((field) => field.name));
              }
              const known = session.columns;
              const added = part.schema.fields.filter((field) => !known.has(field.name));
              await widenStaging(client, target, run.runId, added);
              for (const field of added) known.add(field.name);
              await this.#openLanes(session);
              const clients = [session.lease, ...session.lanes].map((leased) => leased.client);
              session.copy = new StagingCopy(clients, target, run.runId, part.schema);
            }
            await session.copy.write(part.batches);
          } catch (error) {
            // A failed COPY leaves the protocol state uncertain: never reuse the connections.
            failSession(session);
            throw error;
          }
          return {
            index: part.index,
            rows: part.rows,
            bytes: part.bytes,
            ref: stagingTableName(target.table, run.runId),
          };
        }),
      publish: (run, parts, schema, checkpoint): Promise<PublishResult> =>
        step('publish', async () => {
          const own = this.#session?.runId === run.runId;
          const outcome = await this.#onRunConnection(run.runId, (leased) =>
            publishRun(leased, target, { run, parts, schema, checkpoint, own }),
          );
          return { alreadyPublished: outcome.alreadyPublished };
        }),
      discard: (runId) =>
        step('discard', async () => {
          const session = this.#session;
          if (session?.runId === runId && session.copy !== undefined) {
            // Abandoning an open COPY: closing the connection makes the server discard it.
            session.copy = undefined;
            failSession(session);
          }
          const healthy = session?.runId === runId && !session.lease.broken;
          if (healthy) await dropStaging(session.lease.client, target, runId);
          else
            await withLease(this.#requirePool(), (leased) =>
              dropStaging(leased.client, target, runId),
            );
        }),
      listLeftovers: () =>
        step('listLeftovers', () =>
          withLease(this.#requirePool(), (leased) => stagingRuns(leased.client, target)),
        ),
      readJournal: () =>
        step('readJournal', () =>
          withLease(this.#requirePool(), (leased) => readJournal(leased.client, target)),
        ),
      writeJournal: (entry: JournalEntry) =>
        step('writeJournal', () =>
          this.#onRunConnection(entry.runId, (leased) =>
            writeJournal(leased.client, target, entry),
          ),
        ),
      removeJournal: (runId: string) =>
        step('removeJournal', async () => {
          const session = this.#session;
          const healthy = session?.runId === runId && !session.lease.broken;
          if (healthy) await removeJournal(session.lease.client, target, runId);
          else {
            await withLease(this.#requirePool(), (leased) =>
              removeJournal(leased.client, target, runId),
            );
          }
          this.#endSession(runId);
        }),
    };
  }

  #tenantColumn(): string {
    if (this.#options.tenantColumn === undefined) {
      throw new ValidationError(`${this.name}: tenant views need the tenantColumn option`);
    }
    return this.#options.tenantColumn;
  }

  #requireSoftDelete(operation: string): void {
    if (!this.#target.softDelete) {
      throw new ValidationError(`${this.name}.${operation}() needs the softDelete option`);
    }
  }

  /** The key columns of a key given as a scalar or an object. */
  #keyRow(key: unknown): Row {
    if (this.#key.length === 0) {
      throw new ValidationError('this store has no key columns; set the key option');
    }
    if (typeof key === 'object' && key !== null && !(key instanceof Uint8Array)) {
      const row = key as Row;
      for (const column of this.#key) {
        if (!(column in row)) throw new ValidationError(`key is missing column '${column}'`);
      }
      return Object.fromEntries(this.#key.map((column) => [column, row[column]]));
    }
    if (this.#key.length > 1) {
      throw new ValidationError(
        `this store has a composite key (${this.#key.join(', ')}); pass an object`,
      );
    }
    return { [this.#key[0]!]: key };
  }

  /** A row checked for shape and key, with the view's tenant filled in. */
  #scopeRow(row: Row, scope: RecordScope): Row {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new ValidationError('a row must be a plain object');
    }
    this.#keyRow(row);
    if (scope.tenant === undefined) return row;
    const column = this.#tenantColumn();
    if (column in row && row[column] !== scope.tenant) {
      throw new ValidationError(
        `row names tenant ${JSON.stringify(row[column])} but this view is for tenant ${JSON.stringify(scope.tenant)}`,
      );
    }
    return { ...row, [column]: scope.tenant };
  }

  /**
   * Runs a record operation: checks the store is open, tracks it in the metrics, resolves
   * production's schema (creating the table for a first write when `create` is given), and
   * maps errors.
   */
  async #record<T>(
    operation: string,
    absent: () => T,
    action: (client: pg.PoolClient, table: RecordTable) => Promise<T>,
    create?: Row,
  ): Promise<T> {
    this.assertOpen(operation);
    return this.writer.metrics.track(operation, () =>
      this.#guard(operation, () =>
        withLease(this.#requirePool(), async (leased) => {
          let production = await readProduction(leased.client, this.#target);
          if (!production.exists && create !== undefined) {
            await this.#createForRecords(leased, create);
            production = await readProduction(leased.client, this.#target);
          }
          if (!production.exists || !production.schema) return absent();
          if (this.#target.softDelete && !production.columns.has(DELETED_AT)) {
            await leased.client.query(
              `ALTER TABLE ${this.#target.qualified} ADD COLUMN IF NOT EXISTS ${quoteIdentifier(DELETED_AT)} timestamptz`,
            );
          }
          return action(leased.client, { target: this.#target, schema: production.schema });
        }),
      ),
    );
  }

  /** Creates production for a first record write: from the `schema` option or the row. */
  async #createForRecords(leased: Lease, row: Row): Promise<void> {
    const schema = this.#options.schema ?? inferSchema(row);
    await inTransaction(leased, async () => {
      await lockTable(leased.client, this.#target);
      const again = await readProduction(leased.client, this.#target);
      if (!again.exists) await createProduction(leased.client, this.#target, schema);
    });
  }

  #scoped(scope: { tenant?: string }): ScopedRecords {
    const live: RecordScope = { ...scope, rows: 'live' };
    const none =
      <T>(value: T) =>
      () =>
        value;
    const notFound = (key: Row, kind: string) => () => {
      throw new NotFoundError(`${this.name}: no ${kind}row with key ${describeKey(key)}`);
    };
    return {
      get: async (key) => {
        this.assertOpen('get');
        const target = this.#keyRow(key);
        return this.#record('get', none(undefined), (client, table) =>
          getRow(client, table, target, live),
        );
      },
      insert: async (row) => {
        this.assertOpen('insert');
        const scoped = this.#scopeRow(row, live);
        await this.#record(
          'insert',
          none(undefined),
          (client, table) => insertRow(client, table, scoped),
          scoped,
        );
      },
      update: async (key, patch) => {
        this.assertOpen('update');
        const target = this.#keyRow(key);
        this.#checkPatch(target, patch, scope.tenant);
        return this.#record('update', notFound(target, ''), (client, table) =>
          updateRow(client, table, target, patch, live),
        );
      },
      upsert: async (row) => {
        this.assertOpen('upsert');
        const scoped = this.#scopeRow(row, live);
        await this.#record(
          'upsert',
          none(undefined),
          (client, table) => upsertRow(client, table, scoped, live),
          scoped,
        );
      },
      delete: async (key) => {
        this.assertOpen('delete');
        const target = this.#keyRow(key);
        return this.#record('delete', none(false), (client, table) =>
          deleteRow(client, table, target, live),
        );
      },
      list: async (query, rows) => {
        const operation = rows === 'deleted' ? 'listDeleted' : 'list';
        this.assertOpen(operation);
        if (rows === 'deleted') this.#requireSoftDelete('listDeleted');
        return this.#record(operation, none([] as Row[]), (client, table) =>
          listRows(client, table, query ?? {}, { ...scope, rows }),
        );
      },
      count: async (where) => {
        this.assertOpen('count');
        return this.#record('count', none(0), (client, table) =>
          countRows(client, table, where ?? {}, live),
        );
      },
      restore: async (key) => {
        this.assertOpen('restore');
        this.#requireSoftDelete('restore');
        const target = this.#keyRow(key);
        await this.#record('restore', notFound(target, 'deleted '), (client, table) =>
          restoreRow(client, table, target, { ...scope, rows: 'deleted' }),
        );
      },
      search: async (query) => {
        this.assertOpen('search');
        return this.#record('search', none([] as VectorHit[]), (client, table) =>
          searchRows(client, table, query, live),
        );
      },
    };
  }

  #checkPatch(key: Row, patch: Row, tenant: string | undefined): void {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new ValidationError('a patch must be a plain object');
    }
    for (const column of this.#key) {
      if (column in patch && String(patch[column]) !== String(key[column])) {
        throw new ValidationError(`update cannot change key column '${column}'`);
      }
    }
    const tenantColumn = this.#options.tenantColumn;
    if (
      tenant !== undefined &&
      tenantColumn !== undefined &&
      tenantColumn in patch &&
      patch[tenantColumn] !== tenant
    ) {
      throw new ValidationError('update cannot move a row to another tenant');
    }
  }
}

/** Destroys every connection of a run (the server then drops its open COPYs and locks). */
function failSession(session: RunSession): void {
  session.lease.fail();
  for (const lane of session.lanes) lane.fail();
}

/** A tenant's view of a store: every statement is limited to that tenant's rows. */
class PostgresTenantView implements TenantView {
  readonly tenantId: string;
  readonly #records: ScopedRecords;

  constructor(tenantId: string, records: ScopedRecords) {
    this.tenantId = tenantId;
    this.#records = records;
  }

  get(key: RecordKey) {
    return this.#records.get(key);
  }
  insert(row: Row) {
    return this.#records.insert(row);
  }
  update(key: RecordKey, patch: Row) {
    return this.#records.update(key, patch);
  }
  upsert(row: Row) {
    return this.#records.upsert(row);
  }
  delete(key: RecordKey) {
    return this.#records.delete(key);
  }
  list(query: ListQuery = {}) {
    return this.#records.list(query, 'live');
  }
  count(where: Where = {}) {
    return this.#records.count(where);
  }
  restore(key: RecordKey) {
    return this.#records.restore(key);
  }
  listDeleted(query: ListQuery = {}) {
    return this.#records.list(query, 'deleted');
  }
  search(query: VectorQuery) {
    return this.#records.search(query);
  }
}

function describeKey(key: Row): string {
  return Object.entries(key)
    .map(([column, value]) => `${column}=${String(value)}`)
    .join(', ');
}

/** A schema for a table first written through the record API, from one row's values. */
function inferSchema(row: Row): Schema {
  return new Schema(
    Object.entries(row).map(([name, value]) => {
      const type =
        typeof value === 'bigint'
          ? new Int64()
          : typeof value === 'number'
            ? new Float64()
            : typeof value === 'boolean'
              ? new Bool()
              : value instanceof Uint8Array
                ? new Binary()
                : new Utf8();
      return new Field(name, type, true);
    }),
  );
}
