/**
 * The store's bookkeeping tables, next to the production table in the same PostgreSQL schema:
 *
 * - `wharf_journal` — one row per run in progress (the engine's journal entry as jsonb);
 * - `wharf_runs` — the ids of published runs (the last 1000 per table), written in the same
 *   transaction as the data, which is what makes a publish idempotent;
 * - `wharf_schemas` — the Arrow schema of each table wharf created (base64 Arrow IPC), so that
 *   reads give back the exact Arrow types.
 *
 * A production table wharf did not create has no stored schema: its Arrow schema is derived
 * from the catalog (columns of unmapped types are left out).
 */
import {
  decodeSchema,
  encodeSchema,
  type JournalEntry,
  type SchemaEvolution,
  ValidationError,
} from '@wharf/store-core';
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  List,
  Schema,
  TimestampMicrosecond,
  Utf8,
} from 'apache-arrow';
import type pg from 'pg';
import { inTransaction, type Lease } from './postgres-connection.js';
import { qualifiedName, quoteIdentifier } from './postgres-sql.js';
import { postgresTypeOf } from './postgres-types.js';

/** Everything the SQL of one store needs to know about its table. */
export interface PostgresTarget {
  /** For messages, e.g. `postgres:public.trips`. */
  readonly name: string;
  readonly pgSchema: string;
  readonly table: string;
  /** `"schema"."table"`. */
  readonly qualified: string;
  readonly key: readonly string[];
  readonly tenantColumn: string | undefined;
  readonly softDelete: boolean;
  readonly schemaEvolution: SchemaEvolution;
  readonly unloggedStaging: boolean;
  readonly fullDropMode: 'truncate' | 'delete';
  /** Passwords to strip from messages. */
  readonly secrets: readonly string[];
}

/** The soft-delete column: `NULL` for live rows, the time of deletion otherwise. */
export const DELETED_AT = 'deleted_at';

/** How many published run ids are kept per table. */
export const PUBLISHED_RUNS_KEPT = 1000;

/** `"schema"."wharf_<name>"`. */
export function metaTable(
  target: PostgresTarget,
  name: 'journal' | 'runs' | 'schemas' | 'migrations',
): string {
  return qualifiedName(target.pgSchema, `wharf_${name}`);
}

/** What production is: whether the table exists and its Arrow schema. */
export interface ProductionState {
  readonly exists: boolean;
  /** The Arrow schema: stored by wharf, or derived from the catalog; `undefined` if absent. */
  readonly schema: Schema | undefined;
  /** `true` when the schema is the one wharf stored (the table is wharf's). */
  readonly stored: boolean;
  /** Column name → `format_type` of every physical column. */
  readonly columns: ReadonlyMap<string, string>;
}

/** Creates the bookkeeping tables (and the schema) when missing; safe to race. */
export async function ensureCatalog(leased: Lease, target: PostgresTarget): Promise<void> {
  const names = ['journal', 'runs', 'schemas'] as const;
  const present = await leased.client.query<{ missing: boolean }>(
    `SELECT bool_or(to_regclass(name) IS NULL) AS missing FROM unnest($1::text[]) AS name`,
    [names.map((name) => metaTable(target, name))],
  );
  if (present.rows[0]?.missing === false) return;
  await inTransaction(leased, async () => {
    await leased.client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `wharf:catalog:${target.pgSchema}`,
    ]);
    const schemaExists = await leased.client.query(
      `SELECT 1 FROM pg_namespace WHERE nspname = $1`,
      [target.pgSchema],
    );
    if (schemaExists.rowCount === 0) {
      await leased.client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(target.pgSchema)}`);
    }
    await leased.client.query(
      `CREATE TABLE IF NOT EXISTS ${metaTable(target, 'journal')} (
        table_name text NOT NULL,
        run_id text NOT NULL,
        entry jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (table_name, run_id))`,
    );
    await leased.client.query(
      `CREATE TABLE IF NOT EXISTS ${metaTable(target, 'runs')} (
        table_name text NOT NULL,
        run_id text NOT NULL,
        run_type text NOT NULL,
        rows bigint NOT NULL,
        committed_at timestamptz NOT NULL DEFAULT now(),
        sequence bigserial NOT NULL,
        PRIMARY KEY (table_name, run_id))`,
    );
    await leased.client.query(
      `CREATE INDEX IF NOT EXISTS wharf_runs_sequence ON ${metaTable(target, 'runs')} (table_name, sequence)`,
    );
    await leased.client.query(
      `CREATE TABLE IF NOT EXISTS ${metaTable(target, 'schemas')} (
        table_name text PRIMARY KEY,
        arrow_schema text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now())`,
    );
  });
}

/** Serializes publishers (and creators) of one table until the transaction ends. */
export async function lockTable(client: pg.ClientBase, target: PostgresTarget): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    `wharf:table:${target.pgSchema}.${target.table}`,
  ]);
}

/** Reads whether production exists and its Arrow schema. */
export async function readProduction(
  client: pg.ClientBase,
  target: PostgresTarget,
): Promise<ProductionState> {
  const result = await client.query<{ name: string; type: string; stored: string | null }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NULL AS stored
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
     UNION ALL
     SELECT NULL, NULL, arrow_schema FROM ${metaTable(target, 'schemas')} WHERE table_name = $2`,
    [target.qualified, target.table],
  );
  const columns = new Map<string, string>();
  let encoded: string | undefined;
  for (const row of result.rows) {
    if (row.stored !== null) encoded = row.stored;
    else columns.set(row.name, row.type);
  }
  if (columns.size === 0) return { exists: false, schema: undefined, stored: false, columns };
  if (encoded !== undefined) {
    return { exists: true, schema: decodeSchema(encoded), stored: true, columns };
  }
  return { exists: true, schema: schemaFromCatalog(columns, target), stored: false, columns };
}

/** Stores the Arrow schema of a table wharf owns. */
export async function saveSchema(
  client: pg.ClientBase,
  target: PostgresTarget,
  schema: Schema,
): Promise<void> {
  await client.query(
    `INSERT INTO ${metaTable(target, 'schemas')} (table_name, arrow_schema) VALUES ($1, $2)
     ON CONFLICT (table_name) DO UPDATE SET arrow_schema = EXCLUDED.arrow_schema, updated_at = now()`,
    [target.table, encodeSchema(schema)],
  );
}

/** `"name" type [NOT NULL]` of a field. */
export function columnDefinition(field: Field, notNull: boolean): string {
  const type = postgresTypeOf(field.type, field.name).sql;
  return `${quoteIdentifier(field.name, 'column name')} ${type}${notNull ? ' NOT NULL' : ''}`;
}

/**
 * Creates production for `schema`: non-nullable fields `NOT NULL`, the key as the primary key
 * (the unique index `merge` and the record API rely on), and `deleted_at` for soft deletes.
 */
export async function createProduction(
  client: pg.ClientBase,
  target: PostgresTarget,
  schema: Schema,
): Promise<void> {
  for (const column of target.key) {
    if (!schema.fields.some((field) => field.name === column)) {
      throw new ValidationError(`${target.name}: key column '${column}' is not in the schema`, {
        details: { column },
      });
    }
  }
  const definitions = schema.fields.map((field) => columnDefinition(field, !field.nullable));
  if (target.softDelete) definitions.push(`${quoteIdentifier(DELETED_AT)} timestamptz`);
  if (target.key.length > 0) {
    definitions.push(
      `PRIMARY KEY (${target.key.map((column) => quoteIdentifier(column)).join(', ')})`,
    );
  }
  await client.query(`CREATE TABLE ${target.qualified} (${definitions.join(', ')})`);
  await saveSchema(client, target, schema);
}

const CATALOG_SCALARS: Record<string, () => DataType> = {
  boolean: () => new Bool(),
  smallint: () => new Int16(),
  integer: () => new Int32(),
  bigint: () => new Int64(),
  real: () => new Float32(),
  'double precision': () => new Float64(),
  text: () => new Utf8(),
  bytea: () => new Binary(),
  date: () => new DateDay(),
  'timestamp without time zone': () => new TimestampMicrosecond(),
  'timestamp with time zone': () => new TimestampMicrosecond('UTC'),
};

/** The Arrow type of a catalog type, or `undefined` when it has no exact mapping. */
function arrowTypeOfCatalog(type: string, allowVarchar = true): DataType | undefined {
  const normalized = type.replace(/^timestamp\(\d\)/, 'timestamp');
  if (normalized.endsWith('[]')) {
    const element = arrowTypeOfCatalog(normalized.slice(0, -2), false);
    return element ? new List(new Field('item', element, true)) : undefined;
  }
  const scalar = CATALOG_SCALARS[normalized];
  if (scalar) return scalar();
  if (allowVarchar && /^character varying(\(\d+\))?$/.test(normalized)) return new Utf8();
  const numeric = /^numeric\((\d+),(-?\d+)\)$/.exec(normalized);
  if (numeric) {
    const precision = Number(numeric[1]);
    if (precision > 76) return undefined;
    return new Decimal(Number(numeric[2]), precision, precision > 38 ? 256 : 128);
  }
  return undefined;
}

/** The Arrow schema of a table wharf did not create: mapped columns only, all nullable. */
function schemaFromCatalog(columns: ReadonlyMap<string, string>, target: PostgresTarget): Schema {
  const fields: Field[] = [];
  for (const [name, type] of columns) {
    if (target.softDelete && name === DELETED_AT) continue;
    const arrowType = arrowTypeOfCatalog(type);
    if (arrowType) fields.push(new Field(name, arrowType, true));
  }
  return new Schema(fields);
}

/** The run journal of this table. */
export async function readJournal(
  client: pg.ClientBase,
  target: PostgresTarget,
): Promise<JournalEntry[]> {
  const result = await client.query<{ entry: JournalEntry }>(
    `SELECT entry FROM ${metaTable(target, 'journal')} WHERE table_name = $1 ORDER BY updated_at`,
    [target.table],
  );
  return result.rows.map((row) => row.entry);
}

/** Creates or replaces the journal entry of `entry.runId`. */
export async function writeJournal(
  client: pg.ClientBase,
  target: PostgresTarget,
  entry: JournalEntry,
): Promise<void> {
  await client.query(
    `INSERT INTO ${metaTable(target, 'journal')} (table_name, run_id, entry) VALUES ($1, $2, $3)
     ON CONFLICT (table_name, run_id) DO UPDATE SET entry = EXCLUDED.entry, updated_at = now()`,
    [target.table, entry.runId, JSON.stringify(entry)],
  );
}

/** Removes the journal entry of `runId`; idempotent. */
export async function removeJournal(
  client: pg.ClientBase,
  target: PostgresTarget,
  runId: string,
): Promise<void> {
  await client.query(
    `DELETE FROM ${metaTable(target, 'journal')} WHERE table_name = $1 AND run_id = $2`,
    [target.table, runId],
  );
}
