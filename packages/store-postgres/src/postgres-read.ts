/**
 * Reading production back: one `COPY (SELECT …) TO STDOUT (FORMAT binary)` — one statement,
 * so one consistent snapshot — decoded incrementally into record batches of the stored Arrow
 * types. The COPY stream is consumed only as fast as batches are taken, so memory holds about
 * one batch whatever the table's size.
 */
import { batchFromColumns } from '@wharf/store-core';
import { makeVector, type RecordBatch, type Schema } from 'apache-arrow';
import { to as copyTo } from 'pg-copy-streams';
import {
  type BinarySource,
  binarySource,
  type ColumnBuilder,
  createColumnBuilder,
} from './postgres-binary-decoder.js';
import { DELETED_AT, type PostgresTarget } from './postgres-catalog.js';
import type { Lease } from './postgres-connection.js';
import { quoteIdentifier } from './postgres-sql.js';

const SIGNATURE_LENGTH = 11;

/** Parses a binary COPY stream chunk by chunk, appending complete rows to column builders. */
class CopyParser {
  readonly #builders: ColumnBuilder[];
  #chunks: Buffer[] = [];
  #pending = 0;
  #needed = 0;
  #buffer: Buffer = Buffer.alloc(0);
  #source: BinarySource = binarySource(this.#buffer);
  #position = 0;
  #headerRead = false;
  /** `true` once the end-of-data marker was read. */
  done = false;
  /** Rows appended since the last `take()`. */
  rows = 0;

  constructor(builders: ColumnBuilder[]) {
    this.#builders = builders;
  }

  /** Adds a chunk and parses what it completes; returns `false` while more bytes are needed. */
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#pending += chunk.length;
    const available = this.#buffer.length - this.#position + this.#pending;
    if (available < this.#needed) return;
    this.#buffer = Buffer.concat([this.#buffer.subarray(this.#position), ...this.#chunks]);
    this.#source = binarySource(this.#buffer);
    this.#position = 0;
    this.#chunks = [];
    this.#pending = 0;
    this.#needed = 0;
  }

  /** Parses complete rows, at most `limit` of them; returns how many it parsed. */
  parse(limit: number): number {
    const buffer = this.#buffer;
    const view = this.#source.view;
    let parsed = 0;
    if (!this.#headerRead) {
      if (buffer.length - this.#position < SIGNATURE_LENGTH + 8) {
        this.#needed = SIGNATURE_LENGTH + 8;
        return 0;
      }
      const extension = view.getInt32(this.#position + SIGNATURE_LENGTH + 4);
      if (buffer.length - this.#position < SIGNATURE_LENGTH + 8 + extension) {
        this.#needed = SIGNATURE_LENGTH + 8 + extension;
        return 0;
      }
      this.#position += SIGNATURE_LENGTH + 8 + extension;
      this.#headerRead = true;
    }
    while (parsed < limit && !this.done) {
      const start = this.#position;
      if (buffer.length - start < 2) {
        this.#needed = 2;
        break;
      }
      const fields = view.getInt16(start);
      if (fields === -1) {
        this.done = true;
        this.#position += 2;
        break;
      }
      // Check that the whole row is here before appending any of it.
      let end = start + 2;
      let complete = true;
      for (let field = 0; field < fields; field += 1) {
        if (end + 4 > buffer.length) {
          complete = false;
          end += 4;
          break;
        }
        const length = view.getInt32(end);
        end += 4 + Math.max(length, 0);
        if (end > buffer.length) {
          complete = false;
          break;
        }
      }
      if (!complete) {
        this.#needed = end - start;
        break;
      }
      let position = start + 2;
      for (let field = 0; field < fields; field += 1) {
        const length = view.getInt32(position);
        position += 4;
        const builder = this.#builders[field]!;
        if (length < 0) builder.appendNull();
        else {
          builder.appendBinary(this.#source, position, length);
          position += length;
        }
      }
      this.#position = position;
      parsed += 1;
    }
    this.rows += parsed;
    return parsed;
  }
}

/** Options of {@link readProduction}. */
export interface ReadRequest {
  readonly target: PostgresTarget;
  /** The columns to read, with their Arrow types. */
  readonly schema: Schema;
  /** Rows per batch. */
  readonly batchRows: number;
}

/** Streams production as record batches; the lease is released (or destroyed) at the end. */
export async function* readBatches(
  leased: Lease,
  request: ReadRequest,
): AsyncGenerator<RecordBatch> {
  const { target, schema, batchRows } = request;
  const columns = schema.fields
    .map((field) => quoteIdentifier(field.name, 'column name'))
    .join(', ');
  const live = target.softDelete ? ` WHERE ${quoteIdentifier(DELETED_AT)} IS NULL` : '';
  const builders = schema.fields.map((field) => createColumnBuilder(field.type));
  const parser = new CopyParser(builders);
  const take = (): RecordBatch => {
    const vectors = builders.map((builder) => makeVector(builder.finish()));
    const batch = batchFromColumns(schema, vectors, parser.rows);
    parser.rows = 0;
    return batch;
  };
  const stream = leased.client.query(
    copyTo(`COPY (SELECT ${columns} FROM ${target.qualified}${live}) TO STDOUT (FORMAT binary)`),
  );
  let finished = false;
  try {
    for await (const chunk of stream) {
      parser.push(chunk as Buffer);
      for (;;) {
        parser.parse(batchRows - parser.rows);
        if (parser.rows < batchRows) break;
        yield take();
      }
    }
    parser.parse(Number.POSITIVE_INFINITY);
    if (parser.rows > 0) yield take();
    finished = true;
  } finally {
    if (!finished) {
      // Stopped early or failed: the connection is mid-COPY, so it is closed, not reused.
      leased.broken = true;
      stream.destroy();
    }
    leased.release();
  }
}
