/**
 * `@wharf/store-parquet/object`: Parquet datasets in object storage. The engine behind
 * `@wharf/store-s3`, `@wharf/store-gcs` and `@wharf/store-adls`, and the interface a third
 * party implements to put a dataset on another object store.
 */

export { type ObjectPrefixOptions, objectPrefix } from './object-prefix.js';
export type { ObjectLayout, ObjectParquetSettings } from './object-settings.js';
export type {
  ObjectEntry,
  ObjectStorage,
  PutOptions,
  StorageDescription,
} from './object-storage.js';
export {
  type ObjectParquetInit,
  ObjectParquetStore,
} from './object-store.js';
