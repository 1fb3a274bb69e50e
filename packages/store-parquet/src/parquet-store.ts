/**
 * `ParquetStore`: a dataset folder of Parquet files on the local filesystem, written through
 * the staged-write engine of `@wharf/store-core`.
 *
 * Each staged part of a run is encoded (parquet-wasm, on worker threads) into Parquet files in
 * the run's staging folder. A commit builds a complete new version folder — the run's files,
 * plus hard links to the current version's for `incremental`, minus replaced rows for `merge`
 * — with a manifest that records the run id, then switches the production symlink to it with
 * one atomic `rename()`. Readers that glob `<path>/*.parquet` see one version or the other,
 * never an empty or half-filled folder; a retried or recovered run finds its id in the
 * manifest and changes nothing.
 */

import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Checkpoint,
  type JournalEntry,
  keyColumns,
  type PartToStage,
  type PublishResult,
  type ReadOptions,
  type RunInfo,
  type RunType,
  type SchemaOptions,
  type StagedPart,
  StagedStore,
  StagedWriter,
  type StagingPrimitives,
  type StoreCapabilities,
  type StoreDescription,
  ValidationError,
  widenOptionalSchema,
} from '@wharf/store-core';
import type { RecordBatch, Schema } from 'apache-arrow';
import { adoptFolder, repairAdoption } from './parquet-adopt.js';
import type { ParquetCompression } from './parquet-codec.js';
import { guard, type ParquetErrorContext, toStoreError } from './parquet-errors.js';
import {
  linkOrCopy,
  listNames,
  readNames,
  removeTree,
  replaceFileDurably,
  syncDirectory,
  writeFileDurably,
} from './parquet-fs.js';
import {
  type DatasetLayout,
  datasetLayout,
  journalPath,
  sequenceFileName,
  stagingPath,
  uuidFileName,
  versionName,
} from './parquet-layout.js';
import { withLock } from './parquet-lock.js';
import {
  type DatasetManifest,
  manifestSchema,
  schemaField,
  withPublishedRun,
  writeManifest,
} from './parquet-manifest.js';
import { buildVersionFiles, type FileNaming, type StagedFile } from './parquet-publish.js';
import { readFiles } from './parquet-read-files.js';
import { readParquetFile } from './parquet-reader.js';
import { checkKey, oneOf, positiveInteger } from './parquet-shared.js';
import {
  collectVersions,
  currentVersion,
  folderState,
  highestVersion,
  notOurs,
  prepareVersion,
  switchTo,
} from './parquet-versions.js';
import { ParquetWriting, parquetCapabilities } from './parquet-writing.js';

/**
 * Where the dataset folder is: its `path`, or the `directory` holding it and its `name`. Its
 * parent folder must exist. Once committed, the folder is a symlink to the current version;
 * the store keeps its own files in the hidden sibling `.<name>.wharf`.
 */
export type ParquetLocation =
  | {
      /**
       * The dataset folder readers use, e.g. `/data/trips`. The last segment must be a plain
       * name (letters, digits, `.`, `_`, `-`); `..` segments are refused.
       */
      path: string;
      /** Not with `path`. */
      directory?: never;
      /** Not with `path`. */
      name?: never;
    }
  | {
      /** The folder that holds the dataset folder, e.g. `/data`. */
      directory: string;
      /** The dataset folder's name inside `directory`: letters, digits, `.`, `_`, `-`. */
      name: string;
      /** Not with `directory` and `name`. */
      path?: never;
    };

/** Options of {@link ParquetStore}: a {@link ParquetLocation} and these settings. */
export type ParquetStoreOptions = ParquetLocation & ParquetStoreSettings;

/** The settings of {@link ParquetStore}, besides its location. */
export interface ParquetStoreSettings extends SchemaOptions {
  /**
   * Parquet compression codec: `'snappy'` (fast; the default of DuckDB, Spark and pyarrow),
   * `'zstd'` (smaller files, about 1.7× the encoding time) or `'none'`.
   * @default 'snappy'
   */
  compression?: ParquetCompression;
  /** Rows per Parquet row group. @default 122_880 */
  rowGroupRows?: number;
  /**
   * Arrow (in-memory) bytes per Parquet file: a long load becomes several files and the store
   * never buffers more than about `targetFileBytes × encoderThreads`. The Parquet file itself
   * is usually several times smaller. @default 33_554_432 (32 MiB)
   */
  targetFileBytes?: number;
  /**
   * How data files are named: `'uuid'` (`<uuid>.parquet`) or `'sequence'`
   * (`00000000000000000001.parquet`, 20 digits, consecutive over all commits, as landing zones
   * such as Fabric Open Mirroring expect). @default 'uuid'
   */
  fileNames?: FileNaming;
  /** The run type until `configureForRun` says otherwise. @default 'incremental' */
  runType?: RunType;
  /** The key column(s) that `merge` runs upsert by. @default none (merge runs are refused) */
  key?: string | readonly string[];
  /**
   * When `path` already is a plain folder (made by another tool), move it into the dataset's
   * first version instead of refusing. It may only contain `*.parquet` files of one schema.
   * @default false
   */
  adoptExisting?: boolean;
  /**
   * Versions kept on disk: the current one and `keepVersions - 1` before it, for readers that
   * resolved the symlink before a commit and are still reading. @default 2
   */
  keepVersions?: number;
  /**
   * Worker threads that encode Parquet (shared by the stores of a process); a large part is
   * split into that many files encoded at once. 0 encodes on the calling thread (for bundled
   * applications that cannot start the worker file). @default min(4, available CPUs)
   */
  encoderThreads?: number;
  /**
   * Parquet dictionary encoding for every column. Off by default: on high-cardinality columns
   * it costs much time for no gain; Arrow dictionary columns are always dictionary-encoded.
   * @default false
   */
  dictionaryEncoding?: boolean;
  /** How long a commit waits for another writer's commit to finish. @default 60_000 */
  lockTimeoutMs?: number;
  /**
   * A run of a process on another host whose journal entry is older than this counts as
   * abandoned. @default 3_600_000 (one hour)
   */
  staleRunAfterMs?: number;
}

const DEFAULTS = {
  fileNames: 'uuid',
  keepVersions: 2,
  lockTimeoutMs: 60_000,
} as const;

const FILE_NAMES: readonly FileNaming[] = ['uuid', 'sequence'];

/** What a staged part's `ref` holds: its files, in order. */
type PartRef = StagedFile[];

/**
 * A wharf store writing a Parquet dataset folder on the local filesystem, with atomic
 * commits (versioned folders behind a symlink switched by `rename()`), exactly-once retries
 * and crash recovery.
 *
 * @example
 * import { runFlow } from '@wharf/store-core';
 * import { ParquetStore } from '@wharf/store-parquet';
 *
 * await using store = new ParquetStore({ path: '/data/trips', compression: 'zstd' });
 * const report = await runFlow(() => batches(), store, { runType: 'full_drop' });
 * // DuckDB, Spark, Polars or pyarrow read /data/trips/*.parquet: exactly this commit.
 * console.log(report.rows, report.parts);
 */
export class ParquetStore extends StagedStore {
  readonly capabilities: StoreCapabilities;
  readonly name: string;
  readonly #layout: DatasetLayout;
  readonly #options: ParquetStoreOptions;
  readonly #key: string[];
  readonly #fileNames: FileNaming;
  readonly #keepVersions: number;
  readonly #lockTimeoutMs: number;
  readonly #writing: ParquetWriting;
  protected readonly writer: StagedWriter;
  /** The last sequence number given to a staged file: the retry-sensitive state. */
  #sequence = 0;
  /** Production's schema when the current run began (for early checks of appending runs). */
  #productionSchema: Schema | undefined;

  protected override get mergeKey(): readonly string[] {
    return this.#key;
  }

  constructor(options: ParquetStoreOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('ParquetStore needs an options object with a path');
    }
    this.#layout = datasetLayout(options);
    this.#options = options;
    this.name = `parquet:${this.#layout.name}`;
    this.#key = keyColumns(options.key);
    for (const column of this.#key) {
      if (typeof column !== 'string' || column === '') {
        throw new ValidationError(`${this.name}: key columns must be non-empty strings`);
      }
    }
    this.#writing = new ParquetWriting(options);
    this.#fileNames = oneOf('fileNames', options.fileNames, FILE_NAMES, DEFAULTS.fileNames);
    this.#keepVersions = positiveInteger(
      'keepVersions',
      options.keepVersions,
      DEFAULTS.keepVersions,
    );
    if (options.runType === 'merge' && this.#key.length === 0) {
      throw new ValidationError(
        `${this.name}: runType 'merge' needs key columns; set the key option`,
      );
    }
    this.#lockTimeoutMs = positiveInteger(
      'lockTimeoutMs',
      options.lockTimeoutMs,
      DEFAULTS.lockTimeoutMs,
    );
    this.capabilities = parquetCapabilities('atomic');
    this.writer = new StagedWriter(
      this.#writing.writerOptions(this.name, this.capabilities, this.#primitives()),
    );
  }

  /** The dataset folder readers use (absolute). */
  get path(): string {
    return this.#layout.folder;
  }

  override async describe(): Promise<StoreDescription> {
    this.assertOpen('describe');
    const current = await guard(
      () => currentVersion(this.#layout),
      this.#context('read', `reading the manifest of ${this.#layout.folder}`),
    );
    const manifest = current?.manifest;
    const schema = manifest ? manifestSchema(manifest) : undefined;
    return {
      name: this.name,
      capabilities: this.capabilities,
      ...(schema ? { schema } : {}),
      rows: manifest?.rows ?? 0,
      committedRuns: manifest?.publishedRuns ?? [],
      staging: await this.stagingSnapshot(),
      details: {
        folder: this.#layout.folder,
        version: current?.name ?? 'none',
        files: manifest?.files.length ?? 0,
        bytes: manifest?.files.reduce((sum, file) => sum + file.bytes, 0) ?? 0,
      },
    };
  }

  /**
   * Streams the committed rows back, file by file and row group by row group, with the
   * dataset's Arrow schema (types exactly as written). Reads one version: a commit during the
   * read does not change what it returns.
   */
  override async *read(options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    this.assertOpen('read');
    const context = this.#context('read', 'reading the dataset');
    const current = await guard(() => currentVersion(this.#layout), context);
    if (current === undefined) return;
    const schema = manifestSchema(current.manifest);
    if (schema === undefined) return;
    yield* readFiles(current.manifest.files, schema, options, this.name, {
      name: (file) => file.name,
      open: (file, fileOptions) => readParquetFile(join(current.path, file.name), fileOptions),
      failure: (error, file) =>
        toStoreError(error, { ...context, action: `reading ${file.name}`, source: 'decode' }),
    });
  }

  protected override async onConnect(): Promise<void> {
    const context = this.#context('connect', `opening ${this.#layout.folder}`);
    await guard(async () => {
      const parent = await stat(this.#layout.parent);
      if (!parent.isDirectory()) {
        throw new ValidationError(`${this.name}: ${this.#layout.parent} is not a folder`);
      }
      const state = await folderState(this.#layout);
      if (state === 'other') throw notOurs(this.#layout);
      if (state === 'directory' && !this.#options.adoptExisting) throw notOurs(this.#layout);
      const unfinished = state === 'absent' && (await listNames(this.#layout.versions)).length > 0;
      if (state === 'directory' || unfinished) {
        await mkdir(this.#layout.root, { recursive: true });
        await withLock(this.#layout.lock, this.#lockOptions(), async () => {
          await adoptFolder(this.#layout);
          await repairAdoption(this.#layout);
        });
      }
      const current = await currentVersion(this.#layout);
      this.#sequence = current?.manifest.lastSequence ?? 0;
    }, context);
    this.#writing.warm();
  }

  protected override async onClose(): Promise<void> {
    await this.writer.abort();
  }

  protected override async ping(): Promise<Record<string, unknown>> {
    const current = await guard(
      () => currentVersion(this.#layout),
      this.#context('read', 'checking the dataset'),
    );
    return {
      path: this.#layout.folder,
      version: current?.name ?? null,
      files: current?.manifest.files.length ?? 0,
    };
  }

  #context(operation: ParquetErrorContext['operation'], action: string): ParquetErrorContext {
    return { store: this.name, operation, action };
  }

  #lockOptions() {
    return { store: this.name, timeoutMs: this.#lockTimeoutMs };
  }

  #encode(schema: Schema, batches: readonly RecordBatch[]): Promise<Uint8Array> {
    return this.#writing.encode(schema, batches);
  }

  #primitives(): StagingPrimitives {
    const layout = this.#layout;
    return {
      begin: (run) =>
        guard(
          async () => {
            await mkdir(stagingPath(layout, run.runId), { recursive: true });
            const current = await currentVersion(layout);
            this.#productionSchema = current ? manifestSchema(current.manifest) : undefined;
            this.#sequence = Math.max(this.#sequence, current?.manifest.lastSequence ?? 0);
          },
          this.#context('stage', `beginning run ${run.runId}`),
        ),
      stagePart: (run, part) =>
        guard(
          () => this.#stagePart(run, part),
          this.#context('stage', `staging part ${part.index}`),
        ),
      publish: (run, parts, schema, checkpoint) =>
        guard(
          () => this.#publish(run, parts, schema, checkpoint),
          this.#context('publish', `publishing run ${run.runId}`),
        ),
      discard: (runId) =>
        guard(
          async () => {
            await removeTree(stagingPath(layout, runId));
            await removeJournalTemporaries(layout, runId);
          },
          this.#context('cleanup', `removing the staging of run ${runId}`),
        ),
      listLeftovers: () =>
        guard(
          async () => [
            ...new Set([
              ...(await listNames(layout.staging)),
              ...(await abandonedJournalTemporaries(layout)),
            ]),
          ],
          this.#context('recover', 'listing staging'),
        ),
      readJournal: () =>
        guard(() => this.#readJournal(), this.#context('recover', 'reading the journal')),
      writeJournal: (entry) =>
        guard(
          async () => {
            await mkdir(layout.journal, { recursive: true });
            await replaceFileDurably(
              journalPath(layout, entry.runId),
              Buffer.from(JSON.stringify(entry)),
            );
          },
          this.#context('stage', `writing the journal of run ${entry.runId}`),
        ),
      removeJournal: (runId) =>
        guard(
          async () => {
            await rm(journalPath(layout, runId), { force: true });
          },
          this.#context('cleanup', `removing the journal of run ${runId}`),
        ),
      resetRetrySensitiveState: () =>
        guard(
          async () => {
            const current = await currentVersion(layout);
            this.#sequence = current?.manifest.lastSequence ?? 0;
          },
          this.#context('recover', 'reading the last committed sequence number'),
        ),
    };
  }

  async #readJournal(): Promise<JournalEntry[]> {
    const entries: JournalEntry[] = [];
    for (const name of await listNames(this.#layout.journal)) {
      if (!name.endsWith('.json')) continue;
      try {
        entries.push(
          JSON.parse(await readFile(join(this.#layout.journal, name), 'utf8')) as JournalEntry,
        );
      } catch (error) {
        // Removed by its run meanwhile: nothing to recover.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return entries;
  }

  async #stagePart(run: RunInfo, part: PartToStage): Promise<StagedPart> {
    const directory = stagingPath(this.#layout, run.runId);
    let names: string[] = [];
    const ref: PartRef = await this.#writing.stageFiles(
      {
        store: this.name,
        run,
        part,
        productionSchema: this.#productionSchema,
        key: this.#key,
      },
      async ({ bytes, rows, index }): Promise<StagedFile> => {
        const name = names[index]!;
        await writeFileDurably(join(directory, name), bytes);
        return { name, rows, bytes: bytes.byteLength };
      },
      (files) => {
        // Named in file order before any is written (sequence numbers follow the rows).
        names = Array.from({ length: files }, () =>
          this.#fileNames === 'sequence' ? sequenceFileName(++this.#sequence) : uuidFileName(),
        );
      },
    );
    await syncDirectory(directory);
    return { index: part.index, rows: part.rows, bytes: part.bytes, ref: JSON.stringify(ref) };
  }

  async #publish(
    run: RunInfo,
    parts: readonly StagedPart[],
    runSchema: Schema | undefined,
    checkpoint: Checkpoint,
  ): Promise<PublishResult> {
    const layout = this.#layout;
    await mkdir(layout.root, { recursive: true });
    return withLock(layout.lock, this.#lockOptions(), async () => {
      await checkpoint('publish:locked');
      // An adoption that stopped before its link is finished first: its files are production.
      await repairAdoption(layout);
      const current = await currentVersion(layout);
      if (current?.manifest.publishedRuns.includes(run.runId)) return { alreadyPublished: true };
      const productionSchema = current ? manifestSchema(current.manifest) : undefined;
      const schema =
        run.runType === 'full_drop'
          ? (runSchema ?? productionSchema)
          : widenOptionalSchema(productionSchema, runSchema, {
              addColumns: this.#options.schemaEvolution === 'add-columns',
              store: this.name,
            });
      if (run.runType === 'merge' && schema !== undefined) checkKey(schema, this.#key, this.name);
      const staged = parts.flatMap((part) => JSON.parse(part.ref) as PartRef);
      const version = versionName((await highestVersion(layout)) + 1);
      const directory = await prepareVersion(layout, version);
      const stagingDirectory = stagingPath(layout, run.runId);
      const built = await buildVersionFiles({
        run,
        staged,
        current:
          current === undefined
            ? undefined
            : { files: current.manifest.files, lastSequence: current.manifest.lastSequence },
        files: {
          readStaged: (file, options) =>
            readParquetFile(join(stagingDirectory, file.name), options),
          readCurrent: (file, options) => readParquetFile(join(current!.path, file.name), options),
          adoptStaged: (file, name) =>
            linkOrCopy(join(stagingDirectory, file.name), join(directory, name)),
          keepCurrent: (file) =>
            linkOrCopy(join(current!.path, file.name), join(directory, file.name)),
          writeNew: (name, bytes) => writeFileDurably(join(directory, name), bytes),
        },
        fileNames: this.#fileNames,
        key: this.#key,
        newName: uuidFileName,
        encode: (fileSchema, batches) =>
          guard(() => this.#encode(fileSchema, batches), {
            ...this.#context('publish', 'rewriting a file for merge'),
            source: 'encode',
          }),
      });
      const manifest: DatasetManifest = {
        format: 'wharf-parquet',
        formatVersion: 1,
        version,
        committedAt: new Date().toISOString(),
        runId: run.runId,
        runType: run.runType,
        files: built.files,
        rows: built.files.reduce((sum, file) => sum + file.rows, 0),
        publishedRuns: withPublishedRun(current?.manifest, run.runId),
        lastSequence: built.lastSequence,
        ...schemaField(schema),
      };
      await writeManifest(directory, manifest);
      await syncDirectory(directory);
      await syncDirectory(layout.versions);
      await checkpoint('publish:switch');
      await switchTo(layout, version);
      // The commit named the run's files after the last committed number: continue from there.
      this.#sequence = built.lastSequence;
      await checkpoint('publish:collect');
      await collectVersions(layout, this.#keepVersions);
      return { alreadyPublished: false };
    });
  }
}

/** A journal file being written is renamed into place within milliseconds. */
const JOURNAL_TEMPORARY_ABANDONED_AFTER_MS = 10 * 60_000;
/** `<runId>.json.<uuid>.tmp`: a journal entry being written. */
const JOURNAL_TEMPORARY = /^(.+)\.json\.[^.]+\.tmp$/;

/** Run ids whose journal write was cut short (a temporary file left long ago). */
async function abandonedJournalTemporaries(layout: DatasetLayout): Promise<string[]> {
  const runIds: string[] = [];
  for (const name of await readNames(layout.journal)) {
    const match = JOURNAL_TEMPORARY.exec(name);
    if (!match) continue;
    const info = await stat(join(layout.journal, name)).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > JOURNAL_TEMPORARY_ABANDONED_AFTER_MS) {
      runIds.push(match[1]!);
    }
  }
  return runIds;
}

async function removeJournalTemporaries(layout: DatasetLayout, runId: string): Promise<void> {
  for (const name of await readNames(layout.journal)) {
    if (JOURNAL_TEMPORARY.exec(name)?.[1] === runId) {
      await rm(join(layout.journal, name), { force: true });
    }
  }
}
