/**
 * SQL for the record API's queries: `where` conditions, ordering with the key as tie-breaker,
 * pages, key lookups and the tenant scope. Every value is a bound parameter; every column
 * name is checked against production's schema before it is quoted into the statement.
 */
import {
  type ColumnCondition,
  isColumnCondition,
  type ListQuery,
  type OrderBy,
  type Row,
  ValidationError,
  type Where,
} from '@wharf/store-core';
import type { Field } from 'apache-arrow';
import type { BindValue } from './sqlite-encode.js';
import { DELETED_COLUMN, quote } from './sqlite-sql.js';
import { encodeRecordValue } from './sqlite-values.js';

/** SQL conditions (joined with `AND`) and their parameters. */
export interface Conditions {
  readonly sql: string[];
  readonly params: BindValue[];
}

/** Which rows a statement may touch: one tenant's, live or soft-deleted ones. */
export interface Scope {
  /** Only this tenant's rows (a tenant view). */
  readonly tenant?: string;
}

function fieldOf(fields: ReadonlyMap<string, Field>, column: string, clause: string): Field {
  const field = fields.get(column);
  if (!field) throw new ValidationError(`${clause}: unknown column '${column}'`);
  return field;
}

/**
 * The conditions every statement of the record API starts with: the live (or the
 * soft-deleted) rows, limited to the scope's tenant. No statement is built without it.
 */
export function baseConditions(
  scope: Scope,
  tenantColumn: string | undefined,
  deleted: boolean,
): Conditions {
  const sql = [`${quote(DELETED_COLUMN)} IS ${deleted ? 'NOT NULL' : 'NULL'}`];
  const params: BindValue[] = [];
  if (scope.tenant !== undefined) {
    if (tenantColumn === undefined) {
      throw new ValidationError('tenant views need the tenantColumn option');
    }
    sql.push(`${quote(tenantColumn)} = ?`);
    params.push(scope.tenant);
  }
  return { sql, params };
}

/** Adds `where` to `conditions`. */
export function addWhere(
  conditions: Conditions,
  where: Where | undefined,
  fields: ReadonlyMap<string, Field>,
): void {
  if (!where) return;
  for (const [column, expected] of Object.entries(where)) {
    const field = fieldOf(fields, column, 'where');
    const name = quote(column);
    const value = (input: unknown) => encodeRecordValue(field, input);
    if (!isColumnCondition(expected)) {
      if (expected === null) {
        conditions.sql.push(`${name} IS NULL`);
      } else {
        conditions.sql.push(`${name} = ?`);
        conditions.params.push(value(expected));
      }
      continue;
    }
    if (expected.isNull !== undefined) {
      conditions.sql.push(`${name} IS ${expected.isNull ? '' : 'NOT '}NULL`);
    }
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
      if (operand === null || operand === undefined) {
        // A comparison with null never holds, as in the memory store.
        conditions.sql.push('0');
        continue;
      }
      conditions.sql.push(`${name} ${operator} ?`);
      conditions.params.push(value(operand));
    }
    if (expected.in !== undefined) {
      if (!Array.isArray(expected.in))
        throw new ValidationError(`where: '${column}.in' must be an array`);
      const candidates = expected.in.filter(
        (candidate) => candidate !== null && candidate !== undefined,
      );
      if (candidates.length === 0) {
        conditions.sql.push('0');
      } else {
        conditions.sql.push(`${name} IN (${candidates.map(() => '?').join(', ')})`);
        for (const candidate of candidates) conditions.params.push(value(candidate));
      }
    }
  }
}

/** Conditions that select the row with `key` (its key columns, already split out). */
export function addKey(conditions: Conditions, key: Row, fields: ReadonlyMap<string, Field>): void {
  for (const [column, value] of Object.entries(key)) {
    const field = fieldOf(fields, column, 'key');
    if (value === null || value === undefined) {
      throw new ValidationError(`key column '${column}' cannot be null`);
    }
    conditions.sql.push(`${quote(column)} = ?`);
    conditions.params.push(encodeRecordValue(field, value));
  }
}

/** `WHERE …` of `conditions`. */
export function whereSql(conditions: Conditions): string {
  return conditions.sql.length === 0 ? '' : ` WHERE ${conditions.sql.join(' AND ')}`;
}

/**
 * `ORDER BY …` for `orderBy`, nulls last ascending (first descending), with the key columns
 * (or the row id when there is no key) appended, so that pages never overlap or skip a row.
 */
export function orderSql(
  orderBy: ListQuery['orderBy'],
  key: readonly string[],
  fields: ReadonlyMap<string, Field>,
): string {
  const given =
    orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy as string | OrderBy];
  const terms = given.map((term) =>
    typeof term === 'string'
      ? { column: term, direction: 'asc' as const }
      : { column: (term as OrderBy).column, direction: (term as OrderBy).direction ?? 'asc' },
  );
  for (const term of terms) {
    fieldOf(fields, term.column, 'orderBy');
    if (term.direction !== 'asc' && term.direction !== 'desc') {
      throw new ValidationError(`orderBy: direction must be 'asc' or 'desc'`);
    }
  }
  for (const column of key) {
    if (!terms.some((term) => term.column === column)) terms.push({ column, direction: 'asc' });
  }
  const parts = terms.map((term) =>
    term.direction === 'asc'
      ? `${quote(term.column)} ASC NULLS LAST`
      : `${quote(term.column)} DESC NULLS FIRST`,
  );
  parts.push('rowid ASC');
  return ` ORDER BY ${parts.join(', ')}`;
}

/** `LIMIT … OFFSET …` of a query, validated as the memory store does. */
export function pageSql(query: ListQuery): string {
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new ValidationError('offset must be a non-negative integer');
  }
  if (query.limit === undefined || query.limit === Number.POSITIVE_INFINITY) {
    return offset === 0 ? '' : ` LIMIT -1 OFFSET ${offset}`;
  }
  if (!Number.isInteger(query.limit) || query.limit < 0) {
    throw new ValidationError('limit must be a non-negative integer');
  }
  return ` LIMIT ${query.limit} OFFSET ${offset}`;
}
