/**
 * The record API on Redis. Point operations are one script each (a read of `current` and the
 * row in the same atomic step, so they never touch a replaced version, and concurrent writers
 * from any number of processes serialize on the server); lists and counts walk the index in
 * bounded chunks, filtering by tenant on the server. Every operation runs within a scope: the
 * whole store, or one tenant, whose rows are the only ones it can see or change.
 */
import {
  ConflictError,
  checkWhere,
  compareValues,
  describeKey,
  keyRow,
  type ListQuery,
  matchesWhere,
  NotFoundError,
  orderTerms,
  pageBounds,
  type RecordKey,
  type Row,
  schemaFromRow,
  ValidationError,
  type VectorHit,
  type VectorQuery,
  vectorScore,
  type Where,
} from '@wharf/store-core';
import type { Schema } from 'apache-arrow';
import { batchFromCells, cellsOf, fieldMap, plainRows, recordCell } from './redis-batch-codec.js';
import type { CommandArgument } from './redis-connection.js';
import type { RedisContext } from './redis-context.js';
import type { FieldValue } from './redis-field-codec.js';
import { keyMemberEncoder, keyValueToExact } from './redis-key-encoding.js';
import { isKeyOrder, PageCollector } from './redis-paging.js';
import { type ProductionView, readProduction, scanRows } from './redis-scan.js';
import { storedSchema } from './redis-schemas.js';
import { DELETE_ROW, GET_ROW, INSERT_ROW, PATCH_ROW } from './redis-scripts.js';
import { keyTypes } from './redis-staging.js';

/** Whose rows an operation sees: the whole store, or one tenant's. */
export interface Scope {
  readonly tenant?: string;
}

/** The record options of a store. */
export interface RecordSettings {
  readonly tenantColumn?: string;
  readonly softDelete: boolean;
  /** The schema of a table first written through the record API, when given. */
  readonly schema?: Schema;
}

/** How often a write re-reads production's schema after a concurrent change. */
const ATTEMPTS = 10;

function isEmptyWhere(where: Where | undefined): boolean {
  return where === undefined || Object.keys(where).length === 0;
}

/** The record API of one store. */
export class RedisRecords {
  readonly #context: RedisContext;
  readonly #settings: RecordSettings;
  #production: ProductionView | undefined;

  constructor(context: RedisContext, settings: RecordSettings) {
    this.#context = context;
    this.#settings = settings;
  }

  async get(key: RecordKey, scope: Scope): Promise<Row | undefined> {
    const target = keyRow(this.#context.keyColumns, key);
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const production = await this.#current('get', attempt > 0);
      const member = this.#member(production, target);
      if (member === undefined) return undefined;
      const reply = (await this.#context.call('get', () =>
        this.#context.scripts.runBuffers(GET_ROW, [
          this.#context.keys.base,
          member,
          ...this.#tenantArgs(scope),
          'index',
        ]),
      )) as Buffer[];
      if (String(reply[0]) === 'none') return undefined;
      if (String(reply[2]) !== production.hash) continue;
      return this.#decodeRow(production, reply.slice(3), 'get');
    }
    return this.#schemaRace('get');
  }

  async insert(row: Row, scope: Scope): Promise<void> {
    const scoped = this.#scopeRow(row, scope);
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const production = await this.#current('insert', attempt > 0);
      const { schema, create } = this.#writeSchema(production, scoped);
      const pairs: FieldValue[] = [];
      for (const field of schema.fields) {
        const cell = recordCell(schema, field.name, scoped[field.name]);
        if (cell !== null) pairs.push(field.name, cell);
      }
      this.#checkColumns(schema, scoped);
      const member = this.#writeMember(schema, scoped);
      const reply = await this.#context.call('insert', () =>
        this.#context.scripts.run(INSERT_ROW, [
          this.#context.keys.base,
          create.hash,
          create.encoded,
          member,
          this.#context.ttlMs,
          ...pairs,
        ]),
      );
      if (reply === 'stale') continue;
      if (reply === 'exists' || reply === 'deleted') {
        throw new ConflictError(
          `${this.#context.name}: a row with key ${describeKey(this.#context.keyColumns, scoped)} already exists${reply === 'deleted' ? ' (soft-deleted; restore it or upsert)' : ''}`,
        );
      }
      return;
    }
    return this.#schemaRace('insert');
  }

  async update(key: RecordKey, patch: Row, scope: Scope): Promise<Row> {
    const context = this.#context;
    const target = keyRow(context.keyColumns, key);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new ValidationError('a patch must be a plain object');
    }
    for (const column of context.keyColumns) {
      if (column in patch && compareValues(patch[column], target[column]) !== 0) {
        throw new ValidationError(`update cannot change key column '${column}'`);
      }
    }
    const tenantColumn = this.#settings.tenantColumn;
    if (
      scope.tenant !== undefined &&
      tenantColumn !== undefined &&
      tenantColumn in patch &&
      patch[tenantColumn] !== scope.tenant
    ) {
      throw new ValidationError('update cannot move a row to another tenant');
    }
    const notFound = () =>
      new NotFoundError(
        `${context.name}: no row with key ${describeKey(context.keyColumns, target)}`,
      );
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const production = await this.#current('update', attempt > 0);
      if (!production.schema) throw notFound();
      const member = this.#member(production, target);
      if (member === undefined) throw notFound();
      const reply = await this.#patch(
        'update',
        production,
        production.schema,
        member,
        patch,
        scope,
        [],
      );
      if (reply === 'stale') continue;
      if (reply === 'none' || reply === 'tenant') throw notFound();
      return reply;
    }
    return this.#schemaRace('update');
  }

  async upsert(row: Row, scope: Scope): Promise<void> {
    const context = this.#context;
    const scoped = this.#scopeRow(row, scope);
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const production = await this.#current('upsert', attempt > 0);
      const { schema, create } = this.#writeSchema(production, scoped);
      this.#checkColumns(schema, scoped);
      const member = this.#writeMember(schema, scoped);
      const required = schema.fields
        .filter((field) => !field.nullable && !(field.name in scoped))
        .map((field) => field.name);
      const reply = await this.#patch(
        'upsert',
        { ...production, hash: create.hash },
        schema,
        member,
        scoped,
        scope,
        required,
        create.encoded,
      );
      if (reply === 'stale') continue;
      if (reply === 'tenant') {
        throw new ConflictError(
          `${context.name}: key ${describeKey(context.keyColumns, scoped)} belongs to another tenant`,
        );
      }
      return;
    }
    return this.#schemaRace('upsert');
  }

  async delete(key: RecordKey, scope: Scope): Promise<boolean> {
    const mode = this.#settings.softDelete ? 'soft' : 'hard';
    return (await this.#deleteOrRestore('delete', key, scope, mode)) === 1;
  }

  async restore(key: RecordKey, scope: Scope): Promise<void> {
    this.#requireSoftDelete('restore');
    const target = keyRow(this.#context.keyColumns, key);
    if ((await this.#deleteOrRestore('restore', key, scope, 'restore')) !== 1) {
      throw new NotFoundError(
        `${this.#context.name}: no deleted row with key ${describeKey(this.#context.keyColumns, target)}`,
      );
    }
  }

  async list(query: ListQuery, scope: Scope, deletedOnly: boolean): Promise<Row[]> {
    const operation = deletedOnly ? 'listDeleted' : 'list';
    if (deletedOnly) this.#requireSoftDelete(operation);
    const production = await this.#current(operation, true);
    const columns = new Set(production.schema?.fields.map((field) => field.name) ?? []);
    const terms = orderTerms(query.orderBy, this.#context.keyColumns, columns);
    const bounds = pageBounds(query);
    if (!production.schema || !production.version || bounds.limit === 0) return [];
    checkWhere(query.where, columns);
    const inKeyOrder = isKeyOrder(terms, this.#context.keyColumns);
    const skip =
      inKeyOrder &&
      isEmptyWhere(query.where) &&
      scope.tenant === undefined &&
      this.#context.ttlMs === 0
        ? bounds.offset
        : 0;
    const collector = new PageCollector(terms, { ...bounds, offset: bounds.offset - skip });
    const page: Row[] = [];
    let skipped = 0;
    for await (const rows of this.#rows(
      production,
      operation,
      scope,
      deletedOnly ? 'deleted' : 'index',
      skip,
    )) {
      for (const row of rows) {
        if (!matchesWhere(row, query.where)) continue;
        if (!inKeyOrder) {
          collector.add(row);
          continue;
        }
        if (skipped < bounds.offset - skip) {
          skipped += 1;
          continue;
        }
        page.push(row);
        if (page.length >= bounds.limit) return page;
      }
    }
    return inKeyOrder ? page : collector.page();
  }

  async count(where: Where, scope: Scope): Promise<number> {
    const context = this.#context;
    const production = await this.#current('count', true);
    if (!production.schema || !production.version) return 0;
    checkWhere(where, new Set(production.schema.fields.map((field) => field.name)));
    if (isEmptyWhere(where) && scope.tenant === undefined && context.ttlMs === 0) {
      const version = production.version;
      return context.call('count', () => context.client().zcard(context.keys.index(version)));
    }
    let total = 0;
    for await (const rows of this.#rows(production, 'count', scope, 'index', 0)) {
      for (const row of rows) if (matchesWhere(row, where)) total += 1;
    }
    return total;
  }

  async search(query: VectorQuery, scope: Scope): Promise<VectorHit[]> {
    if (!Number.isInteger(query.k) || query.k < 1) {
      throw new ValidationError('search: k must be a positive integer');
    }
    const production = await this.#current('search', true);
    const columns = new Set(production.schema?.fields.map((field) => field.name) ?? []);
    if (!columns.has(query.column)) {
      throw new ValidationError(`search: unknown column '${query.column}'`);
    }
    checkWhere(query.where, columns);
    const metric = query.metric ?? 'cosine';
    const nearerFirst = (left: VectorHit, right: VectorHit) =>
      metric === 'euclidean' ? left.score - right.score : right.score - left.score;
    let hits: VectorHit[] = [];
    for await (const rows of this.#rows(production, 'search', scope, 'index', 0)) {
      for (const row of rows) {
        if (!matchesWhere(row, query.where)) continue;
        const vector = row[query.column];
        if (!Array.isArray(vector)) continue;
        hits.push({ row, score: vectorScore(metric, query.vector, vector) });
      }
      if (hits.length > 4 * query.k + 1024) hits = hits.sort(nearerFirst).slice(0, query.k);
    }
    return hits.sort(nearerFirst).slice(0, query.k);
  }

  /** Forgets the cached production schema (after a commit, say). */
  invalidate(): void {
    this.#production = undefined;
  }

  async *#rows(
    production: ProductionView,
    operation: string,
    scope: Scope,
    from: 'index' | 'deleted',
    offset: number,
  ): AsyncGenerator<Row[]> {
    const schema = production.schema!;
    const tenant =
      scope.tenant === undefined ? undefined : { column: this.#tenantColumn(), id: scope.tenant };
    for await (const chunk of scanRows(this.#context, {
      version: production.version!,
      from,
      fields: schema.fields.map((field) => field.name),
      operation,
      offset,
      ...(tenant ? { tenant } : {}),
    })) {
      const batch = batchFromCells(
        schema,
        chunk.map((row) => row.cells),
        `${this.#context.name}.${operation}()`,
      );
      yield plainRows(batch);
    }
  }

  async #deleteOrRestore(
    operation: string,
    key: RecordKey,
    scope: Scope,
    mode: 'hard' | 'soft' | 'restore',
  ): Promise<number> {
    const target = keyRow(this.#context.keyColumns, key);
    const production = await this.#current(operation, true);
    const member = this.#member(production, target);
    if (member === undefined) return 0;
    const reply = await this.#context.call(operation, () =>
      this.#context.scripts.run(DELETE_ROW, [
        this.#context.keys.base,
        member,
        ...this.#tenantArgs(scope),
        mode,
      ]),
    );
    return Number(reply);
  }

  /** Runs PATCH_ROW; the updated row, or the script's refusal. */
  async #patch(
    mode: 'update' | 'upsert',
    production: ProductionView,
    schema: Schema,
    member: string,
    values: Row,
    scope: Scope,
    required: readonly string[],
    createSchema = '',
  ): Promise<Row | 'stale' | 'none' | 'tenant'> {
    const pairs: FieldValue[] = [];
    const removed: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      const cell = recordCell(schema, name, value);
      if (cell === null) removed.push(name);
      else pairs.push(name, cell);
    }
    const args: CommandArgument[] = [
      this.#context.keys.base,
      production.hash,
      createSchema,
      member,
      this.#context.ttlMs,
      ...this.#tenantArgs(scope),
      mode,
      required.join(','),
      pairs.length,
      ...pairs,
      ...removed,
    ];
    const reply = (await this.#context.call(mode, () =>
      this.#context.scripts.runBuffers(PATCH_ROW, args),
    )) as Buffer[];
    const status = String(reply[0]);
    if (status === 'required') {
      const column = String(reply[1]).split(',')[0]!;
      throw new ValidationError(`column '${column}' is not nullable`, { details: { column } });
    }
    if (status !== 'ok') return status as 'stale' | 'none' | 'tenant';
    const hash = String(reply[2]);
    const rowSchema = (await this.#context.schemas.get(hash)) ?? schema;
    return this.#decodeRow({ ...production, schema: rowSchema, hash }, reply.slice(3), mode);
  }

  #decodeRow(production: ProductionView, flat: readonly Buffer[], operation: string): Row {
    const schema = production.schema!;
    const batch = batchFromCells(
      schema,
      [cellsOf(schema, fieldMap(flat))],
      `${this.#context.name}.${operation}()`,
    );
    return plainRows(batch)[0]!;
  }

  /** Production's version and schema, cached until a write finds it changed. */
  async #current(operation: string, refresh: boolean): Promise<ProductionView> {
    if (refresh || this.#production === undefined || this.#production.version === undefined) {
      this.#production = await readProduction(this.#context, operation);
    }
    return this.#production;
  }

  /** The schema a write uses, and what to create production with when there is none. */
  #writeSchema(production: ProductionView, row: Row) {
    if (production.schema)
      return { schema: production.schema, create: { hash: production.hash, encoded: '' } };
    const schema = this.#settings.schema ?? schemaFromRow(row);
    const stored = storedSchema(schema);
    this.#context.schemas.remember(stored);
    return { schema, create: { hash: stored.hash, encoded: stored.encoded } };
  }

  #checkColumns(schema: Schema, row: Row): void {
    for (const column of Object.keys(row)) {
      if (!schema.fields.some((field) => field.name === column)) {
        throw new ValidationError(`unknown column '${column}'`, { details: { column } });
      }
    }
  }

  /** The identifier of `key` in production; `undefined` when no row can have it. */
  #member(production: ProductionView, key: Row): string | undefined {
    if (!production.schema) return undefined;
    const columns = this.#context.keyColumns;
    const types = keyTypes(production.schema, columns, this.#context.name);
    const values = columns.map((column, position) =>
      keyValueToExact(types[position]!, key[column]),
    );
    if (values.some((value) => value === undefined)) return undefined;
    return keyMemberEncoder(columns, types)(values as never);
  }

  /** The identifier of a row about to be written; a `ValidationError` for a bad key. */
  #writeMember(schema: Schema, row: Row): string {
    const columns = this.#context.keyColumns;
    const types = keyTypes(schema, columns, this.#context.name);
    const values = columns.map((column, position) => {
      const value = keyValueToExact(types[position]!, row[column]);
      if (value === undefined) {
        throw new ValidationError(
          `key column '${column}' cannot hold ${JSON.stringify(String(row[column]))}`,
          { details: { column } },
        );
      }
      return value;
    });
    return keyMemberEncoder(columns, types)(values);
  }

  #tenantArgs(scope: Scope): [string, string] {
    if (scope.tenant === undefined) return ['', ''];
    return [this.#tenantColumn(), scope.tenant];
  }

  #scopeRow(row: Row, scope: Scope): Row {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new ValidationError('a row must be a plain object');
    }
    keyRow(this.#context.keyColumns, row);
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
    if (this.#settings.tenantColumn === undefined) {
      throw new ValidationError(`${this.#context.name}: tenant views need the tenantColumn option`);
    }
    return this.#settings.tenantColumn;
  }

  #requireSoftDelete(operation: string): void {
    if (!this.#settings.softDelete) {
      throw new ValidationError(`${this.#context.name}.${operation}() needs the softDelete option`);
    }
  }

  #schemaRace(operation: string): never {
    throw new ConflictError(
      `${this.#context.name}: production's schema kept changing during ${operation}(); try again`,
      { retryable: true },
    );
  }
}
