/**
 * Rows between Redis hashes and Arrow: field values read from Redis become record batches of
 * the version's schema (column by column, exactly), and record API rows become field values
 * through the same Arrow conversion the reference store uses, so both stores accept and return
 * the same JavaScript values.
 */
import {
  batchFromColumns,
  IntegrityError,
  type Row,
  toPlain,
  ValidationError,
} from '@wharf/store-core';
import { makeVector, type RecordBatch, type Schema, vectorFromArray } from 'apache-arrow';
import { buildData, type Exact } from './redis-arrow-values.js';
import { type FieldValue, fieldDecoder, fieldEncoder } from './redis-field-codec.js';

/** One row's field values in the schema's column order (`null`: absent field). */
export type RowCells = readonly (Buffer | null | undefined)[];

/** A record batch of `schema` holding `rows` (field values in column order). */
export function batchFromCells(
  schema: Schema,
  rows: readonly RowCells[],
  where: string,
): RecordBatch {
  const columns = schema.fields.map((field, column) => {
    const decode = fieldDecoder(field.type);
    const values: Exact[] = rows.map((row, index) => {
      const cell = row[column];
      if (cell === null || cell === undefined) return null;
      try {
        return decode(cell);
      } catch (error) {
        throw new IntegrityError(
          `${where}: column '${field.name}' of row ${index} holds a value that is not ${String(field.type)}: ${(error as Error).message}`,
          { cause: error, details: { column: field.name } },
        );
      }
    });
    return makeVector(buildData(field.type, values));
  });
  return batchFromColumns(schema, columns, rows.length);
}

/** The rows of `batch` as plain JavaScript values (as the reference store returns them). */
export function plainRows(batch: RecordBatch): Row[] {
  const names = batch.schema.fields.map((field) => field.name);
  const columns = names.map((name) => batch.getChild(name)!);
  const rows: Row[] = [];
  for (let index = 0; index < batch.numRows; index += 1) {
    const row: Row = {};
    names.forEach((name, column) => {
      row[name] = toPlain(columns[column]!.get(index));
    });
    rows.push(row);
  }
  return rows;
}

/** `[field, value, field, value, …]` of a hash as a map of field name to value. */
export function fieldMap(flat: readonly Buffer[]): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (let index = 0; index + 1 < flat.length; index += 2) {
    map.set(flat[index]!.toString('utf8'), flat[index + 1]!);
  }
  return map;
}

/** A hash's fields as cells in `schema`'s column order. */
export function cellsOf(schema: Schema, fields: ReadonlyMap<string, Buffer>): RowCells {
  return schema.fields.map((field) => fields.get(field.name) ?? null);
}

/**
 * The field value of `value` (a record API value) in column `name` of `schema`, converted the
 * way apache-arrow converts plain values; `null` for a null. A `ValidationError` when it does
 * not fit the column.
 */
export function recordCell(schema: Schema, name: string, value: unknown): FieldValue | null {
  const field = schema.fields.find((candidate) => candidate.name === name);
  if (!field) throw new ValidationError(`unknown column '${name}'`, { details: { column: name } });
  if (value === null || value === undefined) {
    if (!field.nullable) {
      throw new ValidationError(`column '${name}' is not nullable`, { details: { column: name } });
    }
    return null;
  }
  try {
    const vector = vectorFromArray([value] as never[], field.type);
    return fieldEncoder(vector.data[0]!)(0);
  } catch (error) {
    throw new ValidationError(
      `column '${name}' cannot hold the given value: ${(error as Error).message}`,
      { cause: error, details: { column: name } },
    );
  }
}
