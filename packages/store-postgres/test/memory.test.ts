import { batchBytes } from '@wharf/store-core';
import { describe, expect, it } from 'vitest';
import { makeStore, rows, sql, uniqueTable } from './helpers.js';

describe('memory', () => {
  it('holds at most about one part in memory while streaming a load ten times larger', async () => {
    const partBytes = 256 * 1024;
    const table = uniqueTable('stream');
    const store = makeStore({ table, partBytes, partRows: 1_000_000 });
    await store.connect();
    const batchRows = 500;
    const batchCount = 160;
    let written = 0;
    let peak = 0;
    let largestBatch = 0;
    async function* generated() {
      for (let batch = 0; batch < batchCount; batch += 1) {
        const table = rows(batch * batchRows + 1, batchRows);
        largestBatch = Math.max(largestBatch, ...table.batches.map(batchBytes));
        written += table.batches.reduce((sum, current) => sum + batchBytes(current), 0);
        yield table;
      }
    }
    await store.configureForRun('incremental');
    for await (const table of generated()) {
      await store.write(table);
      peak = Math.max(peak, store.bufferedBytes);
    }
    const report = await store.finish();
    expect(written).toBeGreaterThan(10 * partBytes);
    expect(peak).toBeLessThanOrEqual(partBytes + largestBatch);
    expect(report.parts).toBeGreaterThanOrEqual(10);
    expect(report.rows).toBe(batchRows * batchCount);
    const [count] = await sql<{ rows: string }>(`SELECT count(*) AS rows FROM ${table}`);
    expect(Number(count?.rows)).toBe(batchRows * batchCount);

    const reader = makeStore({ table, readBatchRows: 10_000 });
    await reader.connect();
    const sizes: number[] = [];
    for await (const batch of reader.read()) sizes.push(batch.numRows);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(batchRows * batchCount);
    expect(Math.max(...sizes)).toBe(10_000);
    expect(sizes.length).toBe(8);
  });
});
