/**
 * Reading rows back as Arrow: raw rows from better-sqlite3 (arrays, 64-bit integers as
 * `bigint`) are collected column by column and turned into record batches of the exact
 * stored Arrow types.
 */
import { batchFromColumns } from '@wharf/store-core';
import { type Field, makeVector, type RecordBatch, Schema } from 'apache-arrow';
import type { SqliteDatabase } from './sqlite-catalog.js';
import { type ColumnBuilder, makeColumnBuilder } from './sqlite-decode.js';
import { DELETED_COLUMN, quote } from './sqlite-sql.js';
import { needsBigInts } from './sqlite-types.js';

/** Collects raw rows (one value per field, in field order) into record batches. */
export class BatchAssembler {
  readonly schema: Schema;
  readonly #builders: ColumnBuilder[];
  #rows = 0;

  constructor(fields: readonly Field[]) {
    this.schema = new Schema([...fields]);
    this.#builders = fields.map((field) => makeColumnBuilder(field.type));
  }

  /** Rows collected since the last `finish()`. */
  get rows(): number {
    return this.#rows;
  }

  push(row: readonly unknown[]): void {
    for (let column = 0; column < this.#builders.length; column += 1) {
      this.#builders[column]!.push(row[column]);
    }
    this.#rows += 1;
  }

  /** The collected rows as one batch; the assembler starts over. */
  finish(): RecordBatch {
    const columns = this.#builders.map((builder) => makeVector(builder.finish()));
    const batch = batchFromColumns(this.schema, columns, this.#rows);
    this.#rows = 0;
    return batch;
  }
}

/** Options of {@link readProduction}. */
export interface ReadProductionOptions {
  /** Production's columns to read, with their stored types. */
  readonly fields: readonly Field[];
  /** Rows per batch. */
  readonly batchRows: number;
}

/**
 * Streams the live (not soft-deleted) rows of `table` as record batches of at most
 * `batchRows` rows. The statement runs in one read transaction, so the batches come from one
 * snapshot of the table, whatever commits meanwhile.
 */
export function* readProduction(
  db: SqliteDatabase,
  table: string,
  options: ReadProductionOptions,
): Generator<RecordBatch> {
  const { fields, batchRows } = options;
  const columns =
    fields.length === 0 ? 'NULL' : fields.map((field) => quote(field.name)).join(', ');
  const statement = db
    .prepare(
      `SELECT ${columns} FROM ${quote(table)} WHERE ${quote(DELETED_COLUMN)} IS NULL ORDER BY rowid`,
    )
    .raw(true)
    .safeIntegers(needsBigInts(fields));
  const assembler = new BatchAssembler(fields);
  for (const row of statement.iterate() as Iterable<unknown[]>) {
    assembler.push(row);
    if (assembler.rows >= batchRows) yield assembler.finish();
  }
  if (assembler.rows > 0) yield assembler.finish();
}
