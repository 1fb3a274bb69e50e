/**
 * `ObjectParquetStore`: a Parquet dataset in object storage (S3, GCS, ADLS Gen2 or any
 * {@link ObjectStorage}), written through the staged-write engine of `@wharf/store-core`.
 *
 * Layout `'commits'` (the default): each staged part is encoded (parquet-wasm, on worker
 * threads) and uploaded once, as `data/<run id>/<uuid>.parquet`, where no reader looks until a
 * commit record names it. A part's uploads run while the engine gathers and encodes the next
 * part (one part's uploads at most in flight); anything that depends on them — the next part's
 * uploads, the `committing` journal entry, the publish, a discard — waits for them first. A
 * commit creates the next record `_wharf/commits/<version>.json` with a conditional create; of
 * two writers racing for one version exactly one succeeds, the other rebuilds its record on
 * the winner's and tries the next version. Nothing is copied or renamed, so a commit costs a
 * few small requests whatever the data's size. Files no kept record references are removed
 * afterwards.
 *
 * Layout `'folder'`: plain `<uuid>.parquet` files directly under the prefix, for tools that
 * glob a folder. Staged files wait under `_wharf/staging/<run id>/`; the commit record lists
 * the moves (and a `full_drop`'s removals), and is then applied: renamed where the service can
 * (ADLS), copied and deleted elsewhere. A commit stopped half-way is finished by the next
 * writer or by `recover()`: recoverable, not atomic, for readers of the folder.
 */
import { randomUUID } from 'node:crypto';
import {
  type Checkpoint,
  ConflictError,
  decodeSchema,
  type EngineCall,
  encodeSchema,
  IntegrityError,
  type JournalEntry,
  keyColumns,
  NotFoundError,
  type PartToStage,
  type PublishResult,
  type ReadOptions,
  type RecoveryReport,
  type RunInfo,
  SimulatedCrash,
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
import { guard, toStoreError } from '../parquet-errors.js';
import { buildVersionFiles } from '../parquet-publish.js';
import { readFiles } from '../parquet-read-files.js';
import { type BlobLike, readParquetBlob } from '../parquet-reader.js';
import { checkKey, nonNegativeInteger, oneOf } from '../parquet-shared.js';
import { ParquetWriting, parquetCapabilities } from '../parquet-writing.js';
import {
  appliedKey,
  type CommitFile,
  CommitReader,
  type CommitRecord,
  DATA_PREFIX,
  encodeRecord,
  JOURNAL_PREFIX,
  listCommits,
  RUNS_PREFIX,
  recordKey,
  STAGING_PREFIX,
  withPublishedRun,
} from './object-commits.js';
import { type ObjectLayout, type ObjectParquetSettings, pickSettings } from './object-settings.js';
import type { ObjectStorage, PutOptions } from './object-storage.js';

/** What a cloud package hands to {@link ObjectParquetStore}. */
export interface ObjectParquetInit {
  /** The store's name in messages and metrics, e.g. `s3:bucket/prefix` (no secrets). */
  readonly name: string;
  /** The storage the dataset lives in; the store closes it on `close()`. */
  readonly storage: ObjectStorage;
  /**
   * The dataset settings. Only the keys of `ObjectParquetSettings` are read and kept, so a
   * cloud store may pass its whole options object (credentials included: they are ignored).
   */
  readonly settings?: ObjectParquetSettings;
}

const DEFAULTS = {
  layout: 'commits',
  keepCommits: 5,
} as const;

const LAYOUTS: readonly ObjectLayout[] = ['commits', 'folder'];

/** Attempts at creating the next commit record before a lost race is a `ConflictError`. */
const COMMIT_ATTEMPTS = 12;

/** A staged part's `ref`: its files. */
type PartRef = CommitFile[];

/**
 * How data files are written: no reader looks at them before a later commit record names them
 * (staged files, a merge's rewritten files), so a service may write them in place.
 */
const DATA_FILE: PutOptions = { contentType: 'application/vnd.apache.parquet', unpublished: true };

/**
 * The data-file uploads of one run, started without being awaited (the engine gathers the
 * next part meanwhile) and awaited before anything that depends on them. Each is observed at
 * once: a failure is kept for the next {@link RunUploads.drain} and never becomes an unhandled
 * rejection.
 */
class RunUploads {
  /** Every key this store began to write for the run: uploaded, failed or still in flight. */
  readonly keys = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  #failure: { error: unknown } | undefined;

  start(key: string, upload: () => Promise<void>): void {
    this.keys.add(key);
    const tracked: Promise<void> = (async () => upload())().then(
      () => {
        this.#pending.delete(tracked);
      },
      (error: unknown) => {
        this.#failure ??= { error };
        this.#pending.delete(tracked);
      },
    );
    this.#pending.add(tracked);
  }

  /** Waits for the uploads started so far, whatever their outcome. */
  async settle(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  /**
   * Waits for the uploads started so far, then throws the run's first failed upload — at every
   * call from then on: a part whose file is missing can never be committed.
   */
  async drain(): Promise<void> {
    await this.settle();
    if (this.#failure) throw this.#failure.error;
  }
}

/** What this store knows of a run it writes itself (not of one it recovers). */
interface LocalRun {
  readonly uploads: RunUploads;
  /**
   * Every file under the run's prefix was begun by this store (no staging of an earlier
   * attempt of the run id, of another process, was seen): after its own commit, the files to
   * delete are known without listing.
   */
  readonly exact: boolean;
  /**
   * The current record when the run began, if it was applied: the first commit attempt builds
   * on it without listing again (a stale one only makes the conditional create fail).
   */
  base: { readonly record: CommitRecord | undefined } | undefined;
  /** The record this store's own publish created for the run (and applied). */
  committed: CommitRecord | undefined;
  /** The run marker is still there after the cleanup: deleted with the journal entry. */
  markerLeft: boolean;
}

/**
 * A wharf store writing a Parquet dataset into object storage, with atomic commits (commit
 * records created with a conditional create), exactly-once retries and crash recovery. The
 * cloud packages (`@wharf/store-s3`, `@wharf/store-gcs`, `@wharf/store-adls`) extend it with
 * their storage; a third party can do the same for another object store.
 *
 * @example
 * import { ObjectParquetStore } from '@wharf/store-parquet/object';
 *
 * class MyStore extends ObjectParquetStore {
 *   constructor(options: MyOptions) {
 *     super({ name: `my:${options.bucket}`, storage: createMyStorage(options), settings: options });
 *   }
 * }
 */
export class ObjectParquetStore extends StagedStore {
  readonly capabilities: StoreCapabilities;
  readonly name: string;
  /** How the dataset lies in the bucket. */
  readonly layout: ObjectLayout;
  readonly #storage: ObjectStorage;
  readonly #settings: ObjectParquetSettings;
  readonly #key: string[];
  readonly #keepCommits: number;
  readonly #writing: ParquetWriting;
  protected readonly writer: StagedWriter;
  readonly #commits: CommitReader;
  /** Folder-layout versions known to be applied. */
  readonly #applied = new Set<number>();
  /** The runs this store is writing, by run id, from `begin` until their journal entry is removed. */
  readonly #runs = new Map<string, LocalRun>();
  /**
   * Run ids of other writers whose staging (a marker or a journal entry) this store saw and did
   * not clean up: a run of this store with such an id may find their files under its prefix.
   */
  readonly #othersRuns = new Set<string>();
  /** Production's schema when the current run began (for early checks of appending runs). */
  #productionSchema: Schema | undefined;

  constructor(init: ObjectParquetInit) {
    super();
    if (typeof init !== 'object' || init === null || init.storage === undefined) {
      throw new ValidationError('ObjectParquetStore needs { name, storage, settings }');
    }
    const settings = pickSettings(init.settings ?? {});
    this.name = init.name;
    this.#storage = init.storage;
    this.#settings = settings;
    this.#commits = new CommitReader(init.storage);
    this.layout = oneOf('layout', settings.layout, LAYOUTS, DEFAULTS.layout);
    this.#key = keyColumns(settings.key);
    for (const column of this.#key) {
      if (typeof column !== 'string' || column === '') {
        throw new ValidationError(`${this.name}: key columns must be non-empty strings`);
      }
    }
    this.#writing = new ParquetWriting(settings);
    this.#keepCommits = nonNegativeInteger(
      'keepCommits',
      settings.keepCommits ?? DEFAULTS.keepCommits,
    );
    if (settings.runType === 'merge' && this.#key.length === 0) {
      throw new ValidationError(
        `${this.name}: runType 'merge' needs key columns; set the key option`,
      );
    }
    this.capabilities = parquetCapabilities(this.layout === 'commits' ? 'atomic' : 'recoverable');
    this.writer = new StagedWriter(
      this.#writing.writerOptions(this.name, this.capabilities, this.#primitives()),
    );
  }

  protected override get mergeKey(): readonly string[] {
    return this.#key;
  }

  /** The storage the dataset lives in. */
  get storage(): ObjectStorage {
    return this.#storage;
  }

  override async recover(): Promise<RecoveryReport> {
    const report = await super.recover();
    if (this.layout === 'folder') {
      // A folder commit another writer left half-applied is finished here.
      const { record, listing } = await this.#commits.current();
      if (record && !listing.applied.has(record.version)) await this.#apply(record, noCheckpoint);
    }
    return report;
  }

  override async describe(): Promise<StoreDescription> {
    this.assertOpen('describe');
    const { record, listing } = await this.#commits.current();
    const schema = record?.schema === undefined ? undefined : decodeSchema(record.schema);
    return {
      name: this.name,
      capabilities: this.capabilities,
      ...(schema ? { schema } : {}),
      rows: record?.rows ?? 0,
      committedRuns: record?.publishedRuns ?? [],
      staging: await this.stagingSnapshot(),
      details: {
        ...this.#storage.describe(),
        layout: this.layout,
        version: record?.version ?? 0,
        keptCommits: listing.versions.length,
        files: record?.files.length ?? 0,
        bytes: record?.files.reduce((sum, file) => sum + file.bytes, 0) ?? 0,
      },
    };
  }

  /**
   * Streams the committed rows back, file by file and row group by row group (ranged reads),
   * with the dataset's Arrow schema. Reads the commit current when it starts: a commit during
   * the read does not change what it returns (unless more than `keepCommits` commits pass and
   * its files are removed, which fails the read with an `IntegrityError`).
   */
  override async *read(options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    this.assertOpen('read');
    const { record } = await this.#commits.current();
    if (record?.schema === undefined) return;
    const schema = decodeSchema(record.schema);
    yield* readFiles(record.files, schema, options, this.name, {
      name: (file) => file.key,
      open: (file, fileOptions) =>
        readParquetBlob(this.#blob(file.key, 0, file.bytes), fileOptions),
      failure: (error, file) =>
        NotFoundError.isInstance(error)
          ? new IntegrityError(
              `${this.name}: ${file.key} of commit ${record.version} is gone (more than keepCommits commits happened during the read?)`,
              { cause: error },
            )
          : toStoreError(error, {
              store: this.name,
              operation: 'read',
              action: `reading ${file.key}`,
              source: 'decode',
            }),
    });
  }

  protected override async onConnect(): Promise<void> {
    await this.#storage.probe();
    this.#writing.warm();
  }

  protected override async onClose(): Promise<void> {
    try {
      await super.onClose();
    } finally {
      // Uploads still in flight (of a crashed run) end before the client does.
      await this.#settleUploads();
      await this.#storage.close();
    }
  }

  /**
   * A simulated crash stops the store dead, as if its process had died; the uploads it had
   * started end first, so that nothing of it lands after another store's recovery — which a
   * dead process could not do.
   */
  protected override async runEngine<T>(_call: EngineCall, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (SimulatedCrash.isInstance(error)) await this.#settleUploads();
      throw error;
    }
  }

  async #settleUploads(): Promise<void> {
    await Promise.all([...this.#runs.values()].map((run) => run.uploads.settle()));
  }

  protected override async ping(): Promise<Record<string, unknown>> {
    const { record } = await this.#commits.current();
    return { url: this.#storage.url, version: record?.version ?? null };
  }

  /** Byte ranges of an object, read on demand (for parquet-wasm). */
  #blob(key: string, start: number, end: number): BlobLike {
    const storage = this.#storage;
    return {
      size: end - start,
      slice: (from = 0, to = end - start) => {
        const begin = Math.min(end, start + Math.max(0, Math.floor(from)));
        return this.#blob(key, begin, Math.max(begin, Math.min(end, start + Math.floor(to))));
      },
      async arrayBuffer() {
        if (end <= start) return new ArrayBuffer(0);
        const bytes = await storage.getRange(key, start, end);
        const copy = new Uint8Array(bytes.byteLength);
        copy.set(bytes);
        return copy.buffer;
      },
    };
  }

  #stagedKey(runId: string): string {
    const name = `${randomUUID()}.parquet`;
    return this.layout === 'commits'
      ? `${DATA_PREFIX}${runId}/${name}`
      : `${STAGING_PREFIX}${runId}/${name}`;
  }

  #runFilesPrefix(runId: string): string {
    return this.layout === 'commits' ? `${DATA_PREFIX}${runId}/` : `${STAGING_PREFIX}${runId}/`;
  }

  #primitives(): StagingPrimitives {
    const storage = this.#storage;
    return {
      begin: async (run) => {
        // Both at once; each ends before this returns, so nothing lands after a cleanup.
        const [marked, read] = await Promise.allSettled([
          storage.put(`${RUNS_PREFIX}${run.runId}`, new Uint8Array(0)),
          this.#commits.current(),
        ]);
        if (marked.status === 'rejected') throw marked.reason;
        if (read.status === 'rejected') throw read.reason;
        const { record, listing } = read.value;
        this.#productionSchema =
          record?.schema === undefined ? undefined : decodeSchema(record.schema);
        const applied =
          this.layout === 'commits' ||
          record === undefined ||
          listing.applied.has(record.version) ||
          this.#applied.has(record.version);
        // An earlier attempt of this run id whose cleanup did not finish: its files stay
        // under the prefix, so the cleanup of this one lists it.
        const earlier = this.#runs.get(run.runId);
        await earlier?.uploads.settle();
        this.#runs.set(run.runId, {
          uploads: new RunUploads(),
          exact: earlier === undefined && !this.#othersRuns.has(run.runId),
          base: applied ? { record } : undefined,
          committed: undefined,
          markerLeft: false,
        });
      },
      stagePart: (run, part) => this.#stagePart(run, part),
      publish: (run, parts, schema, checkpoint) => this.#publish(run, parts, schema, checkpoint),
      discard: (runId, checkpoint) => this.#discard(runId, checkpoint),
      listLeftovers: async () => {
        const runIds: string[] = [];
        for await (const entry of storage.list(RUNS_PREFIX)) {
          const runId = entry.key.slice(RUNS_PREFIX.length);
          if (runId !== '' && !runId.includes('/')) runIds.push(runId);
        }
        this.#sawRuns(runIds);
        return runIds;
      },
      readJournal: async () => {
        const entries: JournalEntry[] = [];
        for await (const entry of storage.list(JOURNAL_PREFIX)) {
          if (!entry.key.endsWith('.json')) continue;
          const bytes = await storage.get(entry.key);
          // Removed by its run meanwhile: nothing to recover.
          if (bytes === undefined) continue;
          try {
            entries.push(JSON.parse(Buffer.from(bytes).toString('utf8')) as JournalEntry);
          } catch (error) {
            throw new IntegrityError(`${this.name}: ${entry.key} is not valid JSON`, {
              cause: error,
            });
          }
        }
        this.#sawRuns(entries.map((entry) => entry.runId));
        return entries;
      },
      writeJournal: async (entry) => {
        // Recovery publishes the parts of a `committing` entry: every file they list must
        // exist first. A failed upload fails the run here, before anything is committed.
        if (entry.state === 'committing') await this.#runs.get(entry.runId)?.uploads.drain();
        await storage.put(
          `${JOURNAL_PREFIX}${entry.runId}.json`,
          Buffer.from(JSON.stringify(entry)),
          { contentType: 'application/json' },
        );
      },
      removeJournal: async (runId) => {
        const local = this.#runs.get(runId);
        await local?.uploads.settle();
        // After this store's own commit, the cleanup left the marker: one request for both.
        const marker = local?.markerLeft ? [`${RUNS_PREFIX}${runId}`] : [];
        await storage.delete([...marker, `${JOURNAL_PREFIX}${runId}.json`]);
        this.#runs.delete(runId);
        this.#othersRuns.delete(runId);
      },
    };
  }

  /** Notes the run ids of staging seen in a listing, except this store's own runs. */
  #sawRuns(runIds: readonly string[]): void {
    for (const runId of runIds) if (!this.#runs.has(runId)) this.#othersRuns.add(runId);
  }

  #localRun(runId: string): LocalRun {
    let local = this.#runs.get(runId);
    if (local === undefined) {
      local = {
        uploads: new RunUploads(),
        exact: false,
        base: undefined,
        committed: undefined,
        markerLeft: false,
      };
      this.#runs.set(runId, local);
    }
    return local;
  }

  /**
   * Encodes a part and starts its uploads, without waiting for them: the engine gathers the
   * next part meanwhile. The previous part's uploads end while this part encodes, and this
   * part's begin only after them (their failure is this call's error), so that one part's
   * uploads at most are in flight besides the buffered data.
   */
  async #stagePart(run: RunInfo, part: PartToStage): Promise<StagedPart> {
    const uploads = this.#localRun(run.runId).uploads;
    const previous = uploads.drain();
    // Observed at once: encoding may fail before any file waits for it.
    previous.catch(() => undefined);
    let ref: PartRef;
    try {
      ref = await this.#writing.stageFiles(
        {
          store: this.name,
          run,
          part,
          productionSchema: this.#productionSchema,
          key: this.#key,
        },
        async ({ bytes, rows }): Promise<CommitFile> => {
          await previous;
          const key = this.#stagedKey(run.runId);
          uploads.start(key, () => this.#storage.put(key, bytes, DATA_FILE));
          return { key, rows, bytes: bytes.byteLength };
        },
      );
    } catch (error) {
      await previous.catch(() => undefined);
      throw error;
    }
    await previous;
    return { index: part.index, rows: part.rows, bytes: part.bytes, ref: JSON.stringify(ref) };
  }

  async #publish(
    run: RunInfo,
    parts: readonly StagedPart[],
    runSchema: Schema | undefined,
    checkpoint: Checkpoint,
  ): Promise<PublishResult> {
    const local = this.#runs.get(run.runId);
    // Every file the parts list is uploaded before a record names it.
    await local?.uploads.drain();
    const staged = parts.flatMap((part) => JSON.parse(part.ref) as PartRef);
    // The first try builds on the record read when the run began (not for a merge, whose
    // rewrites would be wasted on a stale one): when another commit happened since, the
    // conditional create fails, or the check after it finds a higher record, and the next try
    // reads the current record. Only tries on a freshly read record count as attempts.
    let base = run.runType === 'merge' ? undefined : local?.base;
    if (local) local.base = undefined;
    for (let attempt = 1; ; ) {
      let current: CommitRecord | undefined;
      if (base) {
        current = base.record;
      } else {
        const read = await this.#commits.current();
        current = read.record;
        if (this.layout === 'folder' && current && !read.listing.applied.has(current.version)) {
          // The previous commit is not applied yet (its writer stopped): finish it first.
          await this.#apply(current, checkpoint);
        }
      }
      if (current?.publishedRuns.includes(run.runId)) return { alreadyPublished: true };
      const record = await this.#nextRecord(run, staged, runSchema, current);
      await checkpoint('publish:record');
      const created = await this.#storage.putIfAbsent(
        recordKey(record.version),
        encodeRecord(record),
        { contentType: 'application/json' },
      );
      const versions = created ? await this.#stillOnTop(record) : undefined;
      if (versions !== undefined) {
        this.#commits.remember(record);
        await checkpoint('publish:apply');
        if (this.layout === 'folder') await this.#apply(record, checkpoint);
        if (local) local.committed = record;
        await checkpoint('publish:collect');
        await this.#collect(record, versions).catch((error: unknown) => {
          // The commit stands; what could not be removed now is removed by a later commit.
          if (SimulatedCrash.isInstance(error)) throw error;
        });
        return { alreadyPublished: false };
      }
      if (base) {
        base = undefined;
        continue;
      }
      if (attempt >= COMMIT_ATTEMPTS) {
        throw new ConflictError(
          `${this.name}: commit ${record.version} was taken by another writer ${attempt} times in a row; the run was not committed`,
          { details: { version: record.version } },
        );
      }
      // Another writer took this version: build on its commit (after a short random wait).
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      attempt += 1;
    }
  }

  async #nextRecord(
    run: RunInfo,
    staged: readonly CommitFile[],
    runSchema: Schema | undefined,
    current: CommitRecord | undefined,
  ): Promise<CommitRecord> {
    const productionSchema =
      current?.schema === undefined ? undefined : decodeSchema(current.schema);
    const schema =
      run.runType === 'full_drop'
        ? (runSchema ?? productionSchema)
        : widenOptionalSchema(productionSchema, runSchema, {
            addColumns: this.#settings.schemaEvolution === 'add-columns',
            store: this.name,
          });
    if (run.runType === 'merge' && schema !== undefined) checkKey(schema, this.#key, this.name);
    let files: CommitFile[];
    if (run.runType === 'merge') files = await this.#mergeFiles(run, staged, current);
    else files = [...(run.runType === 'full_drop' ? [] : (current?.files ?? [])), ...staged];
    let folder: Pick<CommitRecord, 'moves' | 'removes'> = {};
    if (this.layout === 'folder') {
      // Staged (and rewritten) files move to the top of the prefix; current files the new
      // version no longer lists are removed.
      const inStaging = (key: string) => key.startsWith(STAGING_PREFIX);
      const kept = new Set(files.map((file) => file.key));
      folder = {
        moves: files
          .filter((file) => inStaging(file.key))
          .map((file) => ({ from: file.key, to: baseName(file.key) })),
        removes: (current?.files ?? []).map((file) => file.key).filter((key) => !kept.has(key)),
      };
      files = files.map((file) =>
        inStaging(file.key) ? { ...file, key: baseName(file.key) } : file,
      );
    }
    return {
      format: 'wharf-parquet-objects',
      formatVersion: 1,
      layout: this.layout,
      version: (current?.version ?? 0) + 1,
      id: randomUUID(),
      parentId: current?.id ?? null,
      committedAt: new Date().toISOString(),
      runId: run.runId,
      runType: run.runType,
      files,
      rows: files.reduce((sum, file) => sum + file.rows, 0),
      publishedRuns: withPublishedRun(current, run.runId),
      ...(schema === undefined ? {} : { schema: encodeSchema(schema) }),
      ...folder,
    };
  }

  /**
   * The files after a merge run: the current files holding no key of the run are kept as they
   * are, those holding one are rewritten without those rows (uploaded next to the run's
   * files), and the run's rows are added — its last row per key.
   */
  async #mergeFiles(
    run: RunInfo,
    staged: readonly CommitFile[],
    current: CommitRecord | undefined,
  ): Promise<CommitFile[]> {
    const asFile = (file: CommitFile) => ({ name: file.key, rows: file.rows, bytes: file.bytes });
    const built = await buildVersionFiles({
      run,
      staged: staged.map(asFile),
      current:
        current === undefined ? undefined : { files: current.files.map(asFile), lastSequence: 0 },
      files: {
        readStaged: (file, options) =>
          readParquetBlob(this.#blob(file.name, 0, file.bytes), options),
        readCurrent: (file, options) =>
          readParquetBlob(this.#blob(file.name, 0, file.bytes), options),
        adoptStaged: async () => undefined,
        keepCurrent: async () => undefined,
        writeNew: async (name, bytes) => {
          // Known to the run's cleanup: a rewrite of a lost try is deleted with it.
          this.#runs.get(run.runId)?.uploads.keys.add(name);
          await this.#storage.put(name, bytes, DATA_FILE);
        },
      },
      fileNames: 'uuid',
      key: this.#key,
      newName: () => this.#stagedKey(run.runId),
      encode: (fileSchema, batches) =>
        guard(() => this.#writing.encode(fileSchema, batches), {
          store: this.name,
          operation: 'publish',
          action: 'rewriting a file for merge',
          source: 'encode',
        }),
    });
    return built.files.map((file) => ({ key: file.name, rows: file.rows, bytes: file.bytes }));
  }

  /**
   * After creating `record`: the record versions listed now, unless a higher record exists
   * that is not the next one built on it — when this version's number had been used and pruned
   * before this writer created it (it built on a record read earlier), so that `record` is a
   * dead branch. Then the record is removed again and the answer is `undefined`; the next try
   * reads the current record (which lists the run when `record` had been built on, then
   * pruned, meanwhile).
   */
  async #stillOnTop(record: CommitRecord): Promise<readonly number[] | undefined> {
    const { versions } = await listCommits(this.#storage);
    const above = versions.filter((version) => version > record.version);
    if (above.length === 0) return versions;
    if (above[0] === record.version + 1) {
      const next = await this.#commits.read(record.version + 1);
      if (next?.parentId === record.id) return versions;
    }
    await this.#storage.delete([recordKey(record.version)]);
    this.#commits.forget(record.version);
    return undefined;
  }

  /** Folder layout: moves the record's staged files in and removes replaced files. */
  async #apply(record: CommitRecord, checkpoint: Checkpoint): Promise<void> {
    if (this.#applied.has(record.version)) return;
    for (const move of record.moves ?? []) {
      await checkpoint('publish:move');
      await this.#move(move.from, move.to);
    }
    const removes = record.removes ?? [];
    if (removes.length > 0) {
      await checkpoint('publish:remove');
      await this.#storage.delete(removes);
    }
    await this.#storage.put(appliedKey(record.version), new Uint8Array(0));
    this.#applied.add(record.version);
  }

  /**
   * Moves one staged file in; done already when the source is gone and the target exists
   * (another writer applying the same commit may move it at the same moment).
   */
  async #move(from: string, to: string): Promise<void> {
    const storage = this.#storage;
    try {
      if ((await storage.head(from)) !== undefined) {
        if (storage.rename) {
          await storage.rename(from, to);
        } else {
          await storage.copy(from, to);
          await storage.delete([from]);
        }
        return;
      }
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
    }
    if ((await storage.head(to)) !== undefined) return;
    throw new IntegrityError(
      `${this.name}: the staged file ${from} of a commit is gone and ${to} does not exist`,
    );
  }

  /**
   * Removes commit records older than the `keepCommits` before `record`, and the files only
   * they referenced (commits layout). Never removes a file a kept record references: a record
   * created after `versions` was listed builds on `record`, so it lists no file that only the
   * pruned records list.
   */
  async #collect(record: CommitRecord, versions: readonly number[]): Promise<void> {
    const oldest = record.version - this.#keepCommits;
    const pruned = versions.filter((version) => version < oldest);
    if (pruned.length === 0) return;
    const referenced = new Set<string>();
    for (const version of versions.filter((candidate) => candidate >= oldest)) {
      const kept = await this.#commits.read(version);
      for (const file of kept?.files ?? []) referenced.add(file.key);
    }
    for (const version of pruned) {
      if (this.layout === 'commits') {
        const old = await this.#commits.read(version);
        const unique = (old?.files ?? [])
          .map((file) => file.key)
          .filter((key) => !referenced.has(key));
        await this.#storage.delete(unique);
      }
      await this.#storage.delete([recordKey(version), appliedKey(version)]);
      this.#commits.forget(version);
    }
  }

  /**
   * Removes a run's staged files — except those a kept commit record references (after its
   * commit, they are production) — then its marker. Its uploads in flight end first, so that
   * nothing of the run lands after its cleanup.
   */
  async #discard(runId: string, checkpoint: Checkpoint): Promise<void> {
    const storage = this.#storage;
    const local = this.#runs.get(runId);
    await local?.uploads.settle();
    if (local?.exact && local.committed) {
      // This store wrote every file of the run and committed it: the files to delete are the
      // ones it wrote that the record does not list (of a part that failed and was staged
      // again, of a lost try's merge rewrites) — usually none. Nothing to list or read.
      const kept = new Set(
        this.layout === 'folder'
          ? (local.committed.moves ?? []).map((move) => move.from)
          : local.committed.files.map((file) => file.key),
      );
      const unused = [...local.uploads.keys].filter((key) => !kept.has(key));
      if (unused.length > 0) {
        await checkpoint('discard:files');
        await storage.delete(unused);
        for (const key of unused) local.uploads.keys.delete(key);
      }
      // Deleted with the journal entry, in one request where the service allows.
      local.markerLeft = true;
      return;
    }
    const keys: string[] = [];
    for await (const entry of storage.list(this.#runFilesPrefix(runId))) keys.push(entry.key);
    if (keys.length > 0) {
      if (this.layout === 'folder') {
        // A commit of this run not applied yet still needs its staged files.
        const { record, listing } = await this.#commits.current();
        if (record && !listing.applied.has(record.version)) await this.#apply(record, checkpoint);
        const remaining: string[] = [];
        for await (const entry of storage.list(this.#runFilesPrefix(runId))) {
          remaining.push(entry.key);
        }
        await storage.delete(remaining);
      } else {
        const referenced = new Set<string>();
        const { versions } = await listCommits(storage);
        for (const version of versions) {
          const kept = await this.#commits.read(version);
          for (const file of kept?.files ?? []) referenced.add(file.key);
        }
        await checkpoint('discard:files');
        await storage.delete(keys.filter((key) => !referenced.has(key)));
      }
    }
    await storage.delete([`${RUNS_PREFIX}${runId}`]);
    if (local) local.markerLeft = false;
    this.#othersRuns.delete(runId);
  }
}

const noCheckpoint: Checkpoint = async () => undefined;

/** The last segment of a key. */
function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
