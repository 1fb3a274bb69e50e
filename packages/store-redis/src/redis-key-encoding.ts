/**
 * Row identifiers. A row's identifier is the member of the version's ordered index (a sorted
 * set whose members all score 0, so Redis orders them by their bytes) and the last part of the
 * row's hash key. With a `key`, it encodes the key values so that byte order is key order:
 *
 * - integers (also dates, times, timestamps, durations): `p`, two digits of length, the digits
 *   (`42` → `p0242`); negatives `n`, 99 minus the length, each digit `d` as `9 - d`
 *   (`-42` → `n9757`);
 * - floats: 16 hex digits of the IEEE-754 bits, sign-flipped so that order holds;
 * - booleans: `0` or `1`;
 * - text: the text itself (in a composite key, `\0` becomes `\0\xff`);
 * - several key columns: the parts joined by `\0\x01`.
 *
 * Without a key, rows of a bulk load get `<run ordinal>.<part>.<row>`, zero-padded, so that the
 * index keeps the order in which they were loaded.
 */
import { type DataType, vectorFromArray } from 'apache-arrow';
import { type Exact, exactReader, shapeOf, TYPE, utf8Text } from './redis-arrow-values.js';

/** Whether values of `type` can be key values (and how they sort). */
export function keyKind(type: DataType): 'integer' | 'float' | 'bool' | 'text' | undefined {
  const shape = shapeOf(type);
  switch (shape.typeId) {
    case TYPE.int:
    case TYPE.date:
    case TYPE.time:
    case TYPE.timestamp:
    case TYPE.duration:
      return 'integer';
    case TYPE.float:
      return 'float';
    case TYPE.bool:
      return 'bool';
    case TYPE.utf8:
    case TYPE.largeUtf8:
      return 'text';
    case TYPE.dictionary:
      return keyKind(shape.dictionary!) === 'text' ? 'text' : undefined;
    default:
      return undefined;
  }
}

function integerPart(value: bigint): string {
  if (value >= 0n) {
    const digits = value.toString();
    return `p${String(digits.length).padStart(2, '0')}${digits}`;
  }
  const digits = (-value).toString();
  let complement = '';
  for (const digit of digits) complement += String(9 - Number(digit));
  return `n${String(99 - digits.length).padStart(2, '0')}${complement}`;
}

const floatView = new DataView(new ArrayBuffer(8));

function floatPart(value: number): string {
  floatView.setFloat64(0, value);
  let bits = floatView.getBigUint64(0);
  bits = bits >> 63n === 1n ? ~bits & 0xffffffffffffffffn : bits | (1n << 63n);
  return bits.toString(16).padStart(16, '0');
}

type PartEncoder = (value: Exact) => string;

function partEncoder(type: DataType, composite: boolean): PartEncoder {
  switch (keyKind(type)) {
    case 'integer':
      return (value) => integerPart(typeof value === 'bigint' ? value : BigInt(value as number));
    case 'float':
      return (value) => floatPart(value as number);
    case 'bool':
      return (value) => (value ? '1' : '0');
    case 'text':
      return composite
        ? (value) => utf8Text(value as string | Uint8Array).replaceAll('\u0000', '\u0000\u00ff')
        : (value) => utf8Text(value as string | Uint8Array);
    default:
      throw new Error(`Arrow type ${String(type)} cannot be a key`);
  }
}

/** The separator of the parts of a composite key. */
export const KEY_PART_SEPARATOR = '\u0000\u0001';

/**
 * An encoder of key values (one exact value per key column, in key order) as a row identifier.
 * Throws when a key value is null.
 */
export function keyMemberEncoder(
  columns: readonly string[],
  types: readonly DataType[],
): (values: readonly Exact[]) => string {
  const composite = types.length > 1;
  const encoders = types.map((type) => partEncoder(type, composite));
  return (values) => {
    let member = '';
    for (let position = 0; position < encoders.length; position += 1) {
      const value = values[position];
      if (value === null || value === undefined) {
        throw new Error(`key column '${columns[position]}' is null`);
      }
      if (position > 0) member += KEY_PART_SEPARATOR;
      member += encoders[position]!(value);
    }
    return member;
  };
}

/**
 * A key value given to the record API (`5`, `5n`, `'abc'`, a millisecond timestamp…) as the
 * exact value a load of that Arrow type stores; `undefined` when it cannot be one.
 */
export function keyValueToExact(type: DataType, value: unknown): Exact | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const kind = keyKind(type);
    if (kind === 'integer' && typeof value === 'number' && !Number.isInteger(value)) {
      return undefined;
    }
    if (kind === 'text' && typeof value !== 'string') return undefined;
    const shape = shapeOf(type);
    const given =
      shape.typeId === TYPE.int && shape.bitWidth === 64 && typeof value === 'number'
        ? BigInt(value)
        : value;
    const vector = vectorFromArray([given] as never[], type);
    const exact = exactReader(vector.data[0]!)(0);
    return exact === null ? undefined : exact;
  } catch {
    return undefined;
  }
}

/** The identifier of row `row` of part `part` of the run with ordinal `ordinal` (no key). */
export function generatedMember(ordinal: number, part: number, row: number): string {
  return `${String(ordinal).padStart(12, '0')}.${String(part).padStart(8, '0')}.${String(row).padStart(10, '0')}`;
}
