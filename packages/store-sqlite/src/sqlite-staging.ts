/**
 * The staging primitives of `SqliteStore` for the staged-write engine. A `full_drop` run and
 * the first load of a table stage into their own table, `_wharf_stage_<table>_<hash of the run
 * id>`, registered in `_wharf_staging` in the same transaction that creates it; a run that
 * appends to or merges into an existing table stages into a database file of its own next to
 * the main one (see `sqlite-stage-files.ts`), so that its rows reach the main database's WAL
 * once. Production readers never look at either.
 *
 * `publish` is one `BEGIN IMMEDIATE` transaction: it does nothing when `_wharf_runs` already
 * holds the run id; otherwise it publishes per run type and records the id, so a crash at any
 * moment leaves production as before or as after:
 *
 * - `full_drop` — the staging table was created with production's definition (key included),
 *   so the swap is `DROP TABLE production` + `ALTER TABLE staging RENAME TO production`: no
 *   row is copied, and readers see the old table or the new one, never a mix;
 * - `incremental` — `INSERT INTO production SELECT … FROM staging` (`SELECT *` when the column
 *   lists match, which lets SQLite copy records without decoding them) from the run's staging
 *   file; the first load of a table renames its staging table into production like
 *   `full_drop`;
 * - `merge` — the same `INSERT … SELECT` with `ON CONFLICT (key) DO UPDATE`, rows applied in
 *   staging order so the last row of a key wins.
 */
import type {
  JournalEntry,
  PartToStage,
  PublishResult,
  RunInfo,
  StagedPart,
  StagingPrimitives,
} from '@wharf/store-core';
import { IntegrityError, widenSchema } from '@wharf/store-core';
import type { Field, RecordBatch, Schema } from 'apache-arrow';
import {
  isPublished,
  readJournal,
  recordPublished,
  registerStaging,
  removeJournal,
  type SqliteDatabase,
  stagedRuns,
  tableColumns,
  tableExists,
  unregisterStaging,
  writeJournal,
} from './sqlite-catalog.js';
import { type BindValue, bindValues } from './sqlite-encode.js';
import { withStoreErrors } from './sqlite-errors.js';
import {
  assertKeyColumns,
  assertUserColumns,
  ensureKeyIndex,
  productionSchema,
  storeSchema,
} from './sqlite-schema.js';
import {
  addColumnSql,
  createTableSql,
  insertSql,
  qualified,
  quote,
  stagingTableName,
} from './sqlite-sql.js';
import {
  attachStagingFile,
  fileOfRegistryValue,
  isAttached,
  mainDatabaseFile,
  orphanOf,
  orphanStagingFiles,
  registeredStaging,
  registryValue,
  removeStagingFile,
  STAGED_ROWS_TABLE,
  type StagingFile,
  stagingFileFor,
} from './sqlite-stage-files.js';

/** What the primitives need from the store. */
export interface StagingTarget {
  /** The open connection (throws a `ConnectionError` when there is none). */
  db(): SqliteDatabase;
  /** The production table. */
  readonly table: string;
  /** The store's name, for messages. */
  readonly name: string;
  readonly key: readonly string[];
  readonly addColumns: boolean;
}

// SQLite's default limit of bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER).
const MAX_PARAMETERS = 32_766;
// Rows per multi-row INSERT: enough to amortise the per-call cost of the driver, small enough
// to keep the statement cheap to prepare.
const ROWS_PER_STATEMENT = 64;

/** The staging primitives of one store. */
export function sqliteStagingPrimitives(target: StagingTarget): StagingPrimitives {
  const guard = <T>(operation: string, action: (db: SqliteDatabase) => T): Promise<T> =>
    Promise.resolve().then(() =>
      withStoreErrors({ store: target.name, operation }, () => action(target.db())),
    );

  return {
    begin: (run, schema) =>
      guard('begin', (db) => {
        const staging = stagingTableName(target.table, run.runId);
        const mainFile = mainDatabaseFile(db);
        const file =
          mainFile !== undefined && stagesInFile(db, target, run)
            ? stagingFileFor(mainFile, target.table, run.runId)
            : undefined;
        db.transaction(() => {
          // A staging table left by an earlier attempt of the same run id starts over empty.
          db.exec(`DROP TABLE IF EXISTS ${quote(staging)}`);
          unregisterStaging(db, target.table, run.runId);
          registerStaging(db, target.table, run.runId, file ? registryValue(file) : staging);
          if (schema && !file) createStaging(db, target, run, staging, schema);
        }).immediate();
        if (file) {
          // Created only now that its registration is committed (see sqlite-stage-files.ts);
          // a file left by an earlier attempt of the same run id starts over empty.
          removeStagingFile(db, file);
          attachStagingFile(db, file, true);
          if (schema) createStaging(db, target, run, STAGED_ROWS_TABLE, schema, file.alias);
        }
      }),

    stagePart: (run, part) =>
      guard('stagePart', (db): StagedPart => {
        const where = locate(db, target, run.runId);
        if (where.file && !attachStagingFile(db, where.file, false)) {
          throw new IntegrityError(
            `${target.name}: the staging file of run ${run.runId} is gone (the run was discarded)`,
          );
        }
        const stage = db.transaction(() => {
          if (!tableExists(db, where.table, where.schema)) {
            if (!where.file) registerStaging(db, target.table, run.runId, where.table);
            createStaging(db, target, run, where.table, part.schema, where.schema);
          } else {
            addMissingColumns(db, where.table, part.schema.fields, where.schema);
          }
          insertBatches(db, where.table, where.schema, part);
        });
        // A staging file is the run's alone: its transaction locks nothing of the main database.
        if (where.file) stage.deferred();
        else stage.immediate();
        return { index: part.index, rows: part.rows, bytes: part.bytes, ref: where.table };
      }),

    publish: (run, parts, schema) =>
      guard('publish', (db): PublishResult => {
        const where = locate(db, target, run.runId);
        // ATTACH cannot run inside a transaction; a missing file is found missing below.
        if (where.file) attachStagingFile(db, where.file, false);
        let alreadyPublished = false;
        db.transaction(() => {
          if (isPublished(db, target.table, run.runId)) {
            alreadyPublished = true;
            return;
          }
          publishRun(db, target, run, parts, schema, where);
          recordPublished(db, target.table, run.runId);
        }).immediate();
        return { alreadyPublished };
      }),

    discard: (runId) =>
      guard('discard', (db) => {
        const mainFile = mainDatabaseFile(db);
        const orphan = orphanOf(db, mainFile, target.table, runId);
        if (orphan) {
          removeStagingFile(db, orphan);
          return;
        }
        const file = fileOfRegistryValue(mainFile, registeredStaging(db, target.table, runId));
        db.transaction(() => {
          db.exec(`DROP TABLE IF EXISTS ${quote(stagingTableName(target.table, runId))}`);
          unregisterStaging(db, target.table, runId);
        }).immediate();
        // After the registration is gone: a crash in between leaves a file that recovery
        // removes (orphanStagingFiles).
        if (file) removeStagingFile(db, file);
      }),

    listLeftovers: () =>
      guard('listLeftovers', (db) => {
        const mainFile = mainDatabaseFile(db);
        // Listed first: see orphanStagingFiles.
        const orphans =
          mainFile === undefined ? [] : orphanStagingFiles(db, mainFile, target.table);
        return [...stagedRuns(db, target.table), ...orphans];
      }),
    readJournal: () => guard('readJournal', (db) => readJournal(db, target.table)),
    writeJournal: (entry: JournalEntry) =>
      guard('writeJournal', (db) => writeJournal(db, target.table, entry)),
    removeJournal: (runId) =>
      guard('removeJournal', (db) => removeJournal(db, target.table, runId)),
  };
}

/** Where a run stages: a table of the main database, or the table of its staging file. */
interface StagingPlace {
  readonly schema: string;
  readonly table: string;
  readonly file?: StagingFile;
}

/** Where `runId` stages, from the registry (a run not registered yet stages in main). */
function locate(db: SqliteDatabase, target: StagingTarget, runId: string): StagingPlace {
  const file = fileOfRegistryValue(
    mainDatabaseFile(db),
    registeredStaging(db, target.table, runId),
  );
  return file
    ? { schema: file.alias, table: STAGED_ROWS_TABLE, file }
    : { schema: 'main', table: stagingTableName(target.table, runId) };
}

/**
 * Whether a run stages in a file of its own: when its publish copies rows into an existing
 * table (`incremental` into a table that exists, `merge`). A `full_drop` and the first load
 * of a table stage in the main database, whose staging table then becomes production.
 */
function stagesInFile(db: SqliteDatabase, target: StagingTarget, run: RunInfo): boolean {
  if (run.runType === 'merge') return true;
  return run.runType === 'incremental' && tableExists(db, target.table);
}

function createStaging(
  db: SqliteDatabase,
  target: StagingTarget,
  run: RunInfo,
  staging: string,
  schema: Schema,
  database = 'main',
): void {
  assertUserColumns(schema, target.name);
  assertKeyColumns(schema, target.key, target.name);
  // A full_drop staging table becomes production as it is, and so does an incremental one
  // when production does not exist yet: both carry the key constraint. A merge run may hold
  // a key several times (the last row wins), so its staging table has none.
  const key = run.runType === 'merge' ? [] : target.key;
  db.exec(createTableSql(staging, schema.fields, { key, schema: database }));
}

function addMissingColumns(
  db: SqliteDatabase,
  table: string,
  fields: readonly Field[],
  schema: string,
): void {
  const existing = new Set(tableColumns(db, table, schema).map((column) => column.name));
  for (const field of fields) {
    if (!existing.has(field.name)) db.exec(addColumnSql(table, field, schema));
  }
}

/** Inserts a part's rows: one multi-row prepared INSERT, bound column by column from Arrow. */
function insertBatches(
  db: SqliteDatabase,
  staging: string,
  schema: string,
  part: PartToStage,
): void {
  const columns = part.schema.fields.map((field) => field.name);
  const width = columns.length;
  if (width === 0) {
    const empty = db.prepare(`INSERT INTO ${qualified(schema, staging)} DEFAULT VALUES`);
    for (const batch of part.batches) for (let row = 0; row < batch.numRows; row += 1) empty.run();
    return;
  }
  const rowsPerStatement = Math.max(
    1,
    Math.min(ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / width)),
  );
  const many = db.prepare(insertSql(staging, columns, rowsPerStatement, schema));
  const one = db.prepare(insertSql(staging, columns, 1, schema));
  const manyValues = new Array<BindValue>(width * rowsPerStatement);
  const oneValues = new Array<BindValue>(width);
  for (const batch of part.batches) {
    const values = columnValues(batch, columns);
    // One fill function per kind of source keeps each copy loop's array accesses monomorphic.
    const fills = values.map((source) =>
      ArrayBuffer.isView(source) ? fillFromTyped : fillFromArray,
    );
    const rows = batch.numRows;
    let row = 0;
    for (; row + rowsPerStatement <= rows; row += rowsPerStatement) {
      for (let column = 0; column < width; column += 1) {
        fills[column]!(manyValues, values[column]!, row, rowsPerStatement, column, width);
      }
      many.run(manyValues);
    }
    for (; row < rows; row += 1) {
      for (let column = 0; column < width; column += 1) oneValues[column] = values[column]![row]!;
      one.run(oneValues);
    }
  }
}

type Fill = (
  target: BindValue[],
  source: ArrayLike<BindValue>,
  row: number,
  rows: number,
  column: number,
  width: number,
) => void;

const fillFromTyped: Fill = (target, source, row, rows, column, width) => {
  let slot = column;
  for (let current = row; current < row + rows; current += 1) {
    target[slot] = source[current]!;
    slot += width;
  }
};

const fillFromArray: Fill = (target, source, row, rows, column, width) => {
  let slot = column;
  for (let current = row; current < row + rows; current += 1) {
    target[slot] = source[current]!;
    slot += width;
  }
};

function columnValues(batch: RecordBatch, columns: readonly string[]): ArrayLike<BindValue>[] {
  return columns.map((name, position) => {
    const field = batch.schema.fields[position];
    const data =
      field?.name === name
        ? batch.data.children[position]!
        : batch.data.children[
            batch.schema.fields.findIndex((candidate) => candidate.name === name)
          ]!;
    return bindValues(data);
  });
}

function publishRun(
  db: SqliteDatabase,
  target: StagingTarget,
  run: RunInfo,
  parts: readonly StagedPart[],
  runSchema: Schema | undefined,
  where: StagingPlace,
): void {
  const staging = qualified(where.schema, where.table);
  const hasStaging = where.file
    ? // Still registered (not discarded meanwhile), attached, and holding its table.
      registeredStaging(db, target.table, run.runId) === registryValue(where.file) &&
      isAttached(db, where.file.alias) &&
      tableExists(db, where.table, where.schema)
    : tableExists(db, where.table);
  const expectedRows = parts.reduce((sum, part) => sum + part.rows, 0);
  if (!hasStaging) {
    if (expectedRows > 0) {
      throw new IntegrityError(
        `${target.name}: the staging table of run ${run.runId} is missing; its ${expectedRows} staged row(s) cannot be published`,
      );
    }
  } else {
    const { rows } = db.prepare(`SELECT count(*) AS rows FROM ${staging}`).get() as {
      rows: number;
    };
    if (rows !== expectedRows) {
      throw new IntegrityError(
        `${target.name}: the staging table of run ${run.runId} holds ${rows} row(s), the journal ${expectedRows}`,
      );
    }
  }

  const production = productionSchema(db, target.table);
  if (run.runType === 'full_drop') {
    if (hasStaging && runSchema) {
      db.exec(`DROP TABLE IF EXISTS ${quote(target.table)}`);
      if (where.file) {
        db.exec(createTableSql(target.table, runSchema.fields, { key: target.key }));
        db.exec(`INSERT INTO ${quote(target.table)} SELECT * FROM ${staging}`);
      } else {
        db.exec(`ALTER TABLE ${staging} RENAME TO ${quote(target.table)}`);
      }
      storeSchema(db, target.table, runSchema);
    } else if (production) {
      db.exec(`DELETE FROM ${quote(target.table)}`);
    }
    return;
  }

  if (!hasStaging || !runSchema) return;
  if (!production && run.runType === 'incremental' && !where.file) {
    // The first load of a table: the staging table becomes production, no row is copied.
    db.exec(`ALTER TABLE ${staging} RENAME TO ${quote(target.table)}`);
    storeSchema(db, target.table, runSchema);
    return;
  }
  let schema = runSchema;
  if (!production) {
    db.exec(createTableSql(target.table, runSchema.fields, { key: target.key }));
  } else {
    const widened = widenSchema(production, runSchema, {
      addColumns: target.addColumns,
      store: target.name,
    });
    for (const field of widened.added) db.exec(addColumnSql(target.table, field));
    schema = widened.schema;
  }
  if (run.runType === 'merge') ensureKeyIndex(db, target.table, target.key);
  storeSchema(db, target.table, schema);

  const productionColumns = tableColumns(db, target.table).map((column) => column.name);
  const stagingColumns = tableColumns(db, where.table, where.schema).map((column) => column.name);
  const into = quote(target.table);
  const from = staging;
  if (run.runType === 'incremental') {
    if (sameColumns(productionColumns, stagingColumns)) {
      db.exec(`INSERT INTO ${into} SELECT * FROM ${from}`);
    } else {
      const list = runSchema.fields.map((field) => quote(field.name)).join(', ');
      db.exec(`INSERT INTO ${into} (${list}) SELECT ${list} FROM ${from}`);
    }
    return;
  }
  const list = runSchema.fields.map((field) => quote(field.name)).join(', ');
  const updates = productionColumns
    .filter((column) => !target.key.includes(column))
    .map((column) => `${quote(column)} = excluded.${quote(column)}`)
    .join(', ');
  db.exec(
    `INSERT INTO ${into} (${list}) SELECT ${list} FROM ${from} WHERE true ORDER BY rowid
     ON CONFLICT (${target.key.map(quote).join(', ')}) DO UPDATE SET ${updates}`,
  );
}

function sameColumns(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((column, index) => column === right[index]);
}
