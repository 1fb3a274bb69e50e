/**
 * What the local and the object-storage Parquet stores share to write Parquet: the encoding
 * settings (validated), the encoder pool, how a staged part is split into files, the
 * capabilities they claim and the engine's part sizes.
 */
import { availableParallelism } from 'node:os';
import {
  type ArrowTypeName,
  COMMON_ARROW_TYPES,
  type PartToStage,
  type RunInfo,
  type RunType,
  type SchemaOptions,
  type StagedWriterOptions,
  type StagingPrimitives,
  type StoreCapabilities,
  widenOptionalSchema,
} from '@wharf/store-core';
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ParquetCompression } from './parquet-codec.js';
import { type ParquetEncoder, parquetEncoder } from './parquet-encoder.js';
import { guard } from './parquet-errors.js';
import { withCompleteNulls } from './parquet-rows.js';
import {
  checkKey,
  countRows,
  nonNegativeInteger,
  oneOf,
  positiveInteger,
  splitPart,
} from './parquet-shared.js';

/**
 * The Arrow types that round-trip exactly through `write()` → Parquet → `read()`. Not
 * `interval` (parquet-wasm cannot write month-day-nano intervals) and not `union` (Parquet
 * has no union).
 */
export const PARQUET_ARROW_TYPES: readonly ArrowTypeName[] = [
  ...COMMON_ARROW_TYPES,
  'null',
  'float16',
  'large_utf8',
  'large_binary',
  'fixed_size_binary',
  'time',
  'duration',
  'fixed_size_list',
  'map',
];

/** A part to stage, and what it is checked against. */
export interface StagePartContext {
  readonly store: string;
  readonly run: RunInfo;
  readonly part: PartToStage;
  /** Production's schema when the run began. */
  readonly productionSchema: Schema | undefined;
  /** Key columns (merge runs). */
  readonly key: readonly string[];
}

/** One encoded file of a part: its bytes, rows, and position among the part's files. */
export interface EncodedFile {
  readonly bytes: Uint8Array;
  readonly rows: number;
  readonly index: number;
}

/** The Parquet settings both stores take. */
export interface ParquetWritingSettings extends SchemaOptions {
  compression?: ParquetCompression;
  rowGroupRows?: number;
  targetFileBytes?: number;
  encoderThreads?: number;
  dictionaryEncoding?: boolean;
  runType?: RunType;
  staleRunAfterMs?: number;
}

const COMPRESSIONS: readonly ParquetCompression[] = ['zstd', 'snappy', 'none'];

/** The capabilities of a Parquet store whose commits are `commit`. */
export function parquetCapabilities(commit: 'atomic' | 'recoverable'): StoreCapabilities {
  return {
    runTypes: ['full_drop', 'incremental', 'merge'],
    commit,
    readBack: true,
    records: false,
    tenants: false,
    softDelete: false,
    vectorSearch: false,
    faultInjection: true,
    multiProcess: true,
    arrowTypes: PARQUET_ARROW_TYPES,
  };
}

/** Encodes staged parts as Parquet files with a store's settings. */
export class ParquetWriting {
  readonly compression: ParquetCompression;
  readonly rowGroupRows: number;
  readonly targetFileBytes: number;
  readonly #settings: ParquetWritingSettings;
  readonly #encoder: ParquetEncoder;

  /** Validates the settings (a `ValidationError` names a bad one). */
  constructor(settings: ParquetWritingSettings) {
    this.#settings = settings;
    this.compression = oneOf('compression', settings.compression, COMPRESSIONS, 'snappy');
    this.rowGroupRows = positiveInteger('rowGroupRows', settings.rowGroupRows, 122_880);
    this.targetFileBytes = positiveInteger(
      'targetFileBytes',
      settings.targetFileBytes,
      32 * 1024 * 1024,
    );
    const threads =
      settings.encoderThreads === undefined
        ? Math.min(4, availableParallelism())
        : nonNegativeInteger('encoderThreads', settings.encoderThreads);
    this.#encoder = parquetEncoder(threads);
  }

  /** Starts the encoder workers before the first part. */
  warm(): void {
    this.#encoder.warm();
  }

  /** The bytes of one Parquet file holding `batches`. */
  encode(schema: Schema, batches: readonly RecordBatch[]): Promise<Uint8Array> {
    return this.#encoder.encode(schema, batches.map(withCompleteNulls), {
      compression: this.compression,
      rowGroupRows: this.rowGroupRows,
      dictionaryEncoding: this.#settings.dictionaryEncoding ?? false,
      dictionaryColumns: schema.fields
        .filter((field) => (field.type.typeId as number) === -1)
        .map((field) => field.name),
    });
  }

  /** A part's batches in groups, one per file: one per encoder thread once big enough. */
  split(part: PartToStage): RecordBatch[][] {
    const byRows = Math.floor(part.rows / this.rowGroupRows);
    return splitPart(part.batches, Math.max(1, Math.min(this.#encoder.parallelism, byRows)));
  }

  /**
   * Stages a part as Parquet files: checks it first (an appending run must fit production's
   * schema, a merge run needs its key), then encodes its file groups at once and hands each
   * file to `write`. Every file settles before this returns, so no write lands after a
   * discard of the run; `allocate` learns the number of files before any is written.
   */
  async stageFiles<T>(
    stage: StagePartContext,
    write: (file: EncodedFile) => Promise<T>,
    allocate?: (files: number) => void,
  ): Promise<T[]> {
    const { run, part, store } = stage;
    if (run.runType !== 'full_drop') {
      // Fails the part early when production could not take this run's schema at publish.
      widenOptionalSchema(stage.productionSchema, part.schema, {
        addColumns: this.#settings.schemaEvolution === 'add-columns',
        store,
      });
    }
    if (run.runType === 'merge') checkKey(part.schema, stage.key, store);
    const groups = this.split(part);
    allocate?.(groups.length);
    const settled = await Promise.allSettled(
      groups.map(async (batches, index) => {
        const bytes = await guard(() => this.encode(part.schema, batches), {
          store,
          operation: 'stage',
          action: `encoding part ${part.index}`,
          source: 'encode',
        });
        return write({ bytes, rows: countRows(batches), index });
      }),
    );
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
  }

  /** The engine's options for a store writing with these settings. */
  writerOptions(
    name: string,
    capabilities: StoreCapabilities,
    primitives: StagingPrimitives,
  ): StagedWriterOptions {
    const settings = this.#settings;
    return {
      name,
      capabilities,
      primitives,
      partRows: Number.MAX_SAFE_INTEGER,
      partBytes: this.targetFileBytes * Math.max(1, this.#encoder.parallelism),
      ...(settings.schema ? { schema: settings.schema } : {}),
      ...(settings.schemaEvolution ? { schemaEvolution: settings.schemaEvolution } : {}),
      ...(settings.runType ? { runType: settings.runType } : {}),
      ...(settings.staleRunAfterMs ? { staleRunAfterMs: settings.staleRunAfterMs } : {}),
    };
  }
}
