/**
 * The one place where better-sqlite3's errors become store errors. Every public method of
 * the store passes whatever it catches through {@link toStoreError}, so no raw `SqliteError`
 * (or driver `TypeError`) ever reaches a caller.
 */
import {
  ConflictError,
  ConnectionError,
  IntegrityError,
  QueryError,
  StoreError,
  ValidationError,
} from '@wharf/store-core';

/** What the failing call was doing, for the message and the error's details. */
export interface SqliteErrorContext {
  /** The store's name, e.g. `sqlite:trips`. */
  readonly store: string;
  /** The operation, e.g. `insert` or `publish`. */
  readonly operation: string;
  /**
   * Errors that are not SQLite result codes (a driver `TypeError`, a file system error) are
   * a `ConnectionError` while opening the database and a `QueryError` otherwise.
   * @default false
   */
  readonly opening?: boolean;
}

/** True for better-sqlite3's `SqliteError` (from any copy of the driver). */
function isSqliteError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    error.name === 'SqliteError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/**
 * The store error for `error`: a `StoreError` passes through unchanged; a SQLite result code
 * maps to its class (the original error is always the `cause`):
 *
 * | SQLite code | store error |
 * |---|---|
 * | `SQLITE_CONSTRAINT_PRIMARYKEY`, `SQLITE_CONSTRAINT_UNIQUE` | `ConflictError` |
 * | `SQLITE_BUSY*`, `SQLITE_LOCKED*` | `ConflictError`, retryable (a lost race for the lock) |
 * | `SQLITE_CANTOPEN*`, `SQLITE_IOERR*`, `SQLITE_NOTADB` | `ConnectionError` (retryable) |
 * | `SQLITE_CONSTRAINT_NOTNULL`, other constraints, `SQLITE_TOOBIG`, `SQLITE_MISMATCH` | `ValidationError` |
 * | `SQLITE_CORRUPT*` | `IntegrityError` |
 * | anything else | `QueryError` |
 */
export function toStoreError(error: unknown, context: SqliteErrorContext): StoreError {
  if (StoreError.isInstance(error)) return error;
  const where = `${context.store}: ${context.operation}`;
  const details = { store: context.store, operation: context.operation };
  if (!isSqliteError(error)) {
    const text = error instanceof Error ? error.message : String(error);
    if (context.opening) {
      return new ConnectionError(`${where}: cannot open the database: ${text}`, {
        cause: error,
        details,
      });
    }
    if (error instanceof RangeError || error instanceof TypeError) {
      return new ValidationError(`${where}: ${text}`, { cause: error, details });
    }
    return new QueryError(`${where}: ${text}`, { cause: error, details });
  }
  const code = error.code;
  const options = { cause: error, details: { ...details, sqliteCode: code } };
  const message = `${where}: ${error.message} (${code})`;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new ConflictError(message, options);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new ConflictError(
      `${where}: the database stayed locked by another connection past busy_timeout (${code}); retry`,
      { ...options, retryable: true },
    );
  }
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'SQLITE_NOTADB' ||
    code.startsWith('SQLITE_READONLY')
  ) {
    return new ConnectionError(message, options);
  }
  if (
    code.startsWith('SQLITE_CONSTRAINT') ||
    code === 'SQLITE_TOOBIG' ||
    code === 'SQLITE_MISMATCH'
  ) {
    return new ValidationError(message, options);
  }
  if (code.startsWith('SQLITE_CORRUPT')) return new IntegrityError(message, options);
  return new QueryError(message, options);
}

/**
 * Runs `action` and turns anything it throws into a store error. The store's public methods
 * wrap their synchronous driver calls in it.
 */
export function withStoreErrors<T>(context: SqliteErrorContext, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw toStoreError(error, context);
  }
}
