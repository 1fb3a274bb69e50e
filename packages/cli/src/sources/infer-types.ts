/**
 * Column types for text sources (CSV, JSON Lines): inferred from a sample of rows, then used
 * to build Arrow batches. A later value that does not fit its inferred type is a
 * `ValidationError` naming the line and the column, never a silent string.
 */

import { ValidationError } from '@wharf/store-core';
import {
  Bool,
  type DataType,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';

/** The types a text column can be inferred as. */
export type InferredType = 'int64' | 'float64' | 'bool' | 'timestamp' | 'utf8';

const INTEGER = /^[+-]?\d{1,19}$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const INT64_MAX = 9223372036854775807n;

function typeOfText(value: string): InferredType {
  if (INTEGER.test(value)) {
    const parsed = BigInt(value);
    return parsed <= INT64_MAX && parsed >= -INT64_MAX - 1n ? 'int64' : 'float64';
  }
  if (FLOAT.test(value)) return 'float64';
  if (value === 'true' || value === 'false') return 'bool';
  if (TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))) return 'timestamp';
  return 'utf8';
}

function typeOfValue(value: unknown): InferredType {
  if (typeof value === 'string') return typeOfText(value) === 'timestamp' ? 'timestamp' : 'utf8';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'int64' : 'float64';
  return 'utf8'; // objects and arrays are kept as JSON text
}

function widen(left: InferredType | undefined, right: InferredType): InferredType {
  if (left === undefined || left === right) return right;
  if ((left === 'int64' && right === 'float64') || (left === 'float64' && right === 'int64'))
    return 'float64';
  return 'utf8';
}

/** Infers one type per column from sample rows (`null`/`undefined` values are ignored). */
export function inferColumnTypes(
  columns: readonly string[],
  rows: readonly unknown[][],
  fromText: boolean,
): InferredType[] {
  return columns.map((_, index) => {
    let type: InferredType | undefined;
    for (const row of rows) {
      const value = row[index];
      if (value === null || value === undefined || value === '') continue;
      type = widen(type, fromText ? typeOfText(String(value)) : typeOfValue(value));
    }
    return type ?? 'utf8';
  });
}

const ARROW_TYPES: Record<InferredType, () => DataType> = {
  int64: () => new Int64(),
  float64: () => new Float64(),
  bool: () => new Bool(),
  timestamp: () => new TimestampMillisecond('UTC'),
  utf8: () => new Utf8(),
};

/** The Arrow schema of inferred columns (all nullable). */
export function schemaOf(columns: readonly string[], types: readonly InferredType[]): Schema {
  return new Schema(
    columns.map((name, index) => new Field(name, ARROW_TYPES[types[index]!](), true)),
  );
}

function convert(value: unknown, type: InferredType, where: () => string): unknown {
  if (value === null || value === undefined || value === '') return null;
  const fail = (): never => {
    throw new ValidationError(
      `${where()}: ${JSON.stringify(value)} is not ${type} (the type inferred from the first rows)`,
    );
  };
  switch (type) {
    case 'int64': {
      if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : fail();
      return INTEGER.test(String(value)) ? BigInt(String(value)) : fail();
    }
    case 'float64': {
      const number =
        typeof value === 'number' ? value : FLOAT.test(String(value)) ? Number(value) : Number.NaN;
      return Number.isNaN(number) ? fail() : number;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      return value === 'true' ? true : value === 'false' ? false : fail();
    case 'timestamp': {
      const time = Date.parse(String(value));
      return Number.isNaN(time) ? fail() : time;
    }
    case 'utf8':
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** Builds one record batch from rows of values, converting each to its column's type. */
export function buildBatch(
  schema: Schema,
  types: readonly InferredType[],
  rows: readonly unknown[][],
  describeRow: (rowIndex: number, column: string) => string,
): RecordBatch {
  const vectors = schema.fields.map((field, column) => {
    const values = rows.map((row, rowIndex) =>
      convert(row[column], types[column]!, () => describeRow(rowIndex, field.name)),
    );
    return vectorFromArray(values, field.type);
  });
  return new RecordBatch(
    schema,
    makeData({
      type: new Struct(schema.fields),
      length: rows.length,
      nullCount: 0,
      children: vectors.map((vector) => vector.data[0]!),
    }),
  );
}
