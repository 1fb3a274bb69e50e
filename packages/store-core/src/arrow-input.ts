/**
 * Accepting Arrow input. `write()` takes a `Table` or a `RecordBatch`, also one built by
 * another copy of apache-arrow, so the checks here are structural rather than `instanceof`.
 */
import type { RecordBatch, Schema, Table } from 'apache-arrow';
import { ValidationError } from './errors.js';

/** What `Store.write()` accepts. */
export type ArrowInput = Table | RecordBatch;

function isSchema(value: unknown): value is Schema {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { fields?: unknown }).fields)
  );
}

/** True for an Arrow `Table` from any copy of apache-arrow. */
export function isArrowTable(value: unknown): value is Table {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { batches?: unknown }).batches) &&
    isSchema((value as { schema?: unknown }).schema)
  );
}

/** True for an Arrow `RecordBatch` from any copy of apache-arrow. */
export function isRecordBatch(value: unknown): value is RecordBatch {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray((value as { batches?: unknown }).batches) &&
    typeof (value as { numRows?: unknown }).numRows === 'number' &&
    typeof (value as { data?: unknown }).data === 'object' &&
    isSchema((value as { schema?: unknown }).schema)
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `a ${typeof value}`;
}

/**
 * The record batches of `data`, in order. Throws a `ValidationError` for anything that is not
 * an Arrow `Table` or `RecordBatch`.
 */
export function toRecordBatches(data: unknown): RecordBatch[] {
  if (isArrowTable(data)) return data.batches.filter((batch) => batch.numRows > 0);
  if (isRecordBatch(data)) return data.numRows > 0 ? [data] : [];
  throw new ValidationError(
    `write() expects an Arrow Table or RecordBatch, got ${describe(data)}; build one with apache-arrow (tableFromArrays, tableFromIPC, …)`,
  );
}

/** The schema of `data` (a Table or RecordBatch), also when it has no rows. */
export function schemaOf(data: ArrowInput): Schema {
  return data.schema;
}

/** Bytes held by a batch's buffers (the figure reported as `bytes`). */
export function batchBytes(batch: RecordBatch): number {
  return (batch.data as unknown as { byteLength: number }).byteLength;
}
