/**
 * The settings every object-storage Parquet store shares (S3, GCS, ADLS), besides where the
 * data is and how to authenticate.
 */
import type { RunType, SchemaOptions } from '@wharf/store-core';
import type { ParquetCompression } from '../parquet-codec.js';

/**
 * How a dataset lies in the bucket:
 * - `'commits'`: data files under `data/`, made visible by a commit record created with a
 *   conditional create (atomic on every cloud; see FORMAT.md).
 * - `'folder'`: plain Parquet files directly under the prefix, as tools that glob a folder
 *   expect; staged under `_wharf/staging/` and moved in at commit with a journal (recoverable,
 *   not atomic).
 */
export type ObjectLayout = 'commits' | 'folder';

/** The settings of an object-storage Parquet store. */
export interface ObjectParquetSettings extends SchemaOptions {
  /** @default 'commits' */
  layout?: ObjectLayout;
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
   * never buffers more than about `targetFileBytes × encoderThreads`. @default 33_554_432
   */
  targetFileBytes?: number;
  /** The run type until `configureForRun` says otherwise. @default 'incremental' */
  runType?: RunType;
  /** The key column(s) that `merge` runs upsert by. @default none (merge runs are refused) */
  key?: string | readonly string[];
  /** Worker threads that encode Parquet. @default min(4, available CPUs) */
  encoderThreads?: number;
  /** Parquet dictionary encoding for every column. @default false */
  dictionaryEncoding?: boolean;
  /**
   * Commit records kept besides the current one, for readers that resolved an older commit and
   * are still reading its files (the files of a kept commit are kept too). @default 5
   */
  keepCommits?: number;
  /**
   * A run of another process whose journal entry is older than this counts as abandoned.
   * @default 3_600_000 (one hour)
   */
  staleRunAfterMs?: number;
}

/** The keys of {@link ObjectParquetSettings}. */
const SETTING_KEYS = [
  'layout',
  'compression',
  'rowGroupRows',
  'targetFileBytes',
  'runType',
  'key',
  'encoderThreads',
  'dictionaryEncoding',
  'keepCommits',
  'staleRunAfterMs',
  'schema',
  'schemaEvolution',
] as const satisfies ReadonlyArray<keyof ObjectParquetSettings>;

/**
 * The dataset settings among `options` (a cloud store's whole options object may be given):
 * only the keys of {@link ObjectParquetSettings} are copied, so credentials and clients never
 * travel with the settings.
 */
export function pickSettings(options: object): ObjectParquetSettings {
  const picked: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked as ObjectParquetSettings;
}
