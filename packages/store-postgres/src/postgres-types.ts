/**
 * Arrow ↔ PostgreSQL types. Every Arrow type the store claims maps to one column type, and the
 * binary wire format of that column type is what the COPY encoder writes and the decoders
 * read. The stored Arrow schema (see `postgres-catalog.ts`) restores the exact Arrow type on
 * read, so e.g. an `int8` column comes back as `int8` although PostgreSQL holds a `smallint`.
 */
import {
  type ArrowTypeName,
  arrowTypeName,
  COMMON_ARROW_TYPES,
  ValidationError,
} from '@wharf/store-core';
import type { DataType, Field } from 'apache-arrow';

/** The Arrow types the store round-trips exactly; any other is refused by `write()`. */
export const POSTGRES_ARROW_TYPES: readonly ArrowTypeName[] = COMMON_ARROW_TYPES;

/** The PostgreSQL value formats the codec knows. */
export type PostgresKind =
  | 'bool'
  | 'int2'
  | 'int4'
  | 'int8'
  | 'float4'
  | 'float8'
  | 'numeric'
  | 'text'
  | 'bytea'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'jsonb'
  | 'array';

/** A PostgreSQL column type, as DDL and as a wire format. */
export interface PostgresType {
  readonly kind: PostgresKind;
  /** The type in DDL, e.g. `numeric(10,2)` or `integer[]`. */
  readonly sql: string;
  /** The type's OID (an array's element OID is in `element`). */
  readonly oid: number;
  /** The SQL function returning a value in binary form, for reads through a normal query. */
  readonly send: string;
  /** The element type of an array. */
  readonly element?: PostgresType;
}

const SCALARS: Record<Exclude<PostgresKind, 'array' | 'numeric'>, PostgresType> = {
  bool: { kind: 'bool', sql: 'boolean', oid: 16, send: 'boolsend' },
  int2: { kind: 'int2', sql: 'smallint', oid: 21, send: 'int2send' },
  int4: { kind: 'int4', sql: 'integer', oid: 23, send: 'int4send' },
  int8: { kind: 'int8', sql: 'bigint', oid: 20, send: 'int8send' },
  float4: { kind: 'float4', sql: 'real', oid: 700, send: 'float4send' },
  float8: { kind: 'float8', sql: 'double precision', oid: 701, send: 'float8send' },
  text: { kind: 'text', sql: 'text', oid: 25, send: 'textsend' },
  bytea: { kind: 'bytea', sql: 'bytea', oid: 17, send: 'byteasend' },
  date: { kind: 'date', sql: 'date', oid: 1082, send: 'date_send' },
  timestamp: {
    kind: 'timestamp',
    sql: 'timestamp without time zone',
    oid: 1114,
    send: 'timestamp_send',
  },
  timestamptz: {
    kind: 'timestamptz',
    sql: 'timestamp with time zone',
    oid: 1184,
    send: 'timestamptz_send',
  },
  jsonb: { kind: 'jsonb', sql: 'jsonb', oid: 3802, send: 'jsonb_send' },
};

const NUMERIC_OID = 1700;

function numeric(precision: number, scale: number): PostgresType {
  return {
    kind: 'numeric',
    sql: `numeric(${precision},${scale})`,
    oid: NUMERIC_OID,
    send: 'numeric_send',
  };
}

function arrayOf(element: PostgresType): PostgresType {
  return { kind: 'array', sql: `${element.sql}[]`, oid: 0, send: 'array_send', element };
}

/** apache-arrow's `TimeUnit`: SECOND, MILLISECOND, MICROSECOND, NANOSECOND. */
export const TIME_UNIT = { SECOND: 0, MILLISECOND: 1, MICROSECOND: 2, NANOSECOND: 3 } as const;

/** The value type of a dictionary type, or the type itself. */
export function valueTypeOf(type: DataType): DataType {
  return (type.typeId as number) === -1
    ? (type as unknown as { dictionary: DataType }).dictionary
    : type;
}

/** The children of a nested Arrow type. */
export function childFieldsOf(type: DataType): Field[] {
  return ((type as unknown as { children?: Field[] }).children ?? []) as Field[];
}

/**
 * The column type holding an Arrow type. Throws a `ValidationError` naming `column` for a
 * type the store does not claim.
 */
export function postgresTypeOf(type: DataType, column: string): PostgresType {
  const name = arrowTypeName(valueTypeOf(type));
  switch (name) {
    case 'bool':
      return SCALARS.bool;
    case 'int8':
    case 'int16':
    case 'uint8':
      return SCALARS.int2;
    case 'int32':
    case 'uint16':
      return SCALARS.int4;
    case 'int64':
    case 'uint32':
      return SCALARS.int8;
    case 'uint64':
      return numeric(20, 0);
    case 'float32':
      return SCALARS.float4;
    case 'float64':
      return SCALARS.float8;
    case 'decimal': {
      const { precision, scale } = valueTypeOf(type) as unknown as {
        precision: number;
        scale: number;
      };
      return numeric(precision, scale);
    }
    case 'utf8':
      return SCALARS.text;
    case 'binary':
      return SCALARS.bytea;
    case 'date':
      return SCALARS.date;
    case 'timestamp': {
      const { unit, timezone } = valueTypeOf(type) as unknown as {
        unit: number;
        timezone?: string | null;
      };
      // PostgreSQL keeps microseconds: nanoseconds are stored exactly as a bigint instead.
      if (unit === TIME_UNIT.NANOSECOND) return SCALARS.int8;
      return timezone ? SCALARS.timestamptz : SCALARS.timestamp;
    }
    case 'struct':
      return SCALARS.jsonb;
    case 'list': {
      const child = childFieldsOf(valueTypeOf(type))[0];
      if (child === undefined) throw unsupported(type, column);
      const element = postgresTypeOf(child.type, column);
      // A list of lists or of structs may be ragged or nested: kept as one JSON array.
      return element.kind === 'jsonb' || element.kind === 'array'
        ? SCALARS.jsonb
        : arrayOf(element);
    }
    default:
      throw unsupported(type, column);
  }
}

function unsupported(type: DataType, column: string): ValidationError {
  return new ValidationError(
    `column '${column}' has Arrow type ${String(type)}, which the PostgreSQL store does not support`,
    { details: { column, type: String(type) } },
  );
}

/** The OID of an array's element type; arrays of arrays are stored as jsonb, never here. */
export function elementOid(type: PostgresType): number {
  if (type.element === undefined) throw new Error(`${type.sql} is not an array type`);
  return type.element.oid;
}
