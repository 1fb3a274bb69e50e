/**
 * Normalizing what production holds into comparable rows. An inspector may answer with an
 * Arrow table or with plain rows from a driver (`bigint` or string for 64-bit integers, `Date`
 * for timestamps, `Buffer` for binary…); every value is turned into a canonical form chosen by
 * the type the kit wrote, so that only a real difference of value compares unequal.
 *
 * Arrow values are read exactly: timestamps, 64-bit dates and decimals from their raw storage,
 * never through a lossy JavaScript number.
 */
import { arrowTypeName, isArrowTable } from '@wharf/store-core';
import {
  type Data,
  type DataType,
  type Field,
  Int32,
  Int64,
  makeVector,
  type Vector,
} from 'apache-arrow';
import { fail } from './assertions.js';
import type { Inspection } from './types.js';

/** A value in canonical form: JSON-safe, equal exactly when the stored values are equal. */
export type CanonicalValue =
  | null
  | boolean
  | string
  | readonly CanonicalValue[]
  | { readonly [name: string]: CanonicalValue };

/** One row in canonical form, with a stable string to compare rows by. */
export interface CanonicalRow {
  /** The canonical values in field order, as JSON: equal rows have equal keys. */
  readonly key: string;
  readonly values: Readonly<Record<string, CanonicalValue>>;
}

/** Anything with named columns: a Table or a RecordBatch from any copy of apache-arrow. */
export interface ColumnSource {
  readonly numRows: number;
  readonly schema: { readonly fields: readonly Field[] };
  getChild(name: string): Vector | null;
}

// Units of apache-arrow's TimeUnit enum: SECOND, MILLISECOND, MICROSECOND, NANOSECOND.
const UNITS_PER_SECOND = [1n, 1_000n, 1_000_000n, 1_000_000_000n] as const;
const MS_PER_DAY = 86_400_000n;

/** A timestamp read from Arrow storage: the integer in its own unit. */
class ExactTimestamp {
  constructor(
    readonly value: bigint,
    readonly unit: number,
  ) {}
}

/** A date read from Arrow storage, in milliseconds since the epoch. */
class ExactDate {
  constructor(readonly milliseconds: bigint) {}
}

/** A decimal read from Arrow storage: the unscaled integer and the scale. */
class ExactDecimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}
}

function isVector(value: unknown): value is Vector {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { data?: unknown }).data) &&
    typeof (value as { get?: unknown }).get === 'function' &&
    typeof (value as { type?: unknown }).type === 'object'
  );
}

/**
 * The values of an Arrow column, one per row, exact: `null` for a null slot, raw integers for
 * timestamps, 64-bit dates and decimals, `vector.get()` for everything else.
 */
export function columnValues(vector: Vector): unknown[] {
  const name = arrowTypeName(vector.type);
  const values: unknown[] = [];
  for (const data of vector.data as Data[]) {
    const chunk = makeVector(data);
    if (name === 'timestamp') {
      const raw = makeVector(data.clone(new Int64()));
      const unit = (vector.type as unknown as { unit: number }).unit;
      for (let index = 0; index < data.length; index += 1) {
        values.push(
          chunk.isValid(index) ? new ExactTimestamp(raw.get(index) as bigint, unit) : null,
        );
      }
    } else if (name === 'date') {
      const unit = (vector.type as unknown as { unit: number }).unit;
      const raw: Vector =
        unit === 0 ? makeVector(data.clone(new Int32())) : makeVector(data.clone(new Int64()));
      for (let index = 0; index < data.length; index += 1) {
        if (!chunk.isValid(index)) {
          values.push(null);
          continue;
        }
        const stored = BigInt(raw.get(index) as number | bigint);
        values.push(new ExactDate(unit === 0 ? stored * MS_PER_DAY : stored));
      }
    } else if (name === 'decimal') {
      const scale = (vector.type as unknown as { scale: number }).scale;
      for (let index = 0; index < data.length; index += 1) {
        values.push(
          chunk.isValid(index) ? new ExactDecimal(BigInt(String(chunk.get(index))), scale) : null,
        );
      }
    } else {
      for (let index = 0; index < data.length; index += 1) {
        values.push(chunk.isValid(index) ? chunk.get(index) : null);
      }
    }
  }
  return values;
}

/** `NaN`, `-0`, `Infinity` and every other number, distinguishably (as `Object.is` would). */
function floatText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

function integerText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    return Number.isInteger(value) ? BigInt(value).toString() : `not-an-integer:${value}`;
  }
  if (typeof value === 'string' && /^[-+]?\d+$/.test(value.trim())) {
    return BigInt(value.trim()).toString();
  }
  return `unexpected:${describeRaw(value)}`;
}

function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale < 0) digits = `${digits}${'0'.repeat(-scale)}`;
  const places = Math.max(scale, 0);
  const padded = digits.padStart(places + 1, '0');
  const whole = padded.slice(0, padded.length - places);
  const fraction = padded.slice(padded.length - places).replace(/0+$/, '');
  const text = fraction === '' ? whole : `${whole}.${fraction}`;
  return negative && text !== '0' ? `-${text}` : text;
}

function decimalFromText(text: string): string {
  const match = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return `unexpected:${text}`;
  const fraction = match[3] ?? '';
  const unscaled = BigInt(`${match[1] === '-' ? '-' : ''}${match[2] || '0'}${fraction}`);
  return decimalText(unscaled, fraction.length);
}

function bytesText(bytes: Uint8Array): string {
  return `hex:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** A timestamp in `unit`, from a value in `fromUnit`; inexact conversions stay distinguishable. */
function convertUnit(value: bigint, fromUnit: number, unit: number): string {
  const from = UNITS_PER_SECOND[fromUnit] ?? 1n;
  const to = UNITS_PER_SECOND[unit] ?? 1n;
  const scaled = value * to;
  if (scaled % from !== 0n) return `inexact:${value}/${fromUnit}`;
  return (scaled / from).toString();
}

const ISO_FRACTION = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/;

function timestampFromText(text: string, unit: number): string {
  const match = ISO_FRACTION.exec(text.trim().replace(' ', 'T'));
  if (!match) {
    const parsed = Date.parse(text);
    return Number.isNaN(parsed) ? `unexpected:${text}` : convertUnit(BigInt(parsed), 1, unit);
  }
  const seconds = Date.parse(`${match[1]}${match[3] ?? 'Z'}`);
  if (Number.isNaN(seconds)) return `unexpected:${text}`;
  const nanoseconds = BigInt((match[2] ?? '').padEnd(9, '0'));
  const total = BigInt(seconds) * 1_000_000n + nanoseconds;
  return convertUnit(total, 3, unit);
}

function describeRaw(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `bytes(${value.length})`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function childFields(type: DataType): Field[] {
  return ((type as unknown as { children?: Field[] }).children ?? []) as Field[];
}

/**
 * The canonical form of `value`, read as the Arrow type `type` that the kit wrote. Accepts
 * every common representation of that type (see the module comment).
 */
export function canonicalize(value: unknown, type: DataType): CanonicalValue {
  if (value === null || value === undefined) return null;
  const name = arrowTypeName(type);
  switch (name) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
      return integerText(value);
    case 'float16':
    case 'float32':
    case 'float64':
      if (typeof value === 'number') return floatText(value);
      if (typeof value === 'string' || typeof value === 'bigint') return floatText(Number(value));
      return `unexpected:${describeRaw(value)}`;
    case 'decimal': {
      if (value instanceof ExactDecimal) return decimalText(value.unscaled, value.scale);
      if (typeof value === 'string') return decimalFromText(value);
      if (typeof value === 'number') return decimalFromText(String(value));
      if (typeof value === 'bigint') return decimalText(value, 0);
      return `unexpected:${describeRaw(value)}`;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === 't' || value === 'true' || value === '1') return true;
      if (value === 0 || value === 'f' || value === 'false' || value === '0') return false;
      return `unexpected:${describeRaw(value)}`;
    case 'utf8':
    case 'large_utf8':
      return typeof value === 'string' ? value : `unexpected:${describeRaw(value)}`;
    case 'dictionary':
      return canonicalize(value, (type as unknown as { dictionary: DataType }).dictionary);
    case 'binary':
    case 'large_binary':
    case 'fixed_size_binary':
      if (value instanceof Uint8Array) return bytesText(value);
      if (value instanceof ArrayBuffer) return bytesText(new Uint8Array(value));
      if (Array.isArray(value)) return bytesText(Uint8Array.from(value as number[]));
      return `unexpected:${describeRaw(value)}`;
    case 'date':
      if (value instanceof ExactDate) return value.milliseconds.toString();
      if (value instanceof Date) return String(value.getTime());
      if (typeof value === 'number' || typeof value === 'bigint') return integerText(value);
      if (typeof value === 'string') {
        const parsed = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
        return Number.isNaN(parsed) ? `unexpected:${value}` : String(parsed);
      }
      return `unexpected:${describeRaw(value)}`;
    case 'timestamp': {
      const unit = (type as unknown as { unit: number }).unit;
      if (value instanceof ExactTimestamp) return convertUnit(value.value, value.unit, unit);
      if (value instanceof Date) return convertUnit(BigInt(value.getTime()), 1, unit);
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number') {
        // Arrow's getters and the record API give milliseconds, possibly fractional.
        if (Number.isInteger(value)) return convertUnit(BigInt(value), 1, unit);
        const perMillisecond = Number((UNITS_PER_SECOND[unit] ?? 1n) / 1_000n);
        return perMillisecond >= 1
          ? BigInt(Math.round(value * perMillisecond)).toString()
          : `inexact:${value}`;
      }
      if (typeof value === 'string') return timestampFromText(value, unit);
      return `unexpected:${describeRaw(value)}`;
    }
    case 'list':
    case 'fixed_size_list': {
      const child = childFields(type)[0]?.type;
      const items = isVector(value)
        ? columnValues(value)
        : ArrayBuffer.isView(value)
          ? Array.from(value as unknown as ArrayLike<number>)
          : Array.isArray(value)
            ? value
            : undefined;
      if (items === undefined || child === undefined) return `unexpected:${describeRaw(value)}`;
      return items.map((item) => canonicalize(item, child));
    }
    case 'struct': {
      const source =
        typeof (value as { toJSON?: unknown }).toJSON === 'function'
          ? ((value as { toJSON(): unknown }).toJSON() as Record<string, unknown>)
          : (value as Record<string, unknown>);
      if (typeof source !== 'object' || source === null) {
        return `unexpected:${describeRaw(value)}`;
      }
      const result: Record<string, CanonicalValue> = {};
      for (const field of childFields(type)) {
        result[field.name] = canonicalize(source[field.name], field.type);
      }
      return result;
    }
    case 'null':
      return `unexpected:${describeRaw(value)}`;
    default:
      return `value:${describeRaw(value)}`;
  }
}

function makeRow(fields: readonly Field[], values: Record<string, CanonicalValue>): CanonicalRow {
  return { key: JSON.stringify(fields.map((field) => values[field.name] ?? null)), values };
}

/** The rows of a table or batch, in canonical form for `fields` (other columns are ignored). */
export function rowsOfColumns(
  source: ColumnSource,
  fields: readonly Field[],
  where: string,
): CanonicalRow[] {
  if (source.numRows === 0) return [];
  const columns = fields.map((field) => {
    const vector = source.getChild(field.name);
    if (vector === null || vector === undefined) {
      const present = source.schema.fields.map((candidate) => candidate.name).join(', ');
      fail(`${where} has no column '${field.name}' (it has: ${present || 'no columns'})`);
    }
    return columnValues(vector);
  });
  const rows: CanonicalRow[] = [];
  for (let index = 0; index < source.numRows; index += 1) {
    const values: Record<string, CanonicalValue> = {};
    fields.forEach((field, column) => {
      values[field.name] = canonicalize(columns[column]![index], field.type);
    });
    rows.push(makeRow(fields, values));
  }
  return rows;
}

/** One plain row (from a driver or the record API) in canonical form for `fields`. */
export function canonicalRow(row: Record<string, unknown>, fields: readonly Field[]): CanonicalRow {
  const values: Record<string, CanonicalValue> = {};
  for (const field of fields) values[field.name] = canonicalize(row[field.name], field.type);
  return makeRow(fields, values);
}

/**
 * What an inspector returned, in canonical form for `fields`. A column missing from a
 * non-empty answer fails the check; columns the kit did not write (a run-id column, say) are
 * ignored.
 */
export function normalizeInspection(
  inspection: Inspection,
  fields: readonly Field[],
  where = 'production (as the inspector read it)',
): CanonicalRow[] {
  if (isArrowTable(inspection)) return rowsOfColumns(inspection as ColumnSource, fields, where);
  if (!Array.isArray(inspection)) {
    fail(
      `${where}: the inspector must return an Arrow Table or an array of rows, got ${describeRaw(inspection)}`,
    );
  }
  return inspection.map((row, index) => {
    if (typeof row !== 'object' || row === null) {
      fail(`${where}: row ${index} from the inspector is not an object (${describeRaw(row)})`);
    }
    for (const field of fields) {
      if (!(field.name in row)) {
        fail(
          `${where}: row ${index} has no column '${field.name}' (it has: ${Object.keys(row).join(', ')})`,
        );
      }
    }
    return canonicalRow(row as Record<string, unknown>, fields);
  });
}

/** A compact, readable form of a canonical row for messages. */
export function displayRow(row: CanonicalRow): string {
  const parts = Object.entries(row.values).map(([name, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `${name}=${text.length > 40 ? `${text.slice(0, 39)}…` : text}`;
  });
  return `{${parts.join(', ')}}`;
}
