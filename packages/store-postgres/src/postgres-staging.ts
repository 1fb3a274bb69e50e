/**
 * Staging tables: one per run, `UNLOGGED` by default (no WAL: fast, and emptied by a server
 * crash — which the publish step detects by counting), named
 * `wharf_stage_<16 hex of sha256(table)>_<16 hex of sha256(run id)>` in the production
 * table's schema, with a table comment naming the table and the run so that leftovers can be
 * listed without the journal. Parts are loaded with `COPY … FROM STDIN (FORMAT binary)`.
 */
import { createHash } from 'node:crypto';
import { finished } from 'node:stream/promises';
import type { Field, RecordBatch, Schema } from 'apache-arrow';
import type pg from 'pg';
import { type CopyStreamQuery, from as copyFrom } from 'pg-copy-streams';
import {
  COPY_HEADER,
  COPY_TRAILER,
  type CopyColumn,
  copyChunks,
} from './postgres-binary-encoder.js';
import { columnDefinition, type PostgresTarget } from './postgres-catalog.js';
import { inTransaction, type Lease } from './postgres-connection.js';
import { qualifiedName, quoteIdentifier } from './postgres-sql.js';
import { postgresTypeOf } from './postgres-types.js';

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The prefix of every staging table of `table`. */
function stagingPrefix(table: string): string {
  return `wharf_stage_${shortHash(table)}_`;
}

/** The staging table of a run (unqualified). */
export function stagingTableName(table: string, runId: string): string {
  return `${stagingPrefix(table)}${shortHash(runId)}`;
}

/** `"schema"."wharf_stage_…"` of a run. */
export function stagingTable(target: PostgresTarget, runId: string): string {
  return qualifiedName(target.pgSchema, stagingTableName(target.table, runId));
}

/** Creates the run's staging table afresh (dropping one a failed attempt left). */
export async function createStaging(
  leased: Lease,
  target: PostgresTarget,
  runId: string,
  fields: readonly Field[],
): Promise<void> {
  const table = stagingTable(target, runId);
  const columns = fields.map((field) => columnDefinition(field, false)).join(', ');
  const note = JSON.stringify({ table: target.table, runId });
  await inTransaction(leased, async () => {
    await leased.client.query(`DROP TABLE IF EXISTS ${table}`);
    await leased.client.query(
      `CREATE ${target.unloggedStaging ? 'UNLOGGED ' : ''}TABLE ${table} (${columns})`,
    );
    await leased.client.query(`COMMENT ON TABLE ${table} IS ${literal(note)}`);
  });
}

/** Adds columns a widened schema brought to an existing staging table. */
export async function widenStaging(
  client: pg.ClientBase,
  target: PostgresTarget,
  runId: string,
  fields: readonly Field[],
): Promise<void> {
  if (fields.length === 0) return;
  const additions = fields.map((field) => `ADD COLUMN ${columnDefinition(field, false)}`);
  await client.query(`ALTER TABLE ${stagingTable(target, runId)} ${additions.join(', ')}`);
}

interface CopyLane {
  readonly stream: CopyStreamQuery;
  ready: boolean;
}

/**
 * `COPY … FROM STDIN (FORMAT binary)` into a run's staging table on one or more connections
 * at once, kept open across parts: the server ingests while the next rows are encoded, and
 * with several connections several server processes parse in parallel. Chunks (whole rows)
 * go to whichever connection's socket is ready, so each is fed with backpressure; `end()`
 * completes every COPY and surfaces any error the server raised.
 */
export class StagingCopy {
  /** The column names, in COPY order. */
  readonly columns: readonly string[];
  readonly #types: CopyColumn[];
  readonly #lanes: CopyLane[];
  #next = 0;
  #error: unknown;
  #wake: (() => void) | undefined;

  constructor(
    clients: readonly pg.ClientBase[],
    target: PostgresTarget,
    runId: string,
    schema: Schema,
  ) {
    this.columns = schema.fields.map((field) => field.name);
    this.#types = schema.fields.map((field) => ({
      name: field.name,
      type: postgresTypeOf(field.type, field.name),
    }));
    const list = this.columns.map((column) => quoteIdentifier(column, 'column name')).join(', ');
    const sql = `COPY ${stagingTable(target, runId)} (${list}) FROM STDIN (FORMAT binary)`;
    this.#lanes = clients.map((client) => {
      const lane: CopyLane = { stream: client.query(copyFrom(sql)), ready: true };
      lane.stream.on('error', (error) => {
        this.#error ??= error;
        this.#wake?.();
      });
      lane.stream.on('drain', () => {
        lane.ready = true;
        this.#wake?.();
      });
      lane.stream.write(COPY_HEADER);
      return lane;
    });
  }

  /** Whether `schema` has exactly this COPY's columns, in order. */
  fits(schema: Schema): boolean {
    return (
      schema.fields.length === this.columns.length &&
      schema.fields.every((field, index) => field.name === this.columns[index])
    );
  }

  /** Streams the rows of `batches`; resolves once the sockets have taken them. */
  async write(batches: readonly RecordBatch[]): Promise<void> {
    for (const chunk of copyChunks(batches, this.#types, { header: false, trailer: false })) {
      let lane = this.#ready();
      while (lane === undefined) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        lane = this.#ready();
      }
      if (!lane.stream.write(chunk)) lane.ready = false;
    }
    if (this.#error !== undefined) throw this.#error;
  }

  /** Completes every COPY; rejects with the server's error when it refused the data. */
  async end(): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    await Promise.all(
      this.#lanes.map((lane) => {
        lane.stream.end(COPY_TRAILER);
        return finished(lane.stream);
      }),
    );
    if (this.#error !== undefined) throw this.#error;
  }

  /** The next lane whose socket takes more, round robin; throws the first COPY error. */
  #ready(): CopyLane | undefined {
    if (this.#error !== undefined) throw this.#error;
    for (let tried = 0; tried < this.#lanes.length; tried += 1) {
      const lane = this.#lanes[this.#next]!;
      this.#next = (this.#next + 1) % this.#lanes.length;
      if (lane.ready) return lane;
    }
    return undefined;
  }
}

/** Drops the run's staging table; idempotent. */
export async function dropStaging(
  client: pg.ClientBase,
  target: PostgresTarget,
  runId: string,
): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${stagingTable(target, runId)}`);
}

/** Run ids that have a staging table for this table, read from the tables' comments. */
export async function stagingRuns(
  client: pg.ClientBase,
  target: PostgresTarget,
): Promise<string[]> {
  const result = await client.query<{ note: string | null }>(
    `SELECT obj_description(c.oid, 'pg_class') AS note
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE $2`,
    [target.pgSchema, `${stagingPrefix(target.table).replaceAll('_', '\\_')}%`],
  );
  const runs: string[] = [];
  for (const row of result.rows) {
    try {
      const note = JSON.parse(row.note ?? '') as { table?: unknown; runId?: unknown };
      if (note.table === target.table && typeof note.runId === 'string') runs.push(note.runId);
    } catch {
      // Not a staging table of ours; leave it alone.
    }
  }
  return runs;
}

/** The columns a staging table has. */
export async function stagingColumns(
  client: pg.ClientBase,
  target: PostgresTarget,
  runId: string,
): Promise<Set<string> | undefined> {
  const result = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
    [stagingTable(target, runId)],
  );
  return result.rowCount === 0 ? undefined : new Set(result.rows.map((row) => row.name));
}

/** A SQL string literal (standard-conforming: quotes doubled). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
