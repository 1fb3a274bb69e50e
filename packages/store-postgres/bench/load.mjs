/**
 * Load benchmark: a 1M-row, 8-column incremental load through the store against `psql \copy`
 * of the same rows as CSV, on a throwaway server. Run after `pnpm build`:
 *
 *   node bench/load.mjs [rows]
 *
 * PHASES=1 times the writes and the commit apart; WARM=1 runs an untimed load first.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFromColumns, runFlow } from '@wharf/store-core';
import { findPostgresBinDir, startPostgres } from '@wharf/test-servers';
import {
  Bool,
  Field,
  Float64,
  Int32,
  Int64,
  makeVector,
  Schema,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import pg from 'pg';
import { PostgresStore } from '../dist/index.js';

const total = Number(process.argv[2] ?? 1_000_000);
const batchRows = 65_536;
const base = Date.UTC(2024, 0, 1);
const cities = ['Oslo', 'Lyon', 'Rome', 'Kyiv', 'Lima', 'Pune', 'Cork', 'Nice'];

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('city', new Utf8(), true),
  new Field('name', new Utf8(), true),
  new Field('value', new Float64(), true),
  new Field('count', new Int32(), true),
  new Field('flag', new Bool(), true),
  new Field('at', new TimestampMillisecond('UTC'), true),
  new Field('note', new Utf8(), true),
]);

function batch(start, count) {
  const ids = Array.from({ length: count }, (_, index) => start + index);
  return batchFromColumns(
    schema,
    [
      makeVector(BigInt64Array.from(ids, (id) => BigInt(id))),
      vectorFromArray(
        ids.map((id) => cities[id % 8]),
        new Utf8(),
      ),
      vectorFromArray(
        ids.map((id) => `name-${id}`),
        new Utf8(),
      ),
      vectorFromArray(
        ids.map((id) => id * 0.25),
        new Float64(),
      ),
      vectorFromArray(
        ids.map((id) => id % 1000),
        new Int32(),
      ),
      vectorFromArray(
        ids.map((id) => id % 3 === 0),
        new Bool(),
      ),
      vectorFromArray(
        ids.map((id) => base + id * 37),
        new TimestampMillisecond('UTC'),
      ),
      vectorFromArray(
        ids.map((id) => (id % 10 === 0 ? null : `a note about row ${id}`)),
        new Utf8(),
      ),
    ],
    count,
  );
}

const batches = [];
for (let start = 0; start < total; start += batchRows)
  batches.push(batch(start, Math.min(batchRows, total - start)));

const server = await startPostgres({ allowExisting: false });
const directory = await mkdtemp(join(tmpdir(), 'wharf-load-bench-'));
try {
  const csv = join(directory, 'rows.csv');
  const out = createWriteStream(csv);
  for (const current of batches) {
    const columns = schema.fields.map((field) => current.getChild(field.name));
    let text = '';
    for (let row = 0; row < current.numRows; row += 1) {
      const at = new Date(columns[6].get(row)).toISOString();
      const note = columns[7].get(row);
      text += `${columns[0].get(row)},${columns[1].get(row)},${columns[2].get(row)},${columns[3].get(row)},${columns[4].get(row)},${columns[5].get(row)},${at},${note ?? ''}\n`;
    }
    out.write(text);
  }
  await new Promise((resolve) => out.end(resolve));

  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await client.query(
    'CREATE TABLE baseline (id bigint NOT NULL, city text, name text, value double precision, count integer, flag boolean, at timestamptz, note text)',
  );
  await client.end();
  const psql = join(findPostgresBinDir(), 'psql');
  let started = performance.now();
  const result = spawnSync(psql, [server.url, '-q', '-c', `\\copy baseline FROM '${csv}' CSV`], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('psql failed');
  const psqlSeconds = (performance.now() - started) / 1000;

  const store = new PostgresStore({ connectionString: server.url, table: 'bench' });
  await store.connect();
  if (process.env.WARM) {
    // A first, untimed load warms the JIT as a long-running process would be.
    await runFlow(() => batches, store, { runType: 'incremental' });
    await store.configureForRun('full_drop');
    await store.finish();
  }
  started = performance.now();
  let report;
  if (process.env.PHASES) {
    await store.configureForRun('incremental');
    const utilization = performance.eventLoopUtilization();
    for (const current of batches) await store.write(current);
    const busy = performance.eventLoopUtilization(utilization).utilization;
    console.log(
      `writes: ${((performance.now() - started) / 1000).toFixed(2)} s (event loop busy ${(busy * 100).toFixed(0)}%)`,
    );
    const finishStarted = performance.now();
    report = await store.finish();
    console.log(`finish: ${((performance.now() - finishStarted) / 1000).toFixed(2)} s`);
  } else {
    report = await runFlow(() => batches, store, { runType: 'incremental' });
  }
  const storeSeconds = (performance.now() - started) / 1000;
  await store.close();

  console.log(`rows: ${report.rows}`);
  console.log(
    `psql \\copy (CSV):   ${psqlSeconds.toFixed(2)} s, ${Math.round(total / psqlSeconds)} rows/s`,
  );
  console.log(
    `PostgresStore:      ${storeSeconds.toFixed(2)} s, ${Math.round(total / storeSeconds)} rows/s`,
  );
  console.log(`ratio: ${(psqlSeconds / storeSeconds).toFixed(2)}x`);
} finally {
  await rm(directory, { recursive: true, force: true });
  await server.stop();
}
