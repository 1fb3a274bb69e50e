/**
 * How one Arrow cell is stored as a Redis hash field value, and read back. The mapping (see the
 * README's type table) keeps every value exactly and stays readable from `redis-cli`: integers
 * and floats as decimal text, 64-bit values exact, decimals as text with the type's scale, text
 * and bytes as raw bytes, dates, times, timestamps and durations as integers in their unit,
 * nested values as JSON. A null cell is an absent field.
 */
import type { Data, DataType } from 'apache-arrow';
import {
  type Exact,
  exactReader,
  isWide,
  shapeOf,
  TYPE,
  utf8Bytes,
  utf8Text,
} from './redis-arrow-values.js';

/** A value as it is sent to or read from Redis. */
export type FieldValue = string | Buffer;

/** `NaN`, `Infinity`, `-Infinity` and `-0` by name; every other float in its shortest form. */
export function floatText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** A decimal's unscaled integer as text with exactly `scale` digits after the point. */
export function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * 10n ** BigInt(-scale)).toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** The unscaled integer of decimal `text` at `scale`; `undefined` when it does not fit. */
export function parseDecimal(text: string, scale: number): bigint | undefined {
  const match = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
  const fraction = match[3] ?? '';
  const places = Math.max(scale, 0);
  if (fraction.replace(/0+$/, '').length > places) return undefined;
  let unscaled = BigInt(`${match[2] || '0'}${fraction.padEnd(places, '0')}`);
  if (scale < 0) {
    const divisor = 10n ** BigInt(-scale);
    if (unscaled % divisor !== 0n) return undefined;
    unscaled /= divisor;
  }
  return match[1] === '-' ? -unscaled : unscaled;
}

function bufferView(bytes: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
}

function isNested(typeId: number): boolean {
  return (
    typeId === TYPE.list ||
    typeId === TYPE.fixedSizeList ||
    typeId === TYPE.struct ||
    typeId === TYPE.map
  );
}

/**
 * An encoder of `data`'s cells as Redis field values (`null` for a null cell, which is stored
 * as an absent field). Text and bytes are zero-copy views of the column's buffer.
 */
export function fieldEncoder(data: Data): (index: number) => FieldValue | null {
  const shape = shapeOf(data.type);
  const valid = (index: number) => data.getValid(index);
  const values = data.values as ArrayLike<number | bigint>;
  switch (shape.typeId) {
    case TYPE.null:
      return () => null;
    case TYPE.int:
    case TYPE.date:
    case TYPE.time:
    case TYPE.timestamp:
    case TYPE.duration:
      return (index) => (valid(index) ? String(values[index]) : null);
    case TYPE.float:
      if (shape.precision !== 0) {
        return (index) => (valid(index) ? floatText(values[index] as number) : null);
      }
      break;
    case TYPE.utf8:
    case TYPE.largeUtf8:
    case TYPE.binary:
    case TYPE.largeBinary: {
      const bytes = data.values as Uint8Array;
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      return (index) =>
        valid(index) ? bufferView(bytes, Number(offsets[index]), Number(offsets[index + 1])) : null;
    }
    case TYPE.fixedSizeBinary: {
      const bytes = data.values as Uint8Array;
      const width = shape.byteWidth ?? 0;
      return (index) =>
        valid(index) ? bufferView(bytes, index * width, (index + 1) * width) : null;
    }
    case TYPE.dictionary: {
      const encoded: (FieldValue | null)[] = [];
      for (const chunk of data.dictionary?.data ?? []) {
        const encode = fieldEncoder(chunk);
        for (let index = 0; index < chunk.length; index += 1) encoded.push(encode(index));
      }
      return (index) => (valid(index) ? (encoded[Number(values[index])] ?? null) : null);
    }
    default:
      break;
  }
  const read = exactReader(data);
  const type = data.type;
  return (index) => {
    const value = read(index);
    return value === null ? null : exactToField(type, value);
  };
}

/** The field value of an exact cell of `type` (see the module comment). */
export function exactToField(type: DataType, value: Exact): FieldValue | null {
  if (value === null) return null;
  const shape = shapeOf(type);
  switch (shape.typeId) {
    case TYPE.bool:
      return value ? 'true' : 'false';
    case TYPE.float:
      return floatText(value as number);
    case TYPE.decimal:
      return decimalText(value as bigint, shape.scale ?? 0);
    case TYPE.utf8:
    case TYPE.largeUtf8:
    case TYPE.binary:
    case TYPE.largeBinary:
    case TYPE.fixedSizeBinary:
      return Buffer.from(utf8Bytes(value as string | Uint8Array));
    case TYPE.dictionary:
      return exactToField(shape.dictionary!, value);
    default:
      if (isNested(shape.typeId)) return JSON.stringify(exactToJson(type, value));
      return String(value);
  }
}

/** A decoder of field values of `type` into exact cells; throws on a value that does not fit. */
export function fieldDecoder(type: DataType): (value: Buffer) => Exact {
  const shape = shapeOf(type);
  switch (shape.typeId) {
    case TYPE.null:
      return () => null;
    case TYPE.bool:
      return (value) => {
        const text = value.toString('latin1');
        if (text === 'true' || text === '1') return true;
        if (text === 'false' || text === '0') return false;
        throw new Error(`'${text}' is not a boolean`);
      };
    case TYPE.int:
    case TYPE.date:
    case TYPE.time:
    case TYPE.timestamp:
    case TYPE.duration: {
      if (isWide(type)) return (value) => BigInt(value.toString('latin1'));
      return (value) => {
        const number = Number(value.toString('latin1'));
        if (!Number.isInteger(number)) throw new Error(`'${value}' is not an integer`);
        return number;
      };
    }
    case TYPE.float:
      return (value) => {
        const number = Number(value.toString('latin1'));
        if (Number.isNaN(number) && value.toString('latin1') !== 'NaN') {
          throw new Error(`'${value}' is not a number`);
        }
        return number;
      };
    case TYPE.decimal:
      return (value) => {
        const unscaled = parseDecimal(value.toString('latin1'), shape.scale ?? 0);
        if (unscaled === undefined) throw new Error(`'${value}' is not a decimal`);
        return unscaled;
      };
    case TYPE.utf8:
    case TYPE.largeUtf8:
    case TYPE.binary:
    case TYPE.largeBinary:
      return (value) => value;
    case TYPE.fixedSizeBinary:
      return (value) => {
        if (value.length !== shape.byteWidth) {
          throw new Error(`${value.length} bytes where ${shape.byteWidth} are expected`);
        }
        return value;
      };
    case TYPE.dictionary:
      return fieldDecoder(shape.dictionary!);
    default:
      if (isNested(shape.typeId)) {
        return (value) => jsonToExact(type, JSON.parse(value.toString('utf8')));
      }
      throw new Error(`no decoder for Arrow type ${String(type)}`);
  }
}

type Json = null | boolean | number | string | Json[] | { [name: string]: Json };

function childTypes(type: DataType): DataType[] {
  return (shapeOf(type).children ?? []).map((field) => field.type);
}

/** A nested value as JSON: 64-bit integers, decimals and special floats as strings, bytes as base64. */
export function exactToJson(type: DataType, value: Exact): Json {
  if (value === null) return null;
  const shape = shapeOf(type);
  switch (shape.typeId) {
    case TYPE.bool:
      return value as boolean;
    case TYPE.float: {
      const number = value as number;
      return Number.isFinite(number) && !Object.is(number, -0) ? number : floatText(number);
    }
    case TYPE.decimal:
      return decimalText(value as bigint, shape.scale ?? 0);
    case TYPE.utf8:
    case TYPE.largeUtf8:
      return utf8Text(value as string | Uint8Array);
    case TYPE.binary:
    case TYPE.largeBinary:
    case TYPE.fixedSizeBinary:
      return Buffer.from(value as Uint8Array).toString('base64');
    case TYPE.dictionary:
      return exactToJson(shape.dictionary!, value);
    case TYPE.list:
    case TYPE.fixedSizeList: {
      const child = childTypes(type)[0]!;
      return (value as Exact[]).map((item) => exactToJson(child, item));
    }
    case TYPE.map: {
      const [keyType, valueType] = childTypes(childTypes(type)[0]!);
      return (value as Exact[]).map((entry) => {
        const [key, item] = entry as Exact[];
        return [exactToJson(keyType!, key ?? null), exactToJson(valueType!, item ?? null)];
      });
    }
    case TYPE.struct: {
      const object: { [name: string]: Json } = {};
      (shape.children ?? []).forEach((field, position) => {
        object[field.name] = exactToJson(field.type, (value as Exact[])[position] ?? null);
      });
      return object;
    }
    default:
      return typeof value === 'bigint' ? value.toString() : (value as number);
  }
}

/** The inverse of {@link exactToJson}. */
export function jsonToExact(type: DataType, json: Json): Exact {
  if (json === null || json === undefined) return null;
  const shape = shapeOf(type);
  switch (shape.typeId) {
    case TYPE.null:
      return null;
    case TYPE.bool:
      return Boolean(json);
    case TYPE.float:
      return Number(json);
    case TYPE.decimal: {
      const unscaled = parseDecimal(String(json), shape.scale ?? 0);
      if (unscaled === undefined) throw new Error(`'${String(json)}' is not a decimal`);
      return unscaled;
    }
    case TYPE.utf8:
    case TYPE.largeUtf8:
      return String(json);
    case TYPE.binary:
    case TYPE.largeBinary:
    case TYPE.fixedSizeBinary:
      return new Uint8Array(Buffer.from(String(json), 'base64'));
    case TYPE.dictionary:
      return jsonToExact(shape.dictionary!, json);
    case TYPE.list:
    case TYPE.fixedSizeList: {
      const child = childTypes(type)[0]!;
      return (json as Json[]).map((item) => jsonToExact(child, item));
    }
    case TYPE.map: {
      const [keyType, valueType] = childTypes(childTypes(type)[0]!);
      return (json as Json[]).map((entry) => {
        const [key, item] = entry as Json[];
        return [jsonToExact(keyType!, key ?? null), jsonToExact(valueType!, item ?? null)];
      });
    }
    case TYPE.struct:
      return (shape.children ?? []).map((field) =>
        jsonToExact(field.type, (json as { [name: string]: Json })[field.name] ?? null),
      );
    default:
      return isWide(type) ? BigInt(json as string | number) : Number(json);
  }
}
