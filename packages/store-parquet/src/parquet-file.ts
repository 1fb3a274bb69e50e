/**
 * Reading one Parquet file, for tools (the `wharf` CLI reads `.parquet` sources with it):
 * the same streaming reader the store uses, with every failure mapped to a `StoreError`.
 */
import type { RecordBatch } from 'apache-arrow';
import { toStoreError } from './parquet-errors.js';
import { type ReadFileOptions, readParquetFile as readFile } from './parquet-reader.js';

export type { ReadFileOptions } from './parquet-reader.js';

/**
 * Streams the record batches of the Parquet file at `path`, row group by row group; memory
 * holds one batch, not the file. A missing file is a `ConnectionError`, a file that is not
 * Parquet a `ValidationError` or `StagingError` naming the path.
 *
 * @example
 * for await (const batch of readParquetFile('trips.parquet')) console.log(batch.numRows);
 */
export async function* readParquetFile(
  path: string,
  options: ReadFileOptions = {},
): AsyncGenerator<RecordBatch> {
  try {
    yield* readFile(path, options);
  } catch (error) {
    throw toStoreError(error, {
      store: `parquet file ${path}`,
      operation: 'read',
      action: `reading ${path}`,
      source: (error as NodeJS.ErrnoException)?.code === undefined ? 'decode' : 'fs',
    });
  }
}
