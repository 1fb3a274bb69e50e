/**
 * Reading a dataset's committed files back, shared by the local and the object-storage
 * Parquet stores: the dataset's schema projected to the wanted columns, each file streamed row
 * group by row group and conformed to that schema, and a failure named after its file.
 */
import type { ReadOptions, StoreError } from '@wharf/store-core';
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ReadFileOptions } from './parquet-reader.js';
import { conformBatch } from './parquet-rows.js';
import { projectSchema } from './parquet-shared.js';

/** How {@link readFiles} reaches one file. */
export interface FileSource<F> {
  /** The file's name or key, for messages. */
  name(file: F): string;
  /** Its record batches. */
  open(file: F, options: ReadFileOptions): AsyncGenerator<RecordBatch>;
  /** The store error for a failure while reading `file`. */
  failure(error: unknown, file: F): StoreError;
}

/** Streams `files` in order with the dataset's `schema`, limited to `options.columns`. */
export async function* readFiles<F>(
  files: readonly F[],
  schema: Schema,
  options: ReadOptions,
  store: string,
  source: FileSource<F>,
): AsyncGenerator<RecordBatch> {
  const target = projectSchema(schema, options.columns, store);
  const columns =
    options.columns === undefined ? undefined : target.fields.map((field) => field.name);
  for (const file of files) {
    const batches = source.open(file, columns === undefined ? {} : { columns });
    try {
      while (true) {
        let next: IteratorResult<RecordBatch>;
        try {
          next = await batches.next();
        } catch (error) {
          throw source.failure(error, file);
        }
        if (next.done) break;
        yield conformBatch(next.value, target, source.name(file));
      }
    } finally {
      // A consumer that stops early closes the file too.
      await batches.return(undefined).catch(() => undefined);
    }
  }
}
