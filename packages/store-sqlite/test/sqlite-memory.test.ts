import { runFlow } from '@wharf/store-core';
import { Float64, makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { openStore, readAll } from './helpers.js';

const BATCH_ROWS = 500;

function batch(index: number): Table {
  const ids = BigInt64Array.from({ length: BATCH_ROWS }, (_, row) =>
    BigInt(index * BATCH_ROWS + row),
  );
  return new Table({
    id: makeVector(ids),
    name: vectorFromArray(
      Array.from(ids, (id) => `row-${id}-${'x'.repeat(Number(id % 50n))}`),
      new Utf8(),
    ),
    value: vectorFromArray(
      Array.from(ids, (id) => Number(id) / 3),
      new Float64(),
    ),
  });
}

/** Writes `batches` generated batches and returns the most the engine ever held in memory. */
async function peakBuffered(
  batches: number,
): Promise<{ peak: number; rows: number; bytes: number; bound: number }> {
  const partBytes = 256 * 1024;
  const store = await openStore({ partRows: 4_000, partBytes });
  await store.configureForRun('incremental');
  let peak = 0;
  let largestBatch = 0;
  for (let index = 0; index < batches; index += 1) {
    const table = batch(index);
    largestBatch = Math.max(largestBatch, table.batches[0]!.data.byteLength);
    await store.write(table);
    peak = Math.max(peak, store.bufferedBytes);
  }
  const report = await store.finish();
  expect(store.bufferedBytes).toBe(0);
  await store.close();
  return { peak, rows: report.rows, bytes: report.bytes, bound: partBytes + largestBatch };
}

describe('memory', () => {
  it('stays bounded while streaming: a load 10× larger buffers no more', async () => {
    const small = await peakBuffered(20);
    const large = await peakBuffered(200);
    expect(small.rows).toBe(20 * BATCH_ROWS);
    expect(large.rows).toBe(200 * BATCH_ROWS);
    expect(large.peak).toBeLessThanOrEqual(large.bound);
    expect(large.peak).toBeLessThanOrEqual(small.peak * 1.25);
    // The load itself is far larger than what was ever held.
    expect(large.bytes).toBeGreaterThan(large.peak * 10);
  });

  it('reads back in batches of at most readBatchRows rows', async () => {
    const store = await openStore({ readBatchRows: 1_000 });
    await runFlow(
      Array.from({ length: 9 }, (_, index) => batch(index)),
      store,
      { runType: 'full_drop' },
    );
    const sizes: number[] = [];
    for await (const read of store.read()) sizes.push(read.numRows);
    expect(sizes).toEqual([1000, 1000, 1000, 1000, 500]);
    expect((await readAll(store, ['id'])).schema.fields.map((field) => field.name)).toEqual(['id']);
    await store.close();
  });
});
