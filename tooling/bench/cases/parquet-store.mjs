/**
 * store-parquet, `full_drop`: the dataset's Arrow file into a new Parquet dataset through
 * `runFlow`, with the store's defaults (snappy, 122,880-row groups, encoder workers).
 *
 *   node cases/parquet-store.mjs --arrow data.arrows --work <dir>
 *
 * A small untimed load runs first in the same process, so the encoder workers have compiled
 * parquet-wasm (about 0.3 s per worker, paid once per process) before the timed load, as
 * DuckDB's library is loaded before its timed COPY.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runFlow } from '@wharf/store-core';
import { ParquetStore } from '@wharf/store-parquet';
import { caseArguments, printResult, required, timeStoreLoad } from '../case-runtime.mjs';
import { generateDataset } from '../generate-dataset.mjs';

const args = caseArguments();
const directory = await mkdtemp(join(required(args, 'work'), 'parquet-store-'));
try {
  const warmUp = new ParquetStore({ path: join(directory, 'warm-up') });
  await runFlow(() => generateDataset({ rows: 50_000 }), warmUp, { runType: 'full_drop' });
  await warmUp.close();

  const store = new ParquetStore({ path: join(directory, 'dataset') });
  await store.connect();
  const result = await timeStoreLoad(store, required(args, 'arrow'), 'full_drop');
  await store.close();
  printResult(result);
} finally {
  await rm(directory, { recursive: true, force: true });
}
