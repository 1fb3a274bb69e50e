/**
 * `@wharf/store-adls`: Parquet datasets in Azure Data Lake Storage Gen2 — the
 * {@link AdlsStore}, and {@link createAdlsStorage} for the object-storage engine of
 * `@wharf/store-parquet/object`.
 */
export type { AdlsStorageOptions, AdlsTokenCredential } from './adls-options.js';
export { createAdlsStorage } from './adls-storage.js';
export { AdlsStore, type AdlsStoreOptions } from './adls-store.js';
