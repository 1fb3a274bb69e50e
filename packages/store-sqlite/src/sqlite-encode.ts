/**
 * Arrow → SQLite: the values of one Arrow column as better-sqlite3 bind values, read straight
 * from the column's buffers (no per-row Arrow getters, which would lose nanoseconds and cost
 * an object per value). A column without nulls and of a plain numeric type is handed over as
 * its typed array, untouched.
 *
 * Nested values (lists, structs) become JSON text; {@link jsonReader} gives the JSON form of
 * every claimed type: 64-bit integers beyond 2^53 as decimal strings, NaN, ±Infinity and -0
 * as the strings `"NaN"`, `"Infinity"`, `"-Infinity"` and `"-0"`, bytes as base64, decimals as
 * their exact text, temporal values as integers in their own unit.
 */
import { isAscii } from 'node:buffer';
import type { Data, Vector } from 'apache-arrow';
import { util } from 'apache-arrow';
import { decimalToText, info, isValid, TypeId } from './sqlite-types.js';

/** A value better-sqlite3 can bind. */
export type BindValue = number | bigint | string | Buffer | null;

type NumericArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array;

/** Whether SQLite would not keep `value` as a REAL: it stores NaN as NULL and -0 as 0. */
function isSpecialFloat(value: number): boolean {
  return Number.isNaN(value) || (value === 0 && 1 / value < 0);
}

/** The 8 IEEE-754 bytes of a NaN or -0, stored as a BLOB in a REAL column. */
export function floatBits(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeDoubleLE(value, 0);
  return bytes;
}

function bytesOf(data: Data): Buffer {
  const values = data.values as Uint8Array;
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** A column's values with `null` in its null slots (the values themselves when there are none). */
function withNulls<T>(data: Data, values: ArrayLike<T>): ArrayLike<T | null> {
  if (data.nullCount === 0) return values;
  const result = new Array<T | null>(data.length);
  for (let index = 0; index < data.length; index += 1) {
    result[index] = isValid(data, index) ? values[index]! : null;
  }
  return result;
}

function mapValid<T>(data: Data, read: (index: number) => T): (T | null)[] {
  const result = new Array<T | null>(data.length);
  const checkNulls = data.nullCount !== 0;
  for (let index = 0; index < data.length; index += 1) {
    result[index] = checkNulls && !isValid(data, index) ? null : read(index);
  }
  return result;
}

/** A reader of variable-width bytes (utf8, binary and their large forms). */
function byteRanges(data: Data): {
  bytes: Buffer;
  start(index: number): number;
  end(index: number): number;
} {
  const bytes = bytesOf(data);
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  if (offsets instanceof BigInt64Array) {
    return {
      bytes,
      start: (index) => Number(offsets[index]!),
      end: (index) => Number(offsets[index + 1]!),
    };
  }
  return { bytes, start: (index) => offsets[index]!, end: (index) => offsets[index + 1]! };
}

function floatValues(data: Data): ArrayLike<BindValue> {
  const details = info(data.type);
  let values: ArrayLike<number> = data.values as Float32Array | Float64Array;
  if (details.precision === 0) {
    const halves = data.values as Uint16Array;
    values = Float64Array.from({ length: data.length }, (_, index) =>
      util.uint16ToFloat64(halves[index]!),
    );
  }
  let special = false;
  for (let index = 0; index < data.length; index += 1) {
    if (isSpecialFloat(values[index]!)) {
      special = true;
      break;
    }
  }
  if (!special) return withNulls(data, values);
  return mapValid(data, (index) => {
    const value = values[index]!;
    return isSpecialFloat(value) ? floatBits(value) : value;
  });
}

function dictionaryValues(vector: Vector, encode: (data: Data) => ArrayLike<BindValue>) {
  const chunks = vector.data as Data[];
  if (chunks.length === 1) return encode(chunks[0]!);
  const all: BindValue[] = [];
  for (const chunk of chunks) all.push(...Array.from(encode(chunk)));
  return all;
}

/**
 * The bind values of one column: one per row of `data`, in row order.
 *
 * @example
 * const ids = bindValues(batch.data.children[0]); // a BigInt64Array when it has no nulls
 */
export function bindValues(data: Data): ArrayLike<BindValue> {
  const details = info(data.type);
  const length = data.length;
  // A column of nulls may have no value buffer at all (schema evolution fills one that way).
  if (details.typeId === TypeId.Null || (length > 0 && data.nullCount === length)) {
    return new Array<null>(length).fill(null);
  }
  switch (details.typeId) {
    case TypeId.Int:
    case TypeId.Date:
    case TypeId.Time:
    case TypeId.Timestamp:
    case TypeId.Duration: {
      const values = data.values as NumericArray | BigUint64Array;
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        return withNulls<number | bigint>(data, integers64(values, length));
      }
      return withNulls<number>(data, values);
    }
    case TypeId.Float:
      return floatValues(data);
    case TypeId.Bool: {
      const bits = data.values as Uint8Array;
      return mapValid(data, (index) => {
        const position = data.offset + index;
        return (bits[position >> 3]! >> (position & 7)) & 1;
      });
    }
    case TypeId.Utf8:
    case TypeId.LargeUtf8:
      return textValues(data);
    case TypeId.Binary:
    case TypeId.LargeBinary: {
      const { bytes, start, end } = byteRanges(data);
      return mapValid(data, (index) => bytes.subarray(start(index), end(index)));
    }
    case TypeId.FixedSizeBinary: {
      const bytes = bytesOf(data);
      const width = details.byteWidth!;
      return mapValid(data, (index) => bytes.subarray(index * width, (index + 1) * width));
    }
    case TypeId.Decimal: {
      const read = decimalReader(data);
      return mapValid(data, (index) => decimalToText(read(index), details.scale!));
    }
    case TypeId.Dictionary: {
      const dictionary = dictionaryValues(data.dictionary!, bindValues);
      const indices = data.values as NumericArray;
      return mapValid(data, (index) => dictionary[Number(indices[index]!)]!);
    }
    case TypeId.List:
    case TypeId.FixedSizeList:
    case TypeId.Struct: {
      const read = jsonReader(data);
      return mapValid(data, (index) => JSON.stringify(read(index)));
    }
    default:
      throw new TypeError(`Arrow type ${String(data.type)} is not supported by the SQLite store`);
  }
}

/**
 * 64-bit integers as bind values without a `bigint` per value: a value within ±2^53 is read
 * from its two 32-bit halves as a number (SQLite's INTEGER affinity stores it as an integer,
 * exactly); only larger ones become `bigint`. A uint64 is stored as the int64 with the same
 * bits, since SQLite integers are signed.
 */
function integers64(
  values: BigInt64Array | BigUint64Array,
  length: number,
): ArrayLike<number | bigint> {
  const halves = new Int32Array(values.buffer, values.byteOffset, length * 2);
  let large: (number | bigint)[] | undefined;
  const numbers = new Float64Array(length);
  for (let index = 0; index < length; index += 1) {
    const high = halves[index * 2 + 1]!;
    if (high >= -0x200000 && high < 0x200000) {
      numbers[index] = high * 4294967296 + (halves[index * 2]! >>> 0);
    } else {
      large ??= [];
      large.push(index);
    }
  }
  if (large === undefined) return numbers;
  const mixed: (number | bigint)[] = Array.from(numbers);
  const signed = new BigInt64Array(values.buffer, values.byteOffset, length);
  for (const index of large as number[]) mixed[index] = signed[index]!;
  return mixed;
}

/**
 * Strings of a utf8 column. When the column's bytes are all ASCII (the common case for ids,
 * codes and names), the whole buffer is decoded once and each value is a substring of it;
 * otherwise each value is decoded on its own.
 */
function textValues(data: Data): ArrayLike<string | null> {
  const { bytes, start, end } = byteRanges(data);
  if (data.length === 0) return [];
  const first = start(0);
  const last = end(data.length - 1);
  if (!isAscii(bytes.subarray(first, last))) {
    return mapValid(data, (index) => bytes.toString('utf8', start(index), end(index)));
  }
  const all = bytes.toString('latin1', first, last);
  return mapValid(data, (index) => all.slice(start(index) - first, end(index) - first));
}

/** Reads the unscaled integer of decimal slot `index`. */
function decimalReader(data: Data): (index: number) => bigint {
  const words = data.values as Uint32Array;
  const bitWidth = info(data.type).bitWidth ?? 128;
  const stride = bitWidth / 32;
  return (index) => {
    let value = 0n;
    for (let word = stride - 1; word >= 0; word -= 1) {
      value = (value << 32n) | BigInt(words[index * stride + word]!);
    }
    return BigInt.asIntN(bitWidth, value);
  };
}

/** A 64-bit integer in JSON: a number when exact, a decimal string beyond 2^53. */
function integerJson(value: bigint): number | string {
  return value >= -9007199254740991n && value <= 9007199254740991n
    ? Number(value)
    : value.toString();
}

/** A float in JSON: NaN, ±Infinity and -0 as strings (JSON has no literal for them). */
function floatJson(value: number): number | string {
  if (Number.isFinite(value) && !Object.is(value, -0)) return value;
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * The JSON form of slot `index` of `data`, for every claimed type (see the module comment);
 * `null` for a null slot.
 */
export function jsonReader(data: Data): (index: number) => unknown {
  const read = jsonValueReader(data);
  if (data.nullCount === 0) return read;
  return (index) => (isValid(data, index) ? read(index) : null);
}

function jsonValueReader(data: Data): (index: number) => unknown {
  const details = info(data.type);
  switch (details.typeId) {
    case TypeId.Null:
      return () => null;
    case TypeId.Int:
    case TypeId.Date:
    case TypeId.Time:
    case TypeId.Timestamp:
    case TypeId.Duration: {
      const values = data.values as NumericArray | BigUint64Array;
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        return (index) => integerJson(values[index]!);
      }
      return (index) => values[index];
    }
    case TypeId.Float: {
      const values = data.values as Float32Array | Float64Array | Uint16Array;
      if (details.precision === 0)
        return (index) => floatJson(util.uint16ToFloat64(values[index]!));
      return (index) => floatJson(values[index]!);
    }
    case TypeId.Bool: {
      const bits = data.values as Uint8Array;
      return (index) => {
        const position = data.offset + index;
        return ((bits[position >> 3]! >> (position & 7)) & 1) === 1;
      };
    }
    case TypeId.Utf8:
    case TypeId.LargeUtf8: {
      const { bytes, start, end } = byteRanges(data);
      return (index) => bytes.toString('utf8', start(index), end(index));
    }
    case TypeId.Binary:
    case TypeId.LargeBinary: {
      const { bytes, start, end } = byteRanges(data);
      return (index) => bytes.toString('base64', start(index), end(index));
    }
    case TypeId.FixedSizeBinary: {
      const bytes = bytesOf(data);
      const width = details.byteWidth!;
      return (index) => bytes.toString('base64', index * width, (index + 1) * width);
    }
    case TypeId.Decimal: {
      const read = decimalReader(data);
      return (index) => decimalToText(read(index), details.scale!);
    }
    case TypeId.Dictionary: {
      const chunks = (data.dictionary!.data as Data[]).map((chunk) => ({
        read: jsonReader(chunk),
        length: chunk.length,
      }));
      const indices = data.values as NumericArray;
      return (index) => {
        let position = Number(indices[index]!);
        for (const chunk of chunks) {
          if (position < chunk.length) return chunk.read(position);
          position -= chunk.length;
        }
        return null;
      };
    }
    case TypeId.List: {
      const offsets = data.valueOffsets as Int32Array;
      const child = jsonReader(data.children[0]!);
      return (index) => {
        const items: unknown[] = [];
        for (let item = offsets[index]!; item < offsets[index + 1]!; item += 1) {
          items.push(child(item));
        }
        return items;
      };
    }
    case TypeId.FixedSizeList: {
      const size = details.listSize!;
      const child = jsonReader(data.children[0]!);
      return (index) => Array.from({ length: size }, (_, item) => child(index * size + item));
    }
    case TypeId.Struct: {
      const fields = details.children!;
      const children = data.children.map((child) => jsonReader(child));
      return (index) => {
        const value: Record<string, unknown> = {};
        fields.forEach((field, position) => {
          value[field.name] = children[position]!(index);
        });
        return value;
      };
    }
    default:
      throw new TypeError(`Arrow type ${String(data.type)} is not supported by the SQLite store`);
  }
}
