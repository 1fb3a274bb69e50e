/**
 * Row-level helpers of the memory store: Arrow rows as plain objects and back, key strings,
 * pages, and removing rows without touching the others' bytes. The record API's query
 * semantics it shares with other stores are in `record-query.ts`.
 */
import { type RecordBatch, type Schema, vectorFromArray } from 'apache-arrow';
import { ValidationError } from '../errors.js';
import { pageBounds, rowComparator, toPlain } from '../record-query.js';
import type { ListQuery, OrderBy, Row } from '../records.js';
import { batchFromColumns } from '../schema-policy.js';

/** A row with its position in production. */
export interface LocatedRow {
  readonly row: Row;
  readonly batch: number;
  readonly index: number;
}

/** Every row of `batches` with its position. */
export function* locateRows(batches: readonly RecordBatch[]): Generator<LocatedRow> {
  for (let batch = 0; batch < batches.length; batch += 1) {
    const current = batches[batch]!;
    const names = current.schema.fields.map((field) => field.name);
    const columns = names.map((name) => current.getChild(name)!);
    for (let index = 0; index < current.numRows; index += 1) {
      const row: Row = {};
      names.forEach((name, column) => {
        row[name] = toPlain(columns[column]!.get(index));
      });
      yield { row, batch, index };
    }
  }
}

function keyPart(value: unknown): string {
  if (typeof value === 'bigint' || typeof value === 'number') return `n:${value.toString()}`;
  if (typeof value === 'string') return `s:${value}`;
  if (typeof value === 'boolean') return `b:${value}`;
  if (value === null || value === undefined) return 'null';
  return `j:${JSON.stringify(value)}`;
}

/** A string identifying a key; `5` and `5n` give the same string. */
export function keyString(columns: readonly string[], row: Row): string {
  return columns.map((column) => keyPart(row[column])).join('\u0000');
}

/** Sorts, then applies offset and limit. */
export function pageRows(
  rows: Row[],
  terms: readonly Required<OrderBy>[],
  query: ListQuery,
): Row[] {
  const { offset, limit } = pageBounds(query);
  return [...rows].sort(rowComparator(terms)).slice(offset, offset + limit);
}

/** A one-batch table of `rows` with `schema`, built from plain values. */
export function batchFromRows(schema: Schema, rows: readonly Row[]): RecordBatch {
  const columns = schema.fields.map((field) => {
    const values = rows.map((row) => (row[field.name] === undefined ? null : row[field.name]));
    if (!field.nullable && values.some((value) => value === null)) {
      throw new ValidationError(`column '${field.name}' is not nullable`, {
        details: { column: field.name },
      });
    }
    try {
      return vectorFromArray(values, field.type);
    } catch (error) {
      throw new ValidationError(
        `column '${field.name}' cannot hold the given value: ${(error as Error).message}`,
        { cause: error, details: { column: field.name } },
      );
    }
  });
  return batchFromColumns(schema, columns, rows.length);
}

/** `batches` without the rows for which `remove` is true; kept rows keep their exact bytes. */
export function removeRows(
  batches: readonly RecordBatch[],
  remove: (batch: number, index: number) => boolean,
): RecordBatch[] {
  const kept: RecordBatch[] = [];
  batches.forEach((batch, batchIndex) => {
    let start = 0;
    for (let index = 0; index <= batch.numRows; index += 1) {
      if (index === batch.numRows || remove(batchIndex, index)) {
        if (index > start)
          kept.push(start === 0 && index === batch.numRows ? batch : batch.slice(start, index));
        start = index + 1;
      }
    }
  });
  return kept;
}
