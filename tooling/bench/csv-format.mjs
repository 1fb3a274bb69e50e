/**
 * The benchmark dataset as CSV, for the baselines that load files (`psql \copy`, the `sqlite3`
 * shell's `.import`, DuckDB's `read_csv`). No header; no value needs quoting (the generator's
 * text is letters, digits, `-` and `_`); a null is an empty field.
 *
 * Two dialects, each holding the values as the target stores them:
 * - `iso` (PostgreSQL, DuckDB): booleans `true`/`false`, timestamps in ISO 8601 with `Z`;
 * - `sqlite`: booleans `1`/`0`, timestamps as integer milliseconds (what store-sqlite writes).
 */

/** The CSV dialects. */
export const CSV_DIALECTS = ['iso', 'sqlite'];

function int64Reader(data) {
  const words = new Int32Array(data.values.buffer, data.values.byteOffset, data.length * 2);
  // The generator's values are below 2^53: exact as numbers.
  return (row) => words[row * 2 + 1] * 2 ** 32 + (words[row * 2] >>> 0);
}

function textReader(data) {
  const bytes = Buffer.from(data.values.buffer, data.values.byteOffset, data.values.byteLength);
  const offsets = data.valueOffsets;
  return (row) => bytes.toString('latin1', offsets[row], offsets[row + 1]);
}

function validReader(data) {
  if (!data.nullBitmap || data.nullCount === 0) return () => true;
  const bitmap = data.nullBitmap;
  return (row) => (bitmap[row >> 3] & (1 << (row & 7))) !== 0;
}

function boolReader(data) {
  const bitmap = data.values;
  return (row) => (bitmap[row >> 3] & (1 << (row & 7))) !== 0;
}

/** The rows of one batch of the reference shape as CSV text, one line per row. */
export function batchToCsv(batch, dialect) {
  if (!CSV_DIALECTS.includes(dialect)) throw new RangeError(`CSV dialect: ${dialect}`);
  const [idData, quantityData, priceData, codeData, noteData, activeData, createdData, refData] =
    batch.data.children;
  const id = int64Reader(idData);
  const quantities = quantityData.values;
  const prices = priceData.values;
  const code = textReader(codeData);
  const note = textReader(noteData);
  const active = boolReader(activeData);
  const created = int64Reader(createdData);
  const ref = int64Reader(refData);
  const refValid = validReader(refData);
  const iso = dialect === 'iso';

  let text = '';
  for (let row = 0; row < batch.numRows; row += 1) {
    const flag = active(row);
    const at = created(row);
    text += `${id(row)},${quantities[row]},${prices[row]},${code(row)},${note(row)},${
      iso ? (flag ? 'true' : 'false') : flag ? 1 : 0
    },${iso ? new Date(at).toISOString() : at},${refValid(row) ? ref(row) : ''}\n`;
  }
  return text;
}
