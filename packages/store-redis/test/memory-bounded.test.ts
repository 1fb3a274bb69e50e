import { runFlow } from '@wharf/store-core';
import { describe, expect, it } from 'vitest';
import { makeStore, rows, targets } from './helpers.js';

describe('memory', () => {
  it('stays bounded by partBytes while a load ten times larger streams through', async () => {
    const partBytes = 256 * 1024;
    await using store = makeStore(targets()[0]!, { key: 'id', partBytes, partRows: 1_000_000 });
    const batch = rows(1, 2000);
    const batchBytes = batch.batches.reduce((sum, part) => sum + part.data.byteLength, 0);
    const batches = Math.ceil((10 * partBytes) / batchBytes);
    let peak = 0;
    const report = await runFlow(
      function* () {
        for (let index = 0; index < batches; index += 1) {
          peak = Math.max(peak, store.bufferedBytes);
          yield rows(1 + index * 2000, 2000);
        }
      },
      store,
      {
        runType: 'incremental',
        onProgress: () => {
          peak = Math.max(peak, store.bufferedBytes);
        },
      },
    );
    expect(report.bytes).toBeGreaterThan(10 * partBytes);
    expect(report.parts).toBeGreaterThanOrEqual(10);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(partBytes + 2 * batchBytes);
    expect(await store.count()).toBe(batches * 2000);
  });
});
