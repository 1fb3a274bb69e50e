/**
 * parquet-wasm called directly, on this one thread: the Arrow file's batches gathered into
 * files of the store's default size (32 MiB of Arrow data), each encoded with snappy and the
 * store's row-group size and written out. The floor of the encoder the store runs on its
 * worker threads, without staging, manifest or commit.
 *
 *   node cases/parquet-wasm.mjs --arrow data.arrows --work <dir>
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table, tableToIPC } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm/node';
import { caseArguments, printResult, required, timeLoad } from '../case-runtime.mjs';
import { readArrowFile } from '../dataset-files.mjs';
import { arrowBytes } from '../generate-dataset.mjs';

const FILE_ARROW_BYTES = 32 * 1024 * 1024;
const wasm = parquetWasm.writeParquet ? parquetWasm : parquetWasm.default;

const args = caseArguments();
const directory = await mkdtemp(join(required(args, 'work'), 'parquet-wasm-'));
try {
  const properties = () =>
    new wasm.WriterPropertiesBuilder()
      .setCompression(wasm.Compression.SNAPPY)
      .setMaxRowGroupSize(122_880)
      .setDictionaryEnabled(false)
      .build();
  let files = 0;
  async function writeFileOf(batches) {
    const table = wasm.Table.fromIPCStream(tableToIPC(new Table(batches), 'stream'));
    files += 1;
    await writeFile(join(directory, `${files}.parquet`), wasm.writeParquet(table, properties()));
  }
  const result = await timeLoad(async () => {
    let rows = 0;
    let pending = [];
    let pendingBytes = 0;
    for (const batch of readArrowFile(required(args, 'arrow'))) {
      pending.push(batch);
      pendingBytes += arrowBytes(batch);
      rows += batch.numRows;
      if (pendingBytes >= FILE_ARROW_BYTES) {
        await writeFileOf(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
    if (pending.length > 0) await writeFileOf(pending);
    return rows;
  });
  printResult({ ...result, files });
} finally {
  await rm(directory, { recursive: true, force: true });
}
