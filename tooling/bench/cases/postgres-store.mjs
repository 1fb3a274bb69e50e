/**
 * store-postgres, `incremental`: the dataset's Arrow file appended through `runFlow` to a new
 * table (the store's defaults: binary COPY into an unlogged staging table over two
 * connections, then `INSERT … SELECT` in the publishing transaction). The table is created by
 * an untimed one-row load first, and the server checkpoints before the timing starts.
 *
 *   node cases/postgres-store.mjs --arrow data.arrows --postgres-url postgres://…
 */
import { join } from 'node:path';
import { runFlow } from '@wharf/store-core';
import { findPostgresBinDir } from '@wharf/test-servers';
import {
  caseArguments,
  printResult,
  required,
  runCommand,
  seedBatches,
  timeStoreLoad,
} from '../case-runtime.mjs';
import { importWorkspacePackage } from '../workspace-packages.mjs';

const { PostgresStore } = await importWorkspacePackage('store-postgres');
const args = caseArguments();
const url = required(args, 'postgres-url');
const psql = join(findPostgresBinDir() ?? '/usr/bin', 'psql');
const table = `bench_store_${process.pid}`;
const sql = (statement) => runCommand(psql, [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', statement]);

const store = new PostgresStore({ connectionString: url, table });
let result;
try {
  await runFlow(seedBatches, store, { runType: 'incremental' });
  sql('CHECKPOINT');
  result = await timeStoreLoad(store, required(args, 'arrow'), 'incremental');
} finally {
  await store.close();
  sql(`DROP TABLE IF EXISTS ${table}`);
}
printResult(result);
