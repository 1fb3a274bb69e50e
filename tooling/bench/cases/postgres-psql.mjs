/**
 * `psql \copy bench FROM 'data.csv' CSV` of the same rows into a new ordinary (logged) table
 * with the columns store-postgres creates. The table is created and the server checkpoints
 * before the timing starts; the timing is psql's, from start to exit.
 *
 *   node cases/postgres-psql.mjs --csv data.iso.csv --postgres-url postgres://…
 */
import { join } from 'node:path';
import { findPostgresBinDir } from '@wharf/test-servers';
import { postgresCreateTable } from '../baseline-tables.mjs';
import { caseArguments, printResult, required, runCommand, timeCommand } from '../case-runtime.mjs';

const args = caseArguments();
const url = required(args, 'postgres-url');
const psql = join(findPostgresBinDir() ?? '/usr/bin', 'psql');
const table = `bench_copy_${process.pid}`;
const psqlArgs = [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c'];
const sql = (statement) => runCommand(psql, [...psqlArgs, statement]);

try {
  sql(postgresCreateTable(table));
  sql('CHECKPOINT');
  const csv = required(args, 'csv').replaceAll("'", "''");
  const timed = await timeCommand(psql, [...psqlArgs, `\\copy ${table} FROM '${csv}' CSV`]);
  const rows = Number(runCommand(psql, [url, '-At', '-c', `SELECT count(*) FROM ${table}`]).trim());
  printResult({
    rows,
    seconds: timed.seconds,
    window: timed.window,
    maxRssBytes: timed.maxRssBytes,
  });
} finally {
  sql(`DROP TABLE IF EXISTS ${table}`);
}
