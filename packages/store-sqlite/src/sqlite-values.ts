/**
 * Record API values ↔ SQLite values. The record API speaks plain JavaScript (see
 * `@wharf/store-core` records): `bigint` for 64-bit integers, `Uint8Array` for bytes,
 * milliseconds for dates and timestamps, arrays for lists, objects for structs, and — here —
 * the exact decimal text for decimals. Reads go through the same Arrow decoding as `read()`,
 * so a row comes back with the values Arrow's getters give for the stored types.
 */

import { type Row, toPlain, ValidationError } from '@wharf/store-core';
import { type Field, makeVector, util, vectorFromArray } from 'apache-arrow';
import { makeColumnBuilder } from './sqlite-decode.js';
import { type BindValue, floatBits, jsonReader } from './sqlite-encode.js';
import { decimalFromText, decimalToText, info, TypeId, UNITS_PER_SECOND } from './sqlite-types.js';

function invalid(field: Field, value: unknown, expected: string): never {
  throw new ValidationError(
    `column '${field.name}' (${String(field.type)}) cannot hold ${describe(value)}: expected ${expected}`,
    { details: { column: field.name } },
  );
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function integer(field: Field, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^[-+]?\d+$/.test(value.trim())) return BigInt(value.trim());
  return invalid(field, value, 'an integer');
}

function milliseconds(field: Field, value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return invalid(field, value, 'milliseconds since the epoch (a number) or a Date');
}

/** A timestamp in the column's unit: milliseconds (a number or a Date), or a `bigint` already in the unit. */
function timestampValue(field: Field, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  const ms = milliseconds(field, value);
  const unit = info(field.type).unit ?? 1;
  const perSecond = UNITS_PER_SECOND[unit] ?? 1000n;
  const whole = Math.floor(ms);
  const wholeUnits = (BigInt(whole) * perSecond) / 1000n;
  const fraction = BigInt(Math.round(((ms - whole) * Number(perSecond)) / 1000));
  return wholeUnits + fraction;
}

/**
 * The SQLite value of a record API `value` for `field`, or a `ValidationError` naming the
 * column when the value cannot be stored in it.
 */
export function encodeRecordValue(field: Field, value: unknown): BindValue {
  if (value === null || value === undefined) return null;
  const details = info(field.type);
  switch (details.typeId) {
    case TypeId.Null:
      return invalid(field, value, 'null');
    case TypeId.Int: {
      const whole = integer(field, value);
      const bits = details.bitWidth ?? 32;
      const fits = details.isSigned
        ? BigInt.asIntN(bits, whole) === whole
        : whole >= 0n && BigInt.asUintN(bits, whole) === whole;
      if (!fits) invalid(field, value, `an integer that fits ${String(field.type)}`);
      if (bits < 64) return Number(whole);
      return details.isSigned ? whole : BigInt.asIntN(64, whole);
    }
    case TypeId.Float: {
      const number = typeof value === 'bigint' ? Number(value) : value;
      if (typeof number !== 'number') return invalid(field, value, 'a number');
      const stored =
        details.precision === 0 ? util.uint16ToFloat64(util.float64ToUint16(number)) : number;
      return Number.isNaN(stored) || Object.is(stored, -0) ? floatBits(stored) : stored;
    }
    case TypeId.Bool:
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value === 0 || value === 1) return value;
      return invalid(field, value, 'a boolean');
    case TypeId.Utf8:
    case TypeId.LargeUtf8:
      return typeof value === 'string' ? value : invalid(field, value, 'a string');
    case TypeId.Binary:
    case TypeId.LargeBinary:
    case TypeId.FixedSizeBinary: {
      if (!(value instanceof Uint8Array)) return invalid(field, value, 'a Uint8Array');
      if (details.typeId === TypeId.FixedSizeBinary && value.byteLength !== details.byteWidth) {
        invalid(field, value, `${details.byteWidth} bytes`);
      }
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
    case TypeId.Decimal: {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
        return invalid(field, value, 'a decimal as a string, number or bigint');
      }
      try {
        return decimalToText(
          decimalFromText(String(value), details.scale ?? 0),
          details.scale ?? 0,
        );
      } catch (error) {
        throw new ValidationError(
          `column '${field.name}' (${String(field.type)}): ${(error as Error).message}`,
          { cause: error, details: { column: field.name } },
        );
      }
    }
    case TypeId.Date: {
      const ms = milliseconds(field, value);
      return details.unit === 0 ? Math.floor(ms / 86_400_000) : BigInt(Math.floor(ms));
    }
    case TypeId.Timestamp:
      return timestampValue(field, value);
    case TypeId.Time:
    case TypeId.Duration: {
      const whole = integer(field, value);
      return details.typeId === TypeId.Time && details.bitWidth === 32 ? Number(whole) : whole;
    }
    case TypeId.Dictionary:
      return encodeRecordValue(field.clone({ type: details.dictionary! }), value);
    default:
      return nestedValue(field, value);
  }
}

/** Lists and structs: built as a one-value Arrow vector, then stored as its JSON text. */
function nestedValue(field: Field, value: unknown): BindValue {
  let vector: ReturnType<typeof vectorFromArray>;
  try {
    vector = vectorFromArray([value], field.type);
  } catch (error) {
    throw new ValidationError(
      `column '${field.name}' (${String(field.type)}) cannot hold ${describe(value)}: ${(error as Error).message}`,
      { cause: error, details: { column: field.name } },
    );
  }
  const data = vector.data[0]!;
  return JSON.stringify(jsonReader(data)(0));
}

/**
 * Raw SQLite rows (arrays in `fields` order, read with `safeIntegers`) as record API rows.
 */
export function decodeRows(fields: readonly Field[], raw: readonly unknown[][]): Row[] {
  const columns = fields.map((field, position) => {
    const builder = makeColumnBuilder(field.type);
    for (const row of raw) builder.push(row[position]);
    const vector = makeVector(builder.finish());
    const decimal = info(field.type).typeId === TypeId.Decimal;
    const scale = info(field.type).scale ?? 0;
    return (index: number): unknown => {
      if (!vector.isValid(index)) return null;
      if (decimal) {
        const words = vector.data[0]!.values as Uint32Array;
        const stride = (info(field.type).bitWidth ?? 128) / 32;
        let unscaled = 0n;
        for (let word = stride - 1; word >= 0; word -= 1) {
          unscaled = (unscaled << 32n) | BigInt(words[index * stride + word]!);
        }
        return decimalToText(BigInt.asIntN(stride * 32, unscaled), scale);
      }
      return toPlain(vector.get(index));
    };
  });
  return raw.map((_, index) => {
    const row: Row = {};
    fields.forEach((field, position) => {
      row[field.name] = columns[position]!(index);
    });
    return row;
  });
}
