/**
 * The main job on store-core alone: lands a generated trips dataset into the in-memory
 * reference store through runFlow, with one failure injected in the middle of the load, and
 * shows that the retry ends exactly once.
 *
 *   node examples/core-demo/main.mjs [--rows 1000000]
 */
import { MemoryStore, runFlow } from '@wharf/store-core';
import { generateTrips, tripSchema } from './trips.mjs';

const rowsArgument = process.argv.indexOf('--rows');
const rows = rowsArgument > 0 ? Number(process.argv[rowsArgument + 1]) : 1_000_000;
const batchRows = 100_000;

const store = new MemoryStore({
  table: 'trips',
  key: 'trip_id',
  schema: tripSchema,
  partRows: 250_000,
});
await store.connect();

// Fail the 4th step of the first attempt: a staged part in the middle of the load, as a
// dropped connection would. runFlow cleans the staging, backs off and runs the load again.
store.faults.arm({ at: 4, mode: 'fail' });

const started = performance.now();
let lastLine = '';
const report = await runFlow(() => generateTrips({ rows, batchRows }), store, {
  runType: 'full_drop',
  backoff: { initialMs: 50 },
  onProgress: ({ attempt, rows: written }) => {
    lastLine = `attempt ${attempt}: ${written.toLocaleString('en')} rows staged`;
  },
  onRetry: (error, attempt) => {
    console.log(`  ${lastLine}`);
    console.log(
      `  attempt ${attempt} failed: ${error.message} (${error.code}, retryable) - cleaning staging and retrying`,
    );
  },
});
const seconds = (performance.now() - started) / 1000;
console.log(`  ${lastLine}`);

let landed = 0;
const ids = new Set();
for await (const batch of store.read({ columns: ['trip_id'] })) {
  landed += batch.numRows;
  for (const id of batch.getChild('trip_id')) ids.add(id);
}
const exactlyOnce = landed === rows && ids.size === rows;

console.log('');
console.log('wharf main job (store-core, in-memory reference store)');
console.log(`  run        ${report.runId} (${report.runType}), ${report.attempts} attempts`);
console.log(
  `  committed  ${report.rows.toLocaleString('en')} rows, ${(report.bytes / 1e6).toFixed(1)} MB in ${report.parts} parts`,
);
console.log(
  `  time       ${seconds.toFixed(2)} s, ${Math.round(rows / seconds).toLocaleString('en')} rows/s`,
);
console.log(
  `  read back  ${landed.toLocaleString('en')} rows, ${ids.size.toLocaleString('en')} distinct ids: ${exactlyOnce ? 'exactly once' : 'MISMATCH'}`,
);
await store.close();
if (!exactlyOnce) process.exit(1);
