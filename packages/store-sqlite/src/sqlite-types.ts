/**
 * The Arrow ↔ SQLite type mapping: which Arrow types the store claims, the SQLite column type
 * each one is declared with, and the small helpers the encoder and the decoder share. The
 * exact Arrow type of every column is kept in `_wharf_schema`, so a read rebuilds it (units,
 * time zones, decimal precision and scale, dictionary encoding) from there, never from the
 * SQLite declaration.
 *
 * Works on the numeric `typeId` of apache-arrow's `Type` enum, so that data built by another
 * installed copy of apache-arrow is understood too.
 */
import type { ArrowTypeName } from '@wharf/store-core';
import { COMMON_ARROW_TYPES } from '@wharf/store-core';
import type { Data, DataType, Field } from 'apache-arrow';

/** The Arrow types a `SqliteStore` round-trips exactly (`capabilities.arrowTypes`). */
export const SQLITE_ARROW_TYPES: readonly ArrowTypeName[] = [
  ...COMMON_ARROW_TYPES,
  'null',
  'float16',
  'large_utf8',
  'large_binary',
  'fixed_size_binary',
  'time',
  'duration',
  'fixed_size_list',
];

/** apache-arrow's `Type` ids (stable across versions). */
export const TypeId = {
  Null: 1,
  Int: 2,
  Float: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  List: 12,
  Struct: 13,
  FixedSizeBinary: 15,
  FixedSizeList: 16,
  Duration: 18,
  LargeBinary: 19,
  LargeUtf8: 20,
  Dictionary: -1,
} as const;

/** The properties of the Arrow types this package reads, without importing their classes. */
export interface TypeInfo {
  readonly typeId: number;
  readonly bitWidth?: number;
  readonly isSigned?: boolean;
  /** Float: 0 half, 1 single, 2 double. */
  readonly precision?: number;
  readonly scale?: number;
  /** Date: 0 day, 1 millisecond. Time and timestamp: 0 s … 3 ns. */
  readonly unit?: number;
  readonly byteWidth?: number;
  readonly listSize?: number;
  readonly children?: readonly Field[];
  readonly dictionary?: DataType;
  readonly indices?: DataType;
}

/** The fields of `type` this package reads. */
export function info(type: DataType): TypeInfo {
  return type as unknown as TypeInfo;
}

/** The SQLite column type (and so the affinity) a column of `type` is declared with. */
export function sqliteColumnType(type: DataType): 'INTEGER' | 'REAL' | 'TEXT' | 'BLOB' | '' {
  const details = info(type);
  switch (details.typeId) {
    case TypeId.Int:
    case TypeId.Bool:
    case TypeId.Date:
    case TypeId.Time:
    case TypeId.Timestamp:
    case TypeId.Duration:
      return 'INTEGER';
    case TypeId.Float:
      return 'REAL';
    case TypeId.Utf8:
    case TypeId.LargeUtf8:
    case TypeId.Decimal:
    case TypeId.List:
    case TypeId.FixedSizeList:
    case TypeId.Struct:
      return 'TEXT';
    case TypeId.Binary:
    case TypeId.LargeBinary:
    case TypeId.FixedSizeBinary:
      return 'BLOB';
    case TypeId.Dictionary:
      return sqliteColumnType(details.dictionary!);
    default:
      // The null type: no declared type, so SQLite applies no affinity.
      return '';
  }
}

/** Whether any column of `fields` holds 64-bit integers, so reads need `safeIntegers`. */
export function needsBigInts(fields: readonly Field[]): boolean {
  return fields.some((field) => sqliteColumnType(field.type) === 'INTEGER');
}

/** Whether slot `index` of `data` holds a value (not null). */
export function isValid(data: Data, index: number): boolean {
  if (data.nullCount === 0) return true;
  const bitmap = data.nullBitmap;
  if (bitmap === undefined || bitmap.length === 0) return data.nullCount !== data.length;
  const position = data.offset + index;
  return (bitmap[position >> 3]! & (1 << (position & 7))) !== 0;
}

/** Units per second of apache-arrow's `TimeUnit` (SECOND, MILLISECOND, MICROSECOND, NANOSECOND). */
export const UNITS_PER_SECOND = [1n, 1_000n, 1_000_000n, 1_000_000_000n] as const;

/** The text of a decimal's unscaled integer at `scale`: `12345n`, 2 → `'123.45'`. */
export function decimalToText(unscaled: bigint, scale: number): string {
  if (scale <= 0) {
    return unscaled === 0n ? '0' : `${unscaled}${'0'.repeat(-scale)}`;
  }
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** The unscaled integer of a decimal text at `scale`: `'123.45'`, 2 → `12345n`. */
export function decimalFromText(text: string, scale: number): bigint {
  const match = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new RangeError(`'${text}' is not a decimal number`);
  }
  const sign = match[1] === '-' ? -1n : 1n;
  const whole = match[2] || '0';
  const fraction = match[3] ?? '';
  let unscaled = BigInt(whole + fraction);
  let exponent = scale - fraction.length;
  if (exponent >= 0) return sign * unscaled * 10n ** BigInt(exponent);
  while (exponent < 0) {
    if (unscaled % 10n !== 0n) {
      throw new RangeError(`'${text}' has more than ${scale} decimal places`);
    }
    unscaled /= 10n;
    exponent += 1;
  }
  return sign * unscaled;
}
