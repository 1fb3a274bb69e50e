/**
 * `createGcsStorage`: the `ObjectStorage` of `@wharf/store-parquet/object` on Google Cloud
 * Storage, with `@google-cloud/storage`. Keys are relative to `gs://<bucket>/<prefix>/`.
 */
import type { File, Storage } from '@google-cloud/storage';
import { ConnectionError, NotFoundError, ValidationError } from '@wharf/store-core';
import {
  type ObjectEntry,
  type ObjectPrefixOptions,
  type ObjectStorage,
  objectPrefix,
  type PutOptions,
  type StorageDescription,
} from '@wharf/store-parquet/object';
import {
  createGcsClient,
  credentialSecrets,
  type GcsClientOptions,
  retrySettings,
} from './gcs-client.js';
import {
  inspectGcsError,
  isObjectMissing,
  isPreconditionFailure,
  toStoreError,
} from './gcs-errors.js';
import { type GcsLocation, locationUrl, validateBucketName } from './gcs-location.js';

/** Where the objects are, how to reach them, and how to send them. */
export interface GcsStorageOptions extends GcsClientOptions, ObjectPrefixOptions {
  /** The bucket (it must exist). Required. */
  bucket: string;
  /**
   * A `Storage` client you built yourself (custom auth, an `authClient`, interceptors). The
   * authentication and retry options are then ignored: the client keeps its own
   * `retryOptions`, whose default retries a write only when it carries a precondition. It is
   * not closed with the store.
   */
  client?: Storage;
  /**
   * Bodies larger than this are sent as a resumable upload in chunks of `chunkSizeBytes`
   * (a failed chunk is resent alone); smaller ones in one multipart request.
   * @default 8_388_608 (8 MiB)
   */
  resumableThresholdBytes?: number;
  /**
   * The size of one request of a resumable upload: a multiple of 256 KiB. Each chunk is held
   * in memory until the service has it.
   * @default 8_388_608 (8 MiB)
   */
  chunkSizeBytes?: number;
  /** Objects per listing request, 1 to 1000. @default 1000 */
  listPageSize?: number;
  /** Deletes in flight at once (the JSON API deletes one object per request). @default 16 */
  deleteConcurrency?: number;
}

const MIB = 1024 * 1024;
const CHUNK_UNIT = 256 * 1024;
const DEFAULT_RESUMABLE_THRESHOLD = 8 * MIB;
const DEFAULT_CHUNK_SIZE = 8 * MIB;
const DEFAULT_LIST_PAGE_SIZE = 1000;
const DEFAULT_DELETE_CONCURRENCY = 16;
const DEFAULT_ENDPOINT = 'https://storage.googleapis.com';

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ValidationError(`GCS store: \`${name}\` must be a positive integer, got ${value}`);
  }
  return value;
}

interface Settings {
  readonly resumableThreshold: number;
  readonly chunkSize: number;
  readonly listPageSize: number;
  readonly deleteConcurrency: number;
}

function checkSettings(options: GcsStorageOptions): Settings {
  const chunkSize = positiveInteger('chunkSizeBytes', options.chunkSizeBytes, DEFAULT_CHUNK_SIZE);
  if (chunkSize % CHUNK_UNIT !== 0) {
    throw new ValidationError(
      `GCS store: \`chunkSizeBytes\` must be a multiple of 262144 (256 KiB), got ${chunkSize}`,
    );
  }
  const listPageSize = positiveInteger(
    'listPageSize',
    options.listPageSize,
    DEFAULT_LIST_PAGE_SIZE,
  );
  if (listPageSize > 1000) {
    throw new ValidationError(
      `GCS store: \`listPageSize\` must be at most 1000, got ${listPageSize}`,
    );
  }
  return {
    resumableThreshold: positiveInteger(
      'resumableThresholdBytes',
      options.resumableThresholdBytes,
      DEFAULT_RESUMABLE_THRESHOLD,
    ),
    chunkSize,
    listPageSize,
    deleteConcurrency: positiveInteger(
      'deleteConcurrency',
      options.deleteConcurrency,
      DEFAULT_DELETE_CONCURRENCY,
    ),
  };
}

function authDescription(options: GcsStorageOptions): string {
  if (options.client !== undefined) return 'client';
  if (options.credentials !== undefined) return 'credentials';
  if (options.keyFilename !== undefined) return 'key file';
  if (options.apiEndpoint !== undefined) return 'none (custom endpoint)';
  return 'application default credentials';
}

/** The endpoint without user information, query or trailing slash, for `describe()`. */
function displayEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(invalid endpoint)';
  }
}

/** The body as a `Buffer` without copying (the SDK hashes and streams Buffers). */
function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function checkKey(url: string, key: unknown): string {
  if (typeof key !== 'string' || key === '' || key.startsWith('/')) {
    throw new ValidationError(`${url}: invalid object key ${JSON.stringify(key)}`);
  }
  return key;
}

/**
 * An `ObjectStorage` on a Cloud Storage bucket, under `prefix` (and `table`, one more
 * segment), for `ObjectParquetStore` (or any other use of
 * the interface). It does no I/O until called; `probe()` checks the bucket.
 *
 * - `put` sends a body up to `resumableThresholdBytes` in one multipart request and a larger
 *   one as a resumable upload in `chunkSizeBytes` chunks.
 * - `putIfAbsent` sends `ifGenerationMatch: 0` and resolves `false` on 412.
 * - `list` pages through `objects.list` (recursive, `listPageSize` a page).
 * - `delete` deletes `deleteConcurrency` objects at a time, ignoring missing ones.
 * - `copy` is a server-side rewrite.
 *
 * @example
 * const storage = createGcsStorage({ bucket: 'analytics', prefix: 'warehouse/trips' });
 * await storage.probe();
 * await storage.put('hello.txt', new TextEncoder().encode('hi'));
 * for await (const entry of storage.list('')) console.log(entry.key, entry.size);
 */
export function createGcsStorage(options: GcsStorageOptions): ObjectStorage {
  const bucketName = validateBucketName(options?.bucket);
  const location: GcsLocation = {
    bucket: bucketName,
    prefix: objectPrefix(options, `gs:${bucketName}`),
  };
  const settings = checkSettings(options);
  const retries = retrySettings(options);
  const client = options.client ?? createGcsClient(options);
  const bucket = client.bucket(location.bucket);
  const url = locationUrl(location);
  const secrets = credentialSecrets(options.credentials);
  let closed = false;

  const objectName = (key: string) => {
    checkKey(url, key);
    return location.prefix === '' ? key : `${location.prefix}/${key}`;
  };
  const relativeKey = (name: string) =>
    location.prefix === '' ? name : name.slice(location.prefix.length + 1);
  const listPrefix = (prefix: string) =>
    location.prefix === '' ? prefix : `${location.prefix}/${prefix}`;

  const fail = (action: string, error: unknown) =>
    toStoreError(error, { url, bucket: location.bucket, action, secrets });

  /** Runs one SDK call, translating its errors. */
  async function run<T>(action: string, call: () => Promise<T>): Promise<T> {
    if (closed) {
      throw new ConnectionError(`${url}: ${action} failed: the storage is closed`, {
        retryable: false,
      });
    }
    try {
      return await call();
    } catch (error) {
      throw fail(action, error);
    }
  }

  function saveOptions(body: Uint8Array, putOptions: PutOptions | undefined) {
    const contentType = putOptions?.contentType ?? 'application/octet-stream';
    const resumable = body.byteLength > settings.resumableThreshold;
    return {
      resumable,
      contentType,
      metadata: { contentType },
      ...(resumable ? { chunkSize: settings.chunkSize } : {}),
    };
  }

  async function head(key: string): Promise<ObjectEntry | undefined> {
    const file = bucket.file(objectName(key));
    return run(`head ${key}`, async () => {
      try {
        const [metadata] = await file.getMetadata();
        return {
          key,
          size: Number(metadata.size ?? 0),
          lastModified: new Date(String(metadata.updated ?? metadata.timeCreated)),
        };
      } catch (error) {
        if (isObjectMissing(inspectGcsError(error))) return undefined;
        throw error;
      }
    });
  }

  async function deleteOne(file: File): Promise<void> {
    try {
      await file.delete();
    } catch (error) {
      if (!isObjectMissing(inspectGcsError(error))) throw error;
    }
  }

  return {
    url,

    async probe() {
      await run('probe', async () => {
        // A listing needs only storage.objects.list, which the store needs anyway; reading
        // the bucket's metadata would need storage.buckets.get, which many roles lack.
        await bucket.getFiles({
          prefix: listPrefix(''),
          maxResults: 1,
          autoPaginate: false,
        });
      });
    },

    async put(key, body, putOptions) {
      const file = bucket.file(objectName(key));
      await run(`put ${key}`, () => file.save(asBuffer(body), saveOptions(body, putOptions)));
    },

    async putIfAbsent(key, body, putOptions) {
      const file = bucket.file(objectName(key));
      return run(`putIfAbsent ${key}`, async () => {
        try {
          await file.save(asBuffer(body), {
            ...saveOptions(body, putOptions),
            preconditionOpts: { ifGenerationMatch: 0 },
          });
          return true;
        } catch (error) {
          if (isPreconditionFailure(inspectGcsError(error))) return false;
          throw error;
        }
      });
    },

    async get(key) {
      const file = bucket.file(objectName(key));
      return run(`get ${key}`, async () => {
        try {
          const [contents] = await file.download();
          return contents;
        } catch (error) {
          if (isObjectMissing(inspectGcsError(error))) return undefined;
          throw error;
        }
      });
    },

    async getRange(key, start, end) {
      const file = bucket.file(objectName(key));
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
        throw new ValidationError(`${url}: getRange ${key}: invalid range [${start}, ${end})`);
      }
      if (start === end) {
        if ((await head(key)) === undefined) {
          throw new NotFoundError(`${url}: getRange ${key} failed: no such object`);
        }
        return new Uint8Array(0);
      }
      // The SDK's `end` is inclusive, like the HTTP Range header.
      return run(`getRange ${key}`, async () => (await file.download({ start, end: end - 1 }))[0]);
    },

    head,

    async *list(prefix) {
      const full = listPrefix(prefix);
      let pageToken: string | undefined;
      do {
        const [files, next] = await run(`list ${prefix === '' ? '(all)' : prefix}`, () =>
          bucket.getFiles({
            prefix: full,
            maxResults: settings.listPageSize,
            autoPaginate: false,
            ...(pageToken === undefined ? {} : { pageToken }),
          }),
        );
        for (const file of files) {
          // A zero-byte "folder" placeholder some tools create; no key of a dataset ends in /.
          if (file.name.endsWith('/')) continue;
          yield {
            key: relativeKey(file.name),
            size: Number(file.metadata.size ?? 0),
            lastModified: new Date(String(file.metadata.updated ?? file.metadata.timeCreated)),
          };
        }
        pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken || undefined;
      } while (pageToken !== undefined);
    },

    async delete(keys) {
      const names = [...new Set(keys.map((key) => objectName(key)))];
      if (names.length === 0) return;
      let next = 0;
      let failure: unknown;
      const worker = async () => {
        while (failure === undefined && next < names.length) {
          const name = names[next++]!;
          try {
            await run(`delete ${relativeKey(name)}`, () => deleteOne(bucket.file(name)));
          } catch (error) {
            failure ??= error;
          }
        }
      };
      const workers = Math.min(settings.deleteConcurrency, names.length);
      await Promise.all(Array.from({ length: workers }, worker));
      if (failure !== undefined) throw failure;
    },

    async copy(from, to) {
      const source = bucket.file(objectName(from));
      const target = bucket.file(objectName(to));
      return run(`copy ${from} to ${to}`, async () => {
        await source.copy(target);
      });
    },

    describe(): StorageDescription {
      return {
        url,
        bucket: location.bucket,
        prefix: location.prefix,
        endpoint: displayEndpoint(options.apiEndpoint ?? client.apiEndpoint ?? DEFAULT_ENDPOINT),
        auth: authDescription(options),
        resumableThresholdBytes: settings.resumableThreshold,
        chunkSizeBytes: settings.chunkSize,
        ...(options.client === undefined ? { maxRetries: retries.maxRetries } : {}),
      };
    },

    async close() {
      // The SDK holds no connection of its own to release (its HTTP agent's idle sockets do
      // not keep the process alive); a closed storage refuses further calls.
      closed = true;
    },
  };
}
