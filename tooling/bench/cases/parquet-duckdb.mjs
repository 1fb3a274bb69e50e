/**
 * DuckDB's `COPY … TO 'x.parquet'` (snappy, DuckDB's default codec and the store's; the store's
 * row-group size) of the same rows.
 *
 *   node cases/parquet-duckdb.mjs --source csv --csv data.iso.csv --work <dir>
 *   node cases/parquet-duckdb.mjs --source table --csv data.iso.csv --work <dir>
 *
 * `--source csv` (the baseline) times `COPY (SELECT * FROM read_csv(…)) TO …`: DuckDB reads
 * its input file as the store reads the Arrow file. `--source table` first loads the CSV into
 * an in-memory table, untimed, and times only `COPY table TO …`: Parquet encoding and
 * writing alone, the strictest comparison. Only the COPY statement is timed either way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { caseArguments, printResult, required, timeLoad } from '../case-runtime.mjs';

const COLUMNS = `{'id': 'BIGINT', 'quantity': 'INTEGER', 'price': 'DOUBLE', 'code': 'VARCHAR',
  'note': 'VARCHAR', 'active': 'BOOLEAN', 'created_at': 'TIMESTAMPTZ', 'ref_id': 'BIGINT'}`;

const quote = (text) => `'${text.replaceAll("'", "''")}'`;

const args = caseArguments();
const source = args.source ?? 'csv';
if (source !== 'csv' && source !== 'table') throw new Error(`--source csv|table, not ${source}`);
const readCsv = `read_csv(${quote(required(args, 'csv'))}, header = false, auto_detect = false,
  delim = ',', quote = '"', columns = ${COLUMNS})`;
const directory = await mkdtemp(join(required(args, 'work'), 'parquet-duckdb-'));
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
try {
  const target = quote(join(directory, 'data.parquet'));
  const options = '(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)';
  let from = `(SELECT * FROM ${readCsv})`;
  if (source === 'table') {
    await connection.run(`CREATE TABLE bench AS SELECT * FROM ${readCsv}`);
    from = 'bench';
  }
  const result = await timeLoad(async () => {
    const copied = await connection.run(`COPY ${from} TO ${target} ${options}`);
    return Number(copied.rowsChanged);
  });
  printResult(result);
} finally {
  connection.closeSync();
  instance.closeSync();
  await rm(directory, { recursive: true, force: true });
}
