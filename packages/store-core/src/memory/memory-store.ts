/**
 * `MemoryStore`: the smallest complete store, built on the staged-write engine and claiming
 * every capability. It is the reference for backend authors and the store to test pipelines
 * with. By default its tables live in this process (shared by stores naming the same
 * `database`); with `directory` they live in files, so several processes share them.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import {
  type ArrowTypeName,
  COMMON_ARROW_TYPES,
  type RunType,
  type StoreCapabilities,
} from '../capabilities.js';
import type { RunInfo, StagedPart } from '../engine/journal.js';
import type {
  Checkpoint,
  PartToStage,
  PublishResult,
  StagingPrimitives,
} from '../engine/staged-writer.js';
import { StagedWriter } from '../engine/staged-writer.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { assertIdentifier } from '../identifiers.js';
import { checkWhere, describeKey, keyRow, matchesWhere, orderTerms } from '../record-query.js';
import {
  keyColumns,
  type ListQuery,
  type RecordKey,
  type RecordOptions,
  type Row,
  type VectorHit,
  type VectorQuery,
  type Where,
} from '../records.js';
import {
  fitBatch,
  type SchemaOptions,
  schemaFromRow,
  widenOptionalSchema,
} from '../schema-policy.js';
import { StagedStore } from '../staged-store.js';
import type { ReadOptions, StoreDescription, TenantView } from '../store.js';
import { vectorScore } from '../vector-score.js';
import {
  batchFromRows,
  keyString,
  type LocatedRow,
  locateRows,
  pageRows,
  removeRows,
} from './memory-rows.js';
import { PUBLISHED_RUNS_KEPT, type TableState } from './memory-state.js';
import { DirectoryStorage, type MemoryStorage, ProcessStorage } from './memory-storage.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions extends SchemaOptions, RecordOptions {
  /** The table name: letters, digits and underscores. */
  table: string;
  /**
   * Keep the tables in this directory instead of process memory, so that several processes
   * share them (each change rewrites the table's snapshot: meant for tests, not for big data).
   * @default undefined (process memory)
   */
  directory?: string;
  /** The in-process database the table belongs to, when `directory` is not set. @default 'default' */
  database?: string;
  /** The run type until `configureForRun` says otherwise. @default 'incremental' */
  runType?: RunType;
  /** Rows per staged part. @default 65_536 */
  partRows?: number;
  /** Bytes per staged part. @default 16 MiB */
  partBytes?: number;
}

const MEMORY_ARROW_TYPES: readonly ArrowTypeName[] = [
  ...COMMON_ARROW_TYPES,
  'null',
  'float16',
  'large_utf8',
  'large_binary',
  'fixed_size_binary',
  'time',
  'duration',
  'fixed_size_list',
];

interface Scope {
  tenant?: string;
}

/**
 * The in-memory reference store.
 *
 * @example
 * import { MemoryStore, runFlow } from '@wharf/store-core';
 * await using store = new MemoryStore({ table: 'trips', key: 'id' });
 * await runFlow([table], store, { runType: 'full_drop' });
 * console.log(await store.count());
 */
export class MemoryStore extends StagedStore {
  readonly capabilities: StoreCapabilities;
  readonly name: string;
  readonly #options: MemoryStoreOptions;
  readonly #table: string;
  readonly #key: string[];
  readonly #storage: MemoryStorage;
  protected readonly writer: StagedWriter;

  protected override get mergeKey(): readonly string[] {
    return this.#key;
  }

  constructor(options: MemoryStoreOptions) {
    super();
    this.#table = assertIdentifier(options.table);
    this.#options = options;
    this.#key = keyColumns(options.key);
    for (const column of this.#key) assertIdentifier(column, 'key column');
    if (options.tenantColumn !== undefined) assertIdentifier(options.tenantColumn, 'tenant column');
    this.name = `memory:${this.#table}`;
    this.#storage =
      options.directory === undefined
        ? new ProcessStorage(options.database ?? 'default')
        : new DirectoryStorage(options.directory);
    this.capabilities = {
      runTypes: ['full_drop', 'incremental', 'merge'],
      commit: 'atomic',
      readBack: true,
      records: true,
      tenants: true,
      softDelete: true,
      vectorSearch: true,
      faultInjection: true,
      multiProcess: options.directory !== undefined,
      arrowTypes: MEMORY_ARROW_TYPES,
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
    });
  }

  override async describe(): Promise<StoreDescription> {
    this.assertOpen('describe');
    const state = await this.#storage.read(this.#table);
    return {
      name: this.name,
      capabilities: this.capabilities,
      ...(state.schema ? { schema: state.schema } : {}),
      rows: state.batches.reduce((sum, batch) => sum + batch.numRows, 0),
      committedRuns: state.publishedRuns,
      staging: await this.stagingSnapshot(),
      details: {
        storage: this.#options.directory === undefined ? 'process' : 'directory',
        softDeleted: Object.keys(state.deleted).length,
      },
    };
  }

  override async *read(options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    this.assertOpen('read');
    const state = await this.#storage.read(this.#table);
    if (!state.schema) return;
    const columns = options.columns;
    for (const name of columns ?? []) {
      if (!state.schema.fields.some((field) => field.name === name))
        throw new ValidationError(`read: unknown column '${name}'`);
    }
    const deleted = new Set(Object.keys(state.deleted));
    const batches =
      deleted.size === 0
        ? state.batches
        : removeRows(state.batches, this.#deletedMatcher(state, deleted));
    for (const batch of batches) yield columns ? batch.select(columns as string[]) : batch;
  }

  override forTenant(tenantId: string): TenantView {
    this.#tenantColumn();
    if (typeof tenantId !== 'string' || tenantId === '')
      throw new ValidationError('forTenant() needs a non-empty tenant id');
    return new MemoryTenantView(this, tenantId);
  }

  override get(key: RecordKey): Promise<Row | undefined> {
    return this.scopedGet(key, {});
  }
  override insert(row: Row): Promise<void> {
    return this.scopedInsert(row, {});
  }
  override update(key: RecordKey, patch: Row): Promise<Row> {
    return this.scopedUpdate(key, patch, {});
  }
  override upsert(row: Row): Promise<void> {
    return this.scopedUpsert(row, {});
  }
  override delete(key: RecordKey): Promise<boolean> {
    return this.scopedDelete(key, {});
  }
  override list(query: ListQuery = {}): Promise<Row[]> {
    return this.scopedList(query, {}, false);
  }
  override count(where: Where = {}): Promise<number> {
    return this.scopedCount(where, {});
  }
  override restore(key: RecordKey): Promise<void> {
    return this.scopedRestore(key, {});
  }
  override listDeleted(query: ListQuery = {}): Promise<Row[]> {
    return this.scopedList(query, {}, true);
  }
  override search(query: VectorQuery): Promise<VectorHit[]> {
    return this.scopedSearch(query, {});
  }

  /** @internal The record API within a scope (the whole table, or one tenant). */
  async scopedGet(key: RecordKey, scope: Scope): Promise<Row | undefined> {
    this.assertOpen('get');
    return this.writer.metrics.track('get', async () => {
      const state = await this.#storage.read(this.#table);
      return this.#find(state, keyRow(this.#key, key), scope)?.row;
    });
  }

  /** @internal */
  async scopedInsert(row: Row, scope: Scope): Promise<void> {
    this.assertOpen('insert');
    return this.writer.metrics.track('insert', async () => {
      const scoped = this.#scopeRow(row, scope);
      await this.#storage.update(this.#table, (state) => {
        const existing = this.#find(state, scoped, {}, true);
        if (existing) {
          const deleted = state.deleted[keyString(this.#key, scoped)] !== undefined;
          throw new ConflictError(
            `${this.name}: a row with key ${describeKey(this.#key, scoped)} already exists${deleted ? ' (soft-deleted; restore it or upsert)' : ''}`,
          );
        }
        return { state: this.#append(state, [scoped]), result: undefined };
      });
    });
  }

  /** @internal */
  async scopedUpdate(key: RecordKey, patch: Row, scope: Scope): Promise<Row> {
    this.assertOpen('update');
    return this.writer.metrics.track('update', async () => {
      const target = keyRow(this.#key, key);
      for (const column of this.#key) {
        if (column in patch && keyString([column], patch) !== keyString([column], target)) {
          throw new ValidationError(`update cannot change key column '${column}'`);
        }
      }
      const tenantColumn = this.#options.tenantColumn;
      if (
        scope.tenant !== undefined &&
        tenantColumn !== undefined &&
        tenantColumn in patch &&
        patch[tenantColumn] !== scope.tenant
      ) {
        throw new ValidationError(`update cannot move a row to another tenant`);
      }
      return this.#storage.update(this.#table, (state) => {
        const found = this.#find(state, target, scope);
        if (!found)
          throw new NotFoundError(
            `${this.name}: no row with key ${describeKey(this.#key, target)}`,
          );
        const updated = { ...found.row, ...patch };
        const without = {
          ...state,
          batches: removeRows(
            state.batches,
            (batch, index) => batch === found.batch && index === found.index,
          ),
        };
        return { state: this.#append(without, [updated]), result: updated };
      });
    });
  }

  /** @internal */
  async scopedUpsert(row: Row, scope: Scope): Promise<void> {
    this.assertOpen('upsert');
    return this.writer.metrics.track('upsert', async () => {
      const scoped = this.#scopeRow(row, scope);
      await this.#storage.update(this.#table, (state) => {
        const found = this.#find(state, scoped, {}, true);
        if (
          found &&
          scope.tenant !== undefined &&
          found.row[this.#options.tenantColumn!] !== scope.tenant
        ) {
          throw new ConflictError(
            `${this.name}: key ${describeKey(this.#key, scoped)} belongs to another tenant`,
          );
        }
        const merged = found ? { ...found.row, ...scoped } : scoped;
        const without = found
          ? {
              ...state,
              batches: removeRows(
                state.batches,
                (batch, index) => batch === found.batch && index === found.index,
              ),
            }
          : state;
        const next = this.#append(without, [merged]);
        const keyText = keyString(this.#key, scoped);
        if (next.deleted[keyText] !== undefined) {
          const { [keyText]: _restored, ...deleted } = next.deleted;
          next.deleted = deleted;
        }
        return { state: next, result: undefined };
      });
    });
  }

  /** @internal */
  async scopedDelete(key: RecordKey, scope: Scope): Promise<boolean> {
    this.assertOpen('delete');
    return this.writer.metrics.track('delete', async () => {
      const target = keyRow(this.#key, key);
      return this.#storage.update(this.#table, (state) => {
        const found = this.#find(state, target, scope);
        if (!found) return { result: false };
        if (this.#options.softDelete) {
          return {
            state: {
              ...state,
              deleted: {
                ...state.deleted,
                [keyString(this.#key, target)]: new Date().toISOString(),
              },
            },
            result: true,
          };
        }
        return {
          state: {
            ...state,
            batches: removeRows(
              state.batches,
              (batch, index) => batch === found.batch && index === found.index,
            ),
          },
          result: true,
        };
      });
    });
  }

  /** @internal */
  async scopedRestore(key: RecordKey, scope: Scope): Promise<void> {
    this.assertOpen('restore');
    return this.writer.metrics.track('restore', async () => {
      this.#requireSoftDelete('restore');
      const target = keyRow(this.#key, key);
      await this.#storage.update(this.#table, (state) => {
        const keyText = keyString(this.#key, target);
        const found = this.#find(state, target, scope, true);
        if (!found || state.deleted[keyText] === undefined) {
          throw new NotFoundError(
            `${this.name}: no deleted row with key ${describeKey(this.#key, target)}`,
          );
        }
        const { [keyText]: _restored, ...deleted } = state.deleted;
        return { state: { ...state, deleted }, result: undefined };
      });
    });
  }

  /** @internal */
  async scopedList(query: ListQuery, scope: Scope, deletedOnly: boolean): Promise<Row[]> {
    this.assertOpen(deletedOnly ? 'listDeleted' : 'list');
    return this.writer.metrics.track(deletedOnly ? 'listDeleted' : 'list', async () => {
      if (deletedOnly) this.#requireSoftDelete('listDeleted');
      const state = await this.#storage.read(this.#table);
      const columns = this.#columns(state);
      const rows = this.#visible(state, scope, query.where, deletedOnly).map(
        (located) => located.row,
      );
      return pageRows(rows, orderTerms(query.orderBy, this.#key, columns), query);
    });
  }

  /** @internal */
  async scopedCount(where: Where, scope: Scope): Promise<number> {
    this.assertOpen('count');
    return this.writer.metrics.track('count', async () => {
      const state = await this.#storage.read(this.#table);
      return this.#visible(state, scope, where, false).length;
    });
  }

  /** @internal */
  async scopedSearch(query: VectorQuery, scope: Scope): Promise<VectorHit[]> {
    this.assertOpen('search');
    return this.writer.metrics.track('search', async () => {
      if (!Number.isInteger(query.k) || query.k < 1)
        throw new ValidationError('search: k must be a positive integer');
      const state = await this.#storage.read(this.#table);
      if (!this.#columns(state).has(query.column))
        throw new ValidationError(`search: unknown column '${query.column}'`);
      const metric = query.metric ?? 'cosine';
      const hits = this.#visible(state, scope, query.where, false).flatMap(({ row }) => {
        const vector = row[query.column];
        if (!Array.isArray(vector)) return [];
        return [{ row, score: vectorScore(metric, query.vector, vector) }];
      });
      hits.sort((left, right) =>
        metric === 'euclidean' ? left.score - right.score : right.score - left.score,
      );
      return hits.slice(0, query.k);
    });
  }

  protected override async onClose(): Promise<void> {
    await this.writer.abort();
  }

  protected override async ping(): Promise<Record<string, unknown>> {
    await this.#storage.readJournal(this.#table);
    return { storage: this.#options.directory === undefined ? 'process' : 'directory' };
  }

  #primitives(): StagingPrimitives {
    const storage = this.#storage;
    const table = this.#table;
    return {
      begin: async () => {},
      stagePart: async (run: RunInfo, part: PartToStage): Promise<StagedPart> => {
        const ref = await storage.putPart(table, run.runId, part.index, part.schema, part.batches);
        return { index: part.index, rows: part.rows, bytes: part.bytes, ref };
      },
      publish: async (
        run: RunInfo,
        parts: readonly StagedPart[],
        schema: Schema | undefined,
        _checkpoint: Checkpoint,
      ): Promise<PublishResult> => {
        // Idempotent without the parts: recovery may repeat a publish whose staging is gone.
        if ((await storage.read(table)).publishedRuns.includes(run.runId)) {
          return { alreadyPublished: true };
        }
        const incoming = (
          await Promise.all(parts.map((part) => storage.readPart(table, part.ref)))
        ).flat();
        return storage.update<PublishResult>(table, (state) => {
          if (state.publishedRuns.includes(run.runId))
            return { result: { alreadyPublished: true } };
          return {
            state: this.#published(state, run, incoming, schema),
            result: { alreadyPublished: false },
          };
        });
      },
      discard: async (runId: string) => storage.dropStaging(table, runId),
      listLeftovers: () => storage.stagingRuns(table),
      readJournal: () => storage.readJournal(table),
      writeJournal: (entry) => storage.writeJournal(table, entry),
      removeJournal: (runId) => storage.removeJournal(table, runId),
    };
  }

  /** Production after publishing `incoming` for `run`. Pure: `state` is not modified. */
  #published(
    state: TableState,
    run: RunInfo,
    incoming: RecordBatch[],
    runSchema: Schema | undefined,
  ): TableState {
    const publishedRuns = [...state.publishedRuns, run.runId].slice(-PUBLISHED_RUNS_KEPT);
    if (run.runType === 'full_drop') {
      const schema = runSchema ?? state.schema;
      return {
        schema,
        batches: schema ? incoming.map((batch) => fitBatch(schema, batch).batch) : [],
        publishedRuns,
        deleted: {},
      };
    }
    const schema = widenOptionalSchema(state.schema, runSchema, {
      addColumns: this.#options.schemaEvolution === 'add-columns',
      store: this.name,
    });
    if (!schema) return { ...state, publishedRuns };
    const existing = state.batches.map((batch) => fitBatch(schema, batch).batch);
    const added = incoming.map((batch) => fitBatch(schema, batch).batch);
    if (run.runType === 'incremental')
      return { schema, batches: [...existing, ...added], publishedRuns, deleted: state.deleted };
    // merge: the last occurrence of a key wins, within the run and over production.
    const lastPosition = new Map<string, string>();
    for (const located of locateRows(added)) {
      lastPosition.set(keyString(this.#key, located.row), `${located.batch}:${located.index}`);
    }
    const keep = new Set(lastPosition.values());
    const dedupedIncoming = removeRows(added, (batch, index) => !keep.has(`${batch}:${index}`));
    const replaced = new Set(lastPosition.keys());
    const removeExisting = new Set<string>();
    for (const located of locateRows(existing)) {
      if (replaced.has(keyString(this.#key, located.row))) {
        removeExisting.add(`${located.batch}:${located.index}`);
      }
    }
    const kept = removeRows(existing, (batch, index) => removeExisting.has(`${batch}:${index}`));
    const deleted = Object.fromEntries(
      Object.entries(state.deleted).filter(([key]) => !replaced.has(key)),
    );
    return { schema, batches: [...kept, ...dedupedIncoming], publishedRuns, deleted };
  }

  #append(state: TableState, rows: Row[]): TableState {
    const schema = state.schema ?? this.#options.schema ?? schemaFromRow(rows[0]!);
    for (const row of rows) {
      for (const column of Object.keys(row)) {
        if (!schema.fields.some((field) => field.name === column))
          throw new ValidationError(`unknown column '${column}'`, { details: { column } });
      }
    }
    return { ...state, schema, batches: [...state.batches, batchFromRows(schema, rows)] };
  }

  #find(state: TableState, key: Row, scope: Scope, includeDeleted = false): LocatedRow | undefined {
    if (!state.schema) return undefined;
    const wanted = keyString(this.#key, key);
    for (const located of locateRows(state.batches)) {
      if (keyString(this.#key, located.row) !== wanted) continue;
      if (!includeDeleted && state.deleted[wanted] !== undefined) return undefined;
      if (scope.tenant !== undefined && located.row[this.#options.tenantColumn!] !== scope.tenant)
        return undefined;
      return located;
    }
    return undefined;
  }

  #visible(
    state: TableState,
    scope: Scope,
    where: Where | undefined,
    deletedOnly: boolean,
  ): LocatedRow[] {
    if (!state.schema) return [];
    checkWhere(where, this.#columns(state));
    const result: LocatedRow[] = [];
    for (const located of locateRows(state.batches)) {
      const isDeleted =
        this.#key.length > 0 && state.deleted[keyString(this.#key, located.row)] !== undefined;
      if (isDeleted !== deletedOnly) continue;
      if (scope.tenant !== undefined && located.row[this.#options.tenantColumn!] !== scope.tenant)
        continue;
      if (!matchesWhere(located.row, where)) continue;
      result.push(located);
    }
    return result;
  }

  #columns(state: TableState): Set<string> {
    return new Set(state.schema?.fields.map((field) => field.name) ?? []);
  }

  #deletedMatcher(
    state: TableState,
    deleted: ReadonlySet<string>,
  ): (batch: number, index: number) => boolean {
    const marked = new Set<string>();
    for (const located of locateRows(state.batches)) {
      if (deleted.has(keyString(this.#key, located.row)))
        marked.add(`${located.batch}:${located.index}`);
    }
    return (batch, index) => marked.has(`${batch}:${index}`);
  }

  #scopeRow(row: Row, scope: Scope): Row {
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw new ValidationError('a row must be a plain object');
    keyRow(this.#key, row);
    if (scope.tenant === undefined) return row;
    const column = this.#tenantColumn();
    if (column in row && row[column] !== scope.tenant) {
      throw new ValidationError(
        `row names tenant ${JSON.stringify(row[column])} but this view is for tenant ${JSON.stringify(scope.tenant)}`,
      );
    }
    return { ...row, [column]: scope.tenant };
  }

  #tenantColumn(): string {
    if (this.#options.tenantColumn === undefined)
      throw new ValidationError(`${this.name}: tenant views need the tenantColumn option`);
    return this.#options.tenantColumn;
  }

  #requireSoftDelete(operation: string): void {
    if (!this.#options.softDelete)
      throw new ValidationError(`${this.name}.${operation}() needs the softDelete option`);
  }
}

/** A tenant's view of a memory store: every call is limited to that tenant's rows. */
class MemoryTenantView implements TenantView {
  readonly tenantId: string;
  readonly #store: MemoryStore;

  constructor(store: MemoryStore, tenantId: string) {
    this.#store = store;
    this.tenantId = tenantId;
  }

  get(key: RecordKey) {
    return this.#store.scopedGet(key, { tenant: this.tenantId });
  }
  insert(row: Row) {
    return this.#store.scopedInsert(row, { tenant: this.tenantId });
  }
  update(key: RecordKey, patch: Row) {
    return this.#store.scopedUpdate(key, patch, { tenant: this.tenantId });
  }
  upsert(row: Row) {
    return this.#store.scopedUpsert(row, { tenant: this.tenantId });
  }
  delete(key: RecordKey) {
    return this.#store.scopedDelete(key, { tenant: this.tenantId });
  }
  list(query: ListQuery = {}) {
    return this.#store.scopedList(query, { tenant: this.tenantId }, false);
  }
  count(where: Where = {}) {
    return this.#store.scopedCount(where, { tenant: this.tenantId });
  }
  restore(key: RecordKey) {
    return this.#store.scopedRestore(key, { tenant: this.tenantId });
  }
  listDeleted(query: ListQuery = {}) {
    return this.#store.scopedList(query, { tenant: this.tenantId }, true);
  }
  search(query: VectorQuery) {
    return this.#store.scopedSearch(query, { tenant: this.tenantId });
  }
}

/** Reads a memory table's production straight from its snapshot file: a probe for tests. */
export { countMemoryStaging, readMemoryProduction } from './memory-probes.js';
