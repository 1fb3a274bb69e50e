/**
 * Production's Arrow schema: kept in `_wharf_schema` so that reads rebuild the exact types,
 * widened by `add-columns` runs, and checked against each run before anything changes.
 */
import { decodeSchema, encodeSchema, ValidationError } from '@wharf/store-core';
import { Binary, type DataType, Field, Float64, Int64, Schema, Utf8 } from 'apache-arrow';
import {
  readSchemaText,
  type SqliteDatabase,
  tableColumns,
  tableExists,
  writeSchemaText,
} from './sqlite-catalog.js';
import { DELETED_COLUMN, quote, RESERVED_PREFIX } from './sqlite-sql.js';

/** An Arrow type for a column whose table has no stored schema, from its declared type. */
function typeFromDeclaration(declared: string): DataType {
  const upper = declared.toUpperCase();
  if (upper.includes('INT')) return new Int64();
  if (upper.includes('CHAR') || upper.includes('CLOB') || upper.includes('TEXT')) return new Utf8();
  if (upper.includes('REAL') || upper.includes('FLOA') || upper.includes('DOUB')) {
    return new Float64();
  }
  return new Binary();
}

/**
 * Production's schema: the stored Arrow schema, or (for a table created outside the store)
 * one derived from the declared column types; `undefined` when the table does not exist.
 */
export function productionSchema(db: SqliteDatabase, table: string): Schema | undefined {
  if (!tableExists(db, table)) return undefined;
  const stored = readSchemaText(db, table);
  if (stored !== undefined) return decodeSchema(stored);
  const columns = tableColumns(db, table).filter((column) => column.name !== DELETED_COLUMN);
  return new Schema(
    columns.map((column) => new Field(column.name, typeFromDeclaration(column.type), true)),
  );
}

/** Stores `schema` as production's. */
export function storeSchema(db: SqliteDatabase, table: string, schema: Schema): void {
  writeSchemaText(db, table, encodeSchema(schema));
}

const ROW_ID_NAMES = new Set(['rowid', 'oid', '_rowid_']);

/**
 * Throws a `ValidationError` for a column name SQLite cannot hold: one the store reserves for
 * itself, an empty one, one with a NUL character, a name of the row id (`rowid`, `oid`,
 * `_rowid_`), or two that differ only in case (SQLite compares column names
 * case-insensitively). Any other name is quoted where it is used.
 */
export function assertUserColumns(schema: Schema, store: string): void {
  const seen = new Map<string, string>();
  for (const field of schema.fields) {
    const problem = field.name.toLowerCase().startsWith(RESERVED_PREFIX)
      ? `uses the reserved prefix '${RESERVED_PREFIX}'`
      : field.name === '' || field.name.includes('\u0000')
        ? 'is empty or contains a NUL character'
        : ROW_ID_NAMES.has(field.name.toLowerCase())
          ? "would hide SQLite's row id, which the store orders and looks rows up by"
          : seen.has(field.name.toLowerCase())
            ? `differs from column '${seen.get(field.name.toLowerCase())}' only in case, which SQLite does not tell apart`
            : undefined;
    if (problem) {
      throw new ValidationError(`${store}: column '${field.name}' ${problem}`, {
        details: { column: field.name },
      });
    }
    seen.set(field.name.toLowerCase(), field.name);
  }
}

/** Throws a `ValidationError` when a key column is missing from `schema`. */
export function assertKeyColumns(schema: Schema, key: readonly string[], store: string): void {
  for (const column of key) {
    if (!schema.fields.some((field) => field.name === column)) {
      throw new ValidationError(`${store}: key column '${column}' is not in the data's columns`, {
        details: { column },
      });
    }
  }
}

/**
 * Makes sure production has a unique index over exactly the key columns (a table created
 * without a key gets one now; duplicates already there make this a `ConflictError`).
 */
export function ensureKeyIndex(db: SqliteDatabase, table: string, key: readonly string[]): void {
  if (key.length === 0) return;
  const found = db
    .prepare(
      `SELECT 1 FROM pragma_index_list(?) AS list
       WHERE list."unique" = 1 AND list.partial = 0
         AND (SELECT group_concat(name, char(0)) FROM
               (SELECT name FROM pragma_index_info(list.name) ORDER BY name)) = ?`,
    )
    .get(table, [...key].sort().join('\u0000'));
  if (found !== undefined) return;
  db.exec(
    `CREATE UNIQUE INDEX ${quote(`_wharf_key_${table}`)} ON ${quote(table)} (${key.map(quote).join(', ')})`,
  );
}
