/**
 * Exact values of Arrow columns. Every cell is read straight from the column's buffers into a
 * plain value that loses nothing (64-bit integers, timestamps and decimals as `bigint`, bytes as
 * `Uint8Array`), and columns are rebuilt from such values buffer by buffer, so that what a load
 * wrote is what `read()` returns. Types are recognised by their numeric `typeId`, so batches from
 * another installed copy of apache-arrow are read the same way.
 */
import {
  type Data,
  type DataType,
  type Field,
  makeData,
  makeVector,
  util,
  type Vector,
} from 'apache-arrow';

/**
 * One cell as a plain value: `null`; `boolean`; `number` (integers up to 32 bits, floats, days of
 * a day date); `bigint` (64-bit integers, millisecond dates, 64-bit times, timestamps, durations,
 * the unscaled integer of a decimal); `string` or `Uint8Array` (text); `Uint8Array` (bytes);
 * an array (the items of a list, the children of a struct in field order, or the `[key, value]`
 * pairs of a map).
 */
export type Exact = null | boolean | number | bigint | string | Uint8Array | Exact[];

/** apache-arrow's `Type` ids (stable across versions). */
export const TYPE = {
  null: 1,
  int: 2,
  float: 3,
  binary: 4,
  utf8: 5,
  bool: 6,
  decimal: 7,
  date: 8,
  time: 9,
  timestamp: 10,
  list: 12,
  struct: 13,
  fixedSizeBinary: 15,
  fixedSizeList: 16,
  map: 17,
  duration: 18,
  largeBinary: 19,
  largeUtf8: 20,
  dictionary: -1,
} as const;

/** The properties of the Arrow types this module reads, as plain fields. */
export interface TypeShape {
  typeId: number;
  bitWidth?: number;
  isSigned?: boolean;
  precision?: number;
  scale?: number;
  unit?: number;
  byteWidth?: number;
  listSize?: number;
  children?: Field[];
  dictionary?: DataType;
  indices?: DataType;
}

/** The fields of `type` that decide how its values are stored. */
export function shapeOf(type: DataType): TypeShape {
  return type as unknown as TypeShape;
}

/** Whether a 64-bit value is stored: the cell is a `bigint`. */
export function isWide(type: DataType): boolean {
  const shape = shapeOf(type);
  switch (shape.typeId) {
    case TYPE.int:
      return shape.bitWidth === 64;
    case TYPE.date:
      return shape.unit === 1;
    case TYPE.time:
      return shape.bitWidth === 64;
    case TYPE.timestamp:
    case TYPE.duration:
      return true;
    default:
      return false;
  }
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/** Text as bytes (a `Uint8Array` stays as it is). */
export function utf8Bytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? textEncoder.encode(value) : value;
}

/** Bytes as text (a `string` stays as it is). */
export function utf8Text(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : textDecoder.decode(value);
}

/** The unscaled value of a decimal stored as little-endian 32-bit words. */
export function decimalFromWords(words: Uint32Array, start: number, count: number): bigint {
  let value = 0n;
  for (let word = count - 1; word >= 0; word -= 1) {
    value = (value << 32n) | BigInt(words[start + word]!);
  }
  const bits = BigInt(count * 32);
  return value >= 1n << (bits - 1n) ? value - (1n << bits) : value;
}

/** Writes an unscaled decimal into little-endian 32-bit words (two's complement). */
export function decimalToWords(
  value: bigint,
  words: Uint32Array,
  start: number,
  count: number,
): void {
  let rest = BigInt.asUintN(count * 32, value);
  for (let word = 0; word < count; word += 1) {
    words[start + word] = Number(rest & 0xffffffffn);
    rest >>= 32n;
  }
}

/** A function reading cell `index` of `data` as an exact value. */
export type ExactReader = (index: number) => Exact;

/**
 * A reader of `data`'s cells as exact values. Follows apache-arrow's own conventions: value
 * buffers of a slice start at the slice, the validity bitmap and boolean bits at `data.offset`.
 */
export function exactReader(data: Data): ExactReader {
  const shape = shapeOf(data.type);
  const valid = (index: number) => data.getValid(index);
  const values = data.values as ArrayLike<number | bigint> & { subarray?: unknown };
  switch (shape.typeId) {
    case TYPE.null:
      return () => null;
    case TYPE.bool: {
      const bits = data.values as Uint8Array;
      return (index) => {
        if (!valid(index)) return null;
        const position = data.offset + index;
        return (bits[position >> 3]! & (1 << (position % 8))) !== 0;
      };
    }
    case TYPE.int:
    case TYPE.date:
    case TYPE.time:
    case TYPE.timestamp:
    case TYPE.duration:
      return (index) => (valid(index) ? (values[index] as number | bigint) : null);
    case TYPE.float:
      if (shape.precision === 0) {
        return (index) => (valid(index) ? util.uint16ToFloat64(values[index] as number) : null);
      }
      return (index) => (valid(index) ? (values[index] as number) : null);
    case TYPE.decimal: {
      const count = (shape.bitWidth ?? 128) / 32;
      const words = data.values as Uint32Array;
      return (index) => (valid(index) ? decimalFromWords(words, index * count, count) : null);
    }
    case TYPE.utf8:
    case TYPE.largeUtf8:
    case TYPE.binary:
    case TYPE.largeBinary: {
      const bytes = data.values as Uint8Array;
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      const text = shape.typeId === TYPE.utf8 || shape.typeId === TYPE.largeUtf8;
      return (index) => {
        if (!valid(index)) return null;
        const slice = bytes.subarray(Number(offsets[index]), Number(offsets[index + 1]));
        return text ? textDecoder.decode(slice) : slice.slice();
      };
    }
    case TYPE.fixedSizeBinary: {
      const width = shape.byteWidth ?? 0;
      const bytes = data.values as Uint8Array;
      return (index) => (valid(index) ? bytes.slice(index * width, (index + 1) * width) : null);
    }
    case TYPE.list:
    case TYPE.map: {
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      const child = exactReader(data.children[0]!);
      return (index) => {
        if (!valid(index)) return null;
        const items: Exact[] = [];
        for (let item = Number(offsets[index]); item < Number(offsets[index + 1]); item += 1) {
          items.push(child(item));
        }
        return items;
      };
    }
    case TYPE.fixedSizeList: {
      const size = shape.listSize ?? 0;
      const child = exactReader(data.children[0]!);
      return (index) => {
        if (!valid(index)) return null;
        const items: Exact[] = [];
        for (let item = 0; item < size; item += 1) items.push(child(index * size + item));
        return items;
      };
    }
    case TYPE.struct: {
      const children = data.children.map((child) => exactReader(child));
      return (index) => (valid(index) ? children.map((child) => child(index)) : null);
    }
    case TYPE.dictionary: {
      const dictionary = dictionaryValues(data.dictionary);
      return (index) => (valid(index) ? (dictionary[Number(values[index])] ?? null) : null);
    }
    default:
      throw new Error(`no exact reader for Arrow type ${String(data.type)}`);
  }
}

function dictionaryValues(dictionary: Vector | undefined): Exact[] {
  if (!dictionary) return [];
  const result: Exact[] = [];
  for (const chunk of dictionary.data) {
    const read = exactReader(chunk);
    for (let index = 0; index < chunk.length; index += 1) result.push(read(index));
  }
  return result;
}

/** A string equal for equal dictionary values (text given as a string or as bytes alike). */
function dictionaryIdentity(value: Exact): string {
  if (value instanceof Uint8Array) return `s:${utf8Text(value)}`;
  if (typeof value === 'string') return `s:${value}`;
  return `${typeof value}:${String(value)}`;
}

/** The validity bitmap of `values` (bit set = not null) and the count of nulls. */
function validity(values: readonly Exact[]): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((value, index) => {
    if (value === null) nullCount += 1;
    else bitmap[index >> 3]! |= 1 << (index % 8);
  });
  return { bitmap, nullCount };
}

type NumericArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

function numericArray(type: DataType, length: number): NumericArray {
  const ArrayType = (type as unknown as { ArrayType: new (length: number) => NumericArray })
    .ArrayType;
  return new ArrayType(length);
}

function wideValue(value: Exact): bigint {
  return typeof value === 'bigint' ? value : BigInt(value as number);
}

/**
 * Builds the column data of `type` holding `values` (see {@link Exact}), buffer by buffer, so
 * that every value is kept exactly.
 */
export function buildData(type: DataType, values: readonly Exact[]): Data {
  const shape = shapeOf(type);
  const length = values.length;
  if (shape.typeId === TYPE.null) return makeData({ type, length, nullCount: length } as never);
  const { bitmap, nullCount } = validity(values);
  const base = { type, length, nullCount, nullBitmap: bitmap };
  switch (shape.typeId) {
    case TYPE.bool: {
      const bits = new Uint8Array(Math.ceil(length / 8));
      values.forEach((value, index) => {
        if (value === true) bits[index >> 3]! |= 1 << (index % 8);
      });
      return makeData({ ...base, data: bits } as never);
    }
    case TYPE.int:
    case TYPE.date:
    case TYPE.time:
    case TYPE.timestamp:
    case TYPE.duration: {
      const data = numericArray(type, length);
      const wide = data instanceof BigInt64Array || data instanceof BigUint64Array;
      values.forEach((value, index) => {
        if (value === null) return;
        (data as unknown as (number | bigint)[])[index] = wide ? wideValue(value) : Number(value);
      });
      return makeData({ ...base, data } as never);
    }
    case TYPE.float: {
      const data = numericArray(type, length);
      values.forEach((value, index) => {
        if (value === null) return;
        data[index] = shape.precision === 0 ? util.float64ToUint16(value as number) : Number(value);
      });
      return makeData({ ...base, data } as never);
    }
    case TYPE.decimal: {
      const count = (shape.bitWidth ?? 128) / 32;
      const words = new Uint32Array(length * count);
      values.forEach((value, index) => {
        if (value !== null) decimalToWords(value as bigint, words, index * count, count);
      });
      return makeData({ ...base, data: words } as never);
    }
    case TYPE.utf8:
    case TYPE.largeUtf8:
    case TYPE.binary:
    case TYPE.largeBinary: {
      const parts = values.map((value) =>
        value === null ? new Uint8Array(0) : utf8Bytes(value as string | Uint8Array),
      );
      const large = shape.typeId === TYPE.largeUtf8 || shape.typeId === TYPE.largeBinary;
      const offsets = large ? new BigInt64Array(length + 1) : new Int32Array(length + 1);
      let total = 0;
      parts.forEach((part, index) => {
        total += part.length;
        offsets[index + 1] = (large ? BigInt(total) : total) as never;
      });
      const data = new Uint8Array(total);
      let position = 0;
      for (const part of parts) {
        data.set(part, position);
        position += part.length;
      }
      return makeData({ ...base, valueOffsets: offsets, data } as never);
    }
    case TYPE.fixedSizeBinary: {
      const width = shape.byteWidth ?? 0;
      const data = new Uint8Array(length * width);
      values.forEach((value, index) => {
        if (value !== null) data.set(value as Uint8Array, index * width);
      });
      return makeData({ ...base, data } as never);
    }
    case TYPE.list:
    case TYPE.map: {
      const offsets = new Int32Array(length + 1);
      const items: Exact[] = [];
      values.forEach((value, index) => {
        if (value !== null) items.push(...(value as Exact[]));
        offsets[index + 1] = items.length;
      });
      const child = buildData(shape.children![0]!.type, items);
      return makeData({ ...base, valueOffsets: offsets, child } as never);
    }
    case TYPE.fixedSizeList: {
      const size = shape.listSize ?? 0;
      const items: Exact[] = [];
      for (const value of values) {
        if (value === null) for (let item = 0; item < size; item += 1) items.push(null);
        else items.push(...(value as Exact[]));
      }
      const child = buildData(shape.children![0]!.type, items);
      return makeData({ ...base, child } as never);
    }
    case TYPE.struct: {
      const children = shape.children!.map((field, position) =>
        buildData(
          field.type,
          values.map((value) => (value === null ? null : ((value as Exact[])[position] ?? null))),
        ),
      );
      return makeData({ ...base, children } as never);
    }
    case TYPE.dictionary: {
      const positions = new Map<string, number>();
      const entries: Exact[] = [];
      const indices = numericArray(shape.indices!, length);
      values.forEach((value, index) => {
        if (value === null) return;
        const identity = dictionaryIdentity(value);
        let position = positions.get(identity);
        if (position === undefined) {
          position = entries.length;
          positions.set(identity, position);
          entries.push(value);
        }
        (indices as unknown as (number | bigint)[])[index] =
          indices instanceof BigInt64Array || indices instanceof BigUint64Array
            ? BigInt(position)
            : position;
      });
      const dictionary = makeVector(buildData(shape.dictionary!, entries));
      return makeData({ ...base, data: indices, dictionary } as never);
    }
    default:
      throw new Error(`cannot build Arrow type ${String(type)}`);
  }
}
