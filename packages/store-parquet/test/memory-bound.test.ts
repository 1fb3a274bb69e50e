import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { inspectDataset } from '@wharf/dataset-inspector';
import { batchBytes, runFlow } from '@wharf/store-core';
import { ParquetStore } from '@wharf/store-parquet';
import { type RecordBatch, RecordBatchStreamWriter, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ObjectParquetStore } from '../dist/object.js';
import { type EncodeSettings, FileBuffer } from '../src/parquet-codec.js';
import type { PoolMessage, WorkerMessage } from '../src/parquet-encoder-protocol.js';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { fileObjectStorage } from './fixtures/file-object-storage.mjs';
import { rows, temporaryDirectory } from './helpers/data.js';
import { type StorageSpy, spyStorage } from './helpers/object-spy.js';

const targetFileBytes = 512 * 1024;

/** A store with small files, and how to count what it committed without it. */
interface Subject {
  store: ParquetStore | ObjectParquetStore;
  committedRows(): Promise<number>;
  files(): Promise<number>;
  /** Object storage: its data-file uploads, which run while the next part is gathered. */
  uploads?: StorageSpy;
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
    const uploads = spyStorage(fileObjectStorage(bucket));
    // A slow network: each upload is still running while the next part is gathered.
    uploads.beforeUpload = () => new Promise((resolve) => setTimeout(resolve, 20));
    const store = new ObjectParquetStore({
      name: 'file:large',
      storage: uploads.storage,
      settings: { targetFileBytes, encoderThreads: 1 },
    });
    return {
      store,
      uploads,
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
  it('a load ten times larger than a file never buffers more than one file plus one batch (besides one part uploading, in object storage)', async () => {
    const subject = await subjects[label]!(await temporaryDirectory());
    await using store = subject.store;
    await store.connect();

    const batchRows = 2_000;
    let largestBatch = 0;
    let written = 0;
    let peak = 0;
    let uploadingWhileWriting = 0;
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
        if ((subject.uploads?.uploading.files ?? 0) > 0) uploadingWhileWriting += 1;
      },
    });

    expect(written).toBeGreaterThanOrEqual(targetFileBytes * 10);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(targetFileBytes + largestBatch);
    expect(report.parts).toBeGreaterThanOrEqual(10);
    expect(store.bufferedBytes).toBe(0);
    expect(await subject.files()).toBe(report.parts);
    expect(await subject.committedRows()).toBe(report.rows);
    if (subject.uploads) {
      // Encoded bytes in flight: one part's files at most (one file per part on one thread),
      // while the engine went on gathering the next part.
      expect(subject.uploads.peak.files).toBe(1);
      expect(subject.uploads.peak.bytes).toBeLessThanOrEqual(targetFileBytes);
      expect(uploadingWhileWriting).toBeGreaterThan(0);
    }
  });
});

/** The built encoder worker, driven as the pool drives it: slices in the buffers it names. */
function encoderWorker() {
  const slotBytes = 4 * 1024 * 1024;
  const slotCount = 2;
  const slots = new SharedArrayBuffer(slotCount * slotBytes);
  const worker = new Worker(new URL('../dist/parquet-encode-worker.js', import.meta.url), {
    workerData: { slots, slotBytes, slotCount },
  });
  let nextId = 1;
  return {
    close: () => worker.terminate(),
    /** Encodes `slices` (IPC streams) as one file; its bytes and the worker's WebAssembly memory. */
    encode(slices: readonly Uint8Array[], rows: number, settings: EncodeSettings) {
      const id = nextId++;
      const post = (message: PoolMessage) => worker.postMessage(message);
      let sent = 0;
      const file = new FileBuffer(rows * 40);
      return new Promise<{ bytes: Uint8Array; wasmBytes: number }>((resolve, reject) => {
        const onMessage = (message: WorkerMessage) => {
          if (message.id !== id) return;
          if (message.type === 'next') {
            const { slot } = message;
            const ipc = slices[sent++];
            if (ipc === undefined) return post({ type: 'slice', id, slot, slice: undefined });
            new Uint8Array(slots, slot * slotBytes, ipc.byteLength).set(ipc);
            return post({ type: 'slice', id, slot, slice: { length: ipc.byteLength } });
          }
          if (message.type === 'chunk') return file.append(message.bytes);
          worker.off('message', onMessage);
          if (message.ok) resolve({ bytes: file.bytes(), wasmBytes: message.wasmBytes });
          else reject(new Error(message.error.message));
        };
        worker.on('message', onMessage);
        post({ type: 'encode', id, settings, shape: { rows, arrowBytes: rows * 40 } });
      });
    },
  };
}

/** `count` rows in IPC slices of 10,000 rows. */
function ipcSlices(count: number): Uint8Array[] {
  const slices: Uint8Array[] = [];
  for (let start = 0; start < count; start += 10_000) {
    const table = rows(start, Math.min(10_000, count - start));
    slices.push(
      RecordBatchStreamWriter.writeAll(new Table(table.schema, table.batches)).toUint8Array(true),
    );
  }
  return slices;
}

describe('bounded memory: an encoder worker', () => {
  it('its WebAssembly memory follows the row group, not the file', async () => {
    const worker = encoderWorker();
    try {
      const settings: EncodeSettings = {
        compression: 'snappy',
        rowGroupRows: 50_000,
        dictionaryEncoding: false,
        dictionaryColumns: [],
      };
      // One row group (~2 MB of Arrow data), then a file of ten.
      const small = await worker.encode(ipcSlices(50_000), 50_000, settings);
      const large = await worker.encode(ipcSlices(500_000), 500_000, settings);
      expect(large.bytes.byteLength).toBeGreaterThan(8 * small.bytes.byteLength);
      expect(large.wasmBytes).toBeLessThanOrEqual(small.wasmBytes + 4 * 1024 * 1024);
      expect(large.wasmBytes).toBeLessThan(large.bytes.byteLength);
    } finally {
      await worker.close();
    }
  });
});
