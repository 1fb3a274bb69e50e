/**
 * `@wharf/store-s3`: wharf stores for Parquet datasets in Amazon S3 and S3-compatible object
 * storage, and the `ObjectStorage` they are built on.
 */
export type { S3Credentials, S3StorageOptions } from './s3-options.js';
export { createS3Storage } from './s3-storage.js';
export { S3Store, type S3StoreOptions } from './s3-store.js';
