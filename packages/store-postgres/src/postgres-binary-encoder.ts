/**
 * Arrow columns → PostgreSQL's binary wire format, for `COPY … FROM STDIN (FORMAT binary)` and
 * for query parameters. Encoders work on a column's raw buffers (typed arrays, offsets, UTF-8
 * bytes, validity bits), never on per-value JavaScript objects where the type allows: strings
 * are copied byte for byte, integers and floats byte-swapped, timestamps shifted to
 * PostgreSQL's epoch with exact integer arithmetic.
 */
import { ValidationError } from '@wharf/store-core';
import type { Data, DataType, RecordBatch } from 'apache-arrow';
import { decimalText, encodeNumeric, wordsToBigInt } from './postgres-numeric.js';
import {
  formatDate,
  formatTimestamp,
  POSTGRES_EPOCH_DAYS,
  POSTGRES_EPOCH_MICROS,
} from './postgres-time.js';
import { childFieldsOf, elementOid, type PostgresType, TIME_UNIT } from './postgres-types.js';

/** One column's values in the binary format, each with its 4-byte length word. */
export interface FieldEncoder {
  /** Bytes the value at `index` takes, length word included. */
  size(index: number): number;
  /** Writes the value at `index` at `offset`; returns the offset after it. */
  write(index: number, target: Buffer, offset: number): number;
  /** Adds the size of each value of rows `start` … `end - 1` to `sizes[row - start]`. */
  addSizes(start: number, end: number, sizes: Int32Array): void;
  /** Writes rows `start` … `end - 1`, each at `cursors[row - start]`, advancing the cursors. */
  writeRows(start: number, end: number, target: Buffer, view: DataView, cursors: Int32Array): void;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const NULL_FIELD = -1;
const TWO_32 = 4_294_967_296;
const MS_PER_DAY = 86_400_000;

/** The 19-byte header of a binary COPY stream: signature, flags, header extension length. */
export const COPY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);

/** The end-of-data marker of a binary COPY stream. */
export const COPY_TRAILER = Buffer.from([0xff, 0xff]);

function isValid(bitmap: Uint8Array | undefined, offset: number, index: number): boolean {
  if (bitmap === undefined) return true;
  const bit = offset + index;
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

function bitmapOf(data: Data): Uint8Array | undefined {
  return data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0
    ? data.nullBitmap
    : undefined;
}

function bytesOf(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Writes a 64-bit integer held exactly in a double (|value| < 2^53) big-endian. */
function writeSafeInt64(value: number, target: Buffer, offset: number): void {
  const high = Math.floor(value / TWO_32);
  target.writeInt32BE(high, offset);
  target.writeUInt32BE(value - high * TWO_32, offset + 4);
}

/**
 * The shared part of an encoder: the validity bitmap, and range methods built on the
 * per-value ones. Encoders of the common flat types override the range methods with tight
 * loops of their own, since a call per value through a shared call site is what dominates.
 */
abstract class BaseEncoder implements FieldEncoder {
  protected readonly bitmap: Uint8Array | undefined;
  protected readonly offset: number;

  constructor(data: Data) {
    this.bitmap = bitmapOf(data);
    this.offset = data.offset;
  }

  abstract size(index: number): number;
  abstract write(index: number, target: Buffer, offset: number): number;

  addSizes(start: number, end: number, sizes: Int32Array): void {
    for (let row = start; row < end; row += 1) sizes[row - start]! += this.size(row);
  }

  writeRows(
    start: number,
    end: number,
    target: Buffer,
    _view: DataView,
    cursors: Int32Array,
  ): void {
    for (let row = start; row < end; row += 1) {
      cursors[row - start] = this.write(row, target, cursors[row - start]!);
    }
  }
}

/** Adds `width + 4` per valid value and 4 per null. */
function addFixedSizes(
  bitmap: Uint8Array | undefined,
  offset: number,
  width: number,
  start: number,
  end: number,
  sizes: Int32Array,
): void {
  if (bitmap === undefined) {
    for (let row = start; row < end; row += 1) sizes[row - start]! += width + 4;
    return;
  }
  for (let row = start; row < end; row += 1) {
    sizes[row - start]! += isValid(bitmap, offset, row) ? width + 4 : 4;
  }
}

/** 64-bit integers (bigint, and nanosecond timestamps kept as bigint): bytes reversed. */
class Int64Encoder extends BaseEncoder {
  readonly #bytes: Uint8Array;

  constructor(data: Data) {
    super(data);
    this.#bytes = bytesOf(data.values as ArrayBufferView);
  }

  size(index: number): number {
    return isValid(this.bitmap, this.offset, index) ? 12 : 4;
  }

  write(index: number, target: Buffer, offset: number): number {
    if (!isValid(this.bitmap, this.offset, index)) {
      target.writeInt32BE(NULL_FIELD, offset);
      return offset + 4;
    }
    target.writeInt32BE(8, offset);
    copyReversed(this.#bytes, index * 8, target, offset + 4);
    return offset + 12;
  }

  override addSizes(start: number, end: number, sizes: Int32Array): void {
    addFixedSizes(this.bitmap, this.offset, 8, start, end, sizes);
  }

  override writeRows(
    start: number,
    end: number,
    target: Buffer,
    view: DataView,
    cursors: Int32Array,
  ): void {
    const bytes = this.#bytes;
    const bitmap = this.bitmap;
    for (let row = start; row < end; row += 1) {
      const at = cursors[row - start]!;
      if (bitmap !== undefined && !isValid(bitmap, this.offset, row)) {
        view.setInt32(at, NULL_FIELD);
        cursors[row - start] = at + 4;
        continue;
      }
      view.setInt32(at, 8);
      copyReversed(bytes, row * 8, target, at + 4);
      cursors[row - start] = at + 12;
    }
  }
}

/** Copies 8 bytes from little-endian storage to big-endian output. */
function copyReversed(source: Uint8Array, from: number, target: Uint8Array, to: number): void {
  if (LITTLE_ENDIAN) {
    target[to] = source[from + 7]!;
    target[to + 1] = source[from + 6]!;
    target[to + 2] = source[from + 5]!;
    target[to + 3] = source[from + 4]!;
    target[to + 4] = source[from + 3]!;
    target[to + 5] = source[from + 2]!;
    target[to + 6] = source[from + 1]!;
    target[to + 7] = source[from]!;
  } else {
    for (let byte = 0; byte < 8; byte += 1) target[to + byte] = source[from + byte]!;
  }
}

type NumberKind = 'int16' | 'int32' | 'uint32' | 'float32' | 'float64';

const NUMBER_WIDTHS: Record<NumberKind, number> = {
  int16: 2,
  int32: 4,
  uint32: 8,
  float32: 4,
  float64: 8,
};

/**
 * Numbers held as JavaScript numbers: int8/uint8/int16 → smallint, uint16/int32 → integer,
 * uint32 → bigint, float32 → real, float64 → double precision. One class per kind keeps
 * each loop monomorphic.
 */
function numberEncoder(kind: NumberKind) {
  const width = NUMBER_WIDTHS[kind];
  return class NumberEncoder extends BaseEncoder {
    readonly #values: ArrayLike<number>;

    constructor(data: Data) {
      super(data);
      this.#values = data.values as ArrayLike<number>;
    }

    size(index: number): number {
      return isValid(this.bitmap, this.offset, index) ? width + 4 : 4;
    }

    write(index: number, target: Buffer, offset: number): number {
      if (!isValid(this.bitmap, this.offset, index)) {
        target.writeInt32BE(NULL_FIELD, offset);
        return offset + 4;
      }
      target.writeInt32BE(width, offset);
      const value = this.#values[index]!;
      if (kind === 'int16') target.writeInt16BE(value, offset + 4);
      else if (kind === 'int32') target.writeInt32BE(value, offset + 4);
      else if (kind === 'uint32') writeSafeInt64(value, target, offset + 4);
      else if (kind === 'float32') target.writeFloatBE(value, offset + 4);
      else target.writeDoubleBE(value, offset + 4);
      return offset + 4 + width;
    }

    override addSizes(start: number, end: number, sizes: Int32Array): void {
      addFixedSizes(this.bitmap, this.offset, width, start, end, sizes);
    }

    override writeRows(
      start: number,
      end: number,
      _target: Buffer,
      view: DataView,
      cursors: Int32Array,
    ): void {
      const values = this.#values;
      const bitmap = this.bitmap;
      for (let row = start; row < end; row += 1) {
        const at = cursors[row - start]!;
        if (bitmap !== undefined && !isValid(bitmap, this.offset, row)) {
          view.setInt32(at, NULL_FIELD);
          cursors[row - start] = at + 4;
          continue;
        }
        view.setInt32(at, width);
        const value = values[row]!;
        if (kind === 'int16') view.setInt16(at + 4, value);
        else if (kind === 'int32') view.setInt32(at + 4, value);
        else if (kind === 'uint32') {
          view.setInt32(at + 4, 0);
          view.setUint32(at + 8, value);
        } else if (kind === 'float32') view.setFloat32(at + 4, value);
        else view.setFloat64(at + 4, value);
        cursors[row - start] = at + 4 + width;
      }
    }
  };
}

const Int16Encoder = numberEncoder('int16');
const Int32Encoder = numberEncoder('int32');
const Uint32Encoder = numberEncoder('uint32');
const Float32Encoder = numberEncoder('float32');
const Float64Encoder = numberEncoder('float64');

class BoolEncoder extends BaseEncoder {
  readonly #values: Uint8Array;

  constructor(data: Data) {
    super(data);
    this.#values = data.values as Uint8Array;
  }

  size(index: number): number {
    return isValid(this.bitmap, this.offset, index) ? 5 : 4;
  }

  write(index: number, target: Buffer, offset: number): number {
    if (!isValid(this.bitmap, this.offset, index)) {
      target.writeInt32BE(NULL_FIELD, offset);
      return offset + 4;
    }
    target.writeInt32BE(1, offset);
    target[offset + 4] = isValid(this.#values, this.offset, index) ? 1 : 0;
    return offset + 5;
  }

  override addSizes(start: number, end: number, sizes: Int32Array): void {
    addFixedSizes(this.bitmap, this.offset, 1, start, end, sizes);
  }

  override writeRows(
    start: number,
    end: number,
    target: Buffer,
    view: DataView,
    cursors: Int32Array,
  ): void {
    const bitmap = this.bitmap;
    const values = this.#values;
    for (let row = start; row < end; row += 1) {
      const at = cursors[row - start]!;
      if (bitmap !== undefined && !isValid(bitmap, this.offset, row)) {
        view.setInt32(at, NULL_FIELD);
        cursors[row - start] = at + 4;
        continue;
      }
      view.setInt32(at, 1);
      target[at + 4] = isValid(values, this.offset, row) ? 1 : 0;
      cursors[row - start] = at + 5;
    }
  }
}

/** Timestamps of second, millisecond or microsecond unit → microseconds since 2000-01-01. */
class TimestampEncoder extends BaseEncoder {
  readonly #halves: Int32Array;
  readonly #values: BigInt64Array;
  readonly #factor: number;

  constructor(data: Data, unit: number) {
    super(data);
    const values = data.values as BigInt64Array;
    this.#values = values;
    this.#halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    this.#factor =
      unit === TIME_UNIT.SECOND ? 1_000_000 : unit === TIME_UNIT.MILLISECOND ? 1000 : 1;
  }

  /** Microseconds since 2000-01-01 as a double when exact, else `undefined`. */
  #micros(index: number): number | undefined {
    const high = LITTLE_ENDIAN ? this.#halves[index * 2 + 1]! : this.#halves[index * 2]!;
    const low = LITTLE_ENDIAN ? this.#halves[index * 2]! : this.#halves[index * 2 + 1]!;
    // Exact in doubles while the value stays below 2^53 (about the year 2255 in microseconds).
    if (high < -0x200000 || high >= 0x200000) return undefined;
    const micros = (high * TWO_32 + (low >>> 0)) * this.#factor - POSTGRES_EPOCH_MICROS;
    return Number.isSafeInteger(micros) ? micros : undefined;
  }

  #exact(index: number): bigint {
    const micros = this.#values[index]! * BigInt(this.#factor) - BigInt(POSTGRES_EPOCH_MICROS);
    return BigInt.asIntN(64, micros);
  }

  size(index: number): number {
    return isValid(this.bitmap, this.offset, index) ? 12 : 4;
  }

  write(index: number, target: Buffer, offset: number): number {
    if (!isValid(this.bitmap, this.offset, index)) {
      target.writeInt32BE(NULL_FIELD, offset);
      return offset + 4;
    }
    target.writeInt32BE(8, offset);
    const micros = this.#micros(index);
    if (micros === undefined) target.writeBigInt64BE(this.#exact(index), offset + 4);
    else writeSafeInt64(micros, target, offset + 4);
    return offset + 12;
  }

  override addSizes(start: number, end: number, sizes: Int32Array): void {
    addFixedSizes(this.bitmap, this.offset, 8, start, end, sizes);
  }

  override writeRows(
    start: number,
    end: number,
    _target: Buffer,
    view: DataView,
    cursors: Int32Array,
  ): void {
    const bitmap = this.bitmap;
    for (let row = start; row < end; row += 1) {
      const at = cursors[row - start]!;
      if (bitmap !== undefined && !isValid(bitmap, this.offset, row)) {
        view.setInt32(at, NULL_FIELD);
        cursors[row - start] = at + 4;
        continue;
      }
      view.setInt32(at, 8);
      const micros = this.#micros(row);
      if (micros === undefined) view.setBigInt64(at + 4, this.#exact(row));
      else {
        const high = Math.floor(micros / TWO_32);
        view.setInt32(at + 4, high);
        view.setUint32(at + 8, micros - high * TWO_32);
      }
      cursors[row - start] = at + 12;
    }
  }
}

/** Dates (days, or milliseconds that must be whole days) → days since 2000-01-01. */
class DateEncoder extends BaseEncoder {
  readonly #values: Int32Array | BigInt64Array;
  readonly #days: boolean;
  readonly #column: string;

  constructor(data: Data, column: string) {
    super(data);
    this.#values = data.values as Int32Array | BigInt64Array;
    this.#days = (data.type as unknown as { unit: number }).unit === 0;
    this.#column = column;
  }

  size(index: number): number {
    return isValid(this.bitmap, this.offset, index) ? 8 : 4;
  }

  write(index: number, target: Buffer, offset: number): number {
    if (!isValid(this.bitmap, this.offset, index)) {
      target.writeInt32BE(NULL_FIELD, offset);
      return offset + 4;
    }
    let days: number;
    if (this.#days) days = this.#values[index] as number;
    else {
      const milliseconds = Number(this.#values[index] as bigint);
      if (milliseconds % MS_PER_DAY !== 0) {
        throw new ValidationError(
          `column '${this.#column}': date ${milliseconds} ms is not a whole day; a date column holds days only`,
          { details: { column: this.#column } },
        );
      }
      days = milliseconds / MS_PER_DAY;
    }
    target.writeInt32BE(4, offset);
    target.writeInt32BE(days - POSTGRES_EPOCH_DAYS, offset + 4);
    return offset + 8;
  }
}

/** UTF-8 strings and binary: the bytes of the Arrow buffer, copied as they are. */
class BytesEncoder extends BaseEncoder {
  readonly #offsets: Int32Array;
  readonly #bytes: Buffer;

  constructor(data: Data) {
    super(data);
    this.#offsets = data.valueOffsets as Int32Array;
    const values = (data.values as Uint8Array | undefined) ?? new Uint8Array(0);
    this.#bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  }

  size(index: number): number {
    if (!isValid(this.bitmap, this.offset, index)) return 4;
    return 4 + this.#offsets[index + 1]! - this.#offsets[index]!;
  }

  write(index: number, target: Buffer, offset: number): number {
    if (!isValid(this.bitmap, this.offset, index)) {
      target.writeInt32BE(NULL_FIELD, offset);
      return offset + 4;
    }
    const start = this.#offsets[index]!;
    const end = this.#offsets[index + 1]!;
    target.writeInt32BE(end - start, offset);
    return offset + 4 + this.#copy(start, end, target, offset + 4);
  }

  #copy(start: number, end: number, target: Buffer, at: number): number {
    const length = end - start;
    if (length > 24) return this.#bytes.copy(target, at, start, end);
    const bytes = this.#bytes;
    for (let position = start; position < end; position += 1) target[at++] = bytes[position]!;
    return length;
  }

  override addSizes(start: number, end: number, sizes: Int32Array): void {
    const offsets = this.#offsets;
    const bitmap = this.bitmap;
    for (let row = start; row < end; row += 1) {
      sizes[row - start]! +=
        bitmap !== undefined && !isValid(bitmap, this.offset, row)
          ? 4
          : 4 + offsets[row + 1]! - offsets[row]!;
    }
  }

  override writeRows(
    start: number,
    end: number,
    target: Buffer,
    view: DataView,
    cursors: Int32Array,
  ): void {
    const offsets = this.#offsets;
    const bitmap = this.bitmap;
    const bytes = this.#bytes;
    for (let row = start; row < end; row += 1) {
      const at = cursors[row - start]!;
      if (bitmap !== undefined && !isValid(bitmap, this.offset, row)) {
        view.setInt32(at, NULL_FIELD);
        cursors[row - start] = at + 4;
        continue;
      }
      const from = offsets[row]!;
      const to = offsets[row + 1]!;
      view.setInt32(at, to - from);
      let out = at + 4;
      if (to - from > 32) out += bytes.copy(target, out, from, to);
      else for (let position = from; position < to; position += 1) target[out++] = bytes[position]!;
      cursors[row - start] = out;
    }
  }
}

/** Values whose encoding needs computing (numeric, jsonb): each encoded once, when sized. */
class ComputedEncoder extends BaseEncoder {
  readonly #compute: (index: number) => Buffer;
  #index = -1;
  #encoded: Buffer = Buffer.alloc(0);
  #blockStart = -1;
  #block: (Buffer | undefined)[] = [];

  constructor(data: Data, compute: (index: number) => Buffer) {
    super(data);
    this.#compute = compute;
  }

  #value(index: number): Buffer {
    if (this.#index !== index) {
      this.#encoded = this.#compute(index);
      this.#index = index;
    }
    return this.#encoded;
  }

  size(index: number): number {
    if (!isValid(this.bitmap, this.offset, index)) return 4;
    return 4 + this.#value(index).length;
  }

  write(index: number, target: Buffer, offset: number): number {
    if (!isValid(this.bitmap, this.offset, index)) {
      target.writeInt32BE(NULL_FIELD, offset);
      return offset + 4;
    }
    const value = this.#value(index);
    target.writeInt32BE(value.length, offset);
    return offset + 4 + value.copy(target, offset + 4);
  }

  override addSizes(start: number, end: number, sizes: Int32Array): void {
    this.#blockStart = start;
    this.#block = [];
    for (let row = start; row < end; row += 1) {
      if (!isValid(this.bitmap, this.offset, row)) {
        this.#block.push(undefined);
        sizes[row - start]! += 4;
        continue;
      }
      const value = this.#compute(row);
      this.#block.push(value);
      sizes[row - start]! += 4 + value.length;
    }
  }

  override writeRows(
    start: number,
    end: number,
    target: Buffer,
    view: DataView,
    cursors: Int32Array,
  ): void {
    if (this.#blockStart !== start) {
      super.writeRows(start, end, target, view, cursors);
      return;
    }
    for (let row = start; row < end; row += 1) {
      const at = cursors[row - start]!;
      const value = this.#block[row - start];
      if (value === undefined) {
        view.setInt32(at, NULL_FIELD);
        cursors[row - start] = at + 4;
        continue;
      }
      view.setInt32(at, value.length);
      cursors[row - start] = at + 4 + value.copy(target, at + 4);
    }
  }
}

/** A list of scalars → a one-dimensional PostgreSQL array (empty lists keep zero dimensions). */
class ArrayEncoder extends BaseEncoder {
  readonly #offsets: Int32Array;
  readonly #child: FieldEncoder;
  readonly #childBitmap: Uint8Array | undefined;
  readonly #childOffset: number;
  readonly #elementOid: number;

  constructor(data: Data, type: PostgresType, column: string) {
    super(data);
    this.#offsets = data.valueOffsets as Int32Array;
    const child = data.children[0]!;
    this.#child = createFieldEncoder(child, type.element!, column);
    this.#childBitmap = bitmapOf(child);
    this.#childOffset = child.offset;
    this.#elementOid = elementOid(type);
  }

  size(index: number): number {
    if (!isValid(this.bitmap, this.offset, index)) return 4;
    const start = this.#offsets[index]!;
    const end = this.#offsets[index + 1]!;
    if (start === end) return 4 + 12;
    let size = 4 + 20;
    for (let element = start; element < end; element += 1) size += this.#child.size(element);
    return size;
  }

  write(index: number, target: Buffer, offset: number): number {
    if (!isValid(this.bitmap, this.offset, index)) {
      target.writeInt32BE(NULL_FIELD, offset);
      return offset + 4;
    }
    const start = this.#offsets[index]!;
    const end = this.#offsets[index + 1]!;
    const lengthAt = offset;
    let out = offset + 4;
    let hasNull = 0;
    for (let element = start; element < end && hasNull === 0; element += 1) {
      if (!isValid(this.#childBitmap, this.#childOffset, element)) hasNull = 1;
    }
    target.writeInt32BE(start === end ? 0 : 1, out);
    target.writeInt32BE(hasNull, out + 4);
    target.writeInt32BE(this.#elementOid, out + 8);
    out += 12;
    if (start !== end) {
      target.writeInt32BE(end - start, out);
      target.writeInt32BE(1, out + 4);
      out += 8;
      for (let element = start; element < end; element += 1) {
        out = this.#child.write(element, target, out);
      }
    }
    target.writeInt32BE(out - lengthAt - 4, lengthAt);
    return out;
  }
}

/** Dictionary-encoded values: each dictionary entry is encoded once, then copied per row. */
class DictionaryEncoder extends BaseEncoder {
  readonly #indices: ArrayLike<number | bigint>;
  readonly #entries: Buffer[];

  constructor(data: Data, type: PostgresType, column: string) {
    super(data);
    this.#indices = data.values as ArrayLike<number | bigint>;
    this.#entries = [];
    const dictionary = (data as unknown as { dictionary?: { data: Data[] } }).dictionary;
    for (const chunk of dictionary?.data ?? []) {
      const encoder = createFieldEncoder(chunk, type, column);
      for (let index = 0; index < chunk.length; index += 1) {
        const entry = Buffer.allocUnsafe(encoder.size(index));
        encoder.write(index, entry, 0);
        this.#entries.push(entry);
      }
    }
  }

  #entry(index: number): Buffer {
    const entry = this.#entries[Number(this.#indices[index])];
    if (entry === undefined) throw new ValidationError('a dictionary index is out of range');
    return entry;
  }

  size(index: number): number {
    return isValid(this.bitmap, this.offset, index) ? this.#entry(index).length : 4;
  }

  write(index: number, target: Buffer, offset: number): number {
    if (!isValid(this.bitmap, this.offset, index)) {
      target.writeInt32BE(NULL_FIELD, offset);
      return offset + 4;
    }
    return offset + this.#entry(index).copy(target, offset);
  }
}

const JSONB_VERSION = 1;

function jsonbBuffer(text: string): Buffer {
  const buffer = Buffer.allocUnsafe(1 + Buffer.byteLength(text));
  buffer[0] = JSONB_VERSION;
  buffer.write(text, 1, 'utf8');
  return buffer;
}

function decimalWords(type: DataType): number {
  return ((type as unknown as { bitWidth?: number }).bitWidth ?? 128) / 32;
}

/** An encoder for one column's data as PostgreSQL type `type`. */
function createFieldEncoder(data: Data, type: PostgresType, column: string): FieldEncoder {
  const arrowType = data.type;
  const typeId = arrowType.typeId as number;
  if (typeId === -1) return new DictionaryEncoder(data, type, column);
  if (type.kind === 'jsonb') {
    return new ComputedEncoder(data, (index) => jsonbBuffer(jsonOf(data, index)));
  }
  if (type.kind === 'array') return new ArrayEncoder(data, type, column);
  switch (typeId) {
    case 2: {
      const { bitWidth, isSigned } = arrowType as unknown as {
        bitWidth: number;
        isSigned: boolean;
      };
      if (bitWidth === 8) return new Int16Encoder(data);
      if (bitWidth === 16) return isSigned ? new Int16Encoder(data) : new Int32Encoder(data);
      if (bitWidth === 32) return isSigned ? new Int32Encoder(data) : new Uint32Encoder(data);
      if (isSigned) return new Int64Encoder(data);
      const values = data.values as BigUint64Array;
      return new ComputedEncoder(data, (index) => encodeNumeric(values[index]!, 0));
    }
    case 3: {
      const precision = (arrowType as unknown as { precision: number }).precision;
      return precision === 1 ? new Float32Encoder(data) : new Float64Encoder(data);
    }
    case 6:
      return new BoolEncoder(data);
    case 7: {
      const words = decimalWords(arrowType);
      const scale = (arrowType as unknown as { scale: number }).scale;
      const values = data.values as Uint32Array;
      return new ComputedEncoder(data, (index) =>
        encodeNumeric(wordsToBigInt(values, index * words, words), scale),
      );
    }
    case 4:
    case 5:
      return new BytesEncoder(data);
    case 8:
      return new DateEncoder(data, column);
    case 10: {
      const unit = (arrowType as unknown as { unit: number }).unit;
      return unit === TIME_UNIT.NANOSECOND
        ? new Int64Encoder(data)
        : new TimestampEncoder(data, unit);
    }
    default:
      throw new ValidationError(
        `column '${column}': Arrow type ${String(arrowType)} cannot be written to PostgreSQL`,
        { details: { column } },
      );
  }
}

const utf8 = new TextDecoder();

function floatJson(value: number): string {
  if (Number.isFinite(value) && !Object.is(value, -0)) return String(value);
  return JSON.stringify(Object.is(value, -0) ? '-0' : String(value));
}

/**
 * The JSON text of the value at `index` (struct columns and nested lists are stored as jsonb):
 * exact numbers for integers and decimals, ISO-8601 text for dates and timestamps, `\x…` hex
 * for binary, and non-finite floats and -0 as strings.
 */
function jsonOf(data: Data, index: number): string {
  if (!isValid(bitmapOf(data), data.offset, index)) return 'null';
  const type = data.type;
  const typeId = type.typeId as number;
  switch (typeId) {
    case -1: {
      const dictionary = (data as unknown as { dictionary: { data: Data[] } }).dictionary;
      let position = Number((data.values as ArrayLike<number | bigint>)[index]);
      for (const chunk of dictionary.data) {
        if (position < chunk.length) return jsonOf(chunk, position);
        position -= chunk.length;
      }
      throw new ValidationError('a dictionary index is out of range');
    }
    case 2: {
      const value = (data.values as ArrayLike<number | bigint>)[index]!;
      return value.toString();
    }
    case 3:
      return floatJson((data.values as Float32Array | Float64Array)[index]!);
    case 6:
      return isValid(data.values as Uint8Array, data.offset, index) ? 'true' : 'false';
    case 7: {
      const words = decimalWords(type);
      const scale = (type as unknown as { scale: number }).scale;
      return decimalText(wordsToBigInt(data.values as Uint32Array, index * words, words), scale);
    }
    case 5: {
      const offsets = data.valueOffsets as Int32Array;
      const values = data.values as Uint8Array;
      return JSON.stringify(utf8.decode(values.subarray(offsets[index]!, offsets[index + 1]!)));
    }
    case 4: {
      const offsets = data.valueOffsets as Int32Array;
      const values = data.values as Uint8Array;
      const hex = Buffer.from(
        values.buffer,
        values.byteOffset + offsets[index]!,
        offsets[index + 1]! - offsets[index]!,
      ).toString('hex');
      return JSON.stringify(`\\x${hex}`);
    }
    case 8: {
      const unit = (type as unknown as { unit: number }).unit;
      const stored = (data.values as Int32Array | BigInt64Array)[index]!;
      const days = unit === 0 ? Number(stored) : Number(stored) / MS_PER_DAY;
      if (!Number.isInteger(days)) {
        throw new ValidationError(`date ${String(stored)} ms is not a whole day`);
      }
      return JSON.stringify(formatDate(days));
    }
    case 10: {
      const { unit, timezone } = type as unknown as { unit: number; timezone?: string | null };
      const value = (data.values as BigInt64Array)[index]!;
      return JSON.stringify(formatTimestamp(value, unit, Boolean(timezone)));
    }
    case 12: {
      const offsets = data.valueOffsets as Int32Array;
      const child = data.children[0]!;
      const items: string[] = [];
      for (let item = offsets[index]!; item < offsets[index + 1]!; item += 1) {
        items.push(jsonOf(child, item));
      }
      return `[${items.join(',')}]`;
    }
    case 13: {
      const fields = childFieldsOf(type);
      const members = fields.map(
        (field, position) =>
          `${JSON.stringify(field.name)}:${jsonOf(data.children[position]!, index)}`,
      );
      return `{${members.join(',')}}`;
    }
    default:
      throw new ValidationError(`Arrow type ${String(type)} cannot be written as JSON`);
  }
}

/** The columns of a COPY: each batch column is encoded as the PostgreSQL type at its position. */
export interface CopyColumn {
  readonly name: string;
  readonly type: PostgresType;
}

/** What {@link copyChunks} frames the rows with. */
export interface CopyFraming {
  /** Start with the stream header. @default true */
  readonly header?: boolean;
  /** End with the end-of-data marker. @default true */
  readonly trailer?: boolean;
  /** Bytes per chunk. @default 1 MiB */
  readonly chunkBytes?: number;
}

/** Rows encoded per block: sizes first, then each column's values in one tight loop. */
const BLOCK_ROWS = 2048;

/**
 * The binary COPY data of `batches` (one tuple per row, with the header and trailer unless
 * told otherwise) in chunks of about `chunkBytes`. Rows are encoded in blocks, column by
 * column (the layout stays row by row: each row's position is computed first). Lazy: a chunk
 * is encoded only when the consumer asks for it, so memory holds one chunk at a time.
 */
export function* copyChunks(
  batches: readonly RecordBatch[],
  columns: readonly CopyColumn[],
  framing: CopyFraming = {},
): Generator<Buffer> {
  const chunkBytes = framing.chunkBytes ?? 1 << 20;
  let chunk = Buffer.allocUnsafe(chunkBytes);
  let view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let offset = framing.header === false ? 0 : COPY_HEADER.copy(chunk, 0);
  const fieldCount = columns.length;
  const sizes = new Int32Array(BLOCK_ROWS);
  const cursors = new Int32Array(BLOCK_ROWS);
  for (const batch of batches) {
    const encoders = columns.map((column) => {
      const vector = batch.getChild(column.name);
      if (vector === null) throw new ValidationError(`the batch has no column '${column.name}'`);
      return createFieldEncoder(vector.data[0]!, column.type, column.name);
    });
    const rows = batch.numRows;
    for (let start = 0; start < rows; ) {
      const blockEnd = Math.min(rows, start + BLOCK_ROWS);
      sizes.fill(2, 0, blockEnd - start);
      for (const encoder of encoders) encoder.addSizes(start, blockEnd, sizes);
      // As many rows of the block as fit in the chunk (at least one, in a chunk made to fit).
      let end = start;
      let used = offset;
      while (end < blockEnd && used + sizes[end - start]! <= chunk.length) {
        cursors[end - start] = used;
        used += sizes[end - start]!;
        end += 1;
      }
      if (end === start) {
        if (offset > 0) yield chunk.subarray(0, offset);
        chunk = Buffer.allocUnsafe(Math.max(chunkBytes, sizes[0]!));
        view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        offset = 0;
        continue;
      }
      for (let row = start; row < end; row += 1) {
        view.setInt16(cursors[row - start]!, fieldCount);
        cursors[row - start]! += 2;
      }
      for (const encoder of encoders) encoder.writeRows(start, end, chunk, view, cursors);
      offset = used;
      start = end;
    }
  }
  if (framing.trailer !== false) {
    if (offset + COPY_TRAILER.length > chunk.length) {
      yield chunk.subarray(0, offset);
      chunk = Buffer.allocUnsafe(COPY_TRAILER.length);
      offset = 0;
    }
    offset += COPY_TRAILER.copy(chunk, offset);
  }
  if (offset > 0) yield chunk.subarray(0, offset);
}
