/**
 * The `sqlite3` shell's `.import --csv` of the same rows (one transaction, as the shell does
 * for an import) into a new table of a new database file, in WAL mode with
 * `synchronous = NORMAL` as better-sqlite3 uses it. The shell is told not to checkpoint when it
 * closes the database (the Node.js cases close theirs after the timing ends). The CSV's empty
 * `ref_id` fields land as empty text, not NULL: the shell has no NULL in CSV.
 *
 *   node cases/sqlite-shell.mjs --csv data.sqlite.csv --work <dir> [--sqlite3 /usr/bin/sqlite3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SQLITE_CREATE_TABLE } from '../baseline-tables.mjs';
import { caseArguments, printResult, required, runCommand, timeCommand } from '../case-runtime.mjs';

const args = caseArguments();
const sqlite3 = args.sqlite3 ?? 'sqlite3';
const directory = await mkdtemp(join(required(args, 'work'), 'sqlite-shell-'));
try {
  const database = join(directory, 'bench.db');
  runCommand(sqlite3, [database], {
    input: `PRAGMA journal_mode = WAL;\n${SQLITE_CREATE_TABLE};\n`,
  });
  const csv = required(args, 'csv');
  const script = [
    '.bail on',
    '.dbconfig no_ckpt_on_close on',
    'PRAGMA synchronous = NORMAL;',
    `.import --csv '${csv}' bench`,
    '',
  ].join('\n');
  const timed = await timeCommand(sqlite3, ['-batch', database], { input: script });
  const rows = Number(runCommand(sqlite3, [database, 'SELECT count(*) FROM bench']).trim());
  printResult({
    rows,
    seconds: timed.seconds,
    window: timed.window,
    maxRssBytes: timed.maxRssBytes,
  });
} finally {
  await rm(directory, { recursive: true, force: true });
}
