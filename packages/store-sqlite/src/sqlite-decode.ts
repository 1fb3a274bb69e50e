/**
 * SQLite → Arrow: column builders that take the values of one column as better-sqlite3 reads
 * them (with `safeIntegers`, so 64-bit integers arrive as `bigint`) or as the JSON form of
 * nested values, and produce an Arrow `Data` of the column's exact stored type.
 */
import { type Data, type DataType, makeData, makeVector, util } from 'apache-arrow';
import { decimalFromText, info, TypeId } from './sqlite-types.js';

/** Collects one column's values and turns them into Arrow data. */
export interface ColumnBuilder {
  /** Appends one value; `null` or `undefined` is a null slot. */
  push(value: unknown): void;
  /** The Arrow data of everything pushed since the last `finish()`; the builder starts over. */
  finish(): Data;
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

/** A validity bitmap that grows with the column. */
class Validity {
  bits = new Uint8Array(128);
  nulls = 0;

  set(index: number, valid: boolean): void {
    if (index >> 3 >= this.bits.length) {
      const grown = new Uint8Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    if (valid) this.bits[index >> 3]! |= 1 << (index & 7);
    else this.nulls += 1;
  }

  take(length: number): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    const result = {
      nullBitmap: this.nulls === 0 ? undefined : this.bits.slice(0, (length + 7) >> 3),
      nullCount: this.nulls,
    };
    this.bits = new Uint8Array(128);
    this.nulls = 0;
    return result;
  }
}

function isNull(value: unknown): boolean {
  return value === null || value === undefined;
}

/** A float from its stored form: a number, the 8-byte BLOB of NaN or -0, or its JSON string. */
export function floatFrom(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof Uint8Array && value.byteLength === 8) {
    return Buffer.from(value.buffer, value.byteOffset, 8).readDoubleLE(0);
  }
  if (value === '-0') return -0;
  return Number(value);
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  throw new TypeError(`expected bytes, got ${typeof value}`);
}

function parsed(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** Fixed-width values in a typed array that doubles as it fills. */
class FixedWidthBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #Array: TypedArrayConstructor;
  readonly #convert: (value: unknown) => number | bigint;
  readonly #zero: number | bigint;
  #values: TypedArray;
  #length = 0;
  #validity = new Validity();

  constructor(type: DataType, convert: (value: unknown) => number | bigint) {
    this.#type = type;
    this.#Array = (type as unknown as { ArrayType: TypedArrayConstructor }).ArrayType;
    this.#values = new this.#Array(1024);
    this.#convert = convert;
    this.#zero =
      this.#values instanceof BigInt64Array || this.#values instanceof BigUint64Array ? 0n : 0;
  }

  push(value: unknown): void {
    if (this.#length === this.#values.length) {
      const grown = new this.#Array(this.#values.length * 2);
      grown.set(this.#values as never);
      this.#values = grown;
    }
    const valid = !isNull(value);
    (this.#values as unknown as (number | bigint)[])[this.#length] = valid
      ? this.#convert(value)
      : this.#zero;
    this.#validity.set(this.#length, valid);
    this.#length += 1;
  }

  finish(): Data {
    const length = this.#length;
    const data = makeData({
      type: this.#type as never,
      length,
      ...this.#validity.take(length),
      data: this.#values.slice(0, length),
    } as never) as Data;
    this.#values = new this.#Array(1024);
    this.#length = 0;
    return data;
  }
}

class BoolBuilder implements ColumnBuilder {
  readonly #type: DataType;
  #values = new Validity();
  #validity = new Validity();
  #length = 0;

  constructor(type: DataType) {
    this.#type = type;
  }

  push(value: unknown): void {
    const valid = !isNull(value);
    this.#values.set(this.#length, valid && (value === true || Number(value) === 1));
    this.#validity.set(this.#length, valid);
    this.#length += 1;
  }

  finish(): Data {
    const length = this.#length;
    const values = this.#values.bits.slice(0, (length + 7) >> 3);
    this.#values = new Validity();
    this.#length = 0;
    return makeData({
      type: this.#type as never,
      length,
      ...this.#validity.take(length),
      data: values,
    } as never) as Data;
  }
}

/** Variable-width values (utf8, binary and their large forms): offsets into one byte buffer. */
class VariableWidthBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #text: boolean;
  readonly #large: boolean;
  #bytes = Buffer.allocUnsafe(16 * 1024);
  #used = 0;
  #offsets: number[] = [0];
  #validity = new Validity();

  constructor(type: DataType, text: boolean, large: boolean) {
    this.#type = type;
    this.#text = text;
    this.#large = large;
  }

  #reserve(extra: number): void {
    if (this.#used + extra <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.#used + extra) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.#bytes.copy(grown, 0, 0, this.#used);
    this.#bytes = grown;
  }

  push(value: unknown): void {
    const index = this.#offsets.length - 1;
    const valid = !isNull(value);
    if (valid) {
      if (this.#text) {
        const text = String(value);
        this.#reserve(text.length * 3);
        this.#used += this.#bytes.write(text, this.#used, 'utf8');
      } else {
        const bytes = toBytes(value);
        this.#reserve(bytes.byteLength);
        this.#bytes.set(bytes, this.#used);
        this.#used += bytes.byteLength;
      }
    }
    this.#offsets.push(this.#used);
    this.#validity.set(index, valid);
  }

  finish(): Data {
    const length = this.#offsets.length - 1;
    const valueOffsets = this.#large
      ? BigInt64Array.from(this.#offsets, (offset) => BigInt(offset))
      : Int32Array.from(this.#offsets);
    const data = makeData({
      type: this.#type as never,
      length,
      ...this.#validity.take(length),
      valueOffsets,
      data: Uint8Array.prototype.slice.call(this.#bytes, 0, this.#used),
    } as never) as Data;
    this.#used = 0;
    this.#offsets = [0];
    return data;
  }
}

class FixedSizeBinaryBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #width: number;
  #chunks: Uint8Array[] = [];
  #validity = new Validity();

  constructor(type: DataType) {
    this.#type = type;
    this.#width = info(type).byteWidth!;
  }

  push(value: unknown): void {
    const valid = !isNull(value);
    const bytes = valid ? toBytes(value) : new Uint8Array(this.#width);
    if (bytes.byteLength !== this.#width) {
      throw new RangeError(`expected ${this.#width} bytes, got ${bytes.byteLength}`);
    }
    this.#validity.set(this.#chunks.length, valid);
    this.#chunks.push(bytes);
  }

  finish(): Data {
    const length = this.#chunks.length;
    const values = new Uint8Array(length * this.#width);
    this.#chunks.forEach((chunk, index) => {
      values.set(chunk, index * this.#width);
    });
    this.#chunks = [];
    return makeData({
      type: this.#type as never,
      length,
      ...this.#validity.take(length),
      data: values,
    } as never) as Data;
  }
}

class DecimalBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #scale: number;
  readonly #stride: number;
  #values: bigint[] = [];
  #validity = new Validity();

  constructor(type: DataType) {
    this.#type = type;
    this.#scale = info(type).scale ?? 0;
    this.#stride = (info(type).bitWidth ?? 128) / 32;
  }

  push(value: unknown): void {
    const valid = !isNull(value);
    this.#validity.set(this.#values.length, valid);
    this.#values.push(valid ? decimalFromText(String(value), this.#scale) : 0n);
  }

  finish(): Data {
    const length = this.#values.length;
    const words = new Uint32Array(length * this.#stride);
    this.#values.forEach((value, index) => {
      let rest = BigInt.asUintN(this.#stride * 32, value);
      for (let word = 0; word < this.#stride; word += 1) {
        words[index * this.#stride + word] = Number(rest & 0xffffffffn);
        rest >>= 32n;
      }
    });
    this.#values = [];
    return makeData({
      type: this.#type as never,
      length,
      ...this.#validity.take(length),
      data: words,
    } as never) as Data;
  }
}

class ListBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #child: ColumnBuilder;
  #offsets: number[] = [0];
  #validity = new Validity();

  constructor(type: DataType) {
    this.#type = type;
    this.#child = makeColumnBuilder(info(type).children![0]!.type);
  }

  push(value: unknown): void {
    const index = this.#offsets.length - 1;
    const items = isNull(value) ? null : (parsed(value) as unknown[]);
    let end = this.#offsets[index]!;
    if (items !== null) {
      for (const item of items) this.#child.push(item);
      end += items.length;
    }
    this.#offsets.push(end);
    this.#validity.set(index, items !== null);
  }

  finish(): Data {
    const length = this.#offsets.length - 1;
    const data = makeData({
      type: this.#type as never,
      length,
      ...this.#validity.take(length),
      valueOffsets: Int32Array.from(this.#offsets),
      child: this.#child.finish(),
    } as never) as Data;
    this.#offsets = [0];
    return data;
  }
}

class FixedSizeListBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #size: number;
  readonly #child: ColumnBuilder;
  #length = 0;
  #validity = new Validity();

  constructor(type: DataType) {
    this.#type = type;
    this.#size = info(type).listSize!;
    this.#child = makeColumnBuilder(info(type).children![0]!.type);
  }

  push(value: unknown): void {
    const items = isNull(value) ? null : (parsed(value) as unknown[]);
    if (items !== null && items.length !== this.#size) {
      throw new RangeError(`expected a list of ${this.#size} items, got ${items.length}`);
    }
    for (let item = 0; item < this.#size; item += 1) this.#child.push(items?.[item] ?? null);
    this.#validity.set(this.#length, items !== null);
    this.#length += 1;
  }

  finish(): Data {
    const length = this.#length;
    this.#length = 0;
    return makeData({
      type: this.#type as never,
      length,
      ...this.#validity.take(length),
      child: this.#child.finish(),
    } as never) as Data;
  }
}

class StructBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #names: string[];
  readonly #children: ColumnBuilder[];
  #length = 0;
  #validity = new Validity();

  constructor(type: DataType) {
    this.#type = type;
    const fields = info(type).children!;
    this.#names = fields.map((field) => field.name);
    this.#children = fields.map((field) => makeColumnBuilder(field.type));
  }

  push(value: unknown): void {
    const object = isNull(value) ? null : (parsed(value) as Record<string, unknown>);
    this.#names.forEach((name, position) => {
      this.#children[position]!.push(object === null ? null : object[name]);
    });
    this.#validity.set(this.#length, object !== null);
    this.#length += 1;
  }

  finish(): Data {
    const length = this.#length;
    this.#length = 0;
    return makeData({
      type: this.#type as never,
      length,
      ...this.#validity.take(length),
      children: this.#children.map((child) => child.finish()),
    } as never) as Data;
  }
}

/** Dictionary-encoded values: each distinct value once in the dictionary, rows as indices. */
class DictionaryBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #valueType: DataType;
  readonly #indexType: DataType;
  #positions = new Map<string, number>();
  #dictionary: unknown[] = [];
  #indices: number[] = [];
  #validity = new Validity();

  constructor(type: DataType) {
    this.#type = type;
    this.#valueType = info(type).dictionary!;
    this.#indexType = info(type).indices!;
  }

  push(value: unknown): void {
    const valid = !isNull(value);
    this.#validity.set(this.#indices.length, valid);
    if (!valid) {
      this.#indices.push(0);
      return;
    }
    const key = dictionaryKey(value);
    let position = this.#positions.get(key);
    if (position === undefined) {
      position = this.#dictionary.length;
      this.#positions.set(key, position);
      this.#dictionary.push(value);
    }
    this.#indices.push(position);
  }

  finish(): Data {
    const length = this.#indices.length;
    const values = makeColumnBuilder(this.#valueType);
    for (const value of this.#dictionary) values.push(value);
    const IndexArray = (this.#indexType as unknown as { ArrayType: TypedArrayConstructor })
      .ArrayType;
    const indices = new IndexArray(length);
    const bigIndices = indices instanceof BigInt64Array || indices instanceof BigUint64Array;
    this.#indices.forEach((position, index) => {
      (indices as unknown as (number | bigint)[])[index] = bigIndices ? BigInt(position) : position;
    });
    const data = makeData({
      type: this.#type as never,
      length,
      ...this.#validity.take(length),
      data: indices,
      dictionary: makeVector(values.finish()),
    } as never) as Data;
    this.#positions = new Map();
    this.#dictionary = [];
    this.#indices = [];
    return data;
  }
}

function dictionaryKey(value: unknown): string {
  if (typeof value === 'string') return `s${value}`;
  if (value instanceof Uint8Array) return `b${Buffer.from(value).toString('hex')}`;
  return `v${String(value)}`;
}

class NullBuilder implements ColumnBuilder {
  readonly #type: DataType;
  #length = 0;

  constructor(type: DataType) {
    this.#type = type;
  }

  push(): void {
    this.#length += 1;
  }

  finish(): Data {
    const length = this.#length;
    this.#length = 0;
    return makeData({ type: this.#type as never, length, nullCount: length } as never) as Data;
  }
}

const toNumber = (value: unknown): number => Number(value);
const toBigInt = (value: unknown): bigint =>
  typeof value === 'bigint' ? value : BigInt(value as number | string);
const toUnsigned64 = (value: unknown): bigint => BigInt.asUintN(64, toBigInt(value));

/**
 * A builder for a column of Arrow type `type` (one of `SQLITE_ARROW_TYPES`).
 *
 * @example
 * const builder = makeColumnBuilder(new Int64());
 * builder.push(1n); builder.push(null);
 * const vector = makeVector(builder.finish());
 */
export function makeColumnBuilder(type: DataType): ColumnBuilder {
  const details = info(type);
  switch (details.typeId) {
    case TypeId.Null:
      return new NullBuilder(type);
    case TypeId.Int: {
      if (details.bitWidth !== 64) return new FixedWidthBuilder(type, toNumber);
      return new FixedWidthBuilder(type, details.isSigned ? toBigInt : toUnsigned64);
    }
    case TypeId.Date:
      return new FixedWidthBuilder(type, details.unit === 0 ? toNumber : toBigInt);
    case TypeId.Time:
      return new FixedWidthBuilder(type, details.bitWidth === 64 ? toBigInt : toNumber);
    case TypeId.Timestamp:
    case TypeId.Duration:
      return new FixedWidthBuilder(type, toBigInt);
    case TypeId.Float:
      return new FixedWidthBuilder(
        type,
        details.precision === 0 ? (value) => util.float64ToUint16(floatFrom(value)) : floatFrom,
      );
    case TypeId.Bool:
      return new BoolBuilder(type);
    case TypeId.Utf8:
      return new VariableWidthBuilder(type, true, false);
    case TypeId.LargeUtf8:
      return new VariableWidthBuilder(type, true, true);
    case TypeId.Binary:
      return new VariableWidthBuilder(type, false, false);
    case TypeId.LargeBinary:
      return new VariableWidthBuilder(type, false, true);
    case TypeId.FixedSizeBinary:
      return new FixedSizeBinaryBuilder(type);
    case TypeId.Decimal:
      return new DecimalBuilder(type);
    case TypeId.List:
      return new ListBuilder(type);
    case TypeId.FixedSizeList:
      return new FixedSizeListBuilder(type);
    case TypeId.Struct:
      return new StructBuilder(type);
    case TypeId.Dictionary:
      return new DictionaryBuilder(type);
    default:
      throw new TypeError(`Arrow type ${String(type)} is not supported by the SQLite store`);
  }
}
