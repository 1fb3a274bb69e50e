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
  type RunType,
  type SchemaOptions,
  type StagedWriterOptions,
  type StagingPrimitives,
  type StoreCapabilities,
} from '@wharf/store-core';
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ParquetCompression } from './parquet-codec.js';
import { type ParquetEncoder, parquetEncoder } from './parquet-encoder.js';
import { withCompleteNulls } from './parquet-rows.js';
import { nonNegativeInteger, oneOf, positiveInteger, splitPart } from './parquet-shared.js';

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
    this.compression = oneOf('compression', settings.compression, COMPRESSIONS, 'zstd');
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
