/**
 * `SqliteStore`: one table of a SQLite database file as a wharf store. Loads are staged in a
 * per-run staging table of the same file and published in one `BEGIN IMMEDIATE` transaction
 * (see `sqlite-staging.ts`); the record API works on the production table directly.
 */
import {
  assertIdentifier,
  ConnectionError,
  keyColumns,
  type ListQuery,
  type ReadOptions,
  type RecordKey,
  type RecordOptions,
  type Row,
  type RunType,
  type SchemaOptions,
  StagedStore,
  StagedWriter,
  type StoreCapabilities,
  type StoreDescription,
  type TenantView,
  ValidationError,
  type VectorHit,
  type VectorQuery,
  type Where,
} from '@wharf/store-core';
import type { RecordBatch } from 'apache-arrow';
import {
  ensureCatalog,
  publishedRunIds,
  type SqliteDatabase,
  tableExists,
} from './sqlite-catalog.js';
import { isPrivateDatabase, type JournalMode, openDatabase } from './sqlite-connection.js';
import { type SqliteErrorContext, toStoreError, withStoreErrors } from './sqlite-errors.js';
import { readProduction } from './sqlite-read.js';
import { SqliteRecords, SqliteTenantView } from './sqlite-records.js';
import { productionSchema } from './sqlite-schema.js';
import { quote, RESERVED_PREFIX } from './sqlite-sql.js';
import { sqliteStagingPrimitives } from './sqlite-staging.js';
import { SQLITE_ARROW_TYPES } from './sqlite-types.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions extends SchemaOptions, RecordOptions {
  /**
   * The database file (created when missing; its directory must exist), or `':memory:'` for
   * a private in-memory database that no other connection or process can see.
   */
  filename: string;
  /** The production table: letters, digits and underscores, not starting with `_wharf_`. */
  table: string;
  /** The run type until `configureForRun` says otherwise. @default 'incremental' */
  runType?: RunType;
  /**
   * How long a statement waits for another connection's lock before it fails with a
   * retryable `ConflictError`. The wait blocks the event loop (better-sqlite3 is synchronous).
   * @default 5000
   */
  busyTimeoutMs?: number;
  /** The journal mode set on connect (file databases only). @default 'wal' */
  journalMode?: JournalMode;
  /** Rows per staged part. @default 65_536 */
  partRows?: number;
  /** Bytes of Arrow data per staged part. @default 16 MiB */
  partBytes?: number;
  /** Rows per record batch streamed by `read()`. @default 65_536 */
  readBatchRows?: number;
  /**
   * A run of another host whose journal entry is older than this counts as abandoned.
   * @default 3_600_000 (one hour)
   */
  staleRunAfterMs?: number;
}

const JOURNAL_MODES: readonly JournalMode[] = [
  'wal',
  'delete',
  'truncate',
  'persist',
  'memory',
  'off',
];

function positiveInteger(value: unknown, name: string, minimum = 1): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < minimum)) {
    throw new ValidationError(`option ${name} must be an integer of at least ${minimum}`);
  }
}

function checkOptions(options: SqliteStoreOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('SqliteStore needs an options object');
  }
  if (typeof options.filename !== 'string' || options.filename.trim() === '') {
    throw new ValidationError(
      "option filename must name a database file (or ':memory:' for a private in-memory database)",
    );
  }
  assertIdentifier(options.table);
  if (
    options.table.startsWith(RESERVED_PREFIX) ||
    options.table.toLowerCase().startsWith('sqlite_')
  ) {
    throw new ValidationError(
      `table name '${options.table}' is reserved (the prefixes ${RESERVED_PREFIX} and sqlite_ belong to the store and to SQLite)`,
    );
  }
  for (const column of keyColumns(options.key)) {
    assertIdentifier(column, 'key column');
    if (column.startsWith(RESERVED_PREFIX)) {
      throw new ValidationError(
        `key column '${column}' uses the reserved prefix ${RESERVED_PREFIX}`,
      );
    }
  }
  if (options.tenantColumn !== undefined) assertIdentifier(options.tenantColumn, 'tenant column');
  positiveInteger(options.busyTimeoutMs, 'busyTimeoutMs', 0);
  positiveInteger(options.partRows, 'partRows');
  positiveInteger(options.partBytes, 'partBytes');
  positiveInteger(options.readBatchRows, 'readBatchRows');
  if (options.journalMode !== undefined && !JOURNAL_MODES.includes(options.journalMode)) {
    throw new ValidationError(
      `option journalMode must be one of ${JOURNAL_MODES.join(', ')}, got ${JSON.stringify(options.journalMode)}`,
    );
  }
}

function isDatabaseHandle(value: unknown): value is SqliteDatabase {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { prepare?: unknown }).prepare === 'function' &&
    typeof (value as { transaction?: unknown }).transaction === 'function' &&
    typeof (value as { exec?: unknown }).exec === 'function'
  );
}

/**
 * A wharf store on one table of a SQLite database, through better-sqlite3.
 *
 * @example
 * import { runFlow } from '@wharf/store-core';
 * import { SqliteStore } from '@wharf/store-sqlite';
 *
 * await using store = new SqliteStore({ filename: 'trips.db', table: 'trips', key: 'id' });
 * await runFlow([trips], store, { runType: 'full_drop' });
 * console.log(await store.count(), await store.get(2n));
 */
export class SqliteStore extends StagedStore {
  readonly capabilities: StoreCapabilities;
  readonly name: string;
  /** The production table. */
  readonly table: string;
  /** The database file, as given in the options. */
  readonly filename: string;
  readonly #options: SqliteStoreOptions;
  readonly #table: string;
  readonly #key: string[];
  protected readonly writer: StagedWriter;
  readonly #records: SqliteRecords;
  #pool: SqliteDatabase | undefined;
  #database: SqliteDatabase | undefined;

  protected override get mergeKey(): readonly string[] {
    return this.#key;
  }

  constructor(options: SqliteStoreOptions) {
    super();
    checkOptions(options);
    this.#options = { ...options };
    this.#table = options.table;
    this.table = options.table;
    this.filename = options.filename;
    this.#key = keyColumns(options.key);
    this.name = `sqlite:${this.#table}`;
    this.capabilities = {
      runTypes: ['full_drop', 'incremental', 'merge'],
      commit: 'atomic',
      readBack: true,
      records: true,
      tenants: true,
      softDelete: true,
      vectorSearch: true,
      faultInjection: true,
      multiProcess: !isPrivateDatabase(options.filename),
      arrowTypes: SQLITE_ARROW_TYPES,
    };
    this.writer = new StagedWriter({
      name: this.name,
      capabilities: this.capabilities,
      primitives: sqliteStagingPrimitives({
        db: () => this.#db(),
        table: this.#table,
        name: this.name,
        key: this.#key,
        addColumns: options.schemaEvolution === 'add-columns',
      }),
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.schemaEvolution ? { schemaEvolution: options.schemaEvolution } : {}),
      ...(options.runType ? { runType: options.runType } : {}),
      ...(options.partRows ? { partRows: options.partRows } : {}),
      ...(options.partBytes ? { partBytes: options.partBytes } : {}),
      ...(options.staleRunAfterMs ? { staleRunAfterMs: options.staleRunAfterMs } : {}),
    });
    this.#records = new SqliteRecords({
      name: this.name,
      table: this.#table,
      key: options.key,
      tenantColumn: options.tenantColumn,
      softDelete: options.softDelete === true,
      schema: options.schema,
      run: async (operation, action) => {
        this.assertOpen(operation);
        return this.writer.metrics.track(operation, async () =>
          withStoreErrors(this.#context(operation), () => action(this.#db())),
        );
      },
    });
  }

  /**
   * Uses `database`, an open better-sqlite3 `Database`, instead of opening `filename`. Call
   * it before `connect()`; `close()` then leaves the handle open. The handle keeps its own
   * settings (journal mode, busy timeout).
   */
  override setPool(database: unknown): void {
    if (!isDatabaseHandle(database)) {
      throw new ValidationError('setPool() expects an open better-sqlite3 Database');
    }
    if (this.isConnected) {
      throw new ValidationError(`${this.name}: setPool() must be called before connect()`);
    }
    this.#pool = database;
  }

  override async describe(): Promise<StoreDescription> {
    this.assertOpen('describe');
    const db = this.#db();
    const facts = withStoreErrors(this.#context('describe'), () => {
      const exists = tableExists(db, this.#table);
      return {
        schema: productionSchema(db, this.#table),
        rows: exists
          ? (db.prepare(`SELECT count(*) AS n FROM ${quote(this.#table)}`).get() as { n: number }).n
          : 0,
        committedRuns: publishedRunIds(db, this.#table),
      };
    });
    return {
      name: this.name,
      capabilities: this.capabilities,
      ...(facts.schema ? { schema: facts.schema } : {}),
      rows: facts.rows,
      committedRuns: facts.committedRuns,
      staging: await this.stagingSnapshot(),
      details: { filename: this.#options.filename, table: this.#table },
    };
  }

  /**
   * Streams production's live rows as record batches of the stored Arrow types. A file
   * database is read through a separate connection in one read transaction, so every batch
   * comes from the same snapshot, whatever commits meanwhile.
   */
  override async *read(options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    this.assertOpen('read');
    const context = this.#context('read');
    const main = this.#db();
    const privateDatabase = this.#isPrivate(main);
    const reader = privateDatabase
      ? main
      : openDatabase(main.name, {
          busyTimeoutMs: this.#options.busyTimeoutMs ?? 5000,
          journalMode: this.#options.journalMode ?? 'wal',
          store: this.name,
          readonly: true,
        });
    let open = false;
    let batches: Generator<RecordBatch> | undefined;
    try {
      batches = withStoreErrors(context, () => {
        if (!privateDatabase) {
          reader.exec('BEGIN');
          open = true;
        }
        const schema = productionSchema(reader, this.#table);
        if (!schema) return undefined;
        for (const name of options.columns ?? []) {
          if (!schema.fields.some((field) => field.name === name)) {
            throw new ValidationError(`read: unknown column '${name}'`);
          }
        }
        const fields = options.columns
          ? options.columns.map((name) => schema.fields.find((field) => field.name === name)!)
          : schema.fields;
        return readProduction(reader, this.#table, {
          fields,
          batchRows: this.#options.readBatchRows ?? 65_536,
        });
      });
      if (!batches) return;
      while (true) {
        const next = withStoreErrors(context, () => batches!.next());
        if (next.done) break;
        yield next.value;
      }
    } finally {
      try {
        batches?.return(undefined);
      } catch {
        // Ending the statement early never fails the read that is already over.
      }
      if (!privateDatabase) {
        try {
          if (open) reader.exec('COMMIT');
        } catch {
          // Only a read transaction: nothing to keep.
        }
        reader.close();
      }
    }
  }

  override forTenant(tenantId: string): TenantView {
    if (this.#options.tenantColumn === undefined) {
      throw new ValidationError(`${this.name}: tenant views need the tenantColumn option`);
    }
    if (typeof tenantId !== 'string' || tenantId === '') {
      throw new ValidationError('forTenant() needs a non-empty tenant id');
    }
    return new SqliteTenantView(this.#records, tenantId);
  }

  override get(key: RecordKey): Promise<Row | undefined> {
    return this.#records.get(key, {});
  }
  override insert(row: Row): Promise<void> {
    return this.#records.insert(row, {});
  }
  override update(key: RecordKey, patch: Row): Promise<Row> {
    return this.#records.update(key, patch, {});
  }
  override upsert(row: Row): Promise<void> {
    return this.#records.upsert(row, {});
  }
  override delete(key: RecordKey): Promise<boolean> {
    return this.#records.delete(key, {});
  }
  override list(query: ListQuery = {}): Promise<Row[]> {
    return this.#records.list(query, {}, false);
  }
  override count(where: Where = {}): Promise<number> {
    return this.#records.count(where, {});
  }
  override restore(key: RecordKey): Promise<void> {
    return this.#records.restore(key, {});
  }
  override listDeleted(query: ListQuery = {}): Promise<Row[]> {
    return this.#records.list(query, {}, true);
  }
  override search(query: VectorQuery): Promise<VectorHit[]> {
    return this.#records.search(query, {});
  }

  protected override async onConnect(): Promise<void> {
    const database =
      this.#pool ??
      openDatabase(this.#options.filename, {
        busyTimeoutMs: this.#options.busyTimeoutMs ?? 5000,
        journalMode: this.#options.journalMode ?? 'wal',
        store: this.name,
      });
    try {
      withStoreErrors(this.#context('connect'), () => ensureCatalog(database));
      this.#database = database;
    } catch (error) {
      this.#database = undefined;
      if (database !== this.#pool) database.close();
      throw toStoreError(error, this.#context('connect'));
    }
  }

  protected override async onClose(): Promise<void> {
    await this.writer.abort();
    const database = this.#database;
    this.#database = undefined;
    if (database && database !== this.#pool) {
      try {
        database.close();
      } catch {
        // Closing a connection that is already gone is not an error for the caller.
      }
    }
  }

  protected override async ping(): Promise<Record<string, unknown>> {
    const db = this.#db();
    return withStoreErrors(this.#context('health'), () => {
      db.prepare('SELECT 1').get();
      return {
        journalMode: db.pragma('journal_mode', { simple: true }),
        shared: this.#pool !== undefined,
      };
    });
  }

  #db(): SqliteDatabase {
    if (!this.#database) throw new ConnectionError(`${this.name} has no open database connection`);
    return this.#database;
  }

  #isPrivate(db: SqliteDatabase): boolean {
    return db.memory || isPrivateDatabase(db.name);
  }

  #context(operation: string): SqliteErrorContext {
    return { store: this.name, operation };
  }
}
