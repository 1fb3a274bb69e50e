/**
 * Rows ⇄ JSON Lines. Each Arrow column becomes a JSON field; 64-bit integers travel as strings
 * so no digit is lost, and so do the floats JSON has no number for (NaN, ±Infinity, -0). The Arrow schema itself is kept by the store, so reading back restores
 * the exact types.
 */
import { makeData, RecordBatch, Struct, vectorFromArray } from 'apache-arrow';

/** The Arrow types this store round-trips (names of the wharf capability model). */
export const JSONL_ARROW_TYPES = ['bool', 'int8', 'int16', 'int32', 'int64', 'float64', 'utf8'];

/** Encodes a record batch as JSON Lines text (one line per row, each ending in `\n`). */
export function encodeBatch(batch) {
  const names = batch.schema.fields.map((field) => field.name);
  const columns = names.map((name) => batch.getChild(name));
  let text = '';
  for (let row = 0; row < batch.numRows; row += 1) {
    const object = {};
    for (let column = 0; column < names.length; column += 1) {
      object[names[column]] = toJson(columns[column].get(row));
    }
    text += `${JSON.stringify(object)}\n`;
  }
  return text;
}

/** A JSON-safe value: bigints and the floats JSON cannot write become strings. */
export function toJson(value) {
  if (typeof value === 'bigint') return value.toString();
  if (Object.is(value, -0)) return '-0';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** The value of a JSON field for an Arrow column: strings back to bigints and special floats. */
export function fromJson(value, type) {
  if (value === null || value === undefined) return null;
  if (type.bitWidth === 64 && type.typeId === 2) return BigInt(value);
  if (type.typeId === 3 && typeof value === 'string') return Number(value);
  return value;
}

/** Decodes JSON Lines (already parsed objects) into a record batch of `schema`. */
export function decodeRows(schema, objects) {
  const children = schema.fields.map((field) => {
    const values = objects.map((object) => fromJson(object[field.name], field.type));
    return vectorFromArray(values, field.type).data[0];
  });
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: objects.length, nullCount: 0, children }),
  );
}
