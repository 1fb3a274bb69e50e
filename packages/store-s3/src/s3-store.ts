/**
 * `S3Store`: a Parquet dataset in an S3 bucket (or an S3-compatible service), written with the
 * staged-write engine of `@wharf/store-parquet/object`.
 */
import { type ObjectParquetSettings, ObjectParquetStore } from '@wharf/store-parquet/object';
import { resolveS3Options, type S3StorageOptions } from './s3-options.js';
import { createS3Storage } from './s3-storage.js';

/** The options of {@link S3Store}: where the dataset is, how to reach it, and its settings. */
export interface S3StoreOptions extends S3StorageOptions, ObjectParquetSettings {}

/** `s3:bucket/prefix/table` (`s3:bucket` at the bucket's root): the store's name in messages. */
function storeName(options: S3StorageOptions): string {
  const { bucket, prefix } = resolveS3Options(options);
  return prefix ? `s3:${bucket}/${prefix}` : `s3:${bucket}`;
}

/**
 * A Parquet dataset in S3. Nothing a run writes is visible before `finish()`; in the default
 * `'commits'` layout a commit is one small record created with `If-None-Match: *`, so it is
 * atomic, and two writers racing for the same commit can never both win.
 *
 * The constructor checks the options (a `ValidationError` names the faulty one) and makes no
 * request; `connect()` checks that the bucket exists and the credentials work.
 *
 * @example
 * import { runFlow } from '@wharf/store-core';
 * import { S3Store } from '@wharf/store-s3';
 *
 * const store = new S3Store({ bucket: 'analytics', prefix: 'warehouse/trips', region: 'eu-west-1' });
 * const report = await runFlow(() => batches(), store, { runType: 'full_drop' });
 * await store.close();
 */
export class S3Store extends ObjectParquetStore {
  constructor(options: S3StoreOptions) {
    const name = storeName(options);
    super({ name, storage: createS3Storage(options), settings: options });
  }
}
