/**
 * Publishing a run: ONE transaction that
 *
 * 1. takes the table's advisory lock (`pg_advisory_xact_lock`), so concurrent publishers of
 *    one table commit one after the other, each all-or-nothing;
 * 2. does nothing more when `wharf_runs` already records the run id (idempotent);
 * 3. creates production, or fits its schema to the run's (`ALTER TABLE … ADD COLUMN` for
 *    `add-columns`; a `full_drop` of a table wharf created adopts the run's schema);
 * 4. moves the staged rows: `incremental` INSERT … SELECT; `full_drop` TRUNCATE (or DELETE)
 *    then INSERT … SELECT; `merge` INSERT … SELECT DISTINCT ON (key) … ON CONFLICT (key) DO
 *    UPDATE, the last staged row of a key winning;
 * 5. checks that it moved exactly the rows the journal lists (an unlogged staging table is
 *    emptied by a server crash), and records the run id and the schema.
 */
import {
  type Checkpoint,
  IntegrityError,
  type PublishResult,
  type RunInfo,
  type StagedPart,
  ValidationError,
} from '@wharf/store-core';
import { type Field, Schema } from 'apache-arrow';
import type pg from 'pg';
import {
  columnDefinition,
  createProduction,
  DELETED_AT,
  lockTable,
  metaTable,
  type PostgresTarget,
  type ProductionState,
  PUBLISHED_RUNS_KEPT,
  readProduction,
  saveSchema,
} from './postgres-catalog.js';
import { inTransaction, type Lease } from './postgres-connection.js';
import { quoteIdentifier } from './postgres-sql.js';
import { stagingTable } from './postgres-staging.js';
import { postgresTypeOf } from './postgres-types.js';

/** What to publish. */
export interface PublishRequest {
  readonly run: RunInfo;
  readonly parts: readonly StagedPart[];
  readonly schema: Schema | undefined;
  readonly checkpoint: Checkpoint;
  /**
   * `true` when the writer publishes its own run (`finish()`); `false` for a roll-forward by
   * recovery, for which a run whose staging a server crash emptied is a permanent failure
   * (the engine then discards it).
   */
  readonly own: boolean;
}

/** What publishing did. */
export interface PublishOutcome extends PublishResult {
  /** Production's Arrow schema afterwards. */
  readonly schema: Schema | undefined;
}

class StagingLost extends Error {}

/** Publishes a run in one transaction on `leased`. */
export async function publishRun(
  leased: Lease,
  target: PostgresTarget,
  request: PublishRequest,
): Promise<PublishOutcome> {
  try {
    return await inTransaction(leased, () => publishInTransaction(leased.client, target, request));
  } catch (error) {
    if (!(error instanceof StagingLost)) throw error;
    // Retryable for the writer's own commit (runFlow runs the load again); permanent for a
    // recovery roll-forward, so that recovery discards the run (production is untouched) and
    // reports it as discarded: rerun it with its run id.
    throw new IntegrityError(
      `${target.name}: the staging table of run ${request.run.runId} lost rows (${error.message}); an unlogged staging table is emptied when the server crashes — run again`,
      { retryable: request.own, cause: error, details: { runId: request.run.runId } },
    );
  }
}

async function publishInTransaction(
  client: pg.ClientBase,
  target: PostgresTarget,
  request: PublishRequest,
): Promise<PublishOutcome> {
  const { run, parts, checkpoint } = request;
  await lockTable(client, target);
  await checkpoint('publish:locked');
  const published = await client.query(
    `SELECT 1 FROM ${metaTable(target, 'runs')} WHERE table_name = $1 AND run_id = $2`,
    [target.table, run.runId],
  );
  if ((published.rowCount ?? 0) > 0) {
    return { alreadyPublished: true, schema: undefined };
  }

  const expected = parts.reduce((sum, part) => sum + part.rows, 0);
  const staging = stagingTable(target, run.runId);
  if (parts.length > 0) {
    const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [staging]);
    if (exists.rows[0]?.present !== true) throw new StagingLost('the staging table is missing');
  }

  const production = await readProduction(client, target);
  const runSchema = request.schema;
  let schema: Schema | undefined;
  let owned = production.stored || !production.exists;
  if (!production.exists) {
    if (runSchema) await createProduction(client, target, runSchema);
    schema = runSchema;
  } else {
    if (target.softDelete && !production.columns.has(DELETED_AT)) {
      await client.query(
        `ALTER TABLE ${target.qualified} ADD COLUMN ${quoteIdentifier(DELETED_AT)} timestamptz`,
      );
    }
    if (run.runType === 'full_drop') {
      await client.query(
        target.fullDropMode === 'truncate'
          ? `TRUNCATE TABLE ${target.qualified}`
          : `DELETE FROM ${target.qualified}`,
      );
    }
    if (run.runType === 'full_drop' && production.stored && runSchema) {
      schema = await adoptSchema(client, target, production, runSchema);
    } else {
      schema = await widenProduction(client, target, production, runSchema);
      owned = production.stored;
    }
  }
  await checkpoint('publish:schema');

  if (runSchema && parts.length > 0) {
    const moved = await moveRows(client, target, run, runSchema, schema!, staging, expected);
    if (moved !== expected) {
      throw new StagingLost(`${moved} staged rows, the journal lists ${expected}`);
    }
  }
  await checkpoint('publish:data');

  await client.query(
    `INSERT INTO ${metaTable(target, 'runs')} (table_name, run_id, run_type, rows) VALUES ($1, $2, $3, $4)`,
    [target.table, run.runId, run.runType, expected],
  );
  await client.query(
    `DELETE FROM ${metaTable(target, 'runs')}
      WHERE table_name = $1 AND sequence <= (
        SELECT sequence FROM ${metaTable(target, 'runs')} WHERE table_name = $1
         ORDER BY sequence DESC OFFSET ${PUBLISHED_RUNS_KEPT} LIMIT 1)`,
    [target.table],
  );
  if (owned && schema) await saveSchema(client, target, schema);
  return { alreadyPublished: false, schema };
}

/** Moves the staged rows into production; returns how many staged rows it read. */
async function moveRows(
  client: pg.ClientBase,
  target: PostgresTarget,
  run: RunInfo,
  runSchema: Schema,
  production: Schema,
  staging: string,
  expected: number,
): Promise<number> {
  const columns = runSchema.fields.map((field) => quoteIdentifier(field.name, 'column name'));
  const list = columns.join(', ');
  if (run.runType !== 'merge') {
    const inserted = await client.query(
      `INSERT INTO ${target.qualified} (${list}) SELECT ${list} FROM ${staging}`,
    );
    return inserted.rowCount ?? 0;
  }
  const staged = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${staging}`);
  const count = Number(staged.rows[0]?.count ?? 0);
  if (count !== expected) return count;
  const keys = target.key.map((column) => quoteIdentifier(column, 'key column')).join(', ');
  const updates = production.fields
    .filter((field) => !target.key.includes(field.name))
    .map((field) => {
      const column = quoteIdentifier(field.name, 'column name');
      return `${column} = EXCLUDED.${column}`;
    });
  if (target.softDelete) updates.push(`${quoteIdentifier(DELETED_AT)} = NULL`);
  // Within the run the last staged row of a key wins: a staging table is only ever appended
  // to, by one COPY after another, so its physical order (ctid) is the order of the writes.
  await client.query(
    `INSERT INTO ${target.qualified} (${list})
     SELECT DISTINCT ON (${keys}) ${list} FROM ${staging} ORDER BY ${keys}, ctid DESC
     ON CONFLICT (${keys}) DO ${updates.length === 0 ? 'NOTHING' : `UPDATE SET ${updates.join(', ')}`}`,
  );
  return count;
}

/** A `full_drop` of a table wharf created: production takes the run's columns and types. */
async function adoptSchema(
  client: pg.ClientBase,
  target: PostgresTarget,
  production: ProductionState,
  run: Schema,
): Promise<Schema> {
  requireKeyColumns(target, run);
  const current = production.schema!;
  const changes: string[] = [];
  for (const field of current.fields) {
    if (!run.fields.some((candidate) => candidate.name === field.name)) {
      changes.push(`DROP COLUMN ${quoteIdentifier(field.name, 'column name')}`);
    }
  }
  for (const field of run.fields) {
    const column = quoteIdentifier(field.name, 'column name');
    const existing = current.fields.find((candidate) => candidate.name === field.name);
    const type = postgresTypeOf(field.type, field.name).sql;
    if (!existing) {
      if (production.columns.has(field.name)) {
        throw new ValidationError(
          `${target.name}: column '${field.name}' exists in production but is not part of its Arrow schema`,
          { details: { column: field.name } },
        );
      }
      changes.push(`ADD COLUMN ${columnDefinition(field, !field.nullable)}`);
      continue;
    }
    if (postgresTypeOf(existing.type, existing.name).sql !== type) {
      changes.push(`ALTER COLUMN ${column} TYPE ${type} USING NULL`);
    }
    if (!field.nullable && existing.nullable) changes.push(`ALTER COLUMN ${column} SET NOT NULL`);
    if (field.nullable && !existing.nullable && !target.key.includes(field.name)) {
      changes.push(`ALTER COLUMN ${column} DROP NOT NULL`);
    }
  }
  if (changes.length > 0) {
    await client.query(`ALTER TABLE ${target.qualified} ${changes.join(', ')}`);
  }
  return run;
}

/**
 * `incremental` and `merge` runs (and a `full_drop` into a table wharf did not create): the
 * run must fit production; new nullable columns are added with `add-columns`.
 */
async function widenProduction(
  client: pg.ClientBase,
  target: PostgresTarget,
  production: ProductionState,
  run: Schema | undefined,
): Promise<Schema> {
  const current = production.schema!;
  if (!run) return current;
  const added: Field[] = [];
  for (const field of run.fields) {
    const existing = current.fields.find((candidate) => candidate.name === field.name);
    if (existing) {
      if (!sameColumnType(existing, field, production.stored)) {
        throw new ValidationError(
          `${target.name}: column '${field.name}' is ${String(existing.type)} in production but ${String(field.type)} in this run`,
          { details: { column: field.name } },
        );
      }
      continue;
    }
    const physical = production.columns.get(field.name);
    if (physical !== undefined) {
      throw new ValidationError(
        `${target.name}: column '${field.name}' is ${physical} in production, which this store cannot map to ${String(field.type)}`,
        { details: { column: field.name } },
      );
    }
    if (target.schemaEvolution !== 'add-columns' || !field.nullable) {
      throw new ValidationError(
        `${target.name}: column '${field.name}' is not in production's schema (use schemaEvolution 'add-columns' with a nullable column)`,
        { details: { column: field.name } },
      );
    }
    added.push(field);
  }
  for (const field of current.fields) {
    if (!field.nullable && !run.fields.some((candidate) => candidate.name === field.name)) {
      throw new ValidationError(
        `${target.name}: this run lacks production's non-nullable column '${field.name}'`,
        { details: { column: field.name } },
      );
    }
  }
  if (added.length === 0) return current;
  const additions = added.map((field) => `ADD COLUMN ${columnDefinition(field, false)}`);
  await client.query(`ALTER TABLE ${target.qualified} ${additions.join(', ')}`);
  return new Schema([...current.fields, ...added], current.metadata);
}

/**
 * A run column fits production's when the Arrow types are the same (a table wharf created), or
 * when they map to the same PostgreSQL type (a table it did not: its Arrow types are derived).
 */
function sameColumnType(existing: Field, field: Field, stored: boolean): boolean {
  if (String(existing.type) === String(field.type)) return true;
  if (stored) return false;
  return (
    postgresTypeOf(existing.type, existing.name).sql === postgresTypeOf(field.type, field.name).sql
  );
}

function requireKeyColumns(target: PostgresTarget, schema: Schema): void {
  for (const column of target.key) {
    if (!schema.fields.some((field) => field.name === column)) {
      throw new ValidationError(
        `${target.name}: key column '${column}' is not in the run's schema`,
        {
          details: { column },
        },
      );
    }
  }
}
