/**
 * Record API values. Rows are plain JavaScript, as in every wharf store: `bigint` for 64-bit
 * integers, numbers of milliseconds for dates and timestamps (fractional below a
 * millisecond), decimal text for decimals, `Uint8Array` for binary, arrays for lists and
 * objects for structs. This module turns Arrow data into such rows and such values into
 * binary query parameters of a column's PostgreSQL type.
 */
import { type Row, ValidationError } from '@wharf/store-core';
import type { Data, DataType, Field, RecordBatch } from 'apache-arrow';
import { decimalText, encodeNumeric, parseDecimal, wordsToBigInt } from './postgres-numeric.js';
import {
  formatDate,
  formatTimestamp,
  POSTGRES_EPOCH_DAYS,
  POSTGRES_EPOCH_MICROS,
  parseDate,
  parseTimestamp,
  unitsPerSecond,
} from './postgres-time.js';
import {
  childFieldsOf,
  elementOid,
  type PostgresType,
  postgresTypeOf,
  TIME_UNIT,
  valueTypeOf,
} from './postgres-types.js';

const MS_PER_DAY = 86_400_000;
const utf8 = new TextDecoder();

function isValidAt(data: Data, index: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const bit = data.offset + index;
  return (data.nullBitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

/** The plain JavaScript value at `index` of `data`. */
function plainValue(data: Data, index: number): unknown {
  if (!isValidAt(data, index)) return null;
  const type = data.type;
  switch (type.typeId as number) {
    case -1: {
      const dictionary = (data as unknown as { dictionary: { data: Data[] } }).dictionary;
      let position = Number((data.values as ArrayLike<number | bigint>)[index]);
      for (const chunk of dictionary.data) {
        if (position < chunk.length) return plainValue(chunk, position);
        position -= chunk.length;
      }
      return null;
    }
    case 2:
    case 3:
      return (data.values as ArrayLike<number | bigint>)[index];
    case 6: {
      const bit = data.offset + index;
      return ((data.values as Uint8Array)[bit >> 3]! & (1 << (bit & 7))) !== 0;
    }
    case 7: {
      const { scale, bitWidth } = type as unknown as { scale: number; bitWidth?: number };
      const words = (bitWidth ?? 128) / 32;
      return decimalText(wordsToBigInt(data.values as Uint32Array, index * words, words), scale);
    }
    case 4:
    case 5: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = (data.values as Uint8Array).subarray(offsets[index]!, offsets[index + 1]!);
      return (type.typeId as number) === 5 ? utf8.decode(bytes) : Uint8Array.from(bytes);
    }
    case 8: {
      const stored = (data.values as ArrayLike<number | bigint>)[index]!;
      return (type as unknown as { unit: number }).unit === 0
        ? Number(stored) * MS_PER_DAY
        : Number(stored);
    }
    case 10: {
      const unit = (type as unknown as { unit: number }).unit;
      const stored = (data.values as BigInt64Array)[index]!;
      if (unit === TIME_UNIT.SECOND) return Number(stored) * 1000;
      if (unit === TIME_UNIT.MILLISECOND) return Number(stored);
      const perMillisecond = unitsPerSecond(unit) / 1000n;
      const whole = stored / perMillisecond;
      return Number(whole) + Number(stored - whole * perMillisecond) / Number(perMillisecond);
    }
    case 12: {
      const offsets = data.valueOffsets as Int32Array;
      const child = data.children[0]!;
      const items: unknown[] = [];
      for (let item = offsets[index]!; item < offsets[index + 1]!; item += 1) {
        items.push(plainValue(child, item));
      }
      return items;
    }
    case 13: {
      const row: Row = {};
      childFieldsOf(type).forEach((field, position) => {
        row[field.name] = plainValue(data.children[position]!, index);
      });
      return row;
    }
    default:
      return null;
  }
}

/** The rows of a batch as plain objects. */
export function plainRows(batch: RecordBatch): Row[] {
  const names = batch.schema.fields.map((field) => field.name);
  const columns = names.map((name) => batch.getChild(name)!.data[0]!);
  const rows: Row[] = [];
  for (let index = 0; index < batch.numRows; index += 1) {
    const row: Row = {};
    names.forEach((name, column) => {
      row[name] = plainValue(columns[column]!, index);
    });
    rows.push(row);
  }
  return rows;
}

function fail(column: string, value: unknown, expected: string): never {
  let shown: string;
  try {
    shown =
      JSON.stringify(value, (_key, inner: unknown) =>
        typeof inner === 'bigint' ? `${inner}n` : inner,
      ) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new ValidationError(`column '${column}': ${shown.slice(0, 80)} is not ${expected}`, {
    details: { column },
  });
}

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32_768n, 32_767n],
  int32: [-2_147_483_648n, 2_147_483_647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65_535n],
  uint32: [0n, 4_294_967_295n],
  uint64: [0n, 2n ** 64n - 1n],
};

function integerOf(value: unknown, type: DataType, column: string): bigint {
  const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
  const name = `${isSigned ? 'int' : 'uint'}${bitWidth}`;
  let result: bigint;
  if (typeof value === 'bigint') result = value;
  else if (typeof value === 'number' && Number.isInteger(value)) result = BigInt(value);
  else if (typeof value === 'string' && /^[-+]?\d+$/.test(value.trim()))
    result = BigInt(value.trim());
  else return fail(column, value, `an integer (${name})`);
  const [low, high] = INTEGER_RANGES[name]!;
  if (result < low || result > high) fail(column, value, `within the range of ${name}`);
  return result;
}

function floatOf(value: unknown, column: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  return fail(column, value, 'a number');
}

function millisecondsOf(value: unknown, column: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return fail(column, value, 'a time (milliseconds, a Date or ISO-8601 text)');
}

/** A timestamp value in the units of `unit`: numbers are milliseconds, bigints raw units. */
function timestampOf(value: unknown, unit: number, column: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string') {
    try {
      return parseTimestamp(value.trim(), unit);
    } catch {
      // Not ISO-8601 with the unit's precision: read as a date-time text below.
    }
  }
  const milliseconds = millisecondsOf(value, column);
  if (unit === TIME_UNIT.SECOND) {
    if (milliseconds % 1000 !== 0) fail(column, value, 'a whole second');
    return BigInt(milliseconds / 1000);
  }
  if (unit === TIME_UNIT.MILLISECOND) {
    if (!Number.isInteger(milliseconds)) fail(column, value, 'a whole millisecond');
    return BigInt(milliseconds);
  }
  const perMillisecond = unitsPerSecond(unit) / 1000n;
  const whole = Math.floor(milliseconds);
  const fraction = Math.round((milliseconds - whole) * Number(perMillisecond));
  return BigInt(whole) * perMillisecond + BigInt(fraction);
}

function daysOf(value: unknown, column: string): number {
  if (typeof value === 'string' && /^[+-]?\d{4,6}-\d{2}-\d{2}$/.test(value.trim())) {
    return parseDate(value.trim());
  }
  const milliseconds = millisecondsOf(value, column);
  if (milliseconds % MS_PER_DAY !== 0) fail(column, value, 'a whole day');
  return milliseconds / MS_PER_DAY;
}

function floatJson(value: number): string {
  if (Number.isFinite(value) && !Object.is(value, -0)) return String(value);
  return JSON.stringify(Object.is(value, -0) ? '-0' : String(value));
}

/** The JSON text of a plain value of Arrow type `type` (jsonb columns: structs, nested lists). */
function jsonOfPlain(value: unknown, type: DataType, column: string): string {
  if (value === null || value === undefined) return 'null';
  const actual = valueTypeOf(type);
  switch (actual.typeId as number) {
    case 2:
      return integerOf(value, actual, column).toString();
    case 3:
      return floatJson(floatOf(value, column));
    case 6:
      if (typeof value !== 'boolean') fail(column, value, 'a boolean');
      return value ? 'true' : 'false';
    case 7: {
      const scale = (actual as unknown as { scale: number }).scale;
      return decimalText(parseDecimal(value, scale, `column '${column}'`), scale);
    }
    case 5:
      if (typeof value !== 'string') fail(column, value, 'a string');
      return JSON.stringify(value);
    case 4:
      if (!(value instanceof Uint8Array)) fail(column, value, 'binary (a Uint8Array)');
      return JSON.stringify(
        `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`,
      );
    case 8:
      return JSON.stringify(formatDate(daysOf(value, column)));
    case 10: {
      const { unit, timezone } = actual as unknown as { unit: number; timezone?: string | null };
      return JSON.stringify(
        formatTimestamp(timestampOf(value, unit, column), unit, Boolean(timezone)),
      );
    }
    case 12: {
      if (!Array.isArray(value)) fail(column, value, 'a list (an array)');
      const child = childFieldsOf(actual)[0]!;
      return `[${value.map((item) => jsonOfPlain(item, child.type, column)).join(',')}]`;
    }
    case 13: {
      if (typeof value !== 'object' || Array.isArray(value))
        fail(column, value, 'a struct (an object)');
      const record = value as Row;
      const members = childFieldsOf(actual).map(
        (field) =>
          `${JSON.stringify(field.name)}:${jsonOfPlain(record[field.name], field.type, column)}`,
      );
      return `{${members.join(',')}}`;
    }
    default:
      return fail(column, value, `a value of a supported type (${String(actual)})`);
  }
}

/**
 * A plain value as a binary query parameter of the column's PostgreSQL type (`null` for SQL
 * NULL). Throws a `ValidationError` naming the column when the value does not fit.
 */
export function encodeParameter(value: unknown, field: Field): Buffer | null {
  return encodeValue(value, field.type, postgresTypeOf(field.type, field.name), field.name);
}

function encodeValue(
  value: unknown,
  arrowType: DataType,
  type: PostgresType,
  column: string,
): Buffer | null {
  if (value === null || value === undefined) return null;
  const actual = valueTypeOf(arrowType);
  switch (type.kind) {
    case 'jsonb': {
      const text = jsonOfPlain(value, actual, column);
      const buffer = Buffer.allocUnsafe(1 + Buffer.byteLength(text));
      buffer[0] = 1;
      buffer.write(text, 1, 'utf8');
      return buffer;
    }
    case 'array': {
      if (!Array.isArray(value)) fail(column, value, 'a list (an array)');
      const child = childFieldsOf(actual)[0]!;
      const elements = value.map((item) => encodeValue(item, child.type, type.element!, column));
      const header = Buffer.alloc(elements.length === 0 ? 12 : 20);
      header.writeInt32BE(elements.length === 0 ? 0 : 1, 0);
      header.writeInt32BE(elements.some((element) => element === null) ? 1 : 0, 4);
      header.writeInt32BE(elementOid(type), 8);
      if (elements.length > 0) {
        header.writeInt32BE(elements.length, 12);
        header.writeInt32BE(1, 16);
      }
      const parts: Buffer[] = [header];
      for (const element of elements) {
        const length = Buffer.alloc(4);
        length.writeInt32BE(element === null ? -1 : element.length, 0);
        parts.push(length);
        if (element !== null) parts.push(element);
      }
      return Buffer.concat(parts);
    }
    case 'bool':
      if (typeof value !== 'boolean') fail(column, value, 'a boolean');
      return Buffer.from([value ? 1 : 0]);
    case 'int2':
    case 'int4':
    case 'int8': {
      let integer: bigint;
      if ((actual.typeId as number) === 10)
        integer = timestampOf(value, TIME_UNIT.NANOSECOND, column);
      else integer = integerOf(value, actual, column);
      const width = type.kind === 'int2' ? 2 : type.kind === 'int4' ? 4 : 8;
      const buffer = Buffer.allocUnsafe(width);
      if (width === 2) buffer.writeInt16BE(Number(integer), 0);
      else if (width === 4) buffer.writeInt32BE(Number(integer), 0);
      else buffer.writeBigInt64BE(integer, 0);
      return buffer;
    }
    case 'float4':
    case 'float8': {
      const buffer = Buffer.allocUnsafe(type.kind === 'float4' ? 4 : 8);
      if (type.kind === 'float4') buffer.writeFloatBE(floatOf(value, column), 0);
      else buffer.writeDoubleBE(floatOf(value, column), 0);
      return buffer;
    }
    case 'numeric': {
      if ((actual.typeId as number) === 2)
        return encodeNumeric(integerOf(value, actual, column), 0);
      const scale = (actual as unknown as { scale: number }).scale;
      return encodeNumeric(parseDecimal(value, scale, `column '${column}'`), scale);
    }
    case 'text':
      if (typeof value !== 'string') fail(column, value, 'a string');
      return Buffer.from(value, 'utf8');
    case 'bytea':
      if (!(value instanceof Uint8Array)) fail(column, value, 'binary (a Uint8Array)');
      return Buffer.from(value);
    case 'date': {
      const buffer = Buffer.allocUnsafe(4);
      buffer.writeInt32BE(daysOf(value, column) - POSTGRES_EPOCH_DAYS, 0);
      return buffer;
    }
    case 'timestamp':
    case 'timestamptz': {
      const unit = (actual as unknown as { unit: number }).unit;
      const units = timestampOf(value, unit, column);
      const micros = (units * 1_000_000n) / unitsPerSecond(unit) - BigInt(POSTGRES_EPOCH_MICROS);
      const buffer = Buffer.allocUnsafe(8);
      buffer.writeBigInt64BE(micros, 0);
      return buffer;
    }
    default:
      return fail(column, value, 'a supported value');
  }
}
