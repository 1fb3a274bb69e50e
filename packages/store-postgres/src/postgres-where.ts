/**
 * `where` clauses, `orderBy` terms and key conditions of the record API as SQL. Values become
 * binary parameters of the column's type; text is compared and sorted with `COLLATE "C"`
 * (by code point, as the memory store does), whatever the database's collation.
 */
import {
  type ColumnCondition,
  type ListQuery,
  type OrderBy,
  type Row,
  ValidationError,
  type Where,
} from '@wharf/store-core';
import type { Field, Schema } from 'apache-arrow';
import { DELETED_AT, type PostgresTarget } from './postgres-catalog.js';
import { quoteIdentifier, type Statement } from './postgres-sql.js';
import { postgresTypeOf } from './postgres-types.js';
import { encodeParameter } from './postgres-values.js';

/** Which rows a record call sees: one tenant's or all, live or soft-deleted ones. */
export interface RecordScope {
  readonly tenant?: string;
  readonly rows: 'live' | 'deleted' | 'any';
}

const CONDITION_KEYS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'isNull']);

function isCondition(value: unknown): value is ColumnCondition {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (value instanceof Uint8Array || value instanceof Date) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => CONDITION_KEYS.has(key));
}

function fieldOf(schema: Schema, column: string, what: string): Field {
  const field = schema.fields.find((candidate) => candidate.name === column);
  if (!field)
    throw new ValidationError(`${what}: unknown column '${column}'`, { details: { column } });
  return field;
}

/** The column as an expression to compare or sort by (text in the "C" collation). */
function comparable(field: Field): string {
  const column = quoteIdentifier(field.name, 'column name');
  return postgresTypeOf(field.type, field.name).kind === 'text'
    ? `(${column} COLLATE "C")`
    : column;
}

/** The conditions of a `where` clause, ANDed. */
export function whereConditions(
  statement: Statement,
  schema: Schema,
  where: Where | undefined,
): string[] {
  const conditions: string[] = [];
  for (const [column, expected] of Object.entries(where ?? {})) {
    const field = fieldOf(schema, column, 'where');
    const name = comparable(field);
    const value = (input: unknown) => statement.parameter(encodeParameter(input, field));
    if (!isCondition(expected)) {
      conditions.push(
        expected === null || expected === undefined
          ? `${name} IS NULL`
          : `${name} = ${value(expected)}`,
      );
      continue;
    }
    if (expected.isNull !== undefined)
      conditions.push(`${name} IS ${expected.isNull ? '' : 'NOT '}NULL`);
    const comparisons: [keyof ColumnCondition, string][] = [
      ['eq', '='],
      ['ne', '<>'],
      ['gt', '>'],
      ['gte', '>='],
      ['lt', '<'],
      ['lte', '<='],
    ];
    for (const [key, operator] of comparisons) {
      if (!(key in expected)) continue;
      const operand = expected[key];
      // A comparison with null never holds (as in SQL and in the memory store).
      conditions.push(
        operand === null || operand === undefined
          ? 'FALSE'
          : `${name} ${operator} ${value(operand)}`,
      );
    }
    if (expected.in !== undefined) {
      if (!Array.isArray(expected.in))
        throw new ValidationError(`where: '${column}.in' must be an array`);
      const candidates = expected.in.filter(
        (candidate) => candidate !== null && candidate !== undefined,
      );
      conditions.push(
        candidates.length === 0 ? 'FALSE' : `${name} IN (${candidates.map(value).join(', ')})`,
      );
    }
  }
  return conditions;
}

/** The conditions limiting a call to its scope: the tenant, live or deleted rows. */
export function scopeConditions(
  statement: Statement,
  target: PostgresTarget,
  schema: Schema,
  scope: RecordScope,
): string[] {
  const conditions: string[] = [];
  if (scope.tenant !== undefined) {
    const field = fieldOf(schema, target.tenantColumn!, 'tenant');
    conditions.push(
      `${quoteIdentifier(field.name)} = ${statement.parameter(encodeParameter(scope.tenant, field))}`,
    );
  }
  if (target.softDelete && scope.rows !== 'any') {
    conditions.push(`${quoteIdentifier(DELETED_AT)} IS ${scope.rows === 'live' ? '' : 'NOT '}NULL`);
  }
  return conditions;
}

/** The conditions selecting the row with `key`. */
export function keyConditions(statement: Statement, schema: Schema, key: Row): string[] {
  return Object.entries(key).map(([column, value]) => {
    const field = fieldOf(schema, column, 'key');
    if (value === null || value === undefined) return 'FALSE';
    return `${quoteIdentifier(field.name)} = ${statement.parameter(encodeParameter(value, field))}`;
  });
}

/** `WHERE …` of some conditions, or nothing. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

/** `ORDER BY …`: the given terms, then the key columns as a tie-breaker. */
export function orderClause(
  orderBy: ListQuery['orderBy'],
  key: readonly string[],
  schema: Schema,
): string {
  const given =
    orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy as string | OrderBy];
  const terms = given.map((term: string | OrderBy) =>
    typeof term === 'string'
      ? { column: term, direction: 'asc' as const }
      : { column: term.column, direction: term.direction ?? 'asc' },
  );
  for (const term of terms) {
    fieldOf(schema, term.column, 'orderBy');
    if (term.direction !== 'asc' && term.direction !== 'desc') {
      throw new ValidationError(`orderBy: direction must be 'asc' or 'desc'`);
    }
  }
  for (const column of key) {
    if (!terms.some((term) => term.column === column)) terms.push({ column, direction: 'asc' });
  }
  if (terms.length === 0) return '';
  // Nulls sort last ascending and first descending, as the memory store orders them.
  const sql = terms.map(
    (term) =>
      `${comparable(fieldOf(schema, term.column, 'orderBy'))} ${term.direction === 'asc' ? 'ASC' : 'DESC'}`,
  );
  return ` ORDER BY ${sql.join(', ')}`;
}

/** `LIMIT … OFFSET …` after validating both. */
export function pageClause(query: ListQuery): string {
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new ValidationError('offset must be a non-negative integer');
  if (query.limit === undefined || query.limit === Number.POSITIVE_INFINITY)
    return offset === 0 ? '' : ` OFFSET ${offset}`;
  if (!Number.isInteger(query.limit) || query.limit < 0)
    throw new ValidationError('limit must be a non-negative integer');
  return ` LIMIT ${query.limit} OFFSET ${offset}`;
}
