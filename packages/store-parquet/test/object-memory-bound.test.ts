/**
 * The object-storage engine streams: a load ten times larger than one file never buffers more
 * than one file's worth of Arrow data plus a batch, and each part becomes one object.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { batchBytes, runFlow } from '@wharf/store-core';
import type { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ObjectParquetStore } from '../dist/object.js';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { fileObjectStorage } from './fixtures/file-object-storage.mjs';
import { rows, temporaryDirectory } from './helpers/data.js';

describe('object storage: bounded memory', () => {
  it('a load ten times larger than a file never buffers more than one file plus one batch', async () => {
    const bucket = join(await temporaryDirectory(), 'bucket');
    await mkdir(bucket);
    const targetFileBytes = 512 * 1024;
    await using store = new ObjectParquetStore({
      name: 'file:large',
      storage: fileObjectStorage(bucket),
      settings: { targetFileBytes, encoderThreads: 1 },
    });
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
    const runs = await readdir(join(bucket, 'data'));
    expect(runs).toHaveLength(1);
    expect((await readdir(join(bucket, 'data', runs[0]!))).length).toBe(report.parts);
    let read = 0;
    for await (const batch of store.read()) read += batch.numRows;
    expect(read).toBe(report.rows);
  });
});
