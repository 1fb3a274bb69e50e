/**
 * The dataset as the Parquet files an object-storage store (`ObjectParquetStore`, under
 * store-s3, store-gcs and store-adls) writes with its defaults, for the cloud baselines that
 * upload "the same Parquet bytes": the same encoder (parquet-wasm), codec (snappy), row groups
 * (122,880 rows), and the same cut into files — the store's staged writer gathers batches into
 * a part until it holds `targetFileBytes × encoder threads` of Arrow data, and each part is
 * split by rows into one file per encoder thread.
 *
 * Encoding is not part of what the baselines time: the files are encoded once per Arrow file,
 * on one thread, and kept in the benchmark's scratch directory for the later runs.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { Table, tableToIPC } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm/node';
import { readArrowFile } from './dataset-files.mjs';

/** The store's default encoder threads, min(4, CPUs): also the baselines' uploads in flight. */
export const ENCODER_THREADS = Math.min(4, availableParallelism());
/** The store's default Arrow bytes per file. */
export const TARGET_FILE_BYTES = 32 * 1024 * 1024;
/** The store's default rows per row group. */
export const ROW_GROUP_ROWS = 122_880;

const wasm = parquetWasm.writeParquet ? parquetWasm : parquetWasm.default;

const rowsOf = (batches) => batches.reduce((sum, batch) => sum + batch.numRows, 0);

/** `batches` in `count` groups of nearly equal rows, slicing batches at the seams. */
function splitByRows(batches, count) {
  if (count <= 1) return [batches];
  const total = rowsOf(batches);
  const groups = [];
  let group = [];
  let groupRows = 0;
  let target = Math.ceil(total / count);
  let done = 0;
  for (const batch of batches) {
    let offset = 0;
    while (offset < batch.numRows) {
      const take = Math.min(batch.numRows - offset, target - groupRows);
      group.push(
        offset === 0 && take === batch.numRows ? batch : batch.slice(offset, offset + take),
      );
      groupRows += take;
      offset += take;
      if (groupRows === target && groups.length < count - 1) {
        groups.push(group);
        done += groupRows;
        group = [];
        groupRows = 0;
        target = Math.ceil((total - done) / (count - groups.length));
      }
    }
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * The record batches of `batches` grouped as the store groups them into files: parts of at
 * least `targetFileBytes × threads` Arrow bytes (the last one smaller), each split into
 * min(threads, ⌊rows / rowGroupRows⌋) files (at least one) of nearly equal rows.
 */
export function* storeFileGroups(
  batches,
  {
    threads = ENCODER_THREADS,
    targetFileBytes = TARGET_FILE_BYTES,
    rowGroupRows = ROW_GROUP_ROWS,
  } = {},
) {
  const partBytes = targetFileBytes * Math.max(1, threads);
  const split = (part) =>
    splitByRows(
      part,
      Math.max(1, Math.min(Math.max(1, threads), Math.floor(rowsOf(part) / rowGroupRows))),
    );
  let part = [];
  let bytes = 0;
  for (const batch of batches) {
    part.push(batch);
    // The store's measure of a batch (store-core's batchBytes).
    bytes += batch.data.byteLength;
    if (bytes >= partBytes) {
      yield* split(part);
      part = [];
      bytes = 0;
    }
  }
  if (part.length > 0) yield* split(part);
}

/** The store's default codec (parquet-wasm's name for it); part of the cache directory's name. */
const CODEC = 'SNAPPY';

/** One Parquet file of `batches`, with the store's default writer properties. */
export function encodeParquet(batches, { rowGroupRows = ROW_GROUP_ROWS } = {}) {
  const properties = new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression[CODEC])
    .setMaxRowGroupSize(rowGroupRows)
    .setDictionaryEnabled(false)
    .build();
  const table = wasm.Table.fromIPCStream(tableToIPC(new Table(batches), 'stream'));
  return wasm.writeParquet(table, properties);
}

/**
 * The Parquet files of the Arrow file at `arrowPath`, as `{ files: [{ rows, bytes }], rows,
 * encodeSeconds }`, with `bytes` in memory. Encoded on the first call for that file (on this
 * thread; `encodeSeconds` is how long that took) and kept under `work` for the next calls.
 */
export async function datasetParquetFiles(arrowPath, work) {
  const directory = join(work, `parquet-files-${CODEC.toLowerCase()}`, basename(arrowPath));
  let manifest;
  try {
    manifest = JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8'));
  } catch {
    manifest = await encodeInto(arrowPath, directory);
  }
  const files = [];
  for (const [index, file] of manifest.files.entries()) {
    files.push({ rows: file.rows, bytes: await readFile(join(directory, `${index}.parquet`)) });
  }
  const rows = files.reduce((sum, file) => sum + file.rows, 0);
  return { files, rows, encodeSeconds: manifest.encodeSeconds };
}

async function encodeInto(arrowPath, directory) {
  const building = `${directory}.${process.pid}`;
  await mkdir(building, { recursive: true });
  const started = performance.now();
  const files = [];
  for (const batches of storeFileGroups(readArrowFile(arrowPath))) {
    const bytes = encodeParquet(batches);
    await writeFile(join(building, `${files.length}.parquet`), bytes);
    files.push({ rows: rowsOf(batches), bytes: bytes.byteLength });
  }
  const manifest = { files, encodeSeconds: (performance.now() - started) / 1000 };
  await writeFile(join(building, 'manifest.json'), JSON.stringify(manifest));
  try {
    await rename(building, directory);
  } catch (error) {
    // Another run encoded the same file meanwhile: keep its files.
    await rm(building, { recursive: true, force: true });
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  }
  return manifest;
}
