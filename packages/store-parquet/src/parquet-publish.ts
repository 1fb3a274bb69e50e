/**
 * Building the next version's files for a run: `full_drop` takes only the run's files,
 * `incremental` hard-links the current version's files and adds the run's, `merge` also reads
 * the current files' keys and rewrites the files holding a key the run replaces. Staged files
 * are hard-linked, never moved, so a publish interrupted before the switch can simply be run
 * again.
 */
import { join } from 'node:path';
import type { RunInfo } from '@wharf/store-core';
import type { RecordBatch, Schema } from 'apache-arrow';
import { linkOrCopy, writeFileDurably } from './parquet-fs.js';
import { sequenceFileName } from './parquet-layout.js';
import type { ManifestFile } from './parquet-manifest.js';
import { readParquetFile } from './parquet-reader.js';
import { keepRows, rowKeys } from './parquet-rows.js';
import type { CurrentVersion } from './parquet-versions.js';

/** How data files are named. */
export type FileNaming = 'uuid' | 'sequence';

/** A file of the run, in its staging folder. */
export interface StagedFile {
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
}

/** What {@link buildVersionFiles} needs from the store. */
export interface BuildContext {
  readonly run: RunInfo;
  /** The run's staging folder. */
  readonly stagingDirectory: string;
  readonly staged: readonly StagedFile[];
  readonly current: CurrentVersion | undefined;
  /** The new version's folder (empty). */
  readonly directory: string;
  readonly fileNames: FileNaming;
  /** Key columns (merge runs). */
  readonly key: readonly string[];
  /** A fresh name for a rewritten file in `uuid` mode. */
  newName(): string;
  /** Encodes one Parquet file. */
  encode(schema: Schema, batches: readonly RecordBatch[]): Promise<Uint8Array>;
}

/** The files of the new version and the sequence number of its last new file. */
export interface BuiltFiles {
  readonly files: ManifestFile[];
  readonly lastSequence: number;
}

/** Fills `context.directory` with the new version's data files. */
export async function buildVersionFiles(context: BuildContext): Promise<BuiltFiles> {
  let sequence = context.current?.manifest.lastSequence ?? 0;
  const allocate = (stagedName?: string): string => {
    if (context.fileNames === 'sequence') {
      sequence += 1;
      return sequenceFileName(sequence);
    }
    return stagedName ?? context.newName();
  };
  const files: ManifestFile[] = [];
  const runType = context.run.runType;

  if (runType === 'merge' && context.current !== undefined) {
    const replaced = await runKeys(context);
    files.push(...(await mergeCurrent(context, replaced.keys, allocate)));
    files.push(...(await addRunFiles(context, allocate, replaced.winners)));
  } else {
    if (runType !== 'full_drop' && context.current !== undefined) {
      for (const file of context.current.manifest.files) {
        await linkOrCopy(join(context.current.path, file.name), join(context.directory, file.name));
        files.push(file);
      }
    }
    const winners = runType === 'merge' ? (await runKeys(context)).winners : undefined;
    files.push(...(await addRunFiles(context, allocate, winners)));
  }
  return { files, lastSequence: sequence };
}

/** The run's keys, each with the position of its last occurrence (the row that wins). */
interface RunKeys {
  readonly keys: ReadonlySet<string>;
  /** Per staged file, the rows that win; `undefined` for a file whose every row wins. */
  readonly winners: ReadonlyArray<ReadonlySet<number> | undefined>;
}

async function runKeys(context: BuildContext): Promise<RunKeys> {
  const last = new Map<string, number>();
  const fileOfRow: number[] = [];
  let position = 0;
  for (const [index, file] of context.staged.entries()) {
    const path = join(context.stagingDirectory, file.name);
    for await (const batch of readParquetFile(path, { columns: context.key })) {
      const keyOf = rowKeys(batch, context.key);
      for (let row = 0; row < batch.numRows; row += 1) {
        last.set(keyOf(row), position);
        fileOfRow[position] = index;
        position += 1;
      }
    }
  }
  // Which rows of each file win: when a key repeats within the run, its last row wins.
  const winnersByFile = context.staged.map(() => new Set<number>());
  const fileStart: number[] = [];
  let start = 0;
  for (const file of context.staged) {
    fileStart.push(start);
    start += file.rows;
  }
  for (const winner of last.values()) {
    const index = fileOfRow[winner]!;
    winnersByFile[index]!.add(winner - fileStart[index]!);
  }
  const winners = winnersByFile.map((set, index) =>
    set.size === context.staged[index]!.rows ? undefined : set,
  );
  return { keys: new Set(last.keys()), winners };
}

async function addRunFiles(
  context: BuildContext,
  allocate: (stagedName?: string) => string,
  winners: ReadonlyArray<ReadonlySet<number> | undefined> | undefined,
): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const [index, file] of context.staged.entries()) {
    const source = join(context.stagingDirectory, file.name);
    const keep = winners?.[index];
    if (keep === undefined) {
      const name = allocate(file.name);
      await linkOrCopy(source, join(context.directory, name));
      files.push({ name, rows: file.rows, bytes: file.bytes });
      continue;
    }
    if (keep.size === 0) continue;
    let offset = 0;
    const rewritten = await rewrite(source, (batch) => {
      const base = offset;
      offset += batch.numRows;
      return keepRows(batch, (row) => keep.has(base + row));
    });
    if (rewritten) files.push(await writeRewritten(context, allocate(), rewritten));
  }
  return files;
}

async function mergeCurrent(
  context: BuildContext,
  replaced: ReadonlySet<string>,
  allocate: (stagedName?: string) => string,
): Promise<ManifestFile[]> {
  const current = context.current!;
  const files: ManifestFile[] = [];
  for (const file of current.manifest.files) {
    const source = join(current.path, file.name);
    if (!(await holdsAnyKey(source, context.key, replaced))) {
      await linkOrCopy(source, join(context.directory, file.name));
      files.push(file);
      continue;
    }
    const rewritten = await rewrite(source, (batch) => {
      const keyOf = rowKeys(batch, context.key);
      return keepRows(batch, (row) => !replaced.has(keyOf(row)));
    });
    if (rewritten) files.push(await writeRewritten(context, allocate(), rewritten));
  }
  return files;
}

async function holdsAnyKey(
  path: string,
  key: readonly string[],
  keys: ReadonlySet<string>,
): Promise<boolean> {
  for await (const batch of readParquetFile(path, { columns: key })) {
    const keyOf = rowKeys(batch, key);
    for (let row = 0; row < batch.numRows; row += 1) if (keys.has(keyOf(row))) return true;
  }
  return false;
}

interface Rewritten {
  readonly schema: Schema;
  readonly batches: RecordBatch[];
  readonly rows: number;
}

/** The rows `select` keeps from the file at `path`, or `undefined` when none remain. */
async function rewrite(
  path: string,
  select: (batch: RecordBatch) => RecordBatch[],
): Promise<Rewritten | undefined> {
  const batches: RecordBatch[] = [];
  let schema: Schema | undefined;
  let rows = 0;
  for await (const batch of readParquetFile(path)) {
    schema ??= batch.schema;
    for (const kept of select(batch)) {
      batches.push(kept);
      rows += kept.numRows;
    }
  }
  return schema === undefined || rows === 0 ? undefined : { schema, batches, rows };
}

async function writeRewritten(
  context: BuildContext,
  name: string,
  rewritten: Rewritten,
): Promise<ManifestFile> {
  const bytes = await context.encode(rewritten.schema, rewritten.batches);
  await writeFileDurably(join(context.directory, name), bytes);
  return { name, rows: rewritten.rows, bytes: bytes.byteLength };
}
