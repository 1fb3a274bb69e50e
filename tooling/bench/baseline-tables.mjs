/**
 * The tables the SQL baselines load into: the columns and types the stores create for the
 * reference shape (see generate-dataset.mjs), so both sides write the same rows.
 */

/** SQLite, as store-sqlite declares the columns. */
export const SQLITE_CREATE_TABLE = `CREATE TABLE bench (
  id INTEGER NOT NULL, quantity INTEGER NOT NULL, price REAL NOT NULL, code TEXT NOT NULL,
  note TEXT NOT NULL, active INTEGER NOT NULL, created_at INTEGER NOT NULL, ref_id INTEGER)`;

/** PostgreSQL, as store-postgres declares the columns; an ordinary (logged) table. */
export function postgresCreateTable(name) {
  return `CREATE TABLE ${name} (
  id bigint NOT NULL, quantity integer NOT NULL, price double precision NOT NULL,
  code text NOT NULL, note text NOT NULL, active boolean NOT NULL,
  created_at timestamptz NOT NULL, ref_id bigint)`;
}
