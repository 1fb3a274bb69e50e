/**
 * The record API's row semantics, for stores that evaluate queries in JavaScript rather than
 * in their database: plain values from Arrow values, keys from scalars or objects, `where`
 * clauses, ordering with the key as tie-breaker, and page bounds. The in-memory reference store
 * is built on them, so a store that uses them answers exactly as the reference does.
 */
import { ValidationError } from './errors.js';
import type { ColumnCondition, ListQuery, OrderBy, Row, Where } from './records.js';

/**
 * An Arrow value as plain JavaScript, as the record API returns it: vectors (lists) become
 * arrays, struct rows become objects, `null` and `undefined` become `null`; everything else
 * (numbers, bigints, strings, `Uint8Array`…) is returned as it is.
 */
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

/**
 * The key columns of a key given as a scalar (single-column keys) or as an object (any key;
 * other properties are dropped). Throws a `ValidationError` when the store has no key
 * columns, when an object lacks a key column, or when a scalar is given for a composite key.
 */
export function keyRow(columns: readonly string[], key: unknown): Row {
  if (columns.length === 0) {
    throw new ValidationError('this store has no key columns; set the key option');
  }
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

/** A row's key as `column=value, …`, for error messages. */
export function describeKey(columns: readonly string[], row: Row): string {
  return columns.map((column) => `${column}=${String(row[column])}`).join(', ');
}

function toComparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? inner.toString() : inner)),
  );
}

/**
 * Orders two values as SQL would: numbers and bigints by value (`5` equals `5n`), booleans
 * `false` first, strings by UTF-16 code unit, other values by their JSON text; nulls last.
 * Returns a negative number, zero or a positive number, as `Array.prototype.sort` expects.
 */
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

/** Equality as SQL has it: a null on either side is never equal to anything. */
function equalValues(left: unknown, right: unknown): boolean {
  if (left === null || left === undefined || right === null || right === undefined) return false;
  return compareValues(left, right) === 0;
}

const CONDITION_KEYS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'isNull']);

/**
 * Whether a `where` entry is a {@link ColumnCondition} (a non-empty object of only `eq`, `ne`,
 * `gt`, `gte`, `lt`, `lte`, `in` and `isNull`) rather than a value to compare for equality.
 */
export function isColumnCondition(value: unknown): value is ColumnCondition {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    value instanceof Uint8Array
  ) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => CONDITION_KEYS.has(key));
}

/**
 * Throws a `ValidationError` when `where` names a column that is not in `columns`. Call it
 * once per query, before any row is matched with {@link matchesWhere}.
 */
export function checkWhere(where: Where | undefined, columns: ReadonlySet<string>): void {
  for (const column of Object.keys(where ?? {})) {
    if (!columns.has(column)) throw new ValidationError(`where: unknown column '${column}'`);
  }
}

/**
 * Whether `row` satisfies every condition of `where` (no `where` matches every row). A plain
 * value means equality and `null` means "is null"; comparisons with a null never hold, as in
 * SQL. The columns are not checked here: see {@link checkWhere}.
 */
export function matchesWhere(row: Row, where: Where | undefined): boolean {
  if (!where) return true;
  for (const [column, expected] of Object.entries(where)) {
    const value = row[column];
    if (!isColumnCondition(expected)) {
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
    ) {
      return false;
    }
  }
  return true;
}

/**
 * A query's ordering terms, each with its direction, and the key columns appended (ascending)
 * as a tie-breaker, so that pages never overlap or skip a row. Throws a `ValidationError` for
 * a column not in `columns` or a direction other than `'asc'` and `'desc'`.
 */
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
    if (!columns.has(term.column)) {
      throw new ValidationError(`orderBy: unknown column '${term.column}'`);
    }
    if (term.direction !== 'asc' && term.direction !== 'desc') {
      throw new ValidationError(`orderBy: direction must be 'asc' or 'desc'`);
    }
  }
  for (const column of key) {
    if (!terms.some((term) => term.column === column)) terms.push({ column, direction: 'asc' });
  }
  return terms;
}

/**
 * A row comparator for `Array.prototype.sort` from {@link orderTerms}' terms, comparing values
 * with {@link compareValues}.
 */
export function rowComparator(
  terms: readonly Required<OrderBy>[],
): (left: Row, right: Row) => number {
  return (left, right) => {
    for (const term of terms) {
      const order = compareValues(left[term.column], right[term.column]);
      if (order !== 0) return term.direction === 'asc' ? order : -order;
    }
    return 0;
  };
}

/**
 * A query's `offset` (0 when absent) and `limit` (`Infinity` when absent), or a
 * `ValidationError` when either is not a non-negative integer.
 */
export function pageBounds(query: ListQuery): { offset: number; limit: number } {
  const offset = query.offset ?? 0;
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new ValidationError('offset must be a non-negative integer');
  }
  if (limit !== Number.POSITIVE_INFINITY && (!Number.isInteger(limit) || limit < 0)) {
    throw new ValidationError('limit must be a non-negative integer');
  }
  return { offset, limit };
}
