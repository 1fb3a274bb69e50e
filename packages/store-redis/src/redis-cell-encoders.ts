/**
 * Arrow cells written as command arguments, straight from the column buffers: the hot path of a
 * load. Each encoder writes exactly the field value that `fieldEncoder` (redis-field-codec.ts)
 * stores, so rows read back the same however they were written; the types without a fast path
 * here go through `fieldEncoder` itself.
 */
import { endianness } from 'node:os';
import type { Data } from 'apache-arrow';
import { shapeOf, TYPE } from './redis-arrow-values.js';
import { type CommandBuffer, encodedArgument } from './redis-command-buffer.js';
import { fieldEncoder, floatText } from './redis-field-codec.js';

/** Writes the value of cell `index` (known not to be null) as one argument. */
export type CellEncoder = (index: number, out: CommandBuffer) => void;

/** Whether cell `index` holds a value; `undefined` when every cell does. */
export type Presence = ((index: number) => boolean) | undefined;

const TRUE = encodedArgument('true');
const FALSE = encodedArgument('false');
const LITTLE_ENDIAN = endianness() === 'LE';
const TWO_TO_THE_32 = 4294967296;
/** The high 32-bit word of a 64-bit integer is within ±2^21 (exclusive): a safe integer. */
const SAFE_HIGH_WORD = 0x200000;

/** Which cells of `data` hold a value (a null is an absent field). */
export function presence(data: Data): Presence {
  if (shapeOf(data.type).typeId === TYPE.null) return () => false;
  if (data.nullCount <= 0) return undefined;
  const bitmap = data.nullBitmap;
  const offset = data.offset;
  if (!bitmap) return (index) => data.getValid(index);
  return (index) => {
    const position = offset + index;
    return (bitmap[position >> 3]! & (1 << (position & 7))) !== 0;
  };
}

/**
 * A reader of the 64-bit integers of `values` as numbers when they are safe integers; `undefined`
 * when it is not one (the caller falls back to the `bigint`).
 */
export function wideNumberReader(
  values: BigInt64Array | BigUint64Array,
): ((index: number) => number | undefined) | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  if (values instanceof BigInt64Array) {
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    return (index) => {
      const high = words[2 * index + 1]!;
      if (high >= SAFE_HIGH_WORD || high <= -SAFE_HIGH_WORD) return undefined;
      return high * TWO_TO_THE_32 + (words[2 * index]! >>> 0);
    };
  }
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  return (index) => {
    const high = words[2 * index + 1]!;
    if (high >= SAFE_HIGH_WORD) return undefined;
    return high * TWO_TO_THE_32 + words[2 * index]!;
  };
}

/** An encoder of `data`'s cells (see the module comment). */
export function cellEncoder(data: Data): CellEncoder {
  const shape = shapeOf(data.type);
  const values = data.values as unknown;
  switch (shape.typeId) {
    case TYPE.int:
    case TYPE.date:
    case TYPE.time:
    case TYPE.timestamp:
    case TYPE.duration: {
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        const read = wideNumberReader(values);
        if (!read) return (index, out) => out.ascii(String(values[index]));
        return (index, out) => {
          const value = read(index);
          if (value === undefined) out.ascii(String(values[index]));
          else out.integer(value);
        };
      }
      const numbers = values as ArrayLike<number>;
      return (index, out) => out.integer(numbers[index]!);
    }
    case TYPE.float: {
      if (shape.precision === 0) break;
      const numbers = values as Float32Array | Float64Array;
      return (index, out) => {
        const value = numbers[index]!;
        if (Number.isSafeInteger(value)) {
          if (value !== 0 || 1 / value > 0) out.integer(value);
          else out.ascii('-0');
        } else if (!out.decimal(value)) {
          out.ascii(floatText(value));
        }
      };
    }
    case TYPE.bool: {
      const bits = values as Uint8Array;
      const offset = data.offset;
      return (index, out) => {
        const position = offset + index;
        out.raw((bits[position >> 3]! & (1 << (position & 7))) !== 0 ? TRUE : FALSE);
      };
    }
    case TYPE.utf8:
    case TYPE.binary: {
      const bytes = values as Uint8Array;
      const offsets = data.valueOffsets as Int32Array;
      return (index, out) => out.bytes(bytes, offsets[index]!, offsets[index + 1]!);
    }
    case TYPE.largeUtf8:
    case TYPE.largeBinary: {
      const bytes = values as Uint8Array;
      const offsets = data.valueOffsets as unknown as ArrayLike<bigint | number>;
      return (index, out) => out.bytes(bytes, Number(offsets[index]), Number(offsets[index + 1]));
    }
    default:
      break;
  }
  const encode = fieldEncoder(data);
  return (index, out) => {
    const value = encode(index)!;
    if (typeof value === 'string') out.text(value);
    else out.bytes(value, 0, value.length);
  };
}
