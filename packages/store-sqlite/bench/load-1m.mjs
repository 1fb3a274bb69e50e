/**
 * 1M rows × 8 columns: an incremental load through SqliteStore against a raw better-sqlite3
 * prepared INSERT in one transaction, on the same data, in the same process. Each is measured
 * `rounds` times, alternately, on fresh files; the best of each is reported. Needs the built
 * package: `pnpm --filter @wharf/store-sqlite build && node bench/load-1m.mjs [rows] [rounds]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFlow } from '@wharf/store-core';
import {
  Bool,
  Float64,
  Int32,
  makeData,
  makeVector,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import Database from 'better-sqlite3';
import { SqliteStore } from '../dist/index.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
const chunk = 65_536;

function batchOf(start, count) {
  const at = BigInt64Array.from(
    { length: count },
    (_, index) => 1_700_000_000_000n + BigInt(start + index),
  );
  return new Table({
    id: makeVector(BigInt64Array.from({ length: count }, (_, index) => BigInt(start + index))),
    tenant: vectorFromArray(
      Array.from({ length: count }, (_, index) => `tenant-${(start + index) % 10}`),
      new Utf8(),
    ),
    name: vectorFromArray(
      Array.from({ length: count }, (_, index) => `name-${start + index}`),
      new Utf8(),
    ),
    value: vectorFromArray(
      Array.from({ length: count }, (_, index) => (start + index) * 1.5),
      new Float64(),
    ),
    flag: vectorFromArray(
      Array.from({ length: count }, (_, index) => (start + index) % 3 === 0),
      new Bool(),
    ),
    at: makeVector(makeData({ type: new TimestampMillisecond(), length: count, data: at })),
    quantity: vectorFromArray(
      Array.from({ length: count }, (_, index) => (start + index) % 1000),
      new Int32(),
    ),
    note: vectorFromArray(
      Array.from({ length: count }, (_, index) => `some note text ${(start + index) % 97}`),
      new Utf8(),
    ),
  });
}

const tables = [];
for (let start = 0; start < rows; start += chunk) {
  tables.push(batchOf(start, Math.min(chunk, rows - start)));
}
// The raw load gets the same values already as plain JavaScript arrays.
const plain = tables.map((table) =>
  table.schema.fields.map((field) => table.getChild(field.name).toArray()),
);

function rawLoad(directory) {
  const db = new Database(join(directory, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE trips (id INTEGER, tenant TEXT, name TEXT, value REAL, flag INTEGER, at INTEGER, quantity INTEGER, note TEXT)',
  );
  const insert = db.prepare('INSERT INTO trips VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const started = performance.now();
  db.transaction(() => {
    for (const [id, tenant, name, value, flag, at, quantity, note] of plain) {
      for (let row = 0; row < id.length; row += 1) {
        insert.run(
          id[row],
          tenant[row],
          name[row],
          value[row],
          flag[row] ? 1 : 0,
          at[row],
          quantity[row],
          note[row],
        );
      }
    }
  })();
  const elapsed = performance.now() - started;
  db.close();
  return elapsed;
}

async function storeLoads(directory) {
  const store = new SqliteStore({ filename: join(directory, 'store.db'), table: 'trips' });
  let started = performance.now();
  await runFlow(tables, store, { runType: 'incremental' });
  const first = performance.now() - started;
  started = performance.now();
  await runFlow(tables, store, { runType: 'incremental' });
  const append = performance.now() - started;
  const count = await store.count();
  await store.close();
  if (count !== rows * 2) throw new Error(`expected ${rows * 2} rows, found ${count}`);
  return { first, append };
}

const best = { raw: Infinity, first: Infinity, append: Infinity };
for (let round = 0; round < rounds; round += 1) {
  const directory = mkdtempSync(join(tmpdir(), 'wharf-sqlite-bench-'));
  try {
    best.raw = Math.min(best.raw, rawLoad(directory));
    const loads = await storeLoads(directory);
    best.first = Math.min(best.first, loads.first);
    best.append = Math.min(best.append, loads.append);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const rate = (ms) =>
  `${Math.round((rows / ms) * 1000).toLocaleString('en')} rows/s (${ms.toFixed(0)} ms)`;
console.log(`${rows.toLocaleString('en')} rows × 8 columns, best of ${rounds}`);
console.log(`raw better-sqlite3 prepared INSERT, one transaction: ${rate(best.raw)}`);
console.log(
  `SqliteStore incremental, first load of the table: ${rate(best.first)} — ${(best.raw / best.first).toFixed(2)}× raw`,
);
console.log(
  `SqliteStore incremental, into a non-empty table:  ${rate(best.append)} — ${(best.raw / best.append).toFixed(2)}× raw`,
);
