/**
 * The object-storage engine's pipelined uploads: a part's uploads run while the next part is
 * gathered, at most one part's at a time; a failed upload fails the run before anything is
 * committed, never unobserved; and nothing of a run is written after its cleanup.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConnectionError, StoreError } from '@wharf/store-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ObjectLayout, ObjectParquetStore } from '../dist/object.js';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { fileObjectStorage } from './fixtures/file-object-storage.mjs';
import { idsOf, range, readAll, rows, temporaryDirectory } from './helpers/data.js';
import { deferred, type StorageSpy, settlesWithin, spyStorage } from './helpers/object-spy.js';

async function bucket(): Promise<string> {
  const path = join(await temporaryDirectory(), 'bucket');
  await mkdir(path);
  return path;
}

/** A store whose every write() is one part of one file, on a spied folder storage. */
function store(root: string, layout: ObjectLayout = 'commits') {
  const spy = spyStorage(fileObjectStorage(root));
  const target = new ObjectParquetStore({
    name: 'file:test',
    storage: spy.storage,
    settings: { layout, encoderThreads: 0, targetFileBytes: 1 },
  });
  return { spy, target };
}

/** Every file under `path` (not folders), relative to it. */
async function names(path: string): Promise<string[]> {
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(path.length + 1))
    .sort();
}

/** Holds data-file uploads back until the test releases them, one gate per upload. */
function gateUploads(spy: StorageSpy) {
  const gates = Array.from({ length: 10 }, deferred);
  spy.beforeUpload = (index) => gates[index]!.promise;
  return gates;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe.each(['commits', 'folder'] as const)(
  'object storage, layout %s: pipelined uploads',
  (layout) => {
    it('write() returns with its part uploading; the next part uploads only after it, and finish() waits for the last', async () => {
      const root = await bucket();
      const { spy, target } = store(root, layout);
      await using _ = target;
      await target.connect();
      const gates = gateUploads(spy);

      await target.configureForRun('incremental');
      await target.write(rows(1, 5));
      expect(spy.uploading.files).toBe(1);

      const second = target.write(rows(6, 5));
      // The second part is encoded, but neither uploaded nor returned while the first uploads.
      expect(await settlesWithin(second, 100)).toBe(false);
      expect(spy.started()).toBe(1);
      gates[0]!.resolve();
      await second;
      expect(spy.started()).toBe(2);

      const finished = target.finish();
      expect(await settlesWithin(finished, 100)).toBe(false);
      expect(spy.calls.some((call) => call.method === 'putIfAbsent')).toBe(false);
      gates[1]!.resolve();
      const report = await finished;
      expect(report.rows).toBe(10);
      expect(spy.peak.files).toBe(1);
      expect(idsOf(await readAll(target.read()))).toEqual(range(1, 10));
    });

    it("a failed upload is the next write()'s error, the run commits nothing, and its cleanup leaves no file", async () => {
      const root = await bucket();
      const { spy, target } = store(root, layout);
      await using _ = target;
      await target.connect();
      const gates = gateUploads(spy);

      await target.configureForRun('incremental');
      await target.write(rows(1, 5));
      gates[0]!.reject(new ConnectionError('upload refused', { cause: new Error('test') }));
      const error = await target.write(rows(6, 5)).catch((caught: unknown) => caught);
      expect(StoreError.isInstance(error) && error.message).toBe('upload refused');
      // The run stays unable to commit: its first part has no file.
      await expect(target.finish()).rejects.toThrow('upload refused');
      expect(spy.calls.some((call) => call.method === 'putIfAbsent')).toBe(false);

      await target.cleanupStaging();
      expect(await names(root)).toEqual([]);
      expect(await readAll(target.read())).toEqual([]);
    });

    it("a failed upload of the last part fails finish() before the journal says 'committing'", async () => {
      const root = await bucket();
      const { spy, target } = store(root, layout);
      await using _ = target;
      await target.connect();
      spy.beforeUpload = async () => {
        throw new ConnectionError('upload refused', { cause: new Error('test') });
      };

      await target.configureForRun('incremental');
      await target.write(rows(1, 5));
      await expect(target.finish()).rejects.toThrow('upload refused');
      const journal = spy.calls.filter(
        (call) => call.method === 'put' && call.key.startsWith('_wharf/journal/'),
      );
      expect(journal).toHaveLength(1);
      await target.cleanupStaging();
      expect(await names(root)).toEqual([]);
    });

    it('cleanupStaging() and close() wait for the uploads in flight: nothing lands after them', async () => {
      const root = await bucket();
      const { spy, target } = store(root, layout);
      await target.connect();
      const gates = gateUploads(spy);

      await target.configureForRun('incremental');
      await target.write(rows(1, 5));
      const cleaned = target.cleanupStaging();
      expect(await settlesWithin(cleaned, 100)).toBe(false);
      gates[0]!.resolve();
      await cleaned;
      expect(await names(root)).toEqual([]);

      // close() without finish() discards the run the same way.
      await target.configureForRun('incremental');
      await target.write(rows(1, 5));
      const closed = target.close();
      expect(await settlesWithin(closed, 100)).toBe(false);
      gates[1]!.resolve();
      await closed;
      expect(await names(root)).toEqual([]);
    });
  },
);
