/**
 * An object storage around another that records every call, counts the data-file uploads in
 * flight, and lets a test hold a data-file upload back or fail it.
 */
import type { ObjectEntry, ObjectStorage, PutOptions } from '../../dist/object.js';

/** One call the store made. */
export interface StorageCall {
  readonly method: string;
  /** The key, the listed prefix, or the keys deleted (comma-separated). */
  readonly key: string;
  readonly options?: PutOptions;
}

/** What the spy saw, and the switches of the test. */
export interface StorageSpy {
  readonly storage: ObjectStorage;
  readonly calls: StorageCall[];
  /** Data-file uploads started and not finished. */
  readonly uploading: { files: number; bytes: number };
  /** The most `uploading` ever was at once. */
  readonly peak: { files: number; bytes: number };
  /** Data-file uploads started so far. */
  readonly started: () => number;
  /**
   * Called at the start of each data-file upload (index from 0): the upload waits for it, and
   * fails with its error when it rejects.
   */
  beforeUpload?: (index: number, key: string) => Promise<void>;
}

/** A data file: written by a run, named by a commit record later. */
export function isDataKey(key: string): boolean {
  return key.startsWith('data/') || key.startsWith('_wharf/staging/');
}

export function spyStorage(inner: ObjectStorage): StorageSpy {
  const calls: StorageCall[] = [];
  const uploading = { files: 0, bytes: 0 };
  const peak = { files: 0, bytes: 0 };
  let started = 0;
  const spy: StorageSpy = {
    calls,
    uploading,
    peak,
    started: () => started,
    storage: {
      url: inner.url,
      probe: () => inner.probe(),
      async put(key: string, body: Uint8Array, options?: PutOptions) {
        calls.push({ method: 'put', key, ...(options ? { options } : {}) });
        if (!isDataKey(key)) return inner.put(key, body, options);
        const index = started++;
        uploading.files += 1;
        uploading.bytes += body.byteLength;
        peak.files = Math.max(peak.files, uploading.files);
        peak.bytes = Math.max(peak.bytes, uploading.bytes);
        try {
          await spy.beforeUpload?.(index, key);
          await inner.put(key, body, options);
        } finally {
          uploading.files -= 1;
          uploading.bytes -= body.byteLength;
        }
      },
      putIfAbsent(key: string, body: Uint8Array, options?: PutOptions) {
        calls.push({ method: 'putIfAbsent', key, ...(options ? { options } : {}) });
        return inner.putIfAbsent(key, body, options);
      },
      get(key: string) {
        calls.push({ method: 'get', key });
        return inner.get(key);
      },
      getRange(key: string, start: number, end: number) {
        calls.push({ method: 'getRange', key });
        return inner.getRange(key, start, end);
      },
      head(key: string) {
        calls.push({ method: 'head', key });
        return inner.head(key);
      },
      list(prefix: string): AsyncIterable<ObjectEntry> {
        calls.push({ method: 'list', key: prefix });
        return inner.list(prefix);
      },
      delete(keys: readonly string[]) {
        calls.push({ method: 'delete', key: [...keys].sort().join(',') });
        return inner.delete(keys);
      },
      copy(from: string, to: string) {
        calls.push({ method: 'copy', key: from });
        return inner.copy(from, to);
      },
      describe: () => inner.describe(),
      close: () => inner.close(),
    },
  };
  return spy;
}

/** A promise with its resolve and reject at hand. */
export function deferred(): {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
} {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** Whether `promise` settles within `ms` milliseconds. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}
