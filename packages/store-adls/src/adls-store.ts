/**
 * `AdlsStore`: a Parquet dataset in an Azure Data Lake Storage Gen2 file system, written by
 * the object-storage engine of `@wharf/store-parquet` through {@link createAdlsStorage}.
 */
import { ValidationError } from '@wharf/store-core';
import { type ObjectParquetSettings, ObjectParquetStore } from '@wharf/store-parquet/object';
import type { AdlsStorageOptions } from './adls-options.js';
import { createAdlsStorage } from './adls-storage.js';

/** Where the dataset is, how to authenticate, and the dataset settings. */
export interface AdlsStoreOptions extends AdlsStorageOptions, ObjectParquetSettings {}

/**
 * A wharf store whose production is a Parquet dataset in ADLS Gen2: data files under the
 * prefix, published by a commit record that is created only if absent (the `'commits'`
 * layout, atomic), or plain Parquet files moved in with atomic renames (the `'folder'`
 * layout). Its name is `abfss:<fileSystem>/<prefix>`.
 *
 * @example
 * import { runFlow } from '@wharf/store-core';
 * import { AdlsStore } from '@wharf/store-adls';
 *
 * const store = new AdlsStore({ account: 'mylake', fileSystem: 'datasets', prefix: 'trips' });
 * await runFlow(() => [table], store, { runType: 'full_drop' });
 * await store.close();
 */
export class AdlsStore extends ObjectParquetStore {
  constructor(options: AdlsStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('AdlsStore: options must be an object');
    }
    const storage = createAdlsStorage(options);
    const { fileSystem, prefix } = storage.describe();
    super({
      name: prefix === '' ? `abfss:${fileSystem}` : `abfss:${fileSystem}/${prefix}`,
      storage,
      settings: options,
    });
  }
}
