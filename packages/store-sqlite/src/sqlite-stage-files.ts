/**
 * Staging files: a run that appends to an existing table (`incremental`) or merges into one
 * stages its rows in a database file of its own next to the main one,
 * `<database>-wharf-stage-<table hash>-<run hash>`, attached to the store's connection with an
 * in-memory rollback journal and no `fsync`. Its rows are then written to the main database
 * once — by the publish's `INSERT … SELECT` — instead of twice (staging table and production,
 * each through the WAL and a checkpoint). A staged file is never read by anyone but its run,
 * so it needs no durability: a crash loses it, and the run's cleanup or the next recovery
 * deletes it. `full_drop` and the first load of a table keep staging in the main database,
 * where the staging table becomes production by a rename.
 *
 * The staging registry (`_wharf_staging`) holds `file:<file name>` for such a run. A file is
 * created only after its registration commits and deleted only after its registration is
 * removed, so a file without a registration is a leftover of a crash between the two, which
 * recovery removes ({@link orphanStagingFiles}).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SqliteDatabase } from './sqlite-catalog.js';
import { quote, STAGING_TABLE } from './sqlite-sql.js';

/** Marks a registry entry whose run stages in a file of its own. */
const FILE_MARK = 'file:';

/** The staging table's name inside a staging file. */
export const STAGED_ROWS_TABLE = 'staged_rows';

/** A run's staging file: where it is and the schema name it is attached as. */
export interface StagingFile {
  readonly path: string;
  readonly alias: string;
}

/** The file of the main database, or `undefined` for a private (in-memory) database. */
export function mainDatabaseFile(db: SqliteDatabase): string | undefined {
  const row = db.prepare(`SELECT file FROM pragma_database_list WHERE name = 'main'`).get() as
    | { file: string }
    | undefined;
  return row?.file ? row.file : undefined;
}

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function filePrefix(mainFile: string, table: string): string {
  return `${basename(mainFile)}-wharf-stage-${hash(table, 8)}-`;
}

/** The staging file of `runId` for `table`, next to `mainFile`. */
export function stagingFileFor(mainFile: string, table: string, runId: string): StagingFile {
  const runHash = hash(`${table}\0${runId}`, 16);
  return {
    path: join(dirname(mainFile), `${filePrefix(mainFile, table)}${runHash}`),
    alias: `_wharf_stage_${runHash}`,
  };
}

/** The registry value of a run staging in `file`. */
export function registryValue(file: StagingFile): string {
  return `${FILE_MARK}${basename(file.path)}`;
}

/** The staging file a registry value names, if it names one. */
export function fileOfRegistryValue(
  mainFile: string | undefined,
  value: string | undefined,
): StagingFile | undefined {
  if (mainFile === undefined || value === undefined || !value.startsWith(FILE_MARK)) {
    return undefined;
  }
  const name = value.slice(FILE_MARK.length);
  return { path: join(dirname(mainFile), name), alias: `_wharf_stage_${name.slice(-16)}` };
}

/** The registry value of `runId` of `table`, if registered. */
export function registeredStaging(
  db: SqliteDatabase,
  table: string,
  runId: string,
): string | undefined {
  const row = db
    .prepare(
      `SELECT staging_table FROM ${quote(STAGING_TABLE)} WHERE table_name = ? AND run_id = ?`,
    )
    .get(table, runId) as { staging_table: string } | undefined;
  return row?.staging_table;
}

/** Whether `alias` is attached to the connection. */
export function isAttached(db: SqliteDatabase, alias: string): boolean {
  return db.prepare(`SELECT 1 FROM pragma_database_list WHERE name = ?`).get(alias) !== undefined;
}

/**
 * Attaches `file` to the connection (outside any transaction), creating it when `create`;
 * returns false when it does not exist and `create` is off. No `fsync`, journal in memory.
 */
export function attachStagingFile(db: SqliteDatabase, file: StagingFile, create: boolean): boolean {
  if (isAttached(db, file.alias)) return true;
  if (!create && !existsSync(file.path)) return false;
  db.prepare(`ATTACH DATABASE ? AS ${quote(file.alias)}`).run(file.path);
  db.pragma(`${quote(file.alias)}.journal_mode = MEMORY`);
  db.pragma(`${quote(file.alias)}.synchronous = OFF`);
  return true;
}

/** Detaches `file` from the connection (if attached) and deletes it (if present). */
export function removeStagingFile(db: SqliteDatabase, file: StagingFile): void {
  if (isAttached(db, file.alias)) db.exec(`DETACH DATABASE ${quote(file.alias)}`);
  for (const path of [file.path, `${file.path}-journal`]) {
    try {
      rmSync(path, { force: true });
    } catch {
      // Still open elsewhere (a platform that refuses): the next recovery removes it
      // (orphanStagingFiles).
    }
  }
}

/** How {@link orphanStagingFiles} names a leftover file among the run ids of leftovers. */
const ORPHAN_MARK = '_wharf_stage_file:';

/**
 * The staging files of `table` that no registration names, as pseudo run ids for the engine's
 * leftovers (recovery hands each back to {@link orphanOf} through `discard`): files left by a
 * crash between a run's unregistration and the file's removal. The directory is listed before
 * the registry is read, so a file created meanwhile (always after its registration) is never
 * taken.
 */
export function orphanStagingFiles(db: SqliteDatabase, mainFile: string, table: string): string[] {
  const prefix = filePrefix(mainFile, table);
  let names: string[];
  try {
    names = readdirSync(dirname(mainFile)).filter(
      (name) => name.startsWith(prefix) && !name.endsWith('-journal'),
    );
  } catch {
    return [];
  }
  if (names.length === 0) return [];
  const registered = new Set(
    (
      db
        .prepare(`SELECT staging_table FROM ${quote(STAGING_TABLE)} WHERE table_name = ?`)
        .all(table) as { staging_table: string }[]
    ).map((row) => row.staging_table),
  );
  return names
    .filter((name) => !registered.has(`${FILE_MARK}${name}`))
    .map((name) => `${ORPHAN_MARK}${name}`);
}

/**
 * The staging file an orphan's pseudo run id names, while still unregistered and one of
 * `table`'s; `undefined` for a real run id.
 */
export function orphanOf(
  db: SqliteDatabase,
  mainFile: string | undefined,
  table: string,
  runId: string,
): StagingFile | undefined {
  if (mainFile === undefined || !runId.startsWith(ORPHAN_MARK)) return undefined;
  const name = runId.slice(ORPHAN_MARK.length);
  if (!name.startsWith(filePrefix(mainFile, table)) || name.includes('/')) return undefined;
  const registered = db
    .prepare(`SELECT 1 FROM ${quote(STAGING_TABLE)} WHERE table_name = ? AND staging_table = ?`)
    .get(table, `${FILE_MARK}${name}`);
  return registered === undefined
    ? fileOfRegistryValue(mainFile, `${FILE_MARK}${name}`)
    : undefined;
}
