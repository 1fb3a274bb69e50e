/**
 * The `ObjectStorage` of `@wharf/store-parquet/object` on Azure Data Lake Storage Gen2, with
 * `@azure/storage-file-datalake`.
 *
 * A write (`put`, `putIfAbsent`, `copy`) first uploads the whole body to a temporary file
 * under `_wharf/tmp/` (create, appends in parallel, flush) and then renames it onto its key in
 * one atomic request. So a reader never sees an empty or half-written object — which writing
 * the key in place would show between the create and the flush — and `putIfAbsent` is a
 * rename with `If-None-Match: *` on the destination: of several racing writers exactly one
 * renames its file in; the others get 409 and remove theirs.
 *
 * Two kinds of `put` skip the temporary file and write the key in place, saving the rename:
 * an `unpublished` one (a staged data file, which no reader looks at before a commit record
 * names it), and an empty body, whose create is the whole write and atomic by itself. A create
 * makes its missing parent directories, so these also never pay for a missing directory.
 */
import { randomUUID } from 'node:crypto';
import type {
  DataLakeFileClient,
  DataLakeFileSystemClient,
  DataLakeRequestConditions,
} from '@azure/storage-file-datalake';
import {
  ConnectionError,
  NotFoundError,
  type StoreError,
  ValidationError,
} from '@wharf/store-core';
import {
  type ObjectEntry,
  type ObjectStorage,
  objectPrefix,
  type PutOptions,
  type StorageDescription,
} from '@wharf/store-parquet/object';
import { type AdlsConnection, connectAdls } from './adls-connection.js';
import {
  ADLS_TEMPORARY_DIRECTORY,
  type DirectoryPolicy,
  directoryPolicy,
  removeEmptyDirectories,
} from './adls-directories.js';
import { azureCodeOf, isMissingPath, statusOf, toAdlsError } from './adls-errors.js';
import { type AdlsStorageOptions, type AdlsTuning, resolveTuning } from './adls-options.js';
import { encodePath, keyOf, parentOf, pathOf } from './adls-paths.js';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** How often a rename creates a missing destination directory and tries again. */
const RENAME_ATTEMPTS = 3;

/** The abfss URL of a location, e.g. `abfss://lake@acct.dfs.core.windows.net/trips`. */
function locationUrl(connection: AdlsConnection, prefix: string): string {
  const endpoint = new URL(connection.endpoint);
  const host = endpoint.hostname.endsWith('.core.windows.net')
    ? `${connection.account}.dfs.core.windows.net`
    : endpoint.host;
  return `abfss://${connection.fileSystem}@${host}/${prefix}`;
}

/** Reads a response body to the end, into a plain `Uint8Array` of exactly its bytes. */
async function readAll(body: NodeJS.ReadableStream | undefined): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  if (body !== undefined) {
    for await (const chunk of body) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
      chunks.push(data);
      length += data.byteLength;
    }
  }
  const result = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return result;
}

/** Runs `work` on every item, at most `limit` at once; rejects with the first failure. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

function isDirectoryEntry(metadata: Record<string, string> | undefined): boolean {
  return metadata?.hdi_isfolder === 'true';
}

class AdlsObjectStorage implements ObjectStorage {
  readonly url: string;
  readonly #connection: AdlsConnection;
  readonly #client: DataLakeFileSystemClient;
  readonly #prefix: string;
  readonly #tuning: AdlsTuning;
  readonly #directories: DirectoryPolicy;
  /** Files renamed away since the last delete: their emptied directories go at the next one. */
  readonly #renamedAway = new Set<string>();
  /**
   * Kept directories that a listing found missing (a new dataset): a rename into one creates
   * it first, one request, instead of failing, creating it and renaming again. Only a hint: if
   * another writer created it meanwhile, the create finds it (409, ignored).
   */
  readonly #missingDirectories = new Set<string>();
  #closed = false;

  constructor(connection: AdlsConnection, prefix: string, tuning: AdlsTuning) {
    this.#connection = connection;
    this.#client = connection.client;
    this.#prefix = prefix;
    this.#tuning = tuning;
    this.#directories = directoryPolicy(prefix);
    this.url = locationUrl(connection, prefix);
  }

  #fail(error: unknown, action: string): StoreError {
    return toAdlsError(error, {
      url: this.url,
      action,
      fileSystem: this.#connection.fileSystem,
      account: this.#connection.account,
      secrets: this.#connection.secrets,
    });
  }

  #ensureOpen(action: string): void {
    if (this.#closed) {
      throw new ConnectionError(`${this.url}: ${action} failed: the storage is closed`, {
        retryable: false,
      });
    }
  }

  #file(path: string): DataLakeFileClient {
    return this.#client.getFileClient(path);
  }

  async probe(): Promise<void> {
    this.#ensureOpen('probe');
    try {
      await this.#client.getProperties();
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new NotFoundError(
          `${this.url}: probe failed: the file system "${this.#connection.fileSystem}" does not exist in the storage account "${this.#connection.account}"`,
          { cause: error, secrets: this.#connection.secrets },
        );
      }
      throw this.#fail(error, 'probe');
    }
  }

  /** Writes `body` to the file `path`: create, appends (in parallel when large), flush. */
  async #upload(path: string, body: Uint8Array, options: PutOptions | undefined): Promise<void> {
    const data = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    await this.#file(path).upload(data, {
      chunkSize: this.#tuning.partSize,
      singleUploadThreshold: this.#tuning.partSize,
      maxConcurrency: this.#tuning.concurrency,
      pathHttpHeaders: { contentType: options?.contentType ?? DEFAULT_CONTENT_TYPE },
    });
    // The create made the file's missing parent directories.
    for (let directory = parentOf(path); directory !== ''; directory = parentOf(directory)) {
      this.#missingDirectories.delete(directory);
    }
  }

  /** Uploads `body` to a new temporary file and returns its path. */
  async #uploadTemporary(body: Uint8Array, options: PutOptions | undefined): Promise<string> {
    const path = pathOf(this.#prefix, `${ADLS_TEMPORARY_DIRECTORY}/${randomUUID()}`);
    try {
      await this.#upload(path, body, options);
    } catch (error) {
      await this.#deleteQuietly(path);
      throw error;
    }
    return path;
  }

  async #deleteQuietly(path: string): Promise<void> {
    await this.#file(path)
      .deleteIfExists()
      .catch(() => undefined);
  }

  /**
   * Renames `source` onto `target` (one atomic request). A destination directory that does not
   * exist (the service requires the parent) is created and the rename tried again.
   */
  async #move(
    source: string,
    target: string,
    destinationConditions?: DataLakeRequestConditions,
  ): Promise<void> {
    const parent = parentOf(target);
    if (this.#missingDirectories.delete(parent)) {
      await this.#client.getDirectoryClient(parent).createIfNotExists();
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#file(source).move(
          encodePath(target),
          destinationConditions === undefined ? {} : { destinationConditions },
        );
        return;
      } catch (error) {
        if (
          attempt < RENAME_ATTEMPTS &&
          parent !== '' &&
          azureCodeOf(error) === 'RenameDestinationParentPathNotFound'
        ) {
          await this.#client.getDirectoryClient(parent).createIfNotExists();
          continue;
        }
        throw error;
      }
    }
  }

  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    const action = `put "${key}"`;
    this.#ensureOpen(action);
    const target = pathOf(this.#prefix, key);
    if (options?.unpublished === true || body.byteLength === 0) {
      try {
        await this.#upload(target, body, options);
      } catch (error) {
        // What a failed upload left at the key is not the object: do not leave it there.
        if (body.byteLength > 0) await this.#deleteQuietly(target);
        throw this.#fail(error, action);
      }
      return;
    }
    let temporary: string | undefined;
    try {
      temporary = await this.#uploadTemporary(body, options);
      await this.#move(temporary, target);
    } catch (error) {
      // The SDK retried a rename whose first try went through: the temporary file is gone.
      if (temporary !== undefined && azureCodeOf(error) === 'SourcePathNotFound') return;
      if (temporary !== undefined) await this.#deleteQuietly(temporary);
      throw this.#fail(error, action);
    }
  }

  /**
   * Always through a temporary file, `unpublished` or not: the conditional rename is what makes
   * the create atomic, and what tells a retried rename of this call from another writer's file.
   */
  async putIfAbsent(key: string, body: Uint8Array, options?: PutOptions): Promise<boolean> {
    const action = `putIfAbsent "${key}"`;
    this.#ensureOpen(action);
    const target = pathOf(this.#prefix, key);
    let temporary: string | undefined;
    try {
      temporary = await this.#uploadTemporary(body, options);
      await this.#move(temporary, target, { ifNoneMatch: '*' });
      return true;
    } catch (error) {
      if (temporary === undefined) throw this.#fail(error, action);
      const status = statusOf(error);
      // A retried rename whose first try went through finds its source gone, or (depending on
      // the order the service checks in) its destination taken — by this very file.
      if (azureCodeOf(error) === 'SourcePathNotFound') return true;
      if (status === 409 || status === 412) {
        const stillHere = await this.#file(temporary)
          .exists()
          .catch(() => true);
        if (!stillHere) return true;
        await this.#deleteQuietly(temporary);
        return false;
      }
      await this.#deleteQuietly(temporary);
      throw this.#fail(error, action);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const action = `get "${key}"`;
    this.#ensureOpen(action);
    const file = this.#file(pathOf(this.#prefix, key));
    try {
      const response = await file.read(0, undefined, {
        maxRetryRequests: this.#tuning.maxRetries,
      });
      const body = await readAll(response.readableStreamBody);
      return isDirectoryEntry(response.metadata) ? undefined : body;
    } catch (error) {
      if (isMissingPath(error)) return undefined;
      throw this.#fail(error, action);
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    const action = `getRange "${key}" [${start}, ${end})`;
    this.#ensureOpen(action);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new ValidationError(`${this.url}: ${action} failed: not a byte range`);
    }
    if (end === start) {
      if ((await this.head(key)) === undefined) {
        throw new NotFoundError(`${this.url}: ${action} failed: no object "${key}"`);
      }
      return new Uint8Array(0);
    }
    const file = this.#file(pathOf(this.#prefix, key));
    try {
      const response = await file.read(start, end - start, {
        maxRetryRequests: this.#tuning.maxRetries,
      });
      return await readAll(response.readableStreamBody);
    } catch (error) {
      throw this.#fail(error, action);
    }
  }

  async head(key: string): Promise<ObjectEntry | undefined> {
    const action = `head "${key}"`;
    this.#ensureOpen(action);
    try {
      const properties = await this.#file(pathOf(this.#prefix, key)).getProperties();
      if (isDirectoryEntry(properties.metadata)) return undefined;
      return {
        key,
        size: properties.contentLength ?? 0,
        lastModified: properties.lastModified ?? new Date(0),
      };
    } catch (error) {
      if (isMissingPath(error)) return undefined;
      throw this.#fail(error, action);
    }
  }

  /**
   * Lists the directory the prefix names (or the one it ends in) recursively, skipping
   * directories and the temporary files of writes in flight.
   */
  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    const action = `list "${prefix}"`;
    this.#ensureOpen(action);
    if (typeof prefix !== 'string' || prefix.startsWith('/')) {
      throw new ValidationError(`${this.url}: ${action} failed: not a key prefix`);
    }
    const wanted = this.#prefix === '' ? prefix : `${this.#prefix}/${prefix}`;
    const directory = parentOf(wanted);
    const temporary = `${pathOf(this.#prefix, ADLS_TEMPORARY_DIRECTORY)}/`;
    const pages = this.#client
      .listPaths({ recursive: true, ...(directory === '' ? {} : { path: directory }) })
      .byPage({ maxPageSize: this.#tuning.listPageSize });
    try {
      for await (const page of pages) {
        for (const entry of page.pathItems ?? []) {
          const name = entry.name;
          if (entry.isDirectory || name === undefined || !name.startsWith(wanted)) continue;
          // Uploads in flight are not objects yet (as S3 does not list unfinished uploads).
          if (name.startsWith(temporary)) continue;
          yield {
            key: keyOf(this.#prefix, name),
            size: entry.contentLength ?? 0,
            lastModified: entry.lastModified ?? new Date(0),
          };
        }
      }
    } catch (error) {
      if (isMissingPath(error)) {
        // The directory does not exist: nothing below it.
        if (this.#directories.isKept(directory)) this.#missingDirectories.add(directory);
        return;
      }
      throw this.#fail(error, action);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    const action = `delete ${keys.length} object(s)`;
    this.#ensureOpen(action);
    const paths = [...new Set(keys.map((key) => pathOf(this.#prefix, key)))];
    try {
      await forEachLimited(paths, this.#tuning.concurrency, async (path) => {
        try {
          await this.#file(path).delete();
        } catch (error) {
          if (!isMissingPath(error)) throw error;
        }
      });
    } catch (error) {
      throw this.#fail(error, action);
    }
    const emptied = this.#directories.emptied([...paths, ...this.#renamedAway]);
    this.#renamedAway.clear();
    await removeEmptyDirectories(this.#client, emptied);
  }

  async copy(from: string, to: string): Promise<void> {
    const action = `copy "${from}" to "${to}"`;
    this.#ensureOpen(action);
    let body: Uint8Array;
    let contentType: string | undefined;
    try {
      const response = await this.#file(pathOf(this.#prefix, from)).read(0, undefined, {
        maxRetryRequests: this.#tuning.maxRetries,
      });
      contentType = response.contentType;
      body = await readAll(response.readableStreamBody);
    } catch (error) {
      throw this.#fail(error, action);
    }
    await this.put(to, body, contentType === undefined ? {} : { contentType });
  }

  /**
   * The directory the file leaves is not checked here (that would be a request per file, and
   * a folder-layout commit renames every staged file): the next `delete` removes it if empty.
   */
  async rename(from: string, to: string): Promise<void> {
    const action = `rename "${from}" to "${to}"`;
    this.#ensureOpen(action);
    const source = pathOf(this.#prefix, from);
    try {
      await this.#move(source, pathOf(this.#prefix, to));
    } catch (error) {
      throw this.#fail(error, action);
    }
    this.#renamedAway.add(source);
  }

  describe(): StorageDescription {
    return {
      url: this.url,
      account: this.#connection.account,
      fileSystem: this.#connection.fileSystem,
      prefix: this.#prefix,
      endpoint: this.#connection.endpoint,
      auth: this.#connection.auth,
    };
  }

  async close(): Promise<void> {
    // The SDK keeps no connection of its own to end: its sockets are pooled by Node's agent.
    this.#closed = true;
  }
}

/**
 * An {@link ObjectStorage} on an ADLS Gen2 file system, for `ObjectParquetStore` (or directly).
 * Throws a `ValidationError` for missing or invalid options; makes no request until used.
 *
 * @example
 * const storage = createAdlsStorage({
 *   account: 'mylake',
 *   fileSystem: 'datasets',
 *   prefix: 'trips',
 *   accountKey: process.env.AZURE_STORAGE_KEY,
 * });
 * await storage.putIfAbsent('_wharf/commits/1.json', body); // true, then false
 */
export function createAdlsStorage(options: AdlsStorageOptions): ObjectStorage {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('ADLS storage: options must be an object');
  }
  const tuning = resolveTuning(options);
  const prefix = objectPrefix(options, 'ADLS storage');
  return new AdlsObjectStorage(connectAdls(options, tuning), prefix, tuning);
}
