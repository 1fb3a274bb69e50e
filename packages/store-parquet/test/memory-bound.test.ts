import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectDataset } from '@wharf/dataset-inspector';
import { batchBytes, runFlow } from '@wharf/store-core';
import { ParquetStore } from '@wharf/store-parquet';
import type { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ObjectParquetStore } from '../dist/object.js';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { fileObjectStorage } from './fixtures/file-object-storage.mjs';
import { rows, temporaryDirectory } from './helpers/data.js';

const targetFileBytes = 512 * 1024;

/** A store with small files, and how to count what it committed without it. */
interface Subject {
  store: ParquetStore | ObjectParquetStore;
  committedRows(): Promise<number>;
  files(): Promise<number>;
}

const subjects: Record<string, (directory: string) => Promise<Subject>> = {
  'a local dataset folder': async (directory) => {
    const path = join(directory, 'large');
    return {
      store: new ParquetStore({ path, targetFileBytes, encoderThreads: 1 }),
      committedRows: async () => (await inspectDataset(path)).length,
      files: async () => (await readdir(path)).filter((name) => name.endsWith('.parquet')).length,
    };
  },
  'object storage': async (directory) => {
    const bucket = join(directory, 'bucket');
    await mkdir(bucket);
    const store = new ObjectParquetStore({
      name: 'file:large',
      storage: fileObjectStorage(bucket),
      settings: { targetFileBytes, encoderThreads: 1 },
    });
    return {
      store,
      committedRows: async () => {
        let count = 0;
        for await (const batch of store.read()) count += batch.numRows;
        return count;
      },
      files: async () =>
        (await readdir(join(bucket, 'data'), { recursive: true })).filter((name) =>
          name.endsWith('.parquet'),
        ).length,
    };
  },
};

describe.each(Object.keys(subjects))('bounded memory: %s', (label) => {
  it('a load ten times larger than a file never buffers more than one file plus one batch', async () => {
    const subject = await subjects[label]!(await temporaryDirectory());
    await using store = subject.store;
    await store.connect();

    const batchRows = 2_000;
    let largestBatch = 0;
    let written = 0;
    let peak = 0;
    function* source(): Generator<RecordBatch> {
      for (let start = 0; written < targetFileBytes * 10; start += batchRows) {
        const [batch] = rows(start, batchRows).batches;
        largestBatch = Math.max(largestBatch, batchBytes(batch!));
        written += batchBytes(batch!);
        yield batch!;
      }
    }
    const report = await runFlow(source, store, {
      runType: 'full_drop',
      onProgress: () => {
        peak = Math.max(peak, store.bufferedBytes);
      },
    });

    expect(written).toBeGreaterThanOrEqual(targetFileBytes * 10);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(targetFileBytes + largestBatch);
    expect(report.parts).toBeGreaterThanOrEqual(10);
    expect(store.bufferedBytes).toBe(0);
    expect(await subject.files()).toBe(report.parts);
    expect(await subject.committedRows()).toBe(report.rows);
  });
});
