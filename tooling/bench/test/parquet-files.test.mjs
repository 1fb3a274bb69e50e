import { runFlow } from '@wharf/store-core';
import { ObjectParquetStore } from '@wharf/store-parquet/object';
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../generate-dataset.mjs';
import { encodeParquet, storeFileGroups } from '../parquet-files.mjs';

/** An in-memory bucket: just enough ObjectStorage for ObjectParquetStore. */
function memoryStorage() {
  const objects = new Map();
  const entry = (key) => ({ key, size: objects.get(key).byteLength, lastModified: new Date() });
  return {
    objects,
    url: 'memory://bench',
    probe: async () => {},
    put: async (key, body) => {
      objects.set(key, new Uint8Array(body));
    },
    putIfAbsent: async (key, body) => {
      if (objects.has(key)) return false;
      objects.set(key, new Uint8Array(body));
      return true;
    },
    get: async (key) => objects.get(key),
    getRange: async (key, start, end) => objects.get(key).subarray(start, end),
    head: async (key) => (objects.has(key) ? entry(key) : undefined),
    async *list(prefix) {
      for (const key of [...objects.keys()].filter((candidate) => candidate.startsWith(prefix))) {
        yield entry(key);
      }
    },
    delete: async (keys) => {
      for (const key of keys) objects.delete(key);
    },
    copy: async (from, to) => {
      objects.set(to, objects.get(from));
    },
    describe: () => ({ url: 'memory://bench' }),
    close: async () => {},
  };
}

/** The files of the current commit, in the record's order. */
function committedFiles(storage) {
  const current = [...storage.objects.keys()]
    .filter((key) => key.startsWith('_wharf/commits/') && key.endsWith('.json'))
    .sort()
    .at(-1);
  return JSON.parse(Buffer.from(storage.objects.get(current)).toString('utf8')).files;
}

describe('storeFileGroups', () => {
  // Small files and row groups, so that 40,000 rows make several parts of several files.
  const settings = { encoderThreads: 2, targetFileBytes: 400_000, rowGroupRows: 2_000 };
  const dataset = () => generateDataset({ rows: 40_000, batchRows: 3_000 });

  it('cuts the dataset into the files the object-storage store writes, with the same bytes', async () => {
    const storage = memoryStorage();
    const store = new ObjectParquetStore({ name: 'memory:bench', storage, settings });
    await runFlow(dataset, store, { runType: 'full_drop' });
    await store.close();
    const stored = committedFiles(storage);

    const groups = [
      ...storeFileGroups(dataset(), {
        threads: settings.encoderThreads,
        targetFileBytes: settings.targetFileBytes,
        rowGroupRows: settings.rowGroupRows,
      }),
    ];
    const rows = (batches) => batches.reduce((sum, batch) => sum + batch.numRows, 0);
    expect(stored.length).toBeGreaterThan(4);
    expect(groups.map(rows)).toEqual(stored.map((file) => file.rows));
    const sizes = groups.map(
      (batches) => encodeParquet(batches, { rowGroupRows: settings.rowGroupRows }).byteLength,
    );
    for (const [index, file] of stored.entries()) {
      expect(Math.abs(sizes[index] - file.bytes) / file.bytes).toBeLessThan(0.01);
    }
  });

  it('writes one file for a part too small to split into row groups', () => {
    const groups = [...storeFileGroups(generateDataset({ rows: 5_000 }), { threads: 4 })];
    expect(groups).toHaveLength(1);
    expect(groups[0].reduce((sum, batch) => sum + batch.numRows, 0)).toBe(5_000);
  });
});
