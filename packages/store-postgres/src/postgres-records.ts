/**
 * The record API in SQL. Every statement carries the call's scope (the tenant, live or
 * soft-deleted rows), so a tenant view can neither read nor change another tenant's rows.
 * Rows are read through each column's binary send function and decoded by the same builders
 * as bulk reads, so the record API and `read()` agree on every value.
 */
import {
  batchFromColumns,
  ConflictError,
  type ListQuery,
  NotFoundError,
  type Row,
  ValidationError,
  type VectorHit,
  type VectorQuery,
  type Where,
} from '@wharf/store-core';
import { Field, Float64, List, makeVector, type Schema } from 'apache-arrow';
import type pg from 'pg';
import { binarySource, createColumnBuilder } from './postgres-binary-decoder.js';
import { DELETED_AT, type PostgresTarget } from './postgres-catalog.js';
import { quoteIdentifier, Statement } from './postgres-sql.js';
import { postgresTypeOf } from './postgres-types.js';
import { encodeParameter, plainRows } from './postgres-values.js';
import {
  keyConditions,
  orderClause,
  pageClause,
  type RecordScope,
  scopeConditions,
  whereClause,
  whereConditions,
} from './postgres-where.js';

/** Production as the record API sees it. */
export interface RecordTable {
  readonly target: PostgresTarget;
  readonly schema: Schema;
}

/** `send(col) AS col, …`: every column in binary form. */
function selectList(schema: Schema): string {
  return schema.fields
    .map((field) => {
      const column = quoteIdentifier(field.name, 'column name');
      return `${postgresTypeOf(field.type, field.name).send}(${column}) AS ${column}`;
    })
    .join(', ');
}

/** Rows of binary columns (from {@link selectList}) as plain rows. */
function decodeRows(rows: readonly Record<string, unknown>[], schema: Schema): Row[] {
  if (rows.length === 0) return [];
  const builders = schema.fields.map((field) => createColumnBuilder(field.type));
  for (const row of rows) {
    schema.fields.forEach((field, index) => {
      const value = row[field.name];
      if (value === null || value === undefined) builders[index]!.appendNull();
      else {
        const bytes = value as Buffer;
        builders[index]!.appendBinary(binarySource(bytes), 0, bytes.length);
      }
    });
  }
  const columns = builders.map((builder) => makeVector(builder.finish()));
  return plainRows(batchFromColumns(schema, columns, rows.length));
}

function describeKey(key: Row): string {
  return Object.entries(key)
    .map(([column, value]) => `${column}=${String(value)}`)
    .join(', ');
}

function checkColumns(schema: Schema, row: Row): void {
  for (const column of Object.keys(row)) {
    if (!schema.fields.some((field) => field.name === column)) {
      throw new ValidationError(`unknown column '${column}'`, { details: { column } });
    }
  }
}

function fieldOf(schema: Schema, column: string): Field {
  return schema.fields.find((field) => field.name === column)!;
}

/** The row with `key` in scope, or `undefined`. */
export async function getRow(
  client: pg.ClientBase,
  table: RecordTable,
  key: Row,
  scope: RecordScope,
): Promise<Row | undefined> {
  const statement = new Statement();
  const conditions = [
    ...keyConditions(statement, table.schema, key),
    ...scopeConditions(statement, table.target, table.schema, scope),
  ];
  const result = await client.query(
    `SELECT ${selectList(table.schema)} FROM ${table.target.qualified}${whereClause(conditions)} LIMIT 1`,
    statement.values,
  );
  return decodeRows(result.rows, table.schema)[0];
}

/** Inserts a row; a `ConflictError` (from the unique key) when its key exists. */
export async function insertRow(
  client: pg.ClientBase,
  table: RecordTable,
  row: Row,
): Promise<void> {
  checkColumns(table.schema, row);
  const statement = new Statement();
  const columns = Object.keys(row);
  const values = columns.map((column) =>
    statement.parameter(encodeParameter(row[column], fieldOf(table.schema, column))),
  );
  const list = columns.map((column) => quoteIdentifier(column, 'column name')).join(', ');
  await client.query(
    `INSERT INTO ${table.target.qualified} (${list}) VALUES (${values.join(', ')})`,
    statement.values,
  );
}

/** Changes the given columns of the row with `key` in scope; `NotFoundError` when absent. */
export async function updateRow(
  client: pg.ClientBase,
  table: RecordTable,
  key: Row,
  patch: Row,
  scope: RecordScope,
): Promise<Row> {
  checkColumns(table.schema, patch);
  const statement = new Statement();
  const assignments = Object.keys(patch)
    .filter((column) => !(column in key))
    .map(
      (column) =>
        `${quoteIdentifier(column, 'column name')} = ${statement.parameter(encodeParameter(patch[column], fieldOf(table.schema, column)))}`,
    );
  const conditions = [
    ...keyConditions(statement, table.schema, key),
    ...scopeConditions(statement, table.target, table.schema, scope),
  ];
  const sql =
    assignments.length === 0
      ? `SELECT ${selectList(table.schema)} FROM ${table.target.qualified}${whereClause(conditions)} LIMIT 1`
      : `UPDATE ${table.target.qualified} SET ${assignments.join(', ')}${whereClause(conditions)} RETURNING ${selectList(table.schema)}`;
  const result = await client.query(sql, statement.values);
  const [row] = decodeRows(result.rows, table.schema);
  if (!row) throw new NotFoundError(`${table.target.name}: no row with key ${describeKey(key)}`);
  return row;
}

/**
 * Inserts the row, or changes the given columns of the row with its key (undeleting it). In a
 * tenant view, a key held by another tenant is a `ConflictError`.
 */
export async function upsertRow(
  client: pg.ClientBase,
  table: RecordTable,
  row: Row,
  scope: RecordScope,
): Promise<void> {
  checkColumns(table.schema, row);
  const { target } = table;
  const statement = new Statement();
  const columns = Object.keys(row);
  const values = columns.map((column) =>
    statement.parameter(encodeParameter(row[column], fieldOf(table.schema, column))),
  );
  const list = columns.map((column) => quoteIdentifier(column, 'column name')).join(', ');
  const keys = target.key.map((column) => quoteIdentifier(column, 'key column'));
  const updates = columns
    .filter((column) => !target.key.includes(column))
    .map((column) => {
      const quoted = quoteIdentifier(column, 'column name');
      return `${quoted} = EXCLUDED.${quoted}`;
    });
  if (target.softDelete) updates.push(`${quoteIdentifier(DELETED_AT)} = NULL`);
  if (updates.length === 0) updates.push(`${keys[0]} = EXCLUDED.${keys[0]}`);
  let guard = '';
  if (scope.tenant !== undefined) {
    const tenant = quoteIdentifier(target.tenantColumn!, 'tenant column');
    guard = ` WHERE ${target.qualified}.${tenant} = ${statement.parameter(encodeParameter(scope.tenant, fieldOf(table.schema, target.tenantColumn!)))}`;
  }
  const result = await client.query(
    `INSERT INTO ${target.qualified} (${list}) VALUES (${values.join(', ')})
     ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${updates.join(', ')}${guard}`,
    statement.values,
  );
  if ((result.rowCount ?? 0) === 0) {
    throw new ConflictError(
      `${target.name}: key ${describeKey(pickKey(target, row))} belongs to another tenant`,
    );
  }
}

function pickKey(target: PostgresTarget, row: Row): Row {
  return Object.fromEntries(target.key.map((column) => [column, row[column]]));
}

/** Deletes (or soft-deletes) the row with `key` in scope; `true` when a row was deleted. */
export async function deleteRow(
  client: pg.ClientBase,
  table: RecordTable,
  key: Row,
  scope: RecordScope,
): Promise<boolean> {
  const statement = new Statement();
  const conditions = [
    ...keyConditions(statement, table.schema, key),
    ...scopeConditions(statement, table.target, table.schema, scope),
  ];
  const sql = table.target.softDelete
    ? `UPDATE ${table.target.qualified} SET ${quoteIdentifier(DELETED_AT)} = now()${whereClause(conditions)}`
    : `DELETE FROM ${table.target.qualified}${whereClause(conditions)}`;
  const result = await client.query(sql, statement.values);
  return (result.rowCount ?? 0) > 0;
}

/** Brings back the soft-deleted row with `key` in scope; `NotFoundError` when there is none. */
export async function restoreRow(
  client: pg.ClientBase,
  table: RecordTable,
  key: Row,
  scope: RecordScope,
): Promise<void> {
  const statement = new Statement();
  const conditions = [
    ...keyConditions(statement, table.schema, key),
    ...scopeConditions(statement, table.target, table.schema, scope),
  ];
  const result = await client.query(
    `UPDATE ${table.target.qualified} SET ${quoteIdentifier(DELETED_AT)} = NULL${whereClause(conditions)}`,
    statement.values,
  );
  if ((result.rowCount ?? 0) === 0) {
    throw new NotFoundError(`${table.target.name}: no deleted row with key ${describeKey(key)}`);
  }
}

/** Rows in scope matching the query, ordered with the key as tie-breaker. */
export async function listRows(
  client: pg.ClientBase,
  table: RecordTable,
  query: ListQuery,
  scope: RecordScope,
): Promise<Row[]> {
  const statement = new Statement();
  const conditions = [
    ...whereConditions(statement, table.schema, query.where),
    ...scopeConditions(statement, table.target, table.schema, scope),
  ];
  const order = orderClause(query.orderBy, table.target.key, table.schema);
  const page = pageClause(query);
  const result = await client.query(
    `SELECT ${selectList(table.schema)} FROM ${table.target.qualified}${whereClause(conditions)}${order}${page}`,
    statement.values,
  );
  return decodeRows(result.rows, table.schema);
}

/** How many rows in scope match. */
export async function countRows(
  client: pg.ClientBase,
  table: RecordTable,
  where: Where,
  scope: RecordScope,
): Promise<number> {
  const statement = new Statement();
  const conditions = [
    ...whereConditions(statement, table.schema, where),
    ...scopeConditions(statement, table.target, table.schema, scope),
  ];
  const result = await client.query<{ count: string }>(
    `SELECT count(*) AS count FROM ${table.target.qualified}${whereClause(conditions)}`,
    statement.values,
  );
  return Number(result.rows[0]?.count ?? 0);
}

const QUERY_VECTOR = new Field('vector', new List(new Field('item', new Float64(), true)), true);

/**
 * The `k` nearest rows in scope, by brute force in SQL: every candidate vector is scored by
 * the server (`unnest` of both arrays), sorted, and the best `k` returned.
 */
export async function searchRows(
  client: pg.ClientBase,
  table: RecordTable,
  query: VectorQuery,
  scope: RecordScope,
): Promise<VectorHit[]> {
  if (!Number.isInteger(query.k) || query.k < 1) {
    throw new ValidationError('search: k must be a positive integer');
  }
  const field = table.schema.fields.find((candidate) => candidate.name === query.column);
  if (!field) throw new ValidationError(`search: unknown column '${query.column}'`);
  if (postgresTypeOf(field.type, field.name).kind !== 'array') {
    throw new ValidationError(`search: column '${query.column}' is not a list of numbers`);
  }
  const metric = query.metric ?? 'cosine';
  if (metric !== 'cosine' && metric !== 'dot' && metric !== 'euclidean') {
    throw new ValidationError(`search: unknown metric '${String(metric)}'`);
  }
  if (!Array.isArray(query.vector) || query.vector.some((value) => typeof value !== 'number')) {
    throw new ValidationError('search: vector must be an array of numbers');
  }
  const column = quoteIdentifier(field.name, 'column name');
  const conditionsOf = (statement: Statement) => [
    `${column} IS NOT NULL`,
    ...whereConditions(statement, table.schema, query.where),
    ...scopeConditions(statement, table.target, table.schema, scope),
  ];
  const check = new Statement();
  const checked = conditionsOf(check);
  checked.push(`cardinality(${column}) <> ${check.parameter(query.vector.length)}::int`);
  const mismatch = await client.query<{ size: number }>(
    `SELECT cardinality(${column}) AS size FROM ${table.target.qualified}${whereClause(checked)} LIMIT 1`,
    check.values,
  );
  if (mismatch.rows[0]) {
    throw new ValidationError(
      `search: the query has ${query.vector.length} dimensions but a stored vector has ${mismatch.rows[0].size}`,
    );
  }
  const statement = new Statement();
  const conditions = conditionsOf(statement);
  const vector = statement.parameter(encodeParameter(query.vector, QUERY_VECTOR));
  const pairs = `unnest(${column}::float8[], ${vector}::float8[]) AS pair(a, b)`;
  const score =
    metric === 'dot'
      ? `(SELECT sum(a * b) FROM ${pairs})`
      : metric === 'euclidean'
        ? `(SELECT sqrt(sum((a - b) * (a - b))) FROM ${pairs})`
        : `(SELECT CASE WHEN sum(a * a) = 0 OR sum(b * b) = 0 THEN 0
                   ELSE sum(a * b) / (sqrt(sum(a * a)) * sqrt(sum(b * b))) END FROM ${pairs})`;
  const keys = table.target.key.map((key) => `, ${quoteIdentifier(key, 'key column')}`).join('');
  const result = await client.query<Record<string, unknown> & { wharf_score: number }>(
    `SELECT ${selectList(table.schema)}, wharf_score FROM (
       SELECT *, ${score} AS wharf_score FROM ${table.target.qualified}${whereClause(conditions)}
     ) AS candidates
     ORDER BY wharf_score ${metric === 'euclidean' ? 'ASC' : 'DESC'}${keys} LIMIT ${query.k}`,
    statement.values,
  );
  const rows = decodeRows(result.rows, table.schema);
  return rows.map((row, index) => ({ row, score: Number(result.rows[index]!.wharf_score) }));
}
