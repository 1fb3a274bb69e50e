/**
 * Packing staged rows for one script call: a MessagePack array of strings and nils, written
 * straight into one growing Buffer (text and bytes copied from the Arrow buffers, numbers as
 * ASCII). One argument per call instead of one per value keeps the client's per-command work
 * out of the load's way; the script unpacks it with Redis' built-in `cmsgpack`.
 */
import type { Data } from 'apache-arrow';
import { shapeOf, TYPE } from './redis-arrow-values.js';
import { fieldEncoder, floatText } from './redis-field-codec.js';

/** A MessagePack array of strings (raw bytes) and nils. */
export class RowPacker {
  #buffer = Buffer.allocUnsafe(64 * 1024);
  #position = 5;
  #count = 0;

  /** Values written since the last `take()`. */
  get count(): number {
    return this.#count;
  }

  /** Bytes written since the last `take()`. */
  get byteLength(): number {
    return this.#position;
  }

  /** A null. */
  nil(): void {
    this.#reserve(1);
    this.#buffer[this.#position++] = 0xc0;
    this.#count += 1;
  }

  /** Text known to be ASCII (numbers, booleans, generated identifiers). */
  ascii(text: string): void {
    this.#header(text.length, text.length);
    this.#position += this.#buffer.write(text, this.#position, 'latin1');
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    const length = Buffer.byteLength(text);
    this.#header(length, length);
    this.#position += this.#buffer.write(text, this.#position, 'utf8');
  }

  /** Bytes `start` … `end` of `source`. */
  bytes(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.#header(length, length);
    const buffer = this.#buffer;
    let position = this.#position;
    if (length < 32) {
      for (let index = start; index < end; index += 1) buffer[position++] = source[index]!;
    } else {
      buffer.set(source.subarray(start, end), position);
      position += length;
    }
    this.#position = position;
  }

  /** The packed array, and a fresh start for the next one. */
  take(): Buffer {
    const buffer = this.#buffer;
    buffer[0] = 0xdd;
    buffer.writeUInt32BE(this.#count, 1);
    const packed = Buffer.from(buffer.subarray(0, this.#position));
    this.#position = 5;
    this.#count = 0;
    return packed;
  }

  #header(length: number, payload: number): void {
    this.#reserve(5 + payload);
    const buffer = this.#buffer;
    let position = this.#position;
    if (length < 32) {
      buffer[position++] = 0xa0 | length;
    } else if (length < 0x100) {
      buffer[position++] = 0xd9;
      buffer[position++] = length;
    } else if (length < 0x10000) {
      buffer[position++] = 0xda;
      buffer.writeUInt16BE(length, position);
      position += 2;
    } else {
      buffer[position++] = 0xdb;
      buffer.writeUInt32BE(length, position);
      position += 4;
    }
    this.#position = position;
    this.#count += 1;
  }

  #reserve(bytes: number): void {
    if (this.#position + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#position + bytes));
    this.#buffer.copy(grown, 0, 0, this.#position);
    this.#buffer = grown;
  }
}

/** Writes cell `index` of a column into a packer (a nil for a null). */
export type CellWriter = (index: number, packer: RowPacker) => void;

/** A writer of `data`'s cells, with the same values as `fieldEncoder` stores. */
export function cellWriter(data: Data): CellWriter {
  const shape = shapeOf(data.type);
  const values = data.values as ArrayLike<number | bigint>;
  const hasNulls = data.nullCount > 0;
  const valid = (index: number) => !hasNulls || data.getValid(index);
  switch (shape.typeId) {
    case TYPE.int:
    case TYPE.date:
    case TYPE.time:
    case TYPE.timestamp:
    case TYPE.duration:
      return (index, packer) => {
        if (valid(index)) packer.ascii(String(values[index]));
        else packer.nil();
      };
    case TYPE.float:
      if (shape.precision !== 0) {
        return (index, packer) => {
          if (valid(index)) packer.ascii(floatText(values[index] as number));
          else packer.nil();
        };
      }
      break;
    case TYPE.bool: {
      const bits = data.values as Uint8Array;
      return (index, packer) => {
        if (!valid(index)) {
          packer.nil();
          return;
        }
        const position = data.offset + index;
        packer.ascii((bits[position >> 3]! & (1 << (position % 8))) !== 0 ? 'true' : 'false');
      };
    }
    case TYPE.utf8:
    case TYPE.largeUtf8:
    case TYPE.binary:
    case TYPE.largeBinary: {
      const bytes = data.values as Uint8Array;
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      const large = shape.typeId === TYPE.largeUtf8 || shape.typeId === TYPE.largeBinary;
      return (index, packer) => {
        if (!valid(index)) packer.nil();
        else if (large) packer.bytes(bytes, Number(offsets[index]), Number(offsets[index + 1]));
        else packer.bytes(bytes, offsets[index] as number, offsets[index + 1] as number);
      };
    }
    default:
      break;
  }
  const encode = fieldEncoder(data);
  return (index, packer) => {
    const value = encode(index);
    if (value === null) packer.nil();
    else if (typeof value === 'string') packer.text(value);
    else packer.bytes(value, 0, value.length);
  };
}
