/** Test data and temporary folders. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Float64,
  Int64,
  makeData,
  makeVector,
  type RecordBatch,
  Table,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(async () => {
  for (const path of created.splice(0)) await rm(path, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test. */
export async function temporaryDirectory(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'wharf-parquet-test-'));
  created.push(path);
  return path;
}

/** Rows `start … start + count - 1`: `id` (int64), `name` (utf8), `amount` (float64). */
export function rows(start: number, count: number, variant = 0): Table {
  const ids = new BigInt64Array(count);
  const amounts = new Float64Array(count);
  const names: string[] = [];
  for (let index = 0; index < count; index += 1) {
    ids[index] = BigInt(start + index);
    amounts[index] = (start + index) * 0.5 + variant;
    names.push(`name-${start + index}-${variant}`);
  }
  return new Table({
    id: makeVector(makeData({ type: new Int64(), length: count, data: ids })),
    name: vectorFromArray(names, new Utf8()),
    amount: makeVector(makeData({ type: new Float64(), length: count, data: amounts })),
  });
}

/** The `id`s of a set of rows or batches, as numbers, sorted. */
export function idsOf(
  source: readonly Record<string, unknown>[] | readonly RecordBatch[],
): number[] {
  const ids: number[] = [];
  for (const item of source) {
    if (typeof (item as RecordBatch).getChild === 'function') {
      const batch = item as RecordBatch;
      const column = batch.getChild('id')!;
      for (let index = 0; index < batch.numRows; index += 1) ids.push(Number(column.get(index)));
    } else {
      ids.push(Number((item as Record<string, unknown>).id));
    }
  }
  return ids.sort((left, right) => left - right);
}

/** `[start, …, start + count - 1]`. */
export function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => start + index);
}

/** Every batch `read()` yields. */
export async function readAll(source: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const batch of source) batches.push(batch);
  return batches;
}
