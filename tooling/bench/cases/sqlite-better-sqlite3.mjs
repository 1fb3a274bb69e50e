/**
 * Raw better-sqlite3: one prepared 8-parameter `INSERT`, run row by row inside one
 * transaction, into a new table of a new database file (WAL, as the store). Values are read
 * straight from the Arrow buffers of the same Arrow file the store reads.
 *
 *   node cases/sqlite-better-sqlite3.mjs --arrow data.arrows --work <dir>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_CREATE_TABLE } from '../baseline-tables.mjs';
import { caseArguments, printResult, required, timeLoad } from '../case-runtime.mjs';
import { readArrowFile } from '../dataset-files.mjs';

function text(data) {
  const bytes = Buffer.from(data.values.buffer, data.values.byteOffset, data.values.byteLength);
  const offsets = data.valueOffsets;
  return (row) => bytes.toString('utf8', offsets[row], offsets[row + 1]);
}

function bit(bitmap, row) {
  return (bitmap[row >> 3] & (1 << (row & 7))) !== 0;
}

const args = caseArguments();
const directory = await mkdtemp(join(required(args, 'work'), 'sqlite-raw-'));
try {
  const db = new Database(join(directory, 'bench.db'));
  db.pragma('journal_mode = WAL');
  db.exec(SQLITE_CREATE_TABLE);
  const insert = db.prepare('INSERT INTO bench VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const result = await timeLoad(() => {
    let rows = 0;
    db.exec('BEGIN');
    for (const batch of readArrowFile(required(args, 'arrow'))) {
      const [id, quantity, price, code, note, active, createdAt, refId] = batch.data.children;
      const codeAt = text(code);
      const noteAt = text(note);
      const refValid = refId.nullBitmap;
      for (let row = 0; row < batch.numRows; row += 1) {
        insert.run(
          id.values[row],
          quantity.values[row],
          price.values[row],
          codeAt(row),
          noteAt(row),
          bit(active.values, row) ? 1 : 0,
          createdAt.values[row],
          refId.nullCount > 0 && !bit(refValid, row) ? null : refId.values[row],
        );
      }
      rows += batch.numRows;
    }
    db.exec('COMMIT');
    return rows;
  });
  db.close();
  printResult(result);
} finally {
  await rm(directory, { recursive: true, force: true });
}
