/**
 * `@wharf/store-gcs`: Parquet datasets in Google Cloud Storage, on the object-storage engine
 * of `@wharf/store-parquet`.
 */
export type { GcsClientOptions } from './gcs-client.js';
export { createGcsStorage, type GcsStorageOptions } from './gcs-storage.js';
export { GcsStore, type GcsStoreOptions } from './gcs-store.js';
