/**
 * `@wharf/store-sqlite`: a wharf store on one table of a SQLite database (better-sqlite3).
 */
export type { JournalMode } from './sqlite-connection.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { SQLITE_ARROW_TYPES } from './sqlite-types.js';
