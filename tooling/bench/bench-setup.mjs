/**
 * What a run needs before any timing: the dataset files (written once per row count, from the
 * one generator) and the throwaway servers from @wharf/test-servers.
 */
import { join } from 'node:path';
import { startPostgres, startRedis } from '@wharf/test-servers';
import { writeArrowFile, writeCsvFile } from './dataset-files.mjs';
import { DEFAULT_SEED } from './generate-dataset.mjs';

/**
 * Writes the Arrow file for each row count in `arrowRows` and a CSV file per dialect in
 * `csvDialects` for `csvRows`, into `directory`. Returns
 * `{ [rows]: { arrow: { path, arrowBytes, fileBytes }, csv: { [dialect]: { path, fileBytes } } } }`.
 */
export async function prepareDatasets(directory, { arrowRows, csvRows, csvDialects }, log) {
  const datasets = {};
  for (const rows of arrowRows) {
    const path = join(directory, `data-${rows}.arrows`);
    const started = performance.now();
    const written = await writeArrowFile(path, { rows, seed: DEFAULT_SEED });
    datasets[rows] = { arrow: { path, ...written }, csv: {} };
    log(`  ${path}: ${mb(written.fileBytes)} (${seconds(started)})`);
  }
  for (const dialect of csvDialects) {
    const path = join(directory, `data-${csvRows}.${dialect}.csv`);
    const started = performance.now();
    const written = await writeCsvFile(path, { rows: csvRows, seed: DEFAULT_SEED, dialect });
    datasets[csvRows] ??= { csv: {} };
    datasets[csvRows].csv[dialect] = { path, fileBytes: written.fileBytes };
    log(`  ${path}: ${mb(written.fileBytes)} (${seconds(started)})`);
  }
  return datasets;
}

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

function seconds(started) {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

/**
 * Starts a throwaway server of each kind in `kinds` (`'postgres'`, `'redis'`), never one from
 * the environment. Returns their URLs and a `stop()` for all of them.
 */
export async function startServers(kinds) {
  const started = [];
  const urls = {};
  try {
    if (kinds.has('postgres')) {
      const server = await startPostgres({ allowExisting: false });
      started.push(server);
      urls.postgres = server.url;
    }
    if (kinds.has('redis')) {
      const server = await startRedis({ allowExisting: false });
      started.push(server);
      urls.redis = server.url;
    }
  } catch (error) {
    await Promise.allSettled(started.map((server) => server.stop()));
    throw error;
  }
  return {
    urls,
    stop: async () => {
      await Promise.allSettled(started.map((server) => server.stop()));
    },
  };
}
