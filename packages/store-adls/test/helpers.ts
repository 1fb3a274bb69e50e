/**
 * Shared test helpers: the ADLS test server of the global setup, fresh file systems on it,
 * storages over them, and a raw client that reads what the file system holds without going
 * through the storage under test.
 */
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import {
  type DataLakeFileSystemClient,
  DataLakeServiceClient,
  StorageSharedKeyCredential,
} from '@azure/storage-file-datalake';
import type { ObjectEntry, ObjectStorage } from '@wharf/store-parquet/object';
import { inject } from 'vitest';
import { type AdlsStorageOptions, createAdlsStorage } from '../src/index.js';

/** The server's URL (`http://127.0.0.1:<port>/<account>`) and account key. */
export const adlsUrl = inject('wharf.adlsUrl');
export const adlsAccountKey = inject('wharf.adlsAccountKey');
export const adlsAccount = new URL(adlsUrl).pathname.split('/')[1] as string;

/** Retries that wait milliseconds instead of seconds. */
export const quickRetries = { retryDelayMs: 2, maxRetryDelayMs: 10 } as const;

/** A raw client for `url` (the global server unless told otherwise). */
export function rawService(url = adlsUrl, accountKey = adlsAccountKey): DataLakeServiceClient {
  const account = new URL(url).pathname.split('/')[1] as string;
  return new DataLakeServiceClient(url, new StorageSharedKeyCredential(account, accountKey), {
    retryOptions: { maxTries: 3, retryDelayInMs: 2, maxRetryDelayInMs: 10 },
  });
}

/** Creates a file system with a unique name and returns its raw client. */
export async function freshFileSystem(service = rawService()): Promise<DataLakeFileSystemClient> {
  const fileSystem = service.getFileSystemClient(`fs-${randomUUID().slice(0, 18)}`);
  await fileSystem.create();
  return fileSystem;
}

/** A storage on the global server's file system `fileSystem`. */
export function storageOn(
  fileSystem: string,
  options: Partial<AdlsStorageOptions> = {},
): ObjectStorage {
  return createAdlsStorage({
    url: adlsUrl,
    accountKey: adlsAccountKey,
    fileSystem,
    ...quickRetries,
    ...options,
  });
}

/** Every entry a listing yields. */
export async function listAll(storage: ObjectStorage, prefix = ''): Promise<ObjectEntry[]> {
  const entries: ObjectEntry[] = [];
  for await (const entry of storage.list(prefix)) entries.push(entry);
  return entries;
}

/** Every path (files and directories) below `path`, read with the raw client. */
export async function rawPaths(
  fileSystem: DataLakeFileSystemClient,
  path?: string,
): Promise<{ name: string; isDirectory: boolean }[]> {
  const found: { name: string; isDirectory: boolean }[] = [];
  try {
    for await (const entry of fileSystem.listPaths({ recursive: true, path })) {
      found.push({ name: entry.name as string, isDirectory: entry.isDirectory === true });
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return found;
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (reason: unknown) => reason as Error,
  );
}

/** Bytes of a text. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Deterministic pseudo-random bytes. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const data = new Uint8Array(length);
  let state = seed;
  for (let index = 0; index < length; index += 1) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[index] = state >>> 24;
  }
  return data;
}

/** One request the SDK sent, as {@link recordRequests} saw it. */
export interface SentRequest {
  readonly method: string;
  /** The path in the file system (without the account and file system), decoded. */
  readonly path: string;
  /** `action`, `resource` and the like, from the query string. */
  readonly query: URLSearchParams;
  /** The source of a rename (`x-ms-rename-source`), when the request is one. */
  readonly renameSource: string | undefined;
}

/**
 * Records every HTTP request this process sends until `stop()` (Node.js' diagnostics
 * channel, as the benchmark counts them): no proxy and no hook into the storage under test.
 */
export function recordRequests(): { stop(): SentRequest[] } {
  const sent: SentRequest[] = [];
  const onRequest = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    const url = new URL(request.path, 'http://localhost');
    const rename = request.getHeader('x-ms-rename-source');
    sent.push({
      method: request.method,
      // /<account>/<file system>/<path>
      path: decodeURIComponent(url.pathname.split('/').slice(3).join('/')),
      query: url.searchParams,
      renameSource: rename === undefined ? undefined : String(rename),
    });
  };
  subscribe('http.client.request.start', onRequest);
  return {
    stop() {
      unsubscribe('http.client.request.start', onRequest);
      return sent;
    },
  };
}
