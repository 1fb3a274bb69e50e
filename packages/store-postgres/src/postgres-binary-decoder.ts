/**
 * PostgreSQL's binary wire format → Arrow columns. A builder per column receives each value's
 * bytes (from a binary COPY or from a `…send()` column of a query) and produces Arrow `Data`
 * of the column's original Arrow type, straight into typed arrays: strings are never decoded
 * to JavaScript and back, timestamps keep their exact integer.
 */
import { ValidationError } from '@wharf/store-core';
import {
  type Data,
  type DataType,
  type Field,
  makeData,
  makeVector,
  vectorFromArray,
} from 'apache-arrow';
import { JsonNumber, type JsonValue, parseJsonExact } from './postgres-json.js';
import { bigIntToWords, decodeNumeric, parseDecimal } from './postgres-numeric.js';
import {
  POSTGRES_EPOCH_DAYS,
  POSTGRES_EPOCH_MICROS,
  parseDate,
  parseTimestamp,
} from './postgres-time.js';
import { childFieldsOf, TIME_UNIT, valueTypeOf } from './postgres-types.js';

/** Bytes to decode from, with a view for multi-byte reads. */
export interface BinarySource {
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/** A source over a buffer. */
export function binarySource(bytes: Uint8Array): BinarySource {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** Accumulates one column's values and produces its Arrow data. */
export interface ColumnBuilder {
  readonly length: number;
  appendNull(): void;
  /** Appends a value given in PostgreSQL's binary format. */
  appendBinary(source: BinarySource, start: number, length: number): void;
  /** Appends a value given as JSON (inside a jsonb struct or nested list). */
  appendJson(value: JsonValue): void;
  /** The Arrow data of everything appended since the last `finish()`; starts over. */
  finish(): Data;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_32 = 4_294_967_296;
const MS_PER_DAY = 86_400_000;
const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** A growable validity bitmap. */
class Validity {
  bits = new Uint8Array(128);
  length = 0;
  nullCount = 0;

  push(valid: boolean): void {
    if (this.length >> 3 >= this.bits.length) {
      const grown = new Uint8Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    if (valid) this.bits[this.length >> 3]! |= 1 << (this.length & 7);
    else this.nullCount += 1;
    this.length += 1;
  }

  take(): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    const result = {
      nullBitmap: this.nullCount > 0 ? this.bits.slice(0, (this.length + 7) >> 3) : undefined,
      nullCount: this.nullCount,
    };
    this.bits = new Uint8Array(128);
    this.length = 0;
    this.nullCount = 0;
    return result;
  }
}

type TypedArray =
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

type TypedArrayConstructor = new (length: number) => TypedArray;

/** Fixed-width values: a typed array of `stride` elements per value plus validity. */
abstract class FixedBuilder implements ColumnBuilder {
  protected readonly type: DataType;
  protected values: TypedArray;
  protected bytes: Uint8Array;
  readonly #ArrayType: TypedArrayConstructor;
  readonly #stride: number;
  readonly #validity = new Validity();

  constructor(type: DataType, ArrayType: TypedArrayConstructor, stride = 1) {
    this.type = type;
    this.#ArrayType = ArrayType;
    this.#stride = stride;
    this.values = new ArrayType(1024 * stride);
    this.bytes = new Uint8Array(this.values.buffer);
  }

  get length(): number {
    return this.#validity.length;
  }

  /** Makes room for one more value; returns its element index. */
  protected slot(valid: boolean): number {
    const index = this.#validity.length * this.#stride;
    if (index + this.#stride > this.values.length) {
      const grown = new this.#ArrayType(this.values.length * 2);
      (grown as Uint8Array).set(this.values as Uint8Array);
      this.values = grown;
      this.bytes = new Uint8Array(grown.buffer);
    }
    this.#validity.push(valid);
    return index;
  }

  /** Copies `width` bytes at `start` byte-swapped into element `index` (exact bits). */
  protected copySwapped(source: BinarySource, start: number, width: number, index: number): void {
    const target = this.bytes;
    let out = index * width;
    const bytes = source.bytes;
    if (LITTLE_ENDIAN) {
      for (let byte = width - 1; byte >= 0; byte -= 1) target[out++] = bytes[start + byte]!;
    } else {
      for (let byte = 0; byte < width; byte += 1) target[out++] = bytes[start + byte]!;
    }
  }

  appendNull(): void {
    this.slot(false);
  }

  abstract appendBinary(source: BinarySource, start: number, length: number): void;
  abstract appendJson(value: JsonValue): void;

  finish(): Data {
    const length = this.#validity.length;
    const { nullBitmap, nullCount } = this.#validity.take();
    const values = this.values.slice(0, length * this.#stride);
    this.values = new this.#ArrayType(1024 * this.#stride);
    this.bytes = new Uint8Array(this.values.buffer);
    return makeData({
      type: this.type,
      length,
      nullCount,
      nullBitmap,
      data: values,
    } as never) as Data;
  }
}

function jsonText(value: JsonValue, what: string): string {
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'string') return value;
  throw new ValidationError(`${what}: unexpected JSON value ${JSON.stringify(value)}`);
}

/** Integers of up to 32 bits, from smallint, integer or bigint. */
class IntegerBuilder extends FixedBuilder {
  appendBinary(source: BinarySource, start: number, length: number): void {
    const index = this.slot(true);
    const view = source.view;
    const value =
      length === 2
        ? view.getInt16(start)
        : length === 4
          ? view.getInt32(start)
          : view.getInt32(start) * TWO_32 + view.getUint32(start + 4);
    (this.values as Int32Array)[index] = value;
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    const index = this.slot(true);
    (this.values as Int32Array)[index] = Number(jsonText(value, 'integer'));
  }
}

/** 64-bit integers (int64 from bigint, uint64 from numeric(20,0)) and nanosecond timestamps. */
class BigIntegerBuilder extends FixedBuilder {
  readonly #unsigned: boolean;

  constructor(type: DataType, unsigned: boolean) {
    super(type, unsigned ? BigUint64Array : BigInt64Array);
    this.#unsigned = unsigned;
  }

  appendBinary(source: BinarySource, start: number, length: number): void {
    const index = this.slot(true);
    if (this.#unsigned) {
      (this.values as BigUint64Array)[index] = decodeNumeric(source.view, start, 0);
      return;
    }
    if (length !== 8) throw new ValidationError('expected an 8-byte integer');
    this.copySwapped(source, start, 8, index);
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    const index = this.slot(true);
    const parsed = BigInt(jsonText(value, 'integer'));
    if (this.#unsigned) (this.values as BigUint64Array)[index] = parsed;
    else (this.values as BigInt64Array)[index] = parsed;
  }
}

const SPECIAL_FLOATS: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0,
};

class FloatBuilder extends FixedBuilder {
  readonly #width: number;

  constructor(type: DataType, width: 4 | 8) {
    super(type, width === 4 ? Float32Array : Float64Array);
    this.#width = width;
  }

  appendBinary(source: BinarySource, start: number): void {
    this.copySwapped(source, start, this.#width, this.slot(true));
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    const index = this.slot(true);
    const text = jsonText(value, 'float');
    (this.values as Float64Array)[index] = SPECIAL_FLOATS[text] ?? Number(text);
  }
}

class DecimalBuilder extends FixedBuilder {
  readonly #words: number;
  readonly #scale: number;

  constructor(type: DataType) {
    const words = ((type as unknown as { bitWidth?: number }).bitWidth ?? 128) / 32;
    super(type, Uint32Array, words);
    this.#words = words;
    this.#scale = (type as unknown as { scale: number }).scale;
  }

  appendBinary(source: BinarySource, start: number): void {
    const index = this.slot(true);
    const unscaled = decodeNumeric(source.view, start, this.#scale);
    bigIntToWords(unscaled, this.values as Uint32Array, index, this.#words);
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    const index = this.slot(true);
    const unscaled = parseDecimal(jsonText(value, 'decimal'), this.#scale, 'decimal');
    bigIntToWords(unscaled, this.values as Uint32Array, index, this.#words);
  }
}

/** Booleans: values are bits, like validity. */
class BoolBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #validity = new Validity();
  readonly #values = new Validity();

  constructor(type: DataType) {
    this.#type = type;
  }

  get length(): number {
    return this.#validity.length;
  }

  appendNull(): void {
    this.#validity.push(false);
    this.#values.push(false);
  }

  appendBinary(source: BinarySource, start: number): void {
    this.#validity.push(true);
    this.#values.push(source.bytes[start] !== 0);
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    this.#validity.push(true);
    this.#values.push(value === true);
  }

  finish(): Data {
    const length = this.#validity.length;
    const { nullBitmap, nullCount } = this.#validity.take();
    const bits = this.#values.bits.slice(0, (length + 7) >> 3);
    this.#values.take();
    return makeData({
      type: this.#type,
      length,
      nullCount,
      nullBitmap,
      data: bits,
    } as never) as Data;
  }
}

/** Timestamps of second, millisecond and microsecond unit from timestamp(tz). */
class TimestampBuilder extends FixedBuilder {
  readonly #divisor: number;

  constructor(type: DataType) {
    super(type, BigInt64Array);
    const unit = (type as unknown as { unit: number }).unit;
    this.#divisor =
      unit === TIME_UNIT.SECOND ? 1_000_000 : unit === TIME_UNIT.MILLISECOND ? 1000 : 1;
  }

  appendBinary(source: BinarySource, start: number): void {
    const index = this.slot(true);
    const view = source.view;
    const high = view.getInt32(start);
    const low = view.getUint32(start + 4);
    const micros = high * TWO_32 + low + POSTGRES_EPOCH_MICROS;
    if (high >= -0x200000 && high < 0x200000 && Number.isSafeInteger(micros)) {
      (this.values as BigInt64Array)[index] = BigInt(Math.floor(micros / this.#divisor));
      return;
    }
    const exact = view.getBigInt64(start) + BigInt(POSTGRES_EPOCH_MICROS);
    const divisor = BigInt(this.#divisor);
    const floored = exact / divisor - (exact % divisor < 0n ? 1n : 0n);
    (this.values as BigInt64Array)[index] = floored;
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    const unit = (this.type as unknown as { unit: number }).unit;
    (this.values as BigInt64Array)[this.slot(true)] = parseTimestamp(
      jsonText(value, 'timestamp'),
      unit,
    );
  }
}

class DateBuilder extends FixedBuilder {
  readonly #days: boolean;

  constructor(type: DataType) {
    const days = (type as unknown as { unit: number }).unit === 0;
    super(type, days ? Int32Array : BigInt64Array);
    this.#days = days;
  }

  #set(index: number, days: number): void {
    if (this.#days) (this.values as Int32Array)[index] = days;
    else (this.values as BigInt64Array)[index] = BigInt(days * MS_PER_DAY);
  }

  appendBinary(source: BinarySource, start: number): void {
    this.#set(this.slot(true), source.view.getInt32(start) + POSTGRES_EPOCH_DAYS);
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    this.#set(this.slot(true), parseDate(jsonText(value, 'date')));
  }
}

/** Variable-length bytes: UTF-8 text or binary, as offsets plus one byte buffer. */
class BytesBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #text: boolean;
  readonly #validity = new Validity();
  #offsets = new Int32Array(1025);
  #bytes = new Uint8Array(16_384);
  #used = 0;

  constructor(type: DataType, text: boolean) {
    this.#type = type;
    this.#text = text;
  }

  get length(): number {
    return this.#validity.length;
  }

  #push(bytes: Uint8Array, start: number, length: number): void {
    const count = this.#validity.length;
    if (count + 2 > this.#offsets.length) {
      const grown = new Int32Array(this.#offsets.length * 2);
      grown.set(this.#offsets);
      this.#offsets = grown;
    }
    if (this.#used + length > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#used + length));
      grown.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = grown;
    }
    this.#bytes.set(bytes.subarray(start, start + length), this.#used);
    this.#used += length;
    this.#offsets[count + 1] = this.#used;
  }

  appendNull(): void {
    this.#push(this.#bytes, 0, 0);
    this.#validity.push(false);
  }

  appendBinary(source: BinarySource, start: number, length: number): void {
    this.#push(source.bytes, start, length);
    this.#validity.push(true);
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    if (typeof value !== 'string') throw new ValidationError('expected a JSON string');
    let bytes: Uint8Array;
    if (this.#text) bytes = utf8Encoder.encode(value);
    else {
      if (!value.startsWith('\\x')) throw new ValidationError('expected binary as \\x… hex');
      bytes = Buffer.from(value.slice(2), 'hex');
    }
    this.#push(bytes, 0, bytes.length);
    this.#validity.push(true);
  }

  finish(): Data {
    const length = this.#validity.length;
    const { nullBitmap, nullCount } = this.#validity.take();
    const data = makeData({
      type: this.#type,
      length,
      nullCount,
      nullBitmap,
      valueOffsets: this.#offsets.slice(0, length + 1),
      data: this.#bytes.slice(0, this.#used),
    } as never) as Data;
    this.#offsets = new Int32Array(1025);
    this.#bytes = new Uint8Array(16_384);
    this.#used = 0;
    return data;
  }
}

/** Lists: from a PostgreSQL array, or from a JSON array (a list of lists or structs). */
class ListBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #child: ColumnBuilder;
  readonly #json: boolean;
  readonly #validity = new Validity();
  #offsets: number[] = [0];

  constructor(type: DataType, child: ColumnBuilder, json: boolean) {
    this.#type = type;
    this.#child = child;
    this.#json = json;
  }

  get length(): number {
    return this.#validity.length;
  }

  appendNull(): void {
    this.#validity.push(false);
    this.#offsets.push(this.#child.length);
  }

  appendBinary(source: BinarySource, start: number, length: number): void {
    if (this.#json) {
      this.appendJson(readJsonb(source, start, length));
      return;
    }
    const view = source.view;
    const dimensions = view.getInt32(start);
    let position = start + 12;
    if (dimensions > 1)
      throw new ValidationError('a multi-dimensional array cannot be read as a list');
    const count = dimensions === 0 ? 0 : view.getInt32(position);
    if (dimensions === 1) position += 8;
    for (let item = 0; item < count; item += 1) {
      const size = view.getInt32(position);
      position += 4;
      if (size < 0) this.#child.appendNull();
      else {
        this.#child.appendBinary(source, position, size);
        position += size;
      }
    }
    this.#validity.push(true);
    this.#offsets.push(this.#child.length);
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    if (!Array.isArray(value)) throw new ValidationError('expected a JSON array for a list');
    for (const item of value) this.#child.appendJson(item);
    this.#validity.push(true);
    this.#offsets.push(this.#child.length);
  }

  finish(): Data {
    const length = this.#validity.length;
    const { nullBitmap, nullCount } = this.#validity.take();
    const valueOffsets = Int32Array.from(this.#offsets);
    this.#offsets = [0];
    return makeData({
      type: this.#type,
      length,
      nullCount,
      nullBitmap,
      valueOffsets,
      child: this.#child.finish(),
    } as never) as Data;
  }
}

/** Structs, stored as jsonb objects. */
class StructBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #fields: Field[];
  readonly #children: ColumnBuilder[];
  readonly #validity = new Validity();

  constructor(type: DataType) {
    this.#type = type;
    this.#fields = childFieldsOf(type);
    this.#children = this.#fields.map((field) => createColumnBuilder(field.type, true));
  }

  get length(): number {
    return this.#validity.length;
  }

  appendNull(): void {
    this.#validity.push(false);
    for (const child of this.#children) child.appendNull();
  }

  appendBinary(source: BinarySource, start: number, length: number): void {
    this.appendJson(readJsonb(source, start, length));
  }

  appendJson(value: JsonValue): void {
    if (value === null) {
      this.appendNull();
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof JsonNumber) {
      throw new ValidationError('expected a JSON object for a struct');
    }
    this.#fields.forEach((field, index) => {
      this.#children[index]!.appendJson(value[field.name] ?? null);
    });
    this.#validity.push(true);
  }

  finish(): Data {
    const length = this.#validity.length;
    const { nullBitmap, nullCount } = this.#validity.take();
    return makeData({
      type: this.#type,
      length,
      nullCount,
      nullBitmap,
      children: this.#children.map((child) => child.finish()),
    } as never) as Data;
  }
}

/** Dictionary-encoded columns: values are collected, then dictionary-encoded by apache-arrow. */
class DictionaryBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #values: ColumnBuilder;

  constructor(type: DataType) {
    this.#type = type;
    this.#values = createColumnBuilder(valueTypeOf(type), false);
  }

  get length(): number {
    return this.#values.length;
  }

  appendNull(): void {
    this.#values.appendNull();
  }

  appendBinary(source: BinarySource, start: number, length: number): void {
    this.#values.appendBinary(source, start, length);
  }

  appendJson(value: JsonValue): void {
    this.#values.appendJson(value);
  }

  finish(): Data {
    const values = makeVector(this.#values.finish());
    return vectorFromArray([...values] as never[], this.#type as never).data[0] as Data;
  }
}

function readJsonb(source: BinarySource, start: number, length: number): JsonValue {
  if (source.bytes[start] !== 1) throw new ValidationError('unknown jsonb format version');
  return parseJsonExact(utf8.decode(source.bytes.subarray(start + 1, start + length)));
}

/**
 * A builder for an Arrow type. `inJson` says the values arrive as JSON (children of a struct),
 * which matters for lists: a list nested in JSON is a JSON array, never a PostgreSQL array.
 */
export function createColumnBuilder(type: DataType, inJson = false): ColumnBuilder {
  const typeId = type.typeId as number;
  switch (typeId) {
    case -1:
      return new DictionaryBuilder(type);
    case 2: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (bitWidth === 64) return new BigIntegerBuilder(type, !isSigned);
      const ArrayType = (
        isSigned
          ? { 8: Int8Array, 16: Int16Array, 32: Int32Array }
          : { 8: Uint8Array, 16: Uint16Array, 32: Uint32Array }
      )[bitWidth as 8 | 16 | 32];
      return new IntegerBuilder(type, ArrayType);
    }
    case 3:
      return new FloatBuilder(
        type,
        (type as unknown as { precision: number }).precision === 1 ? 4 : 8,
      );
    case 6:
      return new BoolBuilder(type);
    case 7:
      return new DecimalBuilder(type);
    case 4:
      return new BytesBuilder(type, false);
    case 5:
      return new BytesBuilder(type, true);
    case 8:
      return new DateBuilder(type);
    case 10:
      return (type as unknown as { unit: number }).unit === TIME_UNIT.NANOSECOND
        ? new BigIntegerBuilder(type, false)
        : new TimestampBuilder(type);
    case 12: {
      const child = childFieldsOf(type)[0]!;
      const childTypeId = valueTypeOf(child.type).typeId as number;
      const json = inJson || childTypeId === 12 || childTypeId === 13;
      return new ListBuilder(type, createColumnBuilder(child.type, json), json);
    }
    case 13:
      return new StructBuilder(type);
    default:
      throw new ValidationError(`Arrow type ${String(type)} cannot be read from PostgreSQL`);
  }
}
