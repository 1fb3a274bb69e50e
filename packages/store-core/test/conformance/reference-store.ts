/**
 * A tiny, correct store written only against the public API of `@wharf/store-core`, the base
 * of the deliberately broken stores. Production, staging and the journal live in module-level
 * maps keyed by table name (so every instance in this process shares them); the staged-write
 * engine does the protocol. Each behaviour a broken store changes is a protected method.
 */
import {
  type ArrowInput,
  assertIdentifier,
  batchFromColumns,
  type Checkpoint,
  COMMON_ARROW_TYPES,
  type CommitReport,
  ConflictError,
  ConnectionError,
  type FaultHook,
  fitBatch,
  type JournalEntry,
  type ListQuery,
  NotFoundError,
  type OrderBy,
  type PartToStage,
  type PublishResult,
  type RecordKey,
  type RecoveryReport,
  type Row,
  type RunInfo,
  type RunSettings,
  type RunType,
  type StagedPart,
  StagedWriter,
  type StagingPrimitives,
  Store,
  type StoreCapabilities,
  type TenantView,
  ValidationError,
  type VectorHit,
  type VectorQuery,
  type Where,
} from '@wharf/store-core';
import { type RecordBatch, type Schema, Table, vectorFromArray } from 'apache-arrow';

/** One table's production. */
export interface ProductionTable {
  schema: Schema | undefined;
  batches: RecordBatch[];
  runIds: Set<string>;
  deleted: Set<string>;
}

interface StagingTable {
  parts: Map<string, Map<number, RecordBatch[]>>;
  journal: Map<string, JournalEntry>;
}

const production = new Map<string, ProductionTable>();

/** Replaces production of `table` at once (one synchronous step: atomic for readers). */
export function setProduction(table: string, state: ProductionTable): void {
  production.set(table, state);
}
const staging = new Map<string, StagingTable>();

/** Production of `table`, created empty on first use. */
export function productionOf(table: string): ProductionTable {
  let state = production.get(table);
  if (!state) {
    state = { schema: undefined, batches: [], runIds: new Set(), deleted: new Set() };
    production.set(table, state);
  }
  return state;
}

function stagingOf(table: string): StagingTable {
  let state = staging.get(table);
  if (!state) {
    state = { parts: new Map(), journal: new Map() };
    staging.set(table, state);
  }
  return state;
}

/** The probe of production: an Arrow table read from the map, not through a store. */
export async function inspectReference(table: string): Promise<Table> {
  const state = productionOf(table);
  return state.schema ? new Table(state.schema, state.batches) : new Table();
}

/** The probe of staging: staged parts plus journal entries of `table`. */
export async function inspectReferenceStaging(table: string): Promise<number> {
  const state = stagingOf(table);
  let parts = 0;
  for (const run of state.parts.values()) parts += Math.max(1, run.size);
  return parts + state.journal.size;
}

/** Options of {@link ReferenceStore}. */
export interface ReferenceStoreOptions {
  table: string;
  key?: readonly string[];
  tenantColumn?: string;
  softDelete?: boolean;
  /** The password the store would use; it must never show in a message. */
  secret?: string;
  /** Point the store at a backend that does not answer. */
  unreachable?: boolean;
}

type Scope = { tenant?: string };

function plain(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    const candidate = value as { toArray?: () => ArrayLike<unknown>; type?: unknown };
    if (typeof candidate.toArray === 'function' && candidate.type !== undefined) {
      return Array.from(candidate.toArray());
    }
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return (value as { toJSON(): unknown }).toJSON();
    }
  }
  return value;
}

function comparable(value: unknown): number | string | bigint | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint' || typeof value === 'number') return value;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  return String(value);
}

function compare(left: unknown, right: unknown): number {
  const a = comparable(left);
  const b = comparable(right);
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (
    (typeof a === 'number' || typeof a === 'bigint') &&
    (typeof b === 'number' || typeof b === 'bigint')
  ) {
    const numberA = Number(a);
    const numberB = Number(b);
    return numberA < numberB ? -1 : numberA > numberB ? 1 : 0;
  }
  const textA = String(a);
  const textB = String(b);
  return textA < textB ? -1 : textA > textB ? 1 : 0;
}

function isCondition(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).some((key) =>
      ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'isNull'].includes(key),
    )
  );
}

/** `true` when `row` satisfies every condition of `where`. */
export function matches(row: Row, where: Where | undefined): boolean {
  for (const [column, condition] of Object.entries(where ?? {})) {
    const value = row[column];
    if (!isCondition(condition)) {
      if (compare(value, condition) !== 0 || value === null || value === undefined) return false;
      continue;
    }
    const present = value !== null && value !== undefined;
    if (condition.isNull !== undefined && condition.isNull === present) return false;
    if ('eq' in condition && (!present || compare(value, condition.eq) !== 0)) return false;
    if ('ne' in condition && present && compare(value, condition.ne) === 0) return false;
    if ('gt' in condition && (!present || compare(value, condition.gt) <= 0)) return false;
    if ('gte' in condition && (!present || compare(value, condition.gte) < 0)) return false;
    if ('lt' in condition && (!present || compare(value, condition.lt) >= 0)) return false;
    if ('lte' in condition && (!present || compare(value, condition.lte) > 0)) return false;
    if (
      Array.isArray(condition.in) &&
      !condition.in.some((item: unknown) => compare(value, item) === 0)
    ) {
      return false;
    }
  }
  return true;
}

/** The correct reference store. */
export class ReferenceStore extends Store {
  readonly capabilities: StoreCapabilities;
  readonly name: string;
  protected readonly options: ReferenceStoreOptions;
  protected readonly table: string;
  protected readonly key: readonly string[];
  protected readonly writer: StagedWriter;

  constructor(options: ReferenceStoreOptions, capabilities: Partial<StoreCapabilities> = {}) {
    super();
    this.table = assertIdentifier(options.table);
    this.options = options;
    this.key = options.key ?? [];
    this.name = `reference:${this.table}`;
    this.capabilities = {
      runTypes: ['full_drop', 'incremental', 'merge'],
      commit: 'atomic',
      readBack: true,
      records: true,
      tenants: true,
      softDelete: true,
      vectorSearch: true,
      faultInjection: true,
      multiProcess: false,
      arrowTypes: COMMON_ARROW_TYPES,
      ...capabilities,
    };
    this.writer = new StagedWriter({
      name: this.name,
      capabilities: this.capabilities,
      primitives: this.primitives(),
    });
  }

  override get faults(): FaultHook {
    return this.writer.faults;
  }

  async write(data: ArrowInput): Promise<void> {
    this.assertOpen('write');
    await this.writer.write(data);
  }

  async finish(): Promise<CommitReport> {
    this.assertOpen('finish');
    return this.writer.finish();
  }

  override async configureForRun(runType: RunType, settings: RunSettings = {}): Promise<void> {
    this.assertOpen('configureForRun');
    if (runType === 'merge' && this.key.length === 0) {
      throw new ValidationError(`${this.name}: a merge run needs key columns`);
    }
    await this.writer.configure(runType, settings);
  }

  override async cleanupStaging(): Promise<void> {
    this.assertOpen('cleanupStaging');
    await this.writer.cleanup();
  }

  override async resetRetrySensitiveState(): Promise<void> {
    this.assertOpen('resetRetrySensitiveState');
    await this.writer.resetRetrySensitiveState();
  }

  override async recover(): Promise<RecoveryReport> {
    this.assertOpen('recover');
    return this.writer.recover();
  }

  protected override async onConnect(): Promise<void> {
    if (this.options.unreachable) await this.refuseConnection();
  }

  /** What an unreachable backend does on connect. */
  protected async refuseConnection(): Promise<never> {
    const url = `reference://admin:${this.options.secret ?? ''}@127.0.0.1:1/${this.table}`;
    throw new ConnectionError(`${this.name}: cannot reach ${url}`, {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      secrets: this.options.secret ? [this.options.secret] : [],
    });
  }

  protected override async onClose(): Promise<void> {
    await this.writer.abort();
  }

  // --- staging primitives -----------------------------------------------------------------

  protected primitives(): StagingPrimitives {
    return {
      begin: async () => {},
      stagePart: (run, part) => this.stagePart(run, part),
      publish: (run, parts, schema, checkpoint) => this.publish(run, parts, schema, checkpoint),
      discard: (runId, checkpoint) => this.discard(runId, checkpoint),
      listLeftovers: async () => [...stagingOf(this.table).parts.keys()],
      readJournal: async () => [...stagingOf(this.table).journal.values()],
      writeJournal: async (entry) => {
        stagingOf(this.table).journal.set(entry.runId, structuredClone(entry));
      },
      removeJournal: async (runId) => {
        stagingOf(this.table).journal.delete(runId);
      },
    };
  }

  protected async stagePart(run: RunInfo, part: PartToStage): Promise<StagedPart> {
    const parts = stagingOf(this.table).parts;
    const staged = parts.get(run.runId) ?? new Map<number, RecordBatch[]>();
    parts.set(run.runId, staged);
    staged.set(part.index, [...part.batches]);
    return {
      index: part.index,
      rows: part.rows,
      bytes: part.bytes,
      ref: `${run.runId}/${part.index}`,
    };
  }

  protected stagedBatches(parts: readonly StagedPart[], runId: string): RecordBatch[] {
    const staged = stagingOf(this.table).parts.get(runId);
    return parts.flatMap((part) => staged?.get(part.index) ?? []);
  }

  protected async publish(
    run: RunInfo,
    parts: readonly StagedPart[],
    schema: Schema | undefined,
    _checkpoint: Checkpoint,
  ): Promise<PublishResult> {
    const state = productionOf(this.table);
    if (state.runIds.has(run.runId)) return { alreadyPublished: true };
    const incoming = this.stagedBatches(parts, run.runId);
    const next = this.publishedState(state, run.runType, incoming, schema);
    setProduction(this.table, { ...next, runIds: new Set([...state.runIds, run.runId]) });
    return { alreadyPublished: false };
  }

  /** Production after a run of `runType` publishes `incoming`. Pure. */
  protected publishedState(
    state: ProductionTable,
    runType: RunType,
    incoming: RecordBatch[],
    runSchema: Schema | undefined,
  ): ProductionTable {
    const schema = runSchema ?? state.schema;
    if (!schema) return state;
    const fitted = incoming.map((batch) => fitBatch(schema, batch).batch);
    if (runType === 'full_drop') return { ...state, schema, batches: fitted, deleted: new Set() };
    const existing = state.batches.map((batch) => fitBatch(schema, batch).batch);
    if (runType === 'incremental') return { ...state, schema, batches: [...existing, ...fitted] };
    const incomingRows = this.rowsOf(fitted);
    const replaced = new Set(incomingRows.map((row) => this.keyOf(row)));
    const kept = this.rowsOf(existing).filter((row) => !replaced.has(this.keyOf(row)));
    return { ...state, schema, batches: [this.batchOf(schema, [...kept, ...incomingRows])] };
  }

  protected async discard(runId: string, _checkpoint: Checkpoint): Promise<void> {
    stagingOf(this.table).parts.delete(runId);
  }

  // --- rows -------------------------------------------------------------------------------

  protected rowsOf(batches: readonly RecordBatch[]): Row[] {
    const rows: Row[] = [];
    for (const batch of batches) {
      for (let index = 0; index < batch.numRows; index += 1) {
        const row: Row = {};
        for (const field of batch.schema.fields)
          row[field.name] = plain(batch.getChild(field.name)?.get(index) ?? null);
        rows.push(row);
      }
    }
    return rows;
  }

  protected batchOf(schema: Schema, rows: readonly Row[]): RecordBatch {
    const columns = schema.fields.map((field) =>
      vectorFromArray(rows.map((row) => row[field.name] ?? null) as unknown[], field.type),
    );
    return batchFromColumns(schema, columns, rows.length);
  }

  protected keyOf(row: Row | RecordKey): string {
    if (typeof row !== 'object' || row === null) return JSON.stringify([String(row)]);
    return JSON.stringify(this.key.map((column) => String((row as Row)[column])));
  }

  protected keyRow(key: RecordKey): Row {
    if (typeof key === 'object' && key !== null) return key as Row;
    const [column] = this.key;
    if (column === undefined)
      throw new ValidationError(`${this.name}: the record API needs key columns`);
    return { [column]: key };
  }

  protected allRows(): Row[] {
    return this.rowsOf(productionOf(this.table).batches);
  }

  protected replaceRows(rows: readonly Row[], deleted?: Set<string>): void {
    const state = productionOf(this.table);
    if (!state.schema)
      throw new ValidationError(`${this.name}: nothing committed yet, the schema is unknown`);
    setProduction(this.table, {
      ...state,
      batches: rows.length === 0 ? [] : [this.batchOf(state.schema, rows)],
      deleted: deleted ?? state.deleted,
    });
  }

  protected inScope(row: Row, scope: Scope): boolean {
    return (
      scope.tenant === undefined || row[this.options.tenantColumn ?? 'tenant'] === scope.tenant
    );
  }

  /** The rows a read sees: in scope, matching, deleted or not. */
  protected visibleRows(scope: Scope, where: Where | undefined, deleted = false): Row[] {
    const marks = productionOf(this.table).deleted;
    return this.allRows().filter(
      (row) =>
        marks.has(this.keyOf(row)) === deleted && this.inScope(row, scope) && matches(row, where),
    );
  }

  /** Orders and pages rows for `list`. */
  protected page(rows: Row[], query: ListQuery): Row[] {
    const terms: OrderBy[] = (
      query.orderBy === undefined
        ? []
        : Array.isArray(query.orderBy)
          ? query.orderBy
          : [query.orderBy]
    ).map((term: string | OrderBy) => (typeof term === 'string' ? { column: term } : term));
    for (const column of this.key) terms.push({ column });
    const sorted = [...rows].sort((left, right) => {
      for (const term of terms) {
        const order = compare(left[term.column], right[term.column]);
        if (order !== 0) return term.direction === 'desc' ? -order : order;
      }
      return 0;
    });
    const offset = query.offset ?? 0;
    return sorted.slice(offset, query.limit === undefined ? undefined : offset + query.limit);
  }

  protected scopeRow(row: Row, scope: Scope): Row {
    if (scope.tenant === undefined) return row;
    const column = this.options.tenantColumn ?? 'tenant';
    if (column in row && row[column] !== scope.tenant) {
      throw new ValidationError(`${this.name}: this view is for tenant ${scope.tenant}`);
    }
    return { ...row, [column]: scope.tenant };
  }

  // --- record API -------------------------------------------------------------------------

  async scopedGet(key: RecordKey, scope: Scope): Promise<Row | undefined> {
    this.assertOpen('get');
    const wanted = this.keyOf(this.keyRow(key));
    return this.visibleRows(scope, undefined).find((row) => this.keyOf(row) === wanted);
  }

  async scopedInsert(row: Row, scope: Scope): Promise<void> {
    this.assertOpen('insert');
    const scoped = this.scopeRow(row, scope);
    const rows = this.allRows();
    if (rows.some((candidate) => this.keyOf(candidate) === this.keyOf(scoped))) {
      throw new ConflictError(`${this.name}: key ${this.keyOf(scoped)} exists`);
    }
    this.replaceRows([...rows, scoped]);
  }

  async scopedUpdate(key: RecordKey, patch: Row, scope: Scope): Promise<Row> {
    this.assertOpen('update');
    const wanted = this.keyOf(this.keyRow(key));
    const found = this.visibleRows(scope, undefined).find((row) => this.keyOf(row) === wanted);
    if (!found) throw new NotFoundError(`${this.name}: no row with key ${wanted}`);
    const updated = { ...found, ...patch };
    this.replaceRows(this.allRows().map((row) => (this.keyOf(row) === wanted ? updated : row)));
    return updated;
  }

  async scopedUpsert(row: Row, scope: Scope): Promise<void> {
    this.assertOpen('upsert');
    const scoped = this.scopeRow(row, scope);
    const wanted = this.keyOf(scoped);
    const rows = this.allRows();
    const existing = rows.find((candidate) => this.keyOf(candidate) === wanted);
    if (existing && !this.inScope(existing, scope)) {
      throw new ConflictError(`${this.name}: key ${wanted} belongs to another tenant`);
    }
    const deleted = new Set(productionOf(this.table).deleted);
    deleted.delete(wanted);
    this.replaceRows(
      existing
        ? rows.map((candidate) =>
            this.keyOf(candidate) === wanted ? { ...existing, ...scoped } : candidate,
          )
        : [...rows, scoped],
      deleted,
    );
  }

  async scopedDelete(key: RecordKey, scope: Scope): Promise<boolean> {
    this.assertOpen('delete');
    const wanted = this.keyOf(this.keyRow(key));
    const found = this.visibleRows(scope, undefined).find((row) => this.keyOf(row) === wanted);
    if (!found) return false;
    if (this.options.softDelete) {
      const deleted = new Set(productionOf(this.table).deleted);
      deleted.add(wanted);
      this.replaceRows(this.allRows(), deleted);
    } else {
      this.replaceRows(this.allRows().filter((row) => this.keyOf(row) !== wanted));
    }
    return true;
  }

  async scopedRestore(key: RecordKey, scope: Scope): Promise<void> {
    this.assertOpen('restore');
    const wanted = this.keyOf(this.keyRow(key));
    const found = this.visibleRows(scope, undefined, true).find(
      (row) => this.keyOf(row) === wanted,
    );
    if (!found) throw new NotFoundError(`${this.name}: no deleted row with key ${wanted}`);
    const deleted = new Set(productionOf(this.table).deleted);
    deleted.delete(wanted);
    this.replaceRows(this.allRows(), deleted);
  }

  async scopedList(query: ListQuery, scope: Scope, deleted: boolean): Promise<Row[]> {
    this.assertOpen('list');
    return this.page(this.visibleRows(scope, query.where, deleted), query);
  }

  async scopedCount(where: Where, scope: Scope): Promise<number> {
    this.assertOpen('count');
    return this.visibleRows(scope, where).length;
  }

  async scopedSearch(query: VectorQuery, scope: Scope): Promise<VectorHit[]> {
    this.assertOpen('search');
    const metric = query.metric ?? 'cosine';
    const hits = this.visibleRows(scope, query.where).map((row) => {
      const vector = (row[query.column] as number[]) ?? [];
      const dot = vector.reduce((sum, value, index) => sum + value * (query.vector[index] ?? 0), 0);
      const norm = (values: readonly number[]) =>
        Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
      const score =
        metric === 'dot'
          ? dot
          : metric === 'euclidean'
            ? Math.sqrt(
                vector.reduce(
                  (sum, value, index) => sum + (value - (query.vector[index] ?? 0)) ** 2,
                  0,
                ),
              )
            : dot / (norm(vector) * norm(query.vector));
      return { row, score };
    });
    hits.sort((left, right) =>
      metric === 'euclidean' ? left.score - right.score : right.score - left.score,
    );
    return hits.slice(0, query.k);
  }

  override get(key: RecordKey) {
    return this.scopedGet(key, {});
  }
  override insert(row: Row) {
    return this.scopedInsert(row, {});
  }
  override update(key: RecordKey, patch: Row) {
    return this.scopedUpdate(key, patch, {});
  }
  override upsert(row: Row) {
    return this.scopedUpsert(row, {});
  }
  override delete(key: RecordKey) {
    return this.scopedDelete(key, {});
  }
  override list(query: ListQuery = {}) {
    return this.scopedList(query, {}, false);
  }
  override count(where: Where = {}) {
    return this.scopedCount(where, {});
  }
  override restore(key: RecordKey) {
    return this.scopedRestore(key, {});
  }
  override listDeleted(query: ListQuery = {}) {
    return this.scopedList(query, {}, true);
  }
  override search(query: VectorQuery) {
    return this.scopedSearch(query, {});
  }

  override async *read(): AsyncIterable<RecordBatch> {
    this.assertOpen('read');
    for (const batch of productionOf(this.table).batches) yield batch;
  }

  override forTenant(tenantId: string): TenantView {
    if (this.options.tenantColumn === undefined) {
      throw new ValidationError(`${this.name}: tenant views need a tenant column`);
    }
    return this.tenantView(tenantId);
  }

  protected tenantView(tenantId: string): TenantView {
    const scope = { tenant: tenantId };
    return {
      tenantId,
      get: (key) => this.scopedGet(key, scope),
      insert: (row) => this.scopedInsert(row, scope),
      update: (key, patch) => this.scopedUpdate(key, patch, scope),
      upsert: (row) => this.scopedUpsert(row, scope),
      delete: (key) => this.scopedDelete(key, scope),
      list: (query = {}) => this.scopedList(query, scope, false),
      count: (where = {}) => this.scopedCount(where, scope),
      restore: (key) => this.scopedRestore(key, scope),
      listDeleted: (query = {}) => this.scopedList(query, scope, true),
      search: (query) => this.scopedSearch(query, scope),
    };
  }
}
