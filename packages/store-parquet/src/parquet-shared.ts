/**
 * Helpers shared by the local and the object-storage Parquet stores: splitting a staged part
 * into files, projecting the dataset's schema for a read, checking key columns and options.
 */
import { ValidationError } from '@wharf/store-core';
import { type RecordBatch, Schema } from 'apache-arrow';

export function countRows(batches: readonly RecordBatch[]): number {
  return batches.reduce((sum, batch) => sum + batch.numRows, 0);
}

/** Splits consecutive batches into `count` groups of about equal rows (zero-copy slices). */
export function splitPart(batches: readonly RecordBatch[], count: number): RecordBatch[][] {
  if (count <= 1) return [[...batches]];
  const total = countRows(batches);
  const groups: RecordBatch[][] = [];
  let group: RecordBatch[] = [];
  let groupRows = 0;
  let target = Math.ceil(total / count);
  for (const batch of batches) {
    let offset = 0;
    while (offset < batch.numRows) {
      const take = Math.min(batch.numRows - offset, target - groupRows);
      group.push(
        offset === 0 && take === batch.numRows ? batch : batch.slice(offset, offset + take),
      );
      groupRows += take;
      offset += take;
      if (groupRows === target && groups.length < count - 1) {
        groups.push(group);
        group = [];
        groupRows = 0;
        target = Math.ceil((total - countRows(groups.flat())) / (count - groups.length));
      }
    }
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** `schema` limited to `columns` (in that order), or a `ValidationError` for an unknown one. */
export function projectSchema(
  schema: Schema,
  columns: readonly string[] | undefined,
  store: string,
): Schema {
  if (columns === undefined) return schema;
  const fields = columns.map((name) => {
    const field = schema.fields.find((candidate) => candidate.name === name);
    if (!field) {
      throw new ValidationError(`${store}: read: unknown column '${name}'`, {
        details: { column: name },
      });
    }
    return field;
  });
  return new Schema(fields, schema.metadata);
}

export function checkKey(schema: Schema, key: readonly string[], store: string): void {
  for (const column of key) {
    if (!schema.fields.some((field) => field.name === column)) {
      throw new ValidationError(`${store}: key column '${column}' is not in the data`, {
        details: { column },
      });
    }
  }
}

export function oneOf<T extends string>(
  name: string,
  value: T | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) {
    throw new ValidationError(
      `option ${name} must be one of ${allowed.map((item) => `'${item}'`).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(`option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      `option ${name} must be a non-negative integer, got ${String(value)}`,
    );
  }
  return value;
}
