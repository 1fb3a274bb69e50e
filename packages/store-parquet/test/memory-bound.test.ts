import { join } from 'node:path';
import { inspectDataset } from '@wharf/dataset-inspector';
import { batchBytes, runFlow } from '@wharf/store-core';
import { ParquetStore } from '@wharf/store-parquet';
import type { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rows, temporaryDirectory } from './helpers/data.js';

describe('bounded memory', () => {
  it('a load ten times larger than a file never buffers more than one file plus one batch', async () => {
    const directory = await temporaryDirectory();
    const targetFileBytes = 512 * 1024;
    await using store = new ParquetStore({
      path: join(directory, 'large'),
      targetFileBytes,
      encoderThreads: 1,
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
    expect((await inspectDataset(join(directory, 'large'))).length).toBe(report.rows);
  });
});
