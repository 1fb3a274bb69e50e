/**
 * Opening a database file with the store's settings: busy timeout first (so that switching
 * the journal mode waits for other connections instead of failing), then the journal mode.
 */
import Database from 'better-sqlite3';
import type { SqliteDatabase } from './sqlite-catalog.js';
import { toStoreError } from './sqlite-errors.js';

/** SQLite journal modes the store accepts. */
export type JournalMode = 'wal' | 'delete' | 'truncate' | 'persist' | 'memory' | 'off';

/** Whether `filename` names a private database no other connection can see. */
export function isPrivateDatabase(filename: string): boolean {
  const trimmed = filename.trim();
  return trimmed === '' || trimmed === ':memory:' || trimmed.includes('mode=memory');
}

/** Opens `filename`, or throws a `ConnectionError` (with the driver's error as cause). */
export function openDatabase(
  filename: string,
  options: { busyTimeoutMs: number; journalMode: JournalMode; store: string; readonly?: boolean },
): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(filename, {
      timeout: options.busyTimeoutMs,
      ...(options.readonly ? { readonly: true, fileMustExist: true } : {}),
    });
    if (!options.readonly && !isPrivateDatabase(filename)) {
      db.pragma(`journal_mode = ${options.journalMode}`);
    }
    return db;
  } catch (error) {
    try {
      db?.close();
    } catch {
      // The original error is the one to report.
    }
    throw toStoreError(error, { store: options.store, operation: 'connect', opening: true });
  }
}
