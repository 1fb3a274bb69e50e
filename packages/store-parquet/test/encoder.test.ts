import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { duckdb, sqlString } from '@wharf/dataset-inspector';
import { ParquetStore } from '@wharf/store-parquet';
import {
  Dictionary,
  Float64,
  Int32,
  Int64,
  Interval,
  IntervalUnit,
  makeData,
  makeVector,
  type RecordBatch,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import * as wasm from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import {
  checkRows,
  type EncodeSettings,
  encodeIpcSlices,
  encodeIpcStream,
  FileBuffer,
  type FileShape,
} from '../src/parquet-codec.js';
import { parquetRows } from '../src/parquet-footer.js';
import { temporaryDirectory } from './helpers/data.js';

/** Rows with nulls, a dictionary column and strings of varied lengths, in batches of 30,000. */
function* mixedBatches(total: number): Generator<RecordBatch> {
  for (let start = 0; start < total; start += 30_000) {
    const count = Math.min(30_000, total - start);
    const ids = BigInt64Array.from({ length: count }, (_, index) => BigInt(start + index));
    const notes = Array.from({ length: count }, (_, index) =>
      (start + index) % 7 === 0
        ? null
        : `note ${'x'.repeat((start + index) % 40)} ${start + index}`,
    );
    const categories = Array.from({ length: count }, (_, index) => `c${(start + index) % 5}`);
    const amounts = Float64Array.from({ length: count }, (_, index) => (start + index) / 3);
    yield* new Table({
      id: makeVector(makeData({ type: new Int64(), length: count, data: ids })),
      note: vectorFromArray(notes, new Utf8()),
      category: vectorFromArray(categories, new Dictionary(new Utf8(), new Int32())),
      amount: makeVector(makeData({ type: new Float64(), length: count, data: amounts })),
    }).batches;
  }
}

describe('the encoder', () => {
  it('the worker pool and the in-thread encoder write the same bytes, in row groups of rowGroupRows, with the Arrow schema', async () => {
    const directory = await temporaryDirectory();
    const rowGroupRows = 20_000;
    const files: Record<string, Buffer[]> = {};
    for (const encoderThreads of [1, 0]) {
      const path = join(directory, `threads-${encoderThreads}`);
      // Files of ~5 MiB of Arrow data: several slices and row groups each.
      await using store = new ParquetStore({
        path,
        encoderThreads,
        rowGroupRows,
        targetFileBytes: 5 * 1024 * 1024,
        fileNames: 'sequence',
      });
      await store.connect();
      await store.configureForRun('full_drop');
      for (const batch of mixedBatches(400_000)) await store.write(batch);
      await store.finish();
      const names = (await readdir(path)).filter((name) => name.endsWith('.parquet')).sort();
      files[encoderThreads] = await Promise.all(names.map((name) => readFile(join(path, name))));
    }
    expect(files[1]!.length).toBeGreaterThan(1);
    expect(files[1]!.length).toBe(files[0]!.length);
    const identical = files[1]!.map((file, index) => file.equals(files[0]![index]!));
    expect(identical).toEqual(files[1]!.map(() => true));

    const db = await duckdb();
    const glob = sqlString(join(directory, 'threads-1', '*.parquet'));
    const groups = await db.runAndReadAll(
      `SELECT file_name, row_group_id, any_value(row_group_num_rows)::BIGINT AS n FROM parquet_metadata(${glob}) GROUP BY ALL ORDER BY ALL`,
    );
    const byFile = new Map<string, bigint[]>();
    for (const row of groups.getRowObjectsJS()) {
      byFile.set(String(row.file_name), [
        ...(byFile.get(String(row.file_name)) ?? []),
        row.n as bigint,
      ]);
    }
    for (const sizes of byFile.values()) {
      expect(sizes.length).toBeGreaterThan(1);
      expect(sizes.slice(0, -1).every((size) => size === BigInt(rowGroupRows))).toBe(true);
    }
    const keys = await db.runAndReadAll(
      `SELECT DISTINCT decode(key) AS key FROM parquet_kv_metadata(${glob})`,
    );
    expect(keys.getRowObjectsJS().map((row) => row.key)).toContain('ARROW:schema');
    const totals = await db.runAndReadAll(
      `SELECT count(*)::BIGINT AS n, count(note)::BIGINT AS notes, count(DISTINCT category)::BIGINT AS categories FROM read_parquet(${glob})`,
    );
    expect(totals.getRowObjectsJS()[0]).toEqual({ n: 400_000n, notes: 342_857n, categories: 5n });
  });
});

describe('streaming a file through parquet-wasm', () => {
  const settings: EncodeSettings = {
    compression: 'snappy',
    rowGroupRows: 1_000,
    dictionaryEncoding: false,
    dictionaryColumns: [],
  };

  /** The file streamed from `slices` (IPC streams), put together and checked as the pool does. */
  async function stream(slices: readonly Uint8Array[], shape: FileShape): Promise<Uint8Array> {
    let next = 0;
    const file = new FileBuffer(shape.arrowBytes);
    await encodeIpcSlices(
      wasm,
      async () => slices[next++],
      settings,
      shape,
      (chunk) => file.append(chunk),
    );
    return checkRows(file.bytes(), shape.rows);
  }

  it('writes what writing the same batches at once writes', async () => {
    const batches = [...mixedBatches(5_000)].flatMap((batch) => [
      batch.slice(0, 2_000),
      batch.slice(2_000),
    ]);
    const schema = batches[0]!.schema;
    const slices = batches.map((batch) => tableToIPC(new Table(schema, [batch]), 'stream'));
    const streamed = await stream(slices, { rows: 5_000, arrowBytes: 1024 });
    const whole = encodeIpcStream(wasm, tableToIPC(new Table(schema, batches), 'stream'), settings);
    expect(Buffer.from(streamed).equals(Buffer.from(whole))).toBe(true);
    expect(parquetRows(streamed)).toBe(5_000);
    expect(parquetRows(streamed.subarray(0, streamed.byteLength - 1))).toBeUndefined();
  });

  it('a file without rows is written at once, as the in-thread encoder writes it', async () => {
    const [batch] = mixedBatches(10);
    const ipc = tableToIPC(new Table(batch!.schema, [batch!.slice(0, 0)]), 'stream');
    const streamed = await stream([ipc], { rows: 0, arrowBytes: 0 });
    expect(Buffer.from(streamed).equals(Buffer.from(encodeIpcStream(wasm, ipc, settings)))).toBe(
      true,
    );
    expect(parquetRows(streamed)).toBe(0);
  });

  it('a batch the stream cannot write fails the file, and writing it at once says why', async () => {
    // parquet-wasm's stream drops a batch its writer rejects and goes on: the file is checked.
    const table = new Table({
      id: vectorFromArray([1, 2], new Int32()),
      interval: vectorFromArray(
        [new Int32Array([1, 2, 3, 4]), new Int32Array([5, 6, 7, 8])],
        new Interval(IntervalUnit.MONTH_DAY_NANO),
      ),
    });
    const ipc = tableToIPC(table, 'stream');
    await expect(stream([ipc], { rows: 2, arrowBytes: 64 })).rejects.toMatchObject({
      name: 'UnfinishedParquetError',
    });
    expect(() => encodeIpcStream(wasm, ipc, settings)).toThrow(/interval/i);
  });

  it('a slice that cannot be read fails the file rather than leaving its rows out', async () => {
    const [batch] = mixedBatches(2_000);
    const good = tableToIPC(new Table(batch!.schema, [batch!]), 'stream');
    const broken = good.slice(0, 100);
    await expect(stream([good, broken], { rows: 4_000, arrowBytes: 1024 })).rejects.toThrow();
    await expect(stream([good], { rows: 4_000, arrowBytes: 1024 })).rejects.toThrow(
      /wrote 2000 of 4000 rows/,
    );
  });
});
