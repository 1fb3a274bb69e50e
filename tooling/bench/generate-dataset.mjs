/**
 * The benchmark dataset: a seeded, deterministic stream of Arrow record batches in the
 * reference shape (8 columns: int64 id, int32, float64, a ~12-character and a ~60-character
 * string, bool, millisecond timestamp, and an int64 that is null in about 10% of the rows).
 *
 * Batches are built straight into Arrow buffers (no per-value JavaScript strings), one batch
 * at a time, so 10M rows are never held in memory at once. Every column draws from its own
 * pseudo-random stream, row after row: row `i` has the same values whatever the batch size,
 * and the first 1M rows of a 10M-row dataset are the 1M-row dataset.
 */
import {
  Bool,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
} from 'apache-arrow';

/** The seed used when none is given. */
export const DEFAULT_SEED = 20_240_601;

/** Rows per batch when none is given: the part size of the SQL stores. */
export const DEFAULT_BATCH_ROWS = 65_536;

/** The reference shape. Only `ref_id` is nullable. */
export const benchSchema = new Schema([
  new Field('id', new Int64(), false),
  new Field('quantity', new Int32(), false),
  new Field('price', new Float64(), false),
  new Field('code', new Utf8(), false),
  new Field('note', new Utf8(), false),
  new Field('active', new Bool(), false),
  new Field('created_at', new TimestampMillisecond('UTC'), false),
  new Field('ref_id', new Int64(), true),
]);

/** Inclusive length ranges of the two text columns (means 12 and 60). */
export const CODE_LENGTH = { min: 10, max: 14 };
export const NOTE_LENGTH = { min: 45, max: 75 };

/** The share of `ref_id` values that are null. */
export const NULL_FRACTION = 0.1;

/** The first `created_at`: 2024-01-01T00:00:00Z, then about one row per second. */
const START_MS = Date.UTC(2024, 0, 1);
const TWO_TO_32 = 2 ** 32;
const NULL_THRESHOLD = Math.floor(NULL_FRACTION * TWO_TO_32);
/** 64 characters (6 bits each) that need no quoting in CSV, SQL or a shell. */
const ALPHABET = new TextEncoder().encode(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
);

/**
 * A seeded 32-bit generator (mulberry32): returns unsigned 32-bit integers. Exported for the
 * tests; the same seed always gives the same sequence.
 */
export function randomUint32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return (value ^ (value >>> 14)) >>> 0;
  };
}

/** An independent stream per column and purpose, derived from the dataset's seed. */
function streamSeed(seed, stream) {
  let value = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35);
  return (value ^ (value >>> 16)) >>> 0;
}

/** Writes a whole number (|value| < 2^53) into a BigInt64Array through its 32-bit view. */
function setInt64(words, index, value) {
  const high = Math.floor(value / TWO_TO_32);
  words[index * 2] = (value - high * TWO_TO_32) | 0;
  words[index * 2 + 1] = high | 0;
}

function int64Words(length) {
  const values = new BigInt64Array(length);
  return { values, words: new Int32Array(values.buffer) };
}

/** Strings of random length in `range`, written as Arrow offsets and UTF-8 (ASCII) bytes. */
function textColumn(length, range, nextLength, nextChars) {
  const offsets = new Int32Array(length + 1);
  const span = range.max - range.min + 1;
  for (let row = 0; row < length; row += 1) {
    offsets[row + 1] = offsets[row] + range.min + (nextLength() % span);
  }
  const bytes = new Uint8Array(offsets[length]);
  for (let row = 0; row < length; row += 1) {
    const end = offsets[row + 1];
    let position = offsets[row];
    while (position < end) {
      // Five characters of 6 bits from each 32-bit draw.
      let bits = nextChars();
      for (let char = 0; char < 5 && position < end; char += 1) {
        bytes[position] = ALPHABET[bits & 63];
        bits >>>= 6;
        position += 1;
      }
    }
  }
  return makeData({ type: new Utf8(), length, nullCount: 0, valueOffsets: offsets, data: bytes });
}

/**
 * Yields `rows` rows of the reference shape in record batches of `batchRows` rows.
 *
 * @example
 * for (const batch of generateDataset({ rows: 1_000_000 })) await store.write(batch);
 */
export function* generateDataset({
  rows,
  batchRows = DEFAULT_BATCH_ROWS,
  seed = DEFAULT_SEED,
  startId = 0,
}) {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`rows: ${rows}`);
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) {
    throw new RangeError(`batchRows: ${batchRows}`);
  }
  const next = Array.from({ length: 10 }, (_, stream) => randomUint32(streamSeed(seed, stream)));
  const [quantityNext, priceNext, codeLength, codeChars, noteLength, noteChars] = next;
  const [activeNext, createdNext, refNullNext, refValueNext] = next.slice(6);

  for (let offset = 0; offset < rows; offset += batchRows) {
    const length = Math.min(batchRows, rows - offset);

    const ids = int64Words(length);
    const quantities = new Int32Array(length);
    const prices = new Float64Array(length);
    const created = int64Words(length);
    const refs = int64Words(length);
    const refValid = new Uint8Array((length + 7) >> 3);
    let refNulls = 0;
    for (let row = 0; row < length; row += 1) {
      const index = offset + row;
      setInt64(ids.words, row, startId + index);
      quantities[row] = quantityNext() | 0;
      // Two decimals, 0 to 100,000.
      prices[row] = Math.round((priceNext() / TWO_TO_32) * 1e7) / 100;
      setInt64(created.words, row, START_MS + index * 1000 + (createdNext() % 1000));
      if (refNullNext() < NULL_THRESHOLD) {
        refNulls += 1;
      } else {
        refValid[row >> 3] |= 1 << (row & 7);
        // A positive value below 2^52.
        setInt64(refs.words, row, (refValueNext() & 0xfffff) * TWO_TO_32 + refValueNext());
      }
    }
    // Booleans are a bitmap; one draw per row keeps row i independent of the batch size.
    const active = new Uint8Array((length + 7) >> 3);
    for (let row = 0; row < length; row += 1) {
      if (activeNext() >= 0x80000000) active[row >> 3] |= 1 << (row & 7);
    }

    const children = [
      makeData({ type: new Int64(), length, nullCount: 0, data: ids.values }),
      makeData({ type: new Int32(), length, nullCount: 0, data: quantities }),
      makeData({ type: new Float64(), length, nullCount: 0, data: prices }),
      textColumn(length, CODE_LENGTH, codeLength, codeChars),
      textColumn(length, NOTE_LENGTH, noteLength, noteChars),
      makeData({ type: new Bool(), length, nullCount: 0, data: active }),
      makeData({
        type: new TimestampMillisecond('UTC'),
        length,
        nullCount: 0,
        data: created.values,
      }),
      makeData({
        type: new Int64(),
        length,
        nullCount: refNulls,
        nullBitmap: refValid,
        data: refs.values,
      }),
    ];
    yield new RecordBatch(
      benchSchema,
      makeData({ type: new Struct(benchSchema.fields), length, nullCount: 0, children }),
    );
  }
}

/** Bytes of Arrow buffers a batch holds (values, offsets, validity): the "MB" of MB/s. */
export function arrowBytes(batch) {
  let bytes = 0;
  for (const child of batch.data.children) {
    bytes += child.values?.byteLength ?? 0;
    bytes += child.valueOffsets?.byteLength ?? 0;
    bytes += child.nullBitmap?.byteLength ?? 0;
  }
  return bytes;
}
