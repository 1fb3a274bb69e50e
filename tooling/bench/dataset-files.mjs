/**
 * The dataset on disk, written before any timing starts: an Arrow IPC stream file that every
 * store case and in-process baseline reads its batches from, and CSV files for the baselines
 * that load files. Both are streamed batch by batch, with backpressure, so memory stays
 * bounded at 10M rows.
 */
import { closeSync, createWriteStream, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RecordBatchReader, RecordBatchStreamWriter } from 'apache-arrow';
import { batchToCsv } from './csv-format.mjs';
import { arrowBytes, generateDataset } from './generate-dataset.mjs';

/**
 * Writes `rows` rows as an Arrow IPC stream file. Returns the rows, the Arrow bytes (the
 * numerator of every MB/s figure) and the file's size.
 */
export async function writeArrowFile(path, { rows, seed }) {
  let bytes = 0;
  function* counted() {
    for (const batch of generateDataset({ rows, seed })) {
      bytes += arrowBytes(batch);
      yield batch;
    }
  }
  await pipeline(
    Readable.from(counted(), { objectMode: true }),
    RecordBatchStreamWriter.throughNode(),
    createWriteStream(path),
  );
  return { rows, arrowBytes: bytes, fileBytes: (await stat(path)).size };
}

/** Writes `rows` rows as CSV in `dialect` (see csv-format.mjs). Returns the file's size. */
export async function writeCsvFile(path, { rows, seed, dialect }) {
  function* lines() {
    for (const batch of generateDataset({ rows, seed })) yield batchToCsv(batch, dialect);
  }
  await pipeline(Readable.from(lines()), createWriteStream(path));
  return { rows, dialect, fileBytes: (await stat(path)).size };
}

/** The bytes of a file in chunks of `chunkBytes`, read synchronously as they are consumed. */
function* fileChunks(path, chunkBytes) {
  const descriptor = openSync(path, 'r');
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const read = readSync(descriptor, chunk, 0, chunkBytes, null);
      if (read === 0) return;
      yield read === chunkBytes ? chunk : chunk.subarray(0, read);
    }
  } finally {
    closeSync(descriptor);
  }
}

/**
 * The record batches of an Arrow IPC stream file, read as they are consumed (a few MB at a
 * time). Synchronous reads cost a fraction of what a stream's promises do, so the input adds
 * as little as possible to the load being measured.
 */
export function* readArrowFile(path) {
  yield* RecordBatchReader.from(fileChunks(path, 4 << 20));
}
