/**
 * The main job, on the embedded default (no server): generates a trips dataset, lands it into
 * a SQLite table and into a Parquet folder through runFlow with one failure injected in the
 * middle of each load, reads both back, and shows that each retry ended exactly once.
 *
 *   node examples/main-job/main.mjs [--rows 1000000] [--out .wharf-demo]
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runFlow } from '@wharf/store-core';
import { ParquetStore } from '@wharf/store-parquet';
import { SqliteStore } from '@wharf/store-sqlite';
import { generateTrips, tripSchema } from './trips.mjs';

function argument(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
}

const rows = Number(argument('rows', '1000000'));
const out = resolve(argument('out', '.wharf-demo'));
const format = (value) => Math.round(value).toLocaleString('en-US');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

/** Runs the generated trips into `store`, failing the `failAt`-th engine step of the first attempt. */
async function land(label, store, failAt) {
  await store.connect();
  // As a dropped connection or a full disk would, in the middle of the load. runFlow cleans the
  // staging, resets the store's per-run state, backs off and runs the whole load again.
  store.faults.arm({ at: failAt, mode: 'fail' });
  const started = performance.now();
  let staged = 0;
  const report = await runFlow(() => generateTrips({ rows, batchRows: 100_000 }), store, {
    runType: 'full_drop',
    backoff: { initialMs: 50 },
    onProgress: (progress) => {
      staged = progress.rows;
    },
    onRetry: (error, attempt) => {
      console.log(
        `  ${label}: attempt ${attempt} failed after ${format(staged)} rows were staged: ${error.message}`,
      );
      console.log(`  ${label}: staging cleaned, production untouched; retrying`);
    },
  });
  const seconds = (performance.now() - started) / 1000;

  let landed = 0;
  const ids = new Set();
  for await (const batch of store.read({ columns: ['trip_id'] })) {
    landed += batch.numRows;
    for (const id of batch.getChild('trip_id')) ids.add(id);
  }
  await store.close();
  return { label, report, seconds, landed, distinct: ids.size };
}

async function folderSummary(path) {
  const files = (await readdir(path)).filter((name) => name.endsWith('.parquet'));
  let bytes = 0;
  for (const file of files) bytes += (await stat(join(path, file))).size;
  return `${files.length} Parquet file(s), ${(bytes / 1e6).toFixed(1)} MB`;
}

console.log(
  `wharf main job: ${format(rows)} generated trips -> SQLite and Parquet, one injected failure each\n`,
);
const sqlitePath = join(out, 'trips.sqlite');
const parquetPath = join(out, 'trips');
const results = [
  await land(
    'sqlite',
    new SqliteStore({ filename: sqlitePath, table: 'trips', schema: tripSchema }),
    4,
  ),
  await land('parquet', new ParquetStore({ path: parquetPath, schema: tripSchema }), 5),
];
const files = {
  sqlite: `${sqlitePath} (${((await stat(sqlitePath)).size / 1e6).toFixed(1)} MB)`,
  parquet: `${parquetPath}/ (${await folderSummary(parquetPath)})`,
};

console.log('');
let allExact = true;
for (const { label, report, seconds, landed, distinct } of results) {
  const exact = landed === rows && distinct === rows;
  allExact &&= exact;
  console.log(`${label}`);
  console.log(
    `  committed  ${format(report.rows)} rows, ${report.attempts} attempts, run ${report.runId}`,
  );
  console.log(
    `  time       ${seconds.toFixed(2)} s, ${format(rows / seconds)} rows/s (both attempts)`,
  );
  console.log(
    `  read back  ${format(landed)} rows, ${format(distinct)} distinct trip ids: ${exact ? 'exactly once' : 'MISMATCH'}`,
  );
  console.log(`  files      ${files[label]}`);
}
console.log(`\nInspect them: pnpm wharf inspect 'sqlite:${sqlitePath}?table=trips'`);
console.log(`              pnpm wharf inspect parquet:${parquetPath}`);
if (!allExact) process.exitCode = 1;
