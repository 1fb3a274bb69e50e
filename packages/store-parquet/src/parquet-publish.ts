/**
 * Building the next version's files for a run: `full_drop` takes only the run's files,
 * `incremental` keeps the current version's files and adds the run's, `merge` also reads the
 * current files' keys and rewrites the files holding a key the run replaces. Where files live
 * is the caller's {@link VersionFiles}: a local version folder (staged files hard-linked, never
 * moved, so a publish interrupted before the switch can simply be run again) or object
 * storage (files referenced where they are, rewritten files uploaded).
 */
import type { RunInfo } from '@wharf/store-core';
import type { RecordBatch, Schema } from 'apache-arrow';
import { sequenceFileName } from './parquet-layout.js';
import type { ManifestFile } from './parquet-manifest.js';
import type { ReadFileOptions } from './parquet-reader.js';
import { keepRows, rowKeys } from './parquet-rows.js';

/** How data files are named. */
export type FileNaming = 'uuid' | 'sequence';

/** A file of the run, in its staging folder. */
export interface StagedFile {
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
}

/** Where the files of the run, the current version and the new version are. */
export interface VersionFiles {
  /** The batches of a staged file of the run. */
  readStaged(file: StagedFile, options?: ReadFileOptions): AsyncGenerator<RecordBatch>;
  /** The batches of a file of the current version. */
  readCurrent(file: ManifestFile, options?: ReadFileOptions): AsyncGenerator<RecordBatch>;
  /** Puts a staged file into the new version as `name`. */
  adoptStaged(file: StagedFile, name: string): Promise<void>;
  /** Keeps a file of the current version in the new version, under its name. */
  keepCurrent(file: ManifestFile): Promise<void>;
  /** Writes a rewritten file into the new version as `name`. */
  writeNew(name: string, bytes: Uint8Array): Promise<void>;
}

/** What {@link buildVersionFiles} needs from the store. */
export interface BuildContext {
  readonly run: RunInfo;
  readonly staged: readonly StagedFile[];
  /** The current version's files and last sequence number; `undefined` when none. */
  readonly current:
    | { readonly files: readonly ManifestFile[]; readonly lastSequence: number }
    | undefined;
  readonly files: VersionFiles;
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

/** Fills the new version with its data files and lists them. */
export async function buildVersionFiles(context: BuildContext): Promise<BuiltFiles> {
  let sequence = context.current?.lastSequence ?? 0;
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
      for (const file of context.current.files) {
        await context.files.keepCurrent(file);
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
    for await (const batch of context.files.readStaged(file, { columns: context.key })) {
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
    const keep = winners?.[index];
    if (keep === undefined) {
      const name = allocate(file.name);
      await context.files.adoptStaged(file, name);
      files.push({ name, rows: file.rows, bytes: file.bytes });
      continue;
    }
    if (keep.size === 0) continue;
    let offset = 0;
    const rewritten = await rewrite(context.files.readStaged(file), (batch) => {
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
  for (const file of current.files) {
    const keys = context.files.readCurrent(file, { columns: context.key });
    if (!(await holdsAnyKey(keys, context.key, replaced))) {
      await context.files.keepCurrent(file);
      files.push(file);
      continue;
    }
    const rewritten = await rewrite(context.files.readCurrent(file), (batch) => {
      const keyOf = rowKeys(batch, context.key);
      return keepRows(batch, (row) => !replaced.has(keyOf(row)));
    });
    if (rewritten) files.push(await writeRewritten(context, allocate(), rewritten));
  }
  return files;
}

async function holdsAnyKey(
  batches: AsyncGenerator<RecordBatch>,
  key: readonly string[],
  keys: ReadonlySet<string>,
): Promise<boolean> {
  try {
    for await (const batch of batches) {
      const keyOf = rowKeys(batch, key);
      for (let row = 0; row < batch.numRows; row += 1) if (keys.has(keyOf(row))) return true;
    }
    return false;
  } finally {
    await batches.return(undefined);
  }
}

interface Rewritten {
  readonly schema: Schema;
  readonly batches: RecordBatch[];
  readonly rows: number;
}

/** The rows `select` keeps from a file's batches, or `undefined` when none remain. */
async function rewrite(
  source: AsyncGenerator<RecordBatch>,
  select: (batch: RecordBatch) => RecordBatch[],
): Promise<Rewritten | undefined> {
  const batches: RecordBatch[] = [];
  let schema: Schema | undefined;
  let rows = 0;
  for await (const batch of source) {
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
  await context.files.writeNew(name, bytes);
  return { name, rows: rewritten.rows, bytes: bytes.byteLength };
}
