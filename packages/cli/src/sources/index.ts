/**
 * Sources of `wharf copy`: a file, chosen by its extension, or any store that can read back.
 * A source opens anew for each attempt, so `runFlow` can replay it after a failure.
 */
import { extname } from 'node:path';
import { type Store, ValidationError } from '@wharf/store-core';
import type { RecordBatch } from 'apache-arrow';
import { parseStoreUrl, type StoreUrlOptions } from '../store-urls.js';
import { readArrowFile } from './arrow-file.js';
import { readCsvFile } from './csv-file.js';
import { readJsonLinesFile } from './jsonl-file.js';
import { readParquetFile } from './parquet-file.js';

/** Options for text sources. */
export interface SourceOptions extends StoreUrlOptions {
  /** Rows per batch read from a text file. */
  batchRows?: number;
}

/** An opened source: a description for messages and a replayable stream of batches. */
export interface Source {
  readonly display: string;
  /** The store being read, for a store source (closed by `close()`). */
  readonly store?: Store;
  batches(): AsyncIterable<RecordBatch>;
  close(): Promise<void>;
}

const FILE_READERS: Record<
  string,
  (path: string, options: SourceOptions) => AsyncIterable<RecordBatch>
> = {
  '.csv': (path, options) =>
    readCsvFile(path, options.batchRows ? { batchRows: options.batchRows } : {}),
  '.jsonl': (path, options) =>
    readJsonLinesFile(path, options.batchRows ? { batchRows: options.batchRows } : {}),
  '.ndjson': (path, options) =>
    readJsonLinesFile(path, options.batchRows ? { batchRows: options.batchRows } : {}),
  '.arrow': (path) => readArrowFile(path),
  '.feather': (path) => readArrowFile(path),
  '.ipc': (path) => readArrowFile(path),
  '.parquet': (path) => readParquetFile(path),
};

/** True when `spec` names a file the CLI can read (by extension) rather than a store URL. */
export function isFileSource(spec: string): boolean {
  return (
    FILE_READERS[extname(spec).toLowerCase()] !== undefined &&
    !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)
  );
}

/** Opens a file or a store URL as a source. A store must claim `readBack`. */
export async function openSource(spec: string, options: SourceOptions = {}): Promise<Source> {
  if (isFileSource(spec)) {
    const reader = FILE_READERS[extname(spec).toLowerCase()]!;
    return { display: spec, batches: () => reader(spec, options), close: async () => {} };
  }
  const url = parseStoreUrl(spec);
  const store = await url.open(options);
  if (!store.capabilities.readBack) {
    throw new ValidationError(
      `${url.display} cannot be read back (its store does not claim 'readBack')`,
    );
  }
  await store.connect();
  return { display: url.display, store, batches: () => store.read(), close: () => store.close() };
}
