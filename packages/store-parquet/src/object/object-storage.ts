/**
 * The few object-storage operations a Parquet dataset in a bucket needs. `@wharf/store-s3`,
 * `@wharf/store-gcs` and `@wharf/store-adls` each implement this interface with their cloud's
 * official SDK; {@link ObjectParquetStore} builds the staged writes, the commit records and
 * the reads on top of it.
 *
 * Keys are relative to the store's location (its bucket or file system and prefix) and use
 * `/` as separator, e.g. `data/3f2c….parquet` or `_wharf/commits/00000000000000000001.json`.
 *
 * Every method raises a `StoreError` subclass of `@wharf/store-core`, with the SDK's error as
 * `cause` and no credential in the message:
 * - a throttled, timed-out, reset or 5xx request: a retryable `ConnectionError` (after the
 *   SDK's own retries with backoff are spent);
 * - bad credentials or no permission (401/403): a non-retryable `ConnectionError`;
 * - a missing bucket or file system: a non-retryable `NotFoundError`;
 * - anything else: a `StagingError` (or a `ValidationError` for a request the service refused
 *   as malformed).
 */

/** One object of a listing. */
export interface ObjectEntry {
  /** The key relative to the store's location. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** When the object was last written (the service's clock). */
  readonly lastModified: Date;
}

/** Options of {@link ObjectStorage.put} and {@link ObjectStorage.putIfAbsent}. */
export interface PutOptions {
  /** @default 'application/octet-stream' */
  readonly contentType?: string;
  /**
   * No reader looks at this key before a later commit record names it (a staged data file),
   * so it need not appear whole at once: a service whose uploads are not atomic by
   * themselves (ADLS: create, appends, flush) may then write it in place instead of through
   * a temporary path and a rename. Never set for commit records, journal entries or markers.
   * @default false
   */
  readonly unpublished?: boolean;
}

/** What {@link ObjectStorage.describe} shows of where the data is (no secrets). */
export interface StorageDescription {
  /** A URL naming the location, e.g. `s3://bucket/prefix` (never with credentials). */
  readonly url: string;
  /** Anything else worth showing: the endpoint, the region, the account. */
  readonly [detail: string]: string | number | boolean;
}

export interface ObjectStorage {
  /** The location as a URL for messages, e.g. `s3://bucket/prefix` (never with credentials). */
  readonly url: string;

  /**
   * Checks that the bucket (or file system) exists and is reachable with these credentials.
   * A missing bucket is a `NotFoundError`; an unreachable endpoint a retryable
   * `ConnectionError`; refused credentials a non-retryable `ConnectionError`.
   */
  probe(): Promise<void>;

  /**
   * Writes the object `key` with `body`, replacing any object of that key. Large bodies are
   * sent in parts (S3 multipart, GCS resumable, ADLS append + flush), so a part failing is
   * retried alone.
   */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<void>;

  /**
   * Creates the object `key` only when no object of that key exists, atomically on the
   * service (S3 `If-None-Match: *`, GCS `ifGenerationMatch: 0`, ADLS `If-None-Match: *`).
   * Resolves `true` when this call created it and `false` when the key already existed (the
   * service answered 412 or 409): of two callers racing for one key, exactly one gets `true`.
   */
  putIfAbsent(key: string, body: Uint8Array, options?: PutOptions): Promise<boolean>;

  /** The whole object, or `undefined` when there is no object of that key. */
  get(key: string): Promise<Uint8Array | undefined>;

  /**
   * The bytes `[start, end)` of the object (a ranged GET). An absent object is a
   * `NotFoundError`.
   */
  getRange(key: string, start: number, end: number): Promise<Uint8Array>;

  /** The object's size and time, or `undefined` when there is no object of that key. */
  head(key: string): Promise<ObjectEntry | undefined>;

  /**
   * Every object whose key starts with `prefix` (recursively; `prefix` normally ends in `/`),
   * page by page. The order is unspecified. Directory markers (ADLS) are not listed.
   */
  list(prefix: string): AsyncIterable<ObjectEntry>;

  /** Deletes these objects; keys that do not exist are ignored. */
  delete(keys: readonly string[]): Promise<void>;

  /**
   * Copies the object `from` to `to` on the service (no download), replacing `to`. Used by the
   * plain-folder layout to move staged files into the production prefix. A missing `from` is
   * a `NotFoundError` (another writer may have moved it first).
   */
  copy(from: string, to: string): Promise<void>;

  /**
   * Renames the object `from` to `to` in one atomic operation, replacing `to`; only on
   * services with a hierarchical namespace (ADLS Gen2). Absent elsewhere: the folder layout
   * then copies and deletes.
   */
  rename?(from: string, to: string): Promise<void>;

  /** What `describe()` and `wharf inspect` show of the location. */
  describe(): StorageDescription;

  /** Releases the SDK client (sockets). The storage is not used afterwards. */
  close(): Promise<void>;
}
