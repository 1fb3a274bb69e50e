/**
 * `@wharf/store-parquet`: a wharf store for Parquet datasets on the local filesystem, with
 * atomic commits (versioned folders behind a symlink switched by `rename()`), exactly-once
 * retries and crash recovery.
 */
export type { ParquetCompression } from './parquet-codec.js';
export { type ReadFileOptions, readParquetFile } from './parquet-file.js';
export { MANIFEST_FILE } from './parquet-layout.js';
export type { DatasetManifest, ManifestFile } from './parquet-manifest.js';
export type { FileNaming } from './parquet-publish.js';
export {
  type ParquetLocation,
  ParquetStore,
  type ParquetStoreOptions,
  type ParquetStoreSettings,
} from './parquet-store.js';
export { PARQUET_ARROW_TYPES } from './parquet-writing.js';
