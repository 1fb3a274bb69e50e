/**
 * SQL text the store generates: quoted identifiers, table definitions and the names of the
 * store's own tables. Every table and column name reaching this module has been checked with
 * `assertIdentifier`; quoting is a second line of defence, not the first.
 */
import { createHash } from 'node:crypto';
import type { Field } from 'apache-arrow';
import { sqliteColumnType, TypeId } from './sqlite-types.js';

/** Soft-delete marker of every production table: `NULL` for a live row, else when it was deleted. */
export const DELETED_COLUMN = '_wharf_deleted_at';

/** Prefix reserved for the store's own tables and columns; user columns may not use it. */
export const RESERVED_PREFIX = '_wharf_';

/** The run journal: one row per run being written. */
export const JOURNAL_TABLE = '_wharf_journal';
/** Run ids already published, per table (the last {@link PUBLISHED_RUNS_KEPT}). */
export const RUNS_TABLE = '_wharf_runs';
/** The Arrow schema of each production table, as base64 Arrow IPC. */
export const SCHEMA_TABLE = '_wharf_schema';
/** Which staging table belongs to which run of which table. */
export const STAGING_TABLE = '_wharf_staging';

/** How many published run ids each table remembers for exactly-once publishing. */
export const PUBLISHED_RUNS_KEPT = 1000;

/** `name` as a quoted SQLite identifier. */
export function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `table` of the database `schema` (`main` or an attached one), quoted. */
export function qualified(schema: string, table: string): string {
  return schema === 'main' ? quote(table) : `${quote(schema)}.${quote(table)}`;
}

/** The staging table of `runId` for production table `table`. */
export function stagingTableName(table: string, runId: string): string {
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 12);
  return `_wharf_stage_${table}_${hash}`;
}

/** Recognises the staging tables of `table` among `sqlite_master` names. */
export function stagingNamePattern(table: string): RegExp {
  return new RegExp(`^_wharf_stage_${table}_[0-9a-f]{12}$`);
}

/** Options of a table definition. */
export interface TableShape {
  /** Key columns: a `UNIQUE` constraint over them. */
  readonly key?: readonly string[];
  /** The database holding the table: `main` (the default) or an attached staging file. */
  readonly schema?: string;
}

/**
 * `CREATE TABLE` for `fields` plus the soft-delete column; non-nullable fields are `NOT NULL`.
 * Production tables and the staging tables of `full_drop` runs (renamed into production)
 * carry the key's `UNIQUE` constraint.
 */
export function createTableSql(name: string, fields: readonly Field[], shape: TableShape = {}) {
  const columns = fields.map((field) =>
    `${quote(field.name)} ${sqliteColumnType(field.type)}${notNull(field) ? ' NOT NULL' : ''}`.trim(),
  );
  columns.push(`${quote(DELETED_COLUMN)} INTEGER`);
  if (shape.key && shape.key.length > 0) {
    columns.push(`UNIQUE (${shape.key.map(quote).join(', ')})`);
  }
  return `CREATE TABLE ${qualified(shape.schema ?? 'main', name)} (${columns.join(', ')})`;
}

/** Whether a column is `NOT NULL`: non-nullable, and not of the null type (all nulls). */
function notNull(field: Field): boolean {
  return !field.nullable && (field.type.typeId as number) !== TypeId.Null;
}

/** `ALTER TABLE … ADD COLUMN` for a column added by schema evolution. */
export function addColumnSql(table: string, field: Field, schema = 'main'): string {
  return `ALTER TABLE ${qualified(schema, table)} ADD COLUMN ${quote(field.name)} ${sqliteColumnType(field.type)}`.trimEnd();
}

/** A multi-row `INSERT` of `rows` rows into `columns`. */
export function insertSql(
  table: string,
  columns: readonly string[],
  rows: number,
  schema = 'main',
): string {
  const row = `(${columns.map(() => '?').join(', ')})`;
  return `INSERT INTO ${qualified(schema, table)} (${columns.map(quote).join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
}
