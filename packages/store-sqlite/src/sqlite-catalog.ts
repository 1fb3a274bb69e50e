/**
 * The store's own tables in the database file, next to production: the run journal, the
 * published run ids, the staging registry and the Arrow schemas. Each function runs plain
 * synchronous statements; the caller decides the transaction.
 */
import type { JournalEntry } from '@wharf/store-core';
import type Database from 'better-sqlite3';
import {
  JOURNAL_TABLE,
  PUBLISHED_RUNS_KEPT,
  quote,
  RUNS_TABLE,
  SCHEMA_TABLE,
  STAGING_TABLE,
} from './sqlite-sql.js';

/** A better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** Creates the store's tables when they are missing (idempotent; one transaction). */
export function ensureCatalog(db: SqliteDatabase): void {
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${quote(JOURNAL_TABLE)} (
        table_name TEXT NOT NULL, run_id TEXT NOT NULL, entry TEXT NOT NULL,
        PRIMARY KEY (table_name, run_id));
      CREATE TABLE IF NOT EXISTS ${quote(RUNS_TABLE)} (
        seq INTEGER PRIMARY KEY, table_name TEXT NOT NULL, run_id TEXT NOT NULL,
        committed_at TEXT NOT NULL, UNIQUE (table_name, run_id));
      CREATE TABLE IF NOT EXISTS ${quote(STAGING_TABLE)} (
        table_name TEXT NOT NULL, run_id TEXT NOT NULL, staging_table TEXT NOT NULL UNIQUE,
        PRIMARY KEY (table_name, run_id));
      CREATE TABLE IF NOT EXISTS ${quote(SCHEMA_TABLE)} (
        table_name TEXT PRIMARY KEY, arrow_schema TEXT NOT NULL);
    `);
  }).immediate();
}

/** Whether a table named `name` exists (in the attached database `schema`, or in main). */
export function tableExists(db: SqliteDatabase, name: string, schema = 'main'): boolean {
  return (
    db
      .prepare(`SELECT 1 FROM ${quote(schema)}.sqlite_master WHERE type = 'table' AND name = ?`)
      .get(name) !== undefined
  );
}

/** The columns of table `name` (in the attached database `schema`, or in main), in order. */
export function tableColumns(
  db: SqliteDatabase,
  name: string,
  schema = 'main',
): { name: string; type: string }[] {
  return db
    .prepare(`SELECT name, type FROM pragma_table_info(?, ?) ORDER BY cid`)
    .all(name, schema) as {
    name: string;
    type: string;
  }[];
}

/** Whether `runId` was already published into `table`. */
export function isPublished(db: SqliteDatabase, table: string, runId: string): boolean {
  return (
    db
      .prepare(`SELECT 1 FROM ${quote(RUNS_TABLE)} WHERE table_name = ? AND run_id = ?`)
      .get(table, runId) !== undefined
  );
}

/** Records `runId` as published into `table`, forgetting all but the last 1000 ids. */
export function recordPublished(db: SqliteDatabase, table: string, runId: string): void {
  db.prepare(
    `INSERT INTO ${quote(RUNS_TABLE)} (table_name, run_id, committed_at) VALUES (?, ?, ?)`,
  ).run(table, runId, new Date().toISOString());
  db.prepare(
    `DELETE FROM ${quote(RUNS_TABLE)} WHERE table_name = ? AND seq <= (
       SELECT seq FROM ${quote(RUNS_TABLE)} WHERE table_name = ?
       ORDER BY seq DESC LIMIT 1 OFFSET ${PUBLISHED_RUNS_KEPT})`,
  ).run(table, table);
}

/** The run ids recorded as published into `table`, oldest first. */
export function publishedRunIds(db: SqliteDatabase, table: string): string[] {
  return (
    db
      .prepare(`SELECT run_id FROM ${quote(RUNS_TABLE)} WHERE table_name = ? ORDER BY seq`)
      .all(table) as { run_id: string }[]
  ).map((row) => row.run_id);
}

/** The journal entries of `table`. */
export function readJournal(db: SqliteDatabase, table: string): JournalEntry[] {
  const rows = db
    .prepare(`SELECT entry FROM ${quote(JOURNAL_TABLE)} WHERE table_name = ? ORDER BY run_id`)
    .all(table) as { entry: string }[];
  return rows.map((row) => JSON.parse(row.entry) as JournalEntry);
}

/** Creates or replaces the journal entry of `entry.runId`. */
export function writeJournal(db: SqliteDatabase, table: string, entry: JournalEntry): void {
  db.prepare(
    `INSERT INTO ${quote(JOURNAL_TABLE)} (table_name, run_id, entry) VALUES (?, ?, ?)
     ON CONFLICT (table_name, run_id) DO UPDATE SET entry = excluded.entry`,
  ).run(table, entry.runId, JSON.stringify(entry));
}

/** Removes the journal entry of `runId` (idempotent). */
export function removeJournal(db: SqliteDatabase, table: string, runId: string): void {
  db.prepare(`DELETE FROM ${quote(JOURNAL_TABLE)} WHERE table_name = ? AND run_id = ?`).run(
    table,
    runId,
  );
}

/** Registers `stagingTable` as the staging of `runId` (idempotent). */
export function registerStaging(
  db: SqliteDatabase,
  table: string,
  runId: string,
  stagingTable: string,
): void {
  db.prepare(
    `INSERT INTO ${quote(STAGING_TABLE)} (table_name, run_id, staging_table) VALUES (?, ?, ?)
     ON CONFLICT DO NOTHING`,
  ).run(table, runId, stagingTable);
}

/** Forgets the staging of `runId` (idempotent). */
export function unregisterStaging(db: SqliteDatabase, table: string, runId: string): void {
  db.prepare(`DELETE FROM ${quote(STAGING_TABLE)} WHERE table_name = ? AND run_id = ?`).run(
    table,
    runId,
  );
}

/** Run ids of `table` that have staging. */
export function stagedRuns(db: SqliteDatabase, table: string): string[] {
  const rows = db
    .prepare(`SELECT run_id FROM ${quote(STAGING_TABLE)} WHERE table_name = ? ORDER BY run_id`)
    .all(table) as { run_id: string }[];
  return rows.map((row) => row.run_id);
}

/** The stored Arrow schema of `table` (base64 Arrow IPC), if any. */
export function readSchemaText(db: SqliteDatabase, table: string): string | undefined {
  const row = db
    .prepare(`SELECT arrow_schema FROM ${quote(SCHEMA_TABLE)} WHERE table_name = ?`)
    .get(table) as { arrow_schema: string } | undefined;
  return row?.arrow_schema;
}

/** Stores the Arrow schema of `table` (base64 Arrow IPC). */
export function writeSchemaText(db: SqliteDatabase, table: string, encoded: string): void {
  db.prepare(
    `INSERT INTO ${quote(SCHEMA_TABLE)} (table_name, arrow_schema) VALUES (?, ?)
     ON CONFLICT (table_name) DO UPDATE SET arrow_schema = excluded.arrow_schema`,
  ).run(table, encoded);
}
