/**
 * `GcsStore`: a Parquet dataset in a Google Cloud Storage bucket, written by the
 * `ObjectParquetStore` engine of `@wharf/store-parquet` through {@link createGcsStorage}.
 */
import { ValidationError } from '@wharf/store-core';
import {
  type ObjectParquetSettings,
  ObjectParquetStore,
  objectPrefix,
} from '@wharf/store-parquet/object';
import { locationName, validateBucketName } from './gcs-location.js';
import { createGcsStorage, type GcsStorageOptions } from './gcs-storage.js';

/**
 * The options of a {@link GcsStore}: where the dataset is (`bucket`, `prefix`, `table`), how
 * to reach and authenticate to Cloud Storage, and the dataset settings every object-storage
 * Parquet store shares (`layout`, `compression`, `runType`, `key`, …).
 */
export interface GcsStoreOptions extends GcsStorageOptions, ObjectParquetSettings {}

function checkedOptions(options: GcsStoreOptions): GcsStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('GCS store: options are required, e.g. { bucket: "my-bucket" }');
  }
  validateBucketName(options.bucket);
  if (options.credentials !== undefined && typeof options.credentials !== 'object') {
    throw new ValidationError(
      'GCS store: `credentials` must be an object (a parsed service-account key); use `keyFilename` for a path',
    );
  }
  if (options.credentials !== undefined && options.keyFilename !== undefined) {
    throw new ValidationError('GCS store: give `credentials` or `keyFilename`, not both');
  }
  return options;
}

/**
 * A Parquet dataset at `gs://<bucket>/<prefix>`: Arrow batches staged as Parquet files and
 * published by a commit record created with `ifGenerationMatch: 0` (the `'commits'` layout),
 * or moved into the folder at commit (the `'folder'` layout). The constructor checks the
 * options and does no I/O; `connect()` checks that the bucket is reachable.
 *
 * @example
 * import { runFlow } from '@wharf/store-core';
 * import { GcsStore } from '@wharf/store-gcs';
 *
 * const store = new GcsStore({ bucket: 'analytics', prefix: 'warehouse/trips' });
 * const report = await runFlow(() => batches(), store, { runType: 'incremental' });
 */
export class GcsStore extends ObjectParquetStore {
  constructor(options: GcsStoreOptions) {
    const checked = checkedOptions(options);
    super({
      name: locationName({
        bucket: checked.bucket,
        prefix: objectPrefix(checked, `gs:${checked.bucket}`),
      }),
      storage: createGcsStorage(checked),
      settings: checked,
    });
  }
}
