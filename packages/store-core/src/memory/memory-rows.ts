/**
 * Row-level helpers of the memory store: turning Arrow rows into plain objects and back,
 * keys, `where` clauses, ordering, and removing rows without touching the others' bytes.
 */
import { type RecordBatch, type Schema, vectorFromArray } from 'apache-arrow';
import { ValidationError } from '../errors.js';
import type { ColumnCondition, ListQuery, OrderBy, Row, Where } from '../records.js';
import { batchFromColumns } from '../schema-policy.js';

/** A row with its position in production. */
export interface LocatedRow {
  readonly row: Row;
  readonly batch: number;
  readonly index: number;
}

/** Arrow values as plain JavaScript: vectors become arrays, struct rows objects. */
export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(toPlain);
  const candidate = value as {
    toArray?: unknown;
    toJSON?: () => unknown;
    [Symbol.iterator]?: unknown;
  };
  if (typeof candidate.toArray === 'function' && typeof candidate[Symbol.iterator] === 'function') {
    return Array.from(value as Iterable<unknown>, toPlain);
  }
  if (typeof candidate.toJSON === 'function') {
    const json = candidate.toJSON();
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
      return Object.fromEntries(
        Object.entries(json).map(([name, inner]) => [name, toPlain(inner)]),
      );
    }
    return json;
  }
  return value;
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

/** The key columns of a key given as a scalar or an object. */
export function keyRow(columns: readonly string[], key: unknown): Row {
  if (columns.length === 0)
    throw new ValidationError('this store has no key columns; set the key option');
  if (typeof key === 'object' && key !== null && !(key instanceof Uint8Array)) {
    const row = key as Row;
    for (const column of columns) {
      if (!(column in row)) throw new ValidationError(`key is missing column '${column}'`);
    }
    return Object.fromEntries(columns.map((column) => [column, row[column]]));
  }
  if (columns.length > 1) {
    throw new ValidationError(
      `this store has a composite key (${columns.join(', ')}); pass an object`,
    );
  }
  return { [columns[0]!]: key };
}

/** Orders two values as SQL would: numbers and bigints by value, strings by code unit, nulls last. */
export function compareValues(left: unknown, right: unknown): number {
  const leftNull = left === null || left === undefined;
  const rightNull = right === null || right === undefined;
  if (leftNull || rightNull) return leftNull === rightNull ? 0 : leftNull ? 1 : -1;
  if (
    (typeof left === 'number' || typeof left === 'bigint') &&
    (typeof right === 'number' || typeof right === 'bigint')
  ) {
    return left < right ? -1 : left > right ? 1 : 0;
  }
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
  const leftText = typeof left === 'string' ? left : JSON.stringify(toComparable(left));
  const rightText = typeof right === 'string' ? right : JSON.stringify(toComparable(right));
  return leftText < rightText ? -1 : leftText > rightText ? 1 : 0;
}

function toComparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? inner.toString() : inner)),
  );
}

function equalValues(left: unknown, right: unknown): boolean {
  if (left === null || left === undefined || right === null || right === undefined) return false;
  return compareValues(left, right) === 0;
}

const CONDITION_KEYS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'isNull']);

function isCondition(value: unknown): value is ColumnCondition {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    value instanceof Uint8Array
  )
    return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => CONDITION_KEYS.has(key));
}

/** Whether `row` satisfies every condition of `where`. */
export function matchesWhere(
  row: Row,
  where: Where | undefined,
  columns: ReadonlySet<string>,
): boolean {
  if (!where) return true;
  for (const [column, expected] of Object.entries(where)) {
    if (!columns.has(column)) throw new ValidationError(`where: unknown column '${column}'`);
    const value = row[column];
    if (!isCondition(expected)) {
      if (expected === null ? value !== null : !equalValues(value, expected)) return false;
      continue;
    }
    const isNull = value === null || value === undefined;
    if (expected.isNull !== undefined && expected.isNull !== isNull) return false;
    if ('eq' in expected && !equalValues(value, expected.eq)) return false;
    if ('ne' in expected && (isNull || equalValues(value, expected.ne))) return false;
    if ('gt' in expected && (isNull || compareValues(value, expected.gt) <= 0)) return false;
    if ('gte' in expected && (isNull || compareValues(value, expected.gte) < 0)) return false;
    if ('lt' in expected && (isNull || compareValues(value, expected.lt) >= 0)) return false;
    if ('lte' in expected && (isNull || compareValues(value, expected.lte) > 0)) return false;
    if (
      expected.in !== undefined &&
      !expected.in.some((candidate) => equalValues(value, candidate))
    )
      return false;
  }
  return true;
}

/** The ordering terms of a query, with the key columns appended as a tie-breaker. */
export function orderTerms(
  orderBy: ListQuery['orderBy'],
  key: readonly string[],
  columns: ReadonlySet<string>,
): Required<OrderBy>[] {
  const given =
    orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy as string | OrderBy];
  const terms = given.map((term) =>
    typeof term === 'string'
      ? { column: term, direction: 'asc' as const }
      : { column: term.column, direction: term.direction ?? 'asc' },
  );
  for (const term of terms) {
    if (!columns.has(term.column))
      throw new ValidationError(`orderBy: unknown column '${term.column}'`);
    if (term.direction !== 'asc' && term.direction !== 'desc')
      throw new ValidationError(`orderBy: direction must be 'asc' or 'desc'`);
  }
  for (const column of key)
    if (!terms.some((term) => term.column === column)) terms.push({ column, direction: 'asc' });
  return terms;
}

/** Sorts, then applies offset and limit. */
export function pageRows(
  rows: Row[],
  terms: readonly Required<OrderBy>[],
  query: ListQuery,
): Row[] {
  const offset = query.offset ?? 0;
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(offset) || offset < 0)
    throw new ValidationError('offset must be a non-negative integer');
  if (limit !== Number.POSITIVE_INFINITY && (!Number.isInteger(limit) || limit < 0))
    throw new ValidationError('limit must be a non-negative integer');
  const sorted = [...rows].sort((left, right) => {
    for (const term of terms) {
      const order = compareValues(left[term.column], right[term.column]);
      if (order !== 0) return term.direction === 'asc' ? order : -order;
    }
    return 0;
  });
  return sorted.slice(offset, offset + limit);
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
