/**
 * Arrow IPC → Parquet bytes with parquet-wasm (the Rust `parquet` crate compiled to
 * WebAssembly). A file arrives as a sequence of IPC slices; the encoder worker streams them
 * through parquet-wasm's row-group writer, the in-thread encoder writes them at once. Both run
 * the same Rust writer over the same record batches, so both write byte-identical files.
 */
import type * as ParquetWasm from 'parquet-wasm/node';
import { parquetRows } from './parquet-footer.js';

/** The Parquet compression codecs the store offers. */
export type ParquetCompression = 'zstd' | 'snappy' | 'none';

/** How to write one Parquet file. Plain data: it crosses to worker threads. */
export interface EncodeSettings {
  readonly compression: ParquetCompression;
  /** Rows per row group. */
  readonly rowGroupRows: number;
  /** Dictionary-encode every column (Arrow dictionary columns always are). */
  readonly dictionaryEncoding: boolean;
  /** Top-level columns to dictionary-encode even when `dictionaryEncoding` is off. */
  readonly dictionaryColumns: readonly string[];
}

/** What the encoder knows of a file before encoding it. */
export interface FileShape {
  /** Its rows, checked against the file written. */
  readonly rows: number;
  /** Its Arrow bytes: the file's buffer is reserved from this. */
  readonly arrowBytes: number;
}

/** The parquet-wasm module (its Node.js build). */
export type ParquetWasmModule = typeof ParquetWasm;

/**
 * The next IPC slice of the file being encoded, or `undefined` after the last. A slice may be
 * a view of a buffer that is reused: it is valid until the next call.
 */
export type NextSlice = () => Promise<Uint8Array | undefined>;

/**
 * Encodes an Arrow IPC stream as one Parquet file at once: all of it is in WebAssembly memory,
 * twice (Arrow and Parquet). Throws parquet-wasm's error as is.
 */
export function encodeIpcStream(
  wasm: ParquetWasmModule,
  ipc: Uint8Array,
  settings: EncodeSettings,
): Uint8Array {
  return wasm.writeParquet(wasm.Table.fromIPCStream(ipc), writerProperties(wasm, settings));
}

/**
 * Encodes one Parquet file from IPC slices pulled one at a time, row group by row group
 * (`transformParquetStream`): WebAssembly memory holds a slice and the row group in progress,
 * never the file, and each finished row group is handed to `onChunk` at once (a fresh buffer
 * of its own). parquet-wasm's stream ignores its writer's errors (a batch that fails is left
 * out, a failed close never ends the output): the output must end within the tasks already
 * queued when the last slice was taken (a healthy writer finishes in microtasks), or this
 * throws an {@link UnfinishedParquetError}; the file's rows are for the caller to check, with
 * {@link checkRows}. A slice source that throws fails the file with its error.
 */
export async function encodeIpcSlices(
  wasm: ParquetWasmModule,
  nextSlice: NextSlice,
  settings: EncodeSettings,
  shape: FileShape,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  if (shape.rows === 0) {
    // parquet-wasm's stream takes the schema from its first batch: an empty file (one slice,
    // maybe no batch) is written at once.
    onChunk(encodeIpcStream(wasm, (await nextSlice())!, settings));
    while ((await nextSlice()) !== undefined) {
      // Only one slice.
    }
    return;
  }
  let inputError: { error: unknown } | undefined;
  let outputEnded = false;
  let stalled = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const input = new ReadableStream(
    {
      async pull(controller) {
        let slice: Uint8Array | undefined;
        try {
          slice = await nextSlice();
          if (slice !== undefined) {
            const table = wasm.Table.fromIPCStream(slice);
            for (const batch of table.recordBatches()) controller.enqueue(batch);
            table.free();
          }
        } catch (error) {
          inputError = { error };
        }
        if (slice !== undefined && inputError === undefined) return;
        controller.close();
        setImmediate(() => {
          if (outputEnded) return;
          stalled = true;
          void reader?.cancel();
        });
      },
    },
    { highWaterMark: 0 },
  );
  let output: ReadableStream<Uint8Array>;
  try {
    output = await wasm.transformParquetStream(input, writerProperties(wasm, settings));
  } catch (error) {
    throw inputError ? inputError.error : error;
  }
  reader = output.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onChunk(value);
  }
  outputEnded = true;
  if (inputError) throw inputError.error;
  if (stalled) throw new UnfinishedParquetError("parquet-wasm's stream did not finish the file");
}

/**
 * `file`, when its footer declares `rows` rows; an {@link UnfinishedParquetError} otherwise
 * (parquet-wasm's stream left a batch out, or the file has no readable footer).
 */
export function checkRows(file: Uint8Array, rows: number): Uint8Array {
  const written = parquetRows(file);
  if (written === rows) return file;
  throw new UnfinishedParquetError(
    `parquet-wasm's stream ${written === undefined ? 'did not finish the file' : `wrote ${written} of ${rows} rows`}`,
  );
}

/**
 * A file parquet-wasm's stream did not write completely, without saying why. Writing the same
 * batches with {@link encodeIpcStream} gives the reason.
 */
export class UnfinishedParquetError extends Error {
  override readonly name = 'UnfinishedParquetError';
}

/** True for an {@link UnfinishedParquetError}, also one reported by a worker (by its name). */
export function isUnfinishedParquet(error: { name: string }): boolean {
  return error.name === 'UnfinishedParquetError';
}

function writerProperties(
  wasm: ParquetWasmModule,
  settings: EncodeSettings,
): ParquetWasm.WriterProperties {
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(codecOf(wasm, settings.compression))
    .setMaxRowGroupSize(settings.rowGroupRows)
    .setDictionaryEnabled(settings.dictionaryEncoding);
  for (const column of settings.dictionaryColumns) {
    builder = builder.setColumnDictionaryEnabled(column, true);
  }
  return builder.build();
}

function codecOf(
  wasm: ParquetWasmModule,
  compression: ParquetCompression,
): ParquetWasm.Compression {
  switch (compression) {
    case 'zstd':
      return wasm.Compression.ZSTD;
    case 'snappy':
      return wasm.Compression.SNAPPY;
    case 'none':
      return wasm.Compression.UNCOMPRESSED;
  }
}

/**
 * A file's bytes as its row groups arrive, copied once into a buffer reserved for twice the
 * file's Arrow bytes (Parquet rarely takes more than Arrow). The pages of a large buffer that
 * are never written take no memory, so reserving generously costs nothing; a short buffer
 * grows.
 */
export class FileBuffer {
  #buffer: Uint8Array;
  #length = 0;

  /** A buffer for a file of `arrowBytes` bytes of Arrow data. */
  constructor(arrowBytes: number) {
    this.#buffer = new Uint8Array(2 * arrowBytes + 64 * 1024);
  }

  append(chunk: Uint8Array): void {
    if (this.#length + chunk.byteLength > this.#buffer.byteLength) {
      const grown = new Uint8Array(2 * (this.#length + chunk.byteLength));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length += chunk.byteLength;
  }

  /** The file: a view of the buffer (its unused tail was never touched). */
  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }
}

/**
 * True for a WebAssembly trap (`RuntimeError`: a panic inside parquet-wasm). The instance that
 * trapped may be left in an unknown state and is not used again.
 */
export function isCodecTrap(error: unknown): boolean {
  return error instanceof Error && error.name === 'RuntimeError';
}

/** An error that reports a stopped codec (a trap, or a worker that died) as a trap. */
export function codecTrap(message: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? {} : { cause });
  error.name = 'RuntimeError';
  return error;
}
