/** Parquet files as a source, read through @wharf/store-parquet (loaded only when needed). */

import { ValidationError } from '@wharf/store-core';
import type { RecordBatch } from 'apache-arrow';
import { loadBackend } from '../backend-loader.js';

/** Streams the record batches of a Parquet file. */
export async function* readParquetFile(path: string): AsyncGenerator<RecordBatch> {
  const module = await loadBackend('@wharf/store-parquet');
  const reader = module.readParquetFile as
    | ((path: string) => AsyncIterable<RecordBatch>)
    | undefined;
  if (typeof reader !== 'function') {
    throw new ValidationError('@wharf/store-parquet does not export readParquetFile; upgrade it');
  }
  yield* reader(path);
}
