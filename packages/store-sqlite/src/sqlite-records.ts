/**
 * The record API of `SqliteStore` and its tenant views. Every statement starts from
 * `baseConditions` (live or soft-deleted rows, and the view's tenant), so no code path can
 * forget the tenant filter; writes run in `BEGIN IMMEDIATE` transactions, so several
 * connections and processes never interleave inside one operation.
 */
import {
  ConflictError,
  describeKey,
  keyColumns,
  keyRow,
  type ListQuery,
  NotFoundError,
  type RecordKey,
  type Row,
  schemaFromRow,
  type TenantView,
  ValidationError,
  type VectorHit,
  type VectorQuery,
  vectorScore,
  type Where,
} from '@wharf/store-core';
import type { Field, Schema } from 'apache-arrow';
import type { Statement } from 'better-sqlite3';
import { readSchemaText, type SqliteDatabase, tableExists } from './sqlite-catalog.js';
import type { BindValue } from './sqlite-encode.js';
import {
  addKey,
  addWhere,
  baseConditions,
  type Conditions,
  orderSql,
  pageSql,
  type Scope,
  whereSql,
} from './sqlite-query.js';
import {
  assertKeyColumns,
  assertUserColumns,
  ensureKeyIndex,
  productionSchema,
  storeSchema,
} from './sqlite-schema.js';
import { createTableSql, DELETED_COLUMN, quote } from './sqlite-sql.js';
import { decodeRows, encodeRecordValue } from './sqlite-values.js';
import { checkMetric, TopK } from './sqlite-vector.js';

/** What the record API needs from the store. */
export interface RecordHost {
  readonly name: string;
  readonly table: string;
  readonly key: string | readonly string[] | undefined;
  readonly tenantColumn: string | undefined;
  readonly softDelete: boolean;
  /** The `schema` option: the schema of a table first created by the record API. */
  readonly schema: Schema | undefined;
  /**
   * Runs `action` on the open connection as operation `operation`: checks the store is open,
   * records metrics and turns driver errors into store errors.
   */
  run<T>(operation: string, action: (db: SqliteDatabase) => T): Promise<T>;
}

interface Production {
  readonly schema: Schema;
  readonly fields: ReadonlyMap<string, Field>;
  readonly columns: string;
}

/** The record API over one production table, within a scope (the whole table or one tenant). */
export class SqliteRecords {
  readonly #host: RecordHost;
  readonly #key: string[];
  #statements = new WeakMap<SqliteDatabase, Map<string, Statement>>();
  #schemaCache: { text: string; production: Production } | undefined;

  constructor(host: RecordHost) {
    this.#host = host;
    this.#key = keyColumns(host.key);
  }

  get(key: RecordKey, scope: Scope): Promise<Row | undefined> {
    return this.#host.run('get', (db) => {
      const target = this.#keyRow(key);
      const production = this.#production(db);
      if (!production) return undefined;
      const conditions = this.#base(scope, false);
      addKey(conditions, target, production.fields);
      const rows = this.#select(db, production, conditions, ' LIMIT 1');
      return rows[0];
    });
  }

  insert(row: Row, scope: Scope): Promise<void> {
    return this.#host.run('insert', (db) => {
      const scoped = this.#scopeRow(row, scope);
      db.transaction(() => {
        const production = this.#productionForWrite(db, scoped);
        ensureKeyIndex(db, this.#host.table, this.#key);
        const { names, values } = this.#encodeRow(production, scoped, true);
        try {
          this.#statement(
            db,
            `INSERT INTO ${quote(this.#host.table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
          ).run(values);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          // Keys are unique across tenants; only the scope's own soft-deleted row is described.
          const deleted = this.#base(scope, true);
          addKey(deleted, this.#keyRow(scoped), production.fields);
          const softDeleted =
            this.#statement(
              db,
              `SELECT 1 FROM ${quote(this.#host.table)}${whereSql(deleted)} LIMIT 1`,
            ).get(deleted.params) !== undefined;
          throw new ConflictError(
            `${this.#host.name}: a row with key ${describeKey(this.#key, scoped)} already exists${softDeleted ? ' (soft-deleted; restore it or upsert)' : ''}`,
            { cause: error },
          );
        }
      }).immediate();
    });
  }

  update(key: RecordKey, patch: Row, scope: Scope): Promise<Row> {
    return this.#host.run('update', (db) => {
      const target = this.#keyRow(key);
      assertRowObject(patch, 'a patch');
      for (const column of this.#key) {
        if (column in patch && !sameKeyValue(patch[column], target[column])) {
          throw new ValidationError(`update cannot change key column '${column}'`);
        }
      }
      const tenantColumn = this.#host.tenantColumn;
      if (
        scope.tenant !== undefined &&
        tenantColumn !== undefined &&
        tenantColumn in patch &&
        patch[tenantColumn] !== scope.tenant
      ) {
        throw new ValidationError('update cannot move a row to another tenant');
      }
      return db
        .transaction(() => {
          const production = this.#production(db);
          const notFound = () =>
            new NotFoundError(
              `${this.#host.name}: no row with key ${describeKey(this.#key, target)}`,
            );
          if (!production) throw notFound();
          const conditions = this.#base(scope, false);
          addKey(conditions, target, production.fields);
          const changes = Object.fromEntries(
            Object.entries(patch).filter(([column]) => !this.#key.includes(column)),
          );
          const { names, values } = this.#encodeRow(production, changes, false);
          if (names.length > 0) {
            const result = this.#statement(
              db,
              `UPDATE ${quote(this.#host.table)} SET ${names.map((name) => `${quote(name)} = ?`).join(', ')}${whereSql(conditions)}`,
            ).run([...values, ...conditions.params]);
            if (result.changes === 0) throw notFound();
          }
          const updated = this.#select(db, production, conditions, ' LIMIT 1')[0];
          if (!updated) throw notFound();
          return updated;
        })
        .immediate();
    });
  }

  upsert(row: Row, scope: Scope): Promise<void> {
    return this.#host.run('upsert', (db) => {
      const scoped = this.#scopeRow(row, scope);
      db.transaction(() => {
        const production = this.#productionForWrite(db, scoped);
        ensureKeyIndex(db, this.#host.table, this.#key);
        const { names, values } = this.#encodeRow(production, scoped, true);
        const updates = names
          .filter((name) => !this.#key.includes(name))
          .map((name) => `${quote(name)} = excluded.${quote(name)}`);
        updates.push(`${quote(DELETED_COLUMN)} = NULL`);
        const params: BindValue[] = [...values];
        let guard = '';
        if (scope.tenant !== undefined) {
          // A view may only overwrite its own tenant's row with this key.
          guard = ` WHERE ${quote(this.#host.tenantColumn!)} = ?`;
          params.push(scope.tenant);
        }
        const result = this.#statement(
          db,
          `INSERT INTO ${quote(this.#host.table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})
           ON CONFLICT (${this.#key.map(quote).join(', ')}) DO UPDATE SET ${updates.join(', ')}${guard}`,
        ).run(params);
        if (result.changes === 0) {
          throw new ConflictError(
            `${this.#host.name}: key ${describeKey(this.#key, scoped)} belongs to another tenant`,
          );
        }
      }).immediate();
    });
  }

  delete(key: RecordKey, scope: Scope): Promise<boolean> {
    return this.#host.run('delete', (db) => {
      const target = this.#keyRow(key);
      return db
        .transaction(() => {
          const production = this.#production(db);
          if (!production) return false;
          const conditions = this.#base(scope, false);
          addKey(conditions, target, production.fields);
          const table = quote(this.#host.table);
          const result = this.#host.softDelete
            ? this.#statement(
                db,
                `UPDATE ${table} SET ${quote(DELETED_COLUMN)} = ?${whereSql(conditions)}`,
              ).run([Date.now(), ...conditions.params])
            : this.#statement(db, `DELETE FROM ${table}${whereSql(conditions)}`).run(
                conditions.params,
              );
          return result.changes > 0;
        })
        .immediate();
    });
  }

  restore(key: RecordKey, scope: Scope): Promise<void> {
    return this.#host.run('restore', (db) => {
      this.#requireSoftDelete('restore');
      const target = this.#keyRow(key);
      db.transaction(() => {
        const production = this.#production(db);
        const conditions = this.#base(scope, true);
        if (production) addKey(conditions, target, production.fields);
        const result = production
          ? this.#statement(
              db,
              `UPDATE ${quote(this.#host.table)} SET ${quote(DELETED_COLUMN)} = NULL${whereSql(conditions)}`,
            ).run(conditions.params)
          : { changes: 0 };
        if (result.changes === 0) {
          throw new NotFoundError(
            `${this.#host.name}: no deleted row with key ${describeKey(this.#key, target)}`,
          );
        }
      }).immediate();
    });
  }

  list(query: ListQuery, scope: Scope, deleted: boolean): Promise<Row[]> {
    return this.#host.run(deleted ? 'listDeleted' : 'list', (db) => {
      if (deleted) this.#requireSoftDelete('listDeleted');
      const production = this.#production(db);
      if (!production) return [];
      const conditions = this.#base(scope, deleted);
      addWhere(conditions, query.where, production.fields);
      const tail = `${orderSql(query.orderBy, this.#key, production.fields)}${pageSql(query)}`;
      return this.#select(db, production, conditions, tail);
    });
  }

  count(where: Where, scope: Scope): Promise<number> {
    return this.#host.run('count', (db) => {
      const production = this.#production(db);
      if (!production) return 0;
      const conditions = this.#base(scope, false);
      addWhere(conditions, where, production.fields);
      const row = this.#statement(
        db,
        `SELECT count(*) AS count FROM ${quote(this.#host.table)}${whereSql(conditions)}`,
      ).get(conditions.params) as { count: number };
      return row.count;
    });
  }

  search(query: VectorQuery, scope: Scope): Promise<VectorHit[]> {
    return this.#host.run('search', (db) => {
      if (!Number.isInteger(query.k) || query.k < 1) {
        throw new ValidationError('search: k must be a positive integer');
      }
      const metric = checkMetric(query.metric ?? 'cosine');
      if (!Array.isArray(query.vector))
        throw new ValidationError('search: vector must be an array');
      return db.transaction(() => {
        const production = this.#production(db);
        if (!production?.fields.has(query.column)) {
          throw new ValidationError(`search: unknown column '${query.column}'`);
        }
        const conditions = this.#base(scope, false);
        addWhere(conditions, query.where, production.fields);
        const best = new TopK<bigint>(query.k, metric);
        const scan = this.#statement(
          db,
          `SELECT rowid, ${quote(query.column)} FROM ${quote(this.#host.table)}${whereSql(conditions)} ORDER BY rowid`,
          true,
        );
        for (const [rowid, stored] of scan.iterate(conditions.params) as Iterable<
          [bigint, unknown]
        >) {
          if (typeof stored !== 'string') continue;
          const vector = JSON.parse(stored) as unknown;
          if (!Array.isArray(vector)) continue;
          best.offer(rowid, vectorScore(metric, query.vector, vector));
        }
        const hits = best.hits;
        if (hits.length === 0) return [];
        const byRowid = this.#statement(
          db,
          `SELECT ${production.columns} FROM ${quote(this.#host.table)} WHERE rowid = ?`,
          true,
        );
        const raw = hits.map((hit) => byRowid.get(hit.item) as unknown[]);
        const rows = decodeRows(production.schema.fields, raw);
        return hits.map((hit, index) => ({ row: rows[index]!, score: hit.score }));
      })();
    });
  }

  /** The conditions every statement starts with (see the module comment). */
  #base(scope: Scope, deleted: boolean): Conditions {
    return baseConditions(scope, this.#host.tenantColumn, deleted);
  }

  #select(db: SqliteDatabase, production: Production, conditions: Conditions, tail: string) {
    const statement = this.#statement(
      db,
      `SELECT ${production.columns} FROM ${quote(this.#host.table)}${whereSql(conditions)}${tail}`,
      true,
    );
    const raw = statement.all(conditions.params) as unknown[][];
    return decodeRows(production.schema.fields, raw);
  }

  /** Production's schema and columns, or `undefined` before the table exists. */
  #production(db: SqliteDatabase): Production | undefined {
    const table = this.#host.table;
    const stored = readSchemaText(db, table);
    if (stored !== undefined && this.#schemaCache?.text === stored && tableExists(db, table)) {
      return this.#schemaCache.production;
    }
    const schema = productionSchema(db, table);
    if (!schema) return undefined;
    const production: Production = {
      schema,
      fields: new Map(schema.fields.map((field) => [field.name, field])),
      columns:
        schema.fields.length === 0
          ? 'NULL'
          : schema.fields.map((field) => quote(field.name)).join(', '),
    };
    if (stored !== undefined) this.#schemaCache = { text: stored, production };
    return production;
  }

  /** Production for a write: created from the `schema` option or the row when missing. */
  #productionForWrite(db: SqliteDatabase, row: Row): Production {
    const existing = this.#production(db);
    if (existing) return existing;
    const schema = this.#host.schema ?? schemaFromRow(row);
    assertUserColumns(schema, this.#host.name);
    assertKeyColumns(schema, this.#key, this.#host.name);
    db.exec(createTableSql(this.#host.table, schema.fields, { key: this.#key }));
    storeSchema(db, this.#host.table, schema);
    return this.#production(db)!;
  }

  /** The columns of `row` and their SQLite values; every column must exist. */
  #encodeRow(
    production: Production,
    row: Row,
    whole: boolean,
  ): { names: string[]; values: BindValue[] } {
    const names: string[] = [];
    const values: BindValue[] = [];
    for (const [name, value] of Object.entries(row)) {
      const field = production.fields.get(name);
      if (!field)
        throw new ValidationError(`unknown column '${name}'`, { details: { column: name } });
      if (value === undefined) continue;
      if (value === null && !field.nullable) {
        throw new ValidationError(`column '${name}' is not nullable`, {
          details: { column: name },
        });
      }
      names.push(name);
      values.push(encodeRecordValue(field, value));
    }
    if (whole) {
      for (const field of production.schema.fields) {
        if (!field.nullable && (row[field.name] === undefined || row[field.name] === null)) {
          throw new ValidationError(`column '${field.name}' is not nullable`, {
            details: { column: field.name },
          });
        }
      }
    }
    return { names, values };
  }

  /**
   * A prepared statement, cached per connection. `raw` statements return rows as arrays with
   * 64-bit integers as `bigint`, the form the Arrow decoding takes.
   */
  #statement(db: SqliteDatabase, sql: string, raw = false): Statement {
    let statements = this.#statements.get(db);
    if (!statements) {
      statements = new Map();
      this.#statements.set(db, statements);
    }
    const cacheKey = `${raw ? 'raw' : 'obj'}:${sql}`;
    let statement = statements.get(cacheKey);
    if (!statement) {
      if (statements.size >= 256) statements.clear();
      statement = db.prepare(sql);
      if (raw) statement.raw(true).safeIntegers(true);
      statements.set(cacheKey, statement);
    }
    return statement;
  }

  #keyRow(key: unknown): Row {
    if (this.#key.length === 0) {
      // store-core's message, with the store's name in front.
      throw new ValidationError(
        `${this.#host.name}: this store has no key columns; set the key option`,
      );
    }
    return keyRow(this.#key, key);
  }

  #scopeRow(row: Row, scope: Scope): Row {
    assertRowObject(row, 'a row');
    this.#keyRow(row);
    if (scope.tenant === undefined) return row;
    const column = this.#host.tenantColumn!;
    if (column in row && row[column] !== undefined && row[column] !== scope.tenant) {
      throw new ValidationError(
        `row names tenant ${JSON.stringify(row[column])} but this view is for tenant ${JSON.stringify(scope.tenant)}`,
      );
    }
    return { ...row, [column]: scope.tenant };
  }

  #requireSoftDelete(operation: string): void {
    if (!this.#host.softDelete) {
      throw new ValidationError(`${this.#host.name}.${operation}() needs the softDelete option`);
    }
  }
}

/** A tenant's view of a SQLite store: every statement is limited to that tenant's rows. */
export class SqliteTenantView implements TenantView {
  readonly tenantId: string;
  readonly #records: SqliteRecords;
  readonly #scope: Scope;

  constructor(records: SqliteRecords, tenantId: string) {
    this.#records = records;
    this.tenantId = tenantId;
    this.#scope = { tenant: tenantId };
  }

  get(key: RecordKey) {
    return this.#records.get(key, this.#scope);
  }
  insert(row: Row) {
    return this.#records.insert(row, this.#scope);
  }
  update(key: RecordKey, patch: Row) {
    return this.#records.update(key, patch, this.#scope);
  }
  upsert(row: Row) {
    return this.#records.upsert(row, this.#scope);
  }
  delete(key: RecordKey) {
    return this.#records.delete(key, this.#scope);
  }
  list(query: ListQuery = {}) {
    return this.#records.list(query, this.#scope, false);
  }
  count(where: Where = {}) {
    return this.#records.count(where, this.#scope);
  }
  restore(key: RecordKey) {
    return this.#records.restore(key, this.#scope);
  }
  listDeleted(query: ListQuery = {}) {
    return this.#records.list(query, this.#scope, true);
  }
  search(query: VectorQuery) {
    return this.#records.search(query, this.#scope);
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function assertRowObject(row: unknown, what: string): asserts row is Row {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new ValidationError(`${what} must be a plain object`);
  }
}

function sameKeyValue(left: unknown, right: unknown): boolean {
  if (
    (typeof left === 'bigint' || typeof left === 'number') &&
    (typeof right === 'bigint' || typeof right === 'number')
  ) {
    // 5 and 5n name the same key.
    return String(left) === String(right);
  }
  return left === right;
}
