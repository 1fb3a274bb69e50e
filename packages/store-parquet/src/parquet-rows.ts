/**
 * Row-level helpers for merge runs and for reading back: key strings, keeping a subset of a
 * batch's rows without copying, and conforming a batch to the dataset's schema.
 */

import { batchFromColumns, IntegrityError } from '@wharf/store-core';
import {
  type DataType,
  type RecordBatch,
  type Schema,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';

/** A function giving the key of row `row` of the batch it was made for. */
export type RowKey = (row: number) => string;

/** The key reader of `batch` for the key columns `columns` (all present in the batch). */
export function rowKeys(batch: RecordBatch, columns: readonly string[]): RowKey {
  const vectors = columns.map((column) => batch.getChild(column));
  return (row) => {
    let key = '';
    for (const vector of vectors) key += `${keyPart(vector?.get(row))}\u0000`;
    return key;
  };
}

function keyPart(value: unknown): string {
  if (value === null || value === undefined) return 'n';
  if (typeof value === 'bigint' || typeof value === 'number') return `#${String(value)}`;
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return `#${value.getTime()}`;
  if (value instanceof Uint8Array) return `b${Buffer.from(value).toString('hex')}`;
  return `j${JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? String(inner) : inner))}`;
}

/** The rows of `batch` for which `keep(row)` holds, as zero-copy slices. */
export function keepRows(batch: RecordBatch, keep: (row: number) => boolean): RecordBatch[] {
  const slices: RecordBatch[] = [];
  let start = -1;
  for (let row = 0; row <= batch.numRows; row += 1) {
    const kept = row < batch.numRows && keep(row);
    if (kept && start < 0) start = row;
    if (!kept && start >= 0) {
      slices.push(start === 0 && row === batch.numRows ? batch : batch.slice(start, row));
      start = -1;
    }
  }
  return slices;
}

/**
 * A column of `length` nulls with every buffer in place (a validity bitmap, zeroed offsets and
 * values), so that it survives Arrow IPC: a column made with `makeData({ nullCount: length })`
 * alone has no buffers, and parquet-wasm stops on it.
 */
export function nullColumn(type: DataType, length: number): Vector {
  return vectorFromArray(new Array<null>(length).fill(null), type);
}

/**
 * `batch` with every all-null column rebuilt by {@link nullColumn}: the schema policy of
 * `@wharf/store-core` fills a column a batch lacks with a buffer-less null column.
 */
export function withCompleteNulls(batch: RecordBatch): RecordBatch {
  const rebuilt = batch.schema.fields.map((field) => {
    const column = batch.getChild(field.name)!;
    const data = column.data[0];
    const complete =
      data === undefined ||
      batch.numRows === 0 ||
      data.nullCount < data.length ||
      (data.typeId as number) === 1 ||
      (data.nullBitmap !== undefined && data.nullBitmap.byteLength > 0);
    return complete ? undefined : nullColumn(field.type, batch.numRows);
  });
  if (rebuilt.every((column) => column === undefined)) return batch;
  return batchFromColumns(
    batch.schema,
    batch.schema.fields.map((field, index) => rebuilt[index] ?? batch.getChild(field.name)!),
    batch.numRows,
  );
}

/**
 * `batch` with exactly the fields of `target`, in its order and with its metadata: a column
 * the file lacks (added to the dataset after the file was written) is all nulls, a column the
 * target does not want is dropped. A column whose type differs is an `IntegrityError`.
 */
export function conformBatch(batch: RecordBatch, target: Schema, file: string): RecordBatch {
  const columns = target.fields.map((field) => {
    const column = batch.getChild(field.name);
    if (column === null) return nullColumn(field.type, batch.numRows);
    if (String(column.type) !== String(field.type)) {
      throw new IntegrityError(
        `${file}: column '${field.name}' is ${String(column.type)} in the file but ${String(field.type)} in the dataset's manifest`,
      );
    }
    return column;
  });
  return batchFromColumns(target, columns, batch.numRows);
}
