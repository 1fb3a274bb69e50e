/**
 * store-sqlite, `incremental`: the dataset's Arrow file appended through `runFlow` to a table
 * of a new database file (WAL, the store's defaults). The table is created by an untimed
 * one-row load first, so the timed run takes the append path (stage, then `INSERT … SELECT`).
 *
 *   node cases/sqlite-store.mjs --arrow data.arrows --work <dir>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runFlow } from '@wharf/store-core';
import { SqliteStore } from '@wharf/store-sqlite';
import {
  caseArguments,
  printResult,
  required,
  seedBatches,
  timeStoreLoad,
} from '../case-runtime.mjs';

const args = caseArguments();
const directory = await mkdtemp(join(required(args, 'work'), 'sqlite-store-'));
try {
  const store = new SqliteStore({ filename: join(directory, 'bench.db'), table: 'bench' });
  await runFlow(seedBatches, store, { runType: 'incremental' });
  const result = await timeStoreLoad(store, required(args, 'arrow'), 'incremental');
  await store.close();
  printResult(result);
} finally {
  await rm(directory, { recursive: true, force: true });
}
