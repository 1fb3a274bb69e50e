/**
 * SQL text helpers. Every identifier that reaches SQL is first checked by store-core's
 * `assertIdentifier` (letters, digits, underscores, at most 63) and then double-quoted, so a
 * name can neither escape its place nor change case.
 */
import { assertIdentifier } from '@wharf/store-core';

/** `"name"`, after checking that `name` is a plain identifier. */
export function quoteIdentifier(name: string, what = 'identifier'): string {
  return `"${assertIdentifier(name, what)}"`;
}

/** `"schema"."table"`. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdentifier(schema, 'schema name')}.${quoteIdentifier(table, 'table name')}`;
}

/** A statement under construction with numbered parameters. */
export class Statement {
  readonly values: unknown[] = [];

  /** Adds a parameter and returns its placeholder (`$1`, `$2`, …). */
  parameter(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
