/**
 * Arrow IPC → Parquet bytes with parquet-wasm (the Rust `parquet` crate compiled to
 * WebAssembly). Used as is by the encoder worker and by the in-thread encoder, so both write
 * byte-identical files.
 */
import type * as ParquetWasm from 'parquet-wasm/node';

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

/** The parquet-wasm module (its Node.js build). */
export type ParquetWasmModule = typeof ParquetWasm;

/** Encodes an Arrow IPC stream as one Parquet file. Throws parquet-wasm's error as is. */
export function encodeIpcStream(
  wasm: ParquetWasmModule,
  ipc: Uint8Array,
  settings: EncodeSettings,
): Uint8Array {
  const table = wasm.Table.fromIPCStream(ipc);
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(codecOf(wasm, settings.compression))
    .setMaxRowGroupSize(settings.rowGroupRows)
    .setDictionaryEnabled(settings.dictionaryEncoding);
  for (const column of settings.dictionaryColumns) {
    builder = builder.setColumnDictionaryEnabled(column, true);
  }
  return wasm.writeParquet(table, builder.build());
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
