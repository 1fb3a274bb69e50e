/**
 * Identifier validation. Table, dataset and column names end up in SQL, file paths and keys;
 * anything that could escape its place is refused before any I/O.
 */
import { ValidationError } from './errors.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Throws a `ValidationError` unless `name` is a plain identifier: a letter or underscore, then
 * letters, digits and underscores, at most 63 characters (PostgreSQL's limit). This rules out
 * path separators, `..`, quotes, semicolons, spaces and SQL.
 */
export function assertIdentifier(name: unknown, what = 'table name'): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new ValidationError(
      `${what} ${JSON.stringify(name)} is not allowed: use letters, digits and underscores, starting with a letter or underscore (at most 63)`,
    );
  }
  return name;
}
