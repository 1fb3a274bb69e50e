/**
 * Reading Parquet files back as Arrow record batches, one file at a time and a row group at a
 * time: parquet-wasm's async reader asks for byte ranges, which are read from an open file
 * handle. Memory holds one decoded batch, not the file. The open handle also keeps the file
 * readable if a later commit removes its name.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { type RecordBatch, type Schema, tableFromIPC } from 'apache-arrow';
import { loadParquetWasm } from './parquet-encoder.js';

/** Rows per batch that `read()` yields. */
export const READ_BATCH_ROWS = 65_536;

/** Options of {@link readParquetFile}. */
export interface ReadFileOptions {
  /**
   * Only these columns. Those the file lacks are left out; when it has none of them, its first
   * column is read so that the rows still count. @default every column
   */
  readonly columns?: readonly string[];
  /** @default {@link READ_BATCH_ROWS} */
  readonly batchRows?: number;
}

/** The slice of a blob that parquet-wasm reads: `size`, `slice()` and `arrayBuffer()`. */
export interface BlobLike {
  readonly size: number;
  slice(start?: number, end?: number): BlobLike;
  arrayBuffer(): Promise<ArrayBuffer>;
}

function handleBlob(handle: FileHandle, start: number, end: number): BlobLike {
  return {
    size: end - start,
    slice(from = 0, to = end - start) {
      const begin = Math.min(end, start + Math.max(0, Math.floor(from)));
      return handleBlob(handle, begin, Math.max(begin, Math.min(end, start + Math.floor(to))));
    },
    async arrayBuffer() {
      const bytes = new Uint8Array(end - start);
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesRead } = await handle.read(
          bytes,
          offset,
          bytes.length - offset,
          start + offset,
        );
        if (bytesRead === 0) break;
        offset += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

/** What a Parquet file's footer tells. */
export interface ParquetFileInfo {
  readonly schema: Schema;
  readonly rows: number;
  /** Size of the file. */
  readonly bytes: number;
}

/** The Arrow schema and row count of a Parquet file, from its footer (the data is not read). */
export async function readParquetInfo(path: string): Promise<ParquetFileInfo> {
  const wasm = await loadParquetWasm();
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const file = await wasm.ParquetFile.fromFile(handleBlob(handle, 0, size) as unknown as Blob);
    try {
      const schema = tableFromIPC(file.schema().intoIPCStream()).schema;
      const rows = file.metadata().fileMetadata().numRows();
      return { schema, rows, bytes: size };
    } finally {
      file.free();
    }
  } finally {
    await handle.close();
  }
}

/** Streams the record batches of the Parquet file at `path`, row group by row group. */
export async function* readParquetFile(
  path: string,
  options: ReadFileOptions = {},
): AsyncGenerator<RecordBatch> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    yield* readParquetBlob(handleBlob(handle, 0, size), options);
  } finally {
    await handle.close();
  }
}

/**
 * Streams the record batches of a Parquet file reached through `blob` (byte ranges read on
 * demand: a local file handle, or ranged GETs of an object), row group by row group.
 */
export async function* readParquetBlob(
  blob: BlobLike,
  options: ReadFileOptions = {},
): AsyncGenerator<RecordBatch> {
  const wasm = await loadParquetWasm();
  const file = await wasm.ParquetFile.fromFile(blob as unknown as Blob);
  try {
    let columns: string[] | undefined;
    if (options.columns !== undefined) {
      const present = tableFromIPC(file.schema().intoIPCStream()).schema.fields.map(
        (field) => field.name,
      );
      columns = options.columns.filter((name) => present.includes(name));
      // None of the wanted columns is in this file (they were added later): read the
      // cheapest column anyway, for the row count; the caller fills the wanted ones with nulls.
      if (columns.length === 0 && present[0] !== undefined) columns = [present[0]];
    }
    const stream = (await file.stream({
      batchSize: options.batchRows ?? READ_BATCH_ROWS,
      ...(columns ? { columns } : {}),
    })) as ReadableStream<{ intoIPCStream(): Uint8Array }>;
    for await (const batch of stream) {
      yield* tableFromIPC(batch.intoIPCStream()).batches;
    }
  } finally {
    file.free();
  }
}
