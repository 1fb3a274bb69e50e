import { batchFromColumns, ValidationError } from '@wharf/store-core';
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Field,
  Float16,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  LargeUtf8,
  List,
  makeData,
  makeVector,
  type RecordBatch,
  Schema,
  Struct,
  Table,
  TimeMillisecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeStore, sql, uniqueTable } from './helpers.js';

/** Every value of a column, read exactly from its buffers (timestamps as raw integers). */
function rawValues(vector: Vector): unknown[] {
  const values: unknown[] = [];
  for (let index = 0; index < vector.length; index += 1) {
    if (!vector.isValid(index)) {
      values.push(null);
      continue;
    }
    const typeId = vector.type.typeId as number;
    if (typeId === 10 || (typeId === 8 && (vector.type as DateMillisecond).unit === 1)) {
      values.push((vector.data[0]!.values as BigInt64Array)[index]);
    } else if (typeId === 7) {
      values.push(
        Array.from((vector.data[0]!.values as Uint32Array).subarray(index * 4, index * 4 + 4)),
      );
    } else {
      const value = vector.get(index);
      values.push(normalize(value));
    }
  }
  return values;
}

function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  if (value instanceof Uint8Array) return Array.from(value);
  if (
    typeof value === 'object' &&
    'toArray' in (value as object) &&
    Symbol.iterator in (value as object)
  ) {
    return Array.from(value as Iterable<unknown>, normalize);
  }
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const json = (value as { toJSON(): Record<string, unknown> }).toJSON();
    return Object.fromEntries(Object.entries(json).map(([key, inner]) => [key, normalize(inner)]));
  }
  return value;
}

async function readAll(store: ReturnType<typeof makeStore>): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const batch of store.read()) batches.push(batch);
  return batches;
}

function column(type: DataType, values: unknown[]): Vector {
  return vectorFromArray(values as never[], type as never);
}

const MS = Date.UTC(2024, 1, 29, 13, 45, 30, 123);
const structType = new Struct([
  new Field('count', new Int64(), true),
  new Field('label', new Utf8(), true),
  new Field('ratio', new Float64(), true),
  new Field('tags', new List(new Field('item', new Utf8(), true)), true),
]);

describe('Arrow type round trips', () => {
  it('writes and reads back every claimed type exactly, with nulls and edge values', async () => {
    const length = 4;
    const int64s = [-(2n ** 63n), 2n ** 63n - 1n, 0n];
    const micros = new BigInt64Array([1_709_214_330_123_456n, -1n, 946_684_800_000_001n, 0n]);
    const nanos = new BigInt64Array([1_709_214_330_123_456_789n, -1n, 1n, 0n]);
    const decimals = new Uint32Array(16);
    decimals.set([12345, 0, 0, 0], 0); // 123.45
    decimals.set([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff], 4); // -0.01
    decimals.set([0x4a40_0000, 0x0017_c3c3, 0, 0], 8); // a large value
    const columns: Record<string, Vector> = {
      bool: column(new Bool(), [true, false, null, true]),
      int8: column(new Int8(), [-128, 127, null, 0]),
      int16: column(new Int16(), [-32768, 32767, null, 1]),
      int32: column(new Int32(), [-2147483648, 2147483647, null, 2]),
      int64: makeVector(
        makeData({
          type: new Int64(),
          length,
          nullCount: 1,
          nullBitmap: Uint8Array.of(0b1011),
          data: BigInt64Array.from([...int64s, 0n]),
        }),
      ),
      uint8: column(new Uint8(), [0, 255, null, 3]),
      uint16: column(new Uint16(), [0, 65535, null, 4]),
      uint32: column(new Uint32(), [0, 4294967295, null, 5]),
      uint64: makeVector(
        makeData({
          type: new Uint64(),
          length,
          nullCount: 1,
          nullBitmap: Uint8Array.of(0b1011),
          data: BigUint64Array.from([0n, 2n ** 64n - 1n, 0n, 6n]),
        }),
      ),
      float32: column(new Float32(), [1.5, -0, null, Number.NaN]),
      float64: column(new Float64(), [Math.PI, -0, null, Number.NEGATIVE_INFINITY]),
      decimal: makeVector(
        makeData({
          type: new Decimal(2, 30, 128),
          length,
          nullCount: 1,
          nullBitmap: Uint8Array.of(0b0111),
          data: decimals,
        }),
      ),
      utf8: column(new Utf8(), ['héllo ✓', '', null, 'tab\tnew\nline "quoted" \\ back']),
      binary: column(new Binary(), [
        Uint8Array.of(0, 1, 255),
        new Uint8Array(0),
        null,
        Uint8Array.of(92, 120),
      ]),
      date_day: column(new DateDay(), [
        Date.UTC(2024, 1, 29),
        Date.UTC(1969, 11, 31),
        null,
        Date.UTC(2000, 0, 1),
      ]),
      date_ms: column(new DateMillisecond(), [
        Date.UTC(1999, 11, 31),
        Date.UTC(2100, 0, 1),
        null,
        0,
      ]),
      ts_s: column(new TimestampSecond('UTC'), [MS - 123, 0, null, -86_400_000]),
      ts_ms: column(new TimestampMillisecond('Europe/Oslo'), [MS, -1, null, 0]),
      ts_us: makeVector(
        makeData({
          type: new TimestampMicrosecond(),
          length,
          nullCount: 1,
          nullBitmap: Uint8Array.of(0b1011),
          data: micros,
        }),
      ),
      ts_ns: makeVector(
        makeData({
          type: new TimestampNanosecond('UTC'),
          length,
          nullCount: 1,
          nullBitmap: Uint8Array.of(0b1011),
          data: nanos,
        }),
      ),
      list_int: column(new List(new Field('item', new Int32(), true)), [
        [1, 2, 3],
        [],
        null,
        [null, 4],
      ]),
      list_text: column(new List(new Field('item', new Utf8(), true)), [
        ['a', 'b,c', '"q"'],
        [null],
        null,
        [],
      ]),
      list_nested: column(
        new List(new Field('item', new List(new Field('item', new Int16(), true)), true)),
        [[[1], [2, 3]], [[]], null, [null, [4]]],
      ),
      struct: column(structType, [
        { count: 2n ** 60n + 1n, label: 'a "b"', ratio: 0.1, tags: ['x', 'y'] },
        { count: null, label: null, ratio: -0, tags: [] },
        null,
        { count: -5n, label: 'z', ratio: Number.NaN, tags: null },
      ]),
      dictionary: column(new Dictionary(new Utf8(), new Int32()), ['red', 'green', null, 'red']),
    };
    const schema = new Schema(
      Object.entries(columns).map(([name, vector]) => new Field(name, vector.type, true)),
    );
    const batch = batchFromColumns(schema, Object.values(columns), length);
    const table = uniqueTable('types');
    const store = makeStore({ table });
    await store.connect();
    await store.write(new Table([batch]));
    await store.finish();

    const [back] = await readAll(store);
    expect(back?.numRows).toBe(length);
    for (const field of schema.fields) {
      const read = back!.schema.fields.find((candidate) => candidate.name === field.name)!;
      expect(String(read.type), field.name).toBe(String(field.type));
      expect(rawValues(back!.getChild(field.name)!), field.name).toEqual(
        rawValues(batch.getChild(field.name)!),
      );
    }

    const types = await sql<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = $1::regclass AND attnum > 0 ORDER BY attnum`,
      [table],
    );
    expect(Object.fromEntries(types.map((row) => [row.name, row.type]))).toEqual({
      bool: 'boolean',
      int8: 'smallint',
      int16: 'smallint',
      int32: 'integer',
      int64: 'bigint',
      uint8: 'smallint',
      uint16: 'integer',
      uint32: 'bigint',
      uint64: 'numeric(20,0)',
      float32: 'real',
      float64: 'double precision',
      decimal: 'numeric(30,2)',
      utf8: 'text',
      binary: 'bytea',
      date_day: 'date',
      date_ms: 'date',
      ts_s: 'timestamp with time zone',
      ts_ms: 'timestamp with time zone',
      ts_us: 'timestamp without time zone',
      ts_ns: 'bigint',
      list_int: 'integer[]',
      list_text: 'text[]',
      list_nested: 'jsonb',
      struct: 'jsonb',
      dictionary: 'text',
    });

    // What SQL users see is the natural value, not an encoding.
    const [first] = await sql<Record<string, unknown>>(
      `SELECT ts_ms::text AS ts, ts_us::text AS us, decimal::text AS d, uint64::text AS u, struct->>'count' AS c FROM ${table} WHERE int8 = -128`,
    );
    expect(first).toEqual({
      ts: '2024-02-29 13:45:30.123+00',
      us: '2024-02-29 13:45:30.123456',
      d: '123.45',
      u: '0',
      c: String(2n ** 60n + 1n),
    });
  });

  it('gives the record API plain values of the original types', async () => {
    const schema = new Schema([
      new Field('id', new Int64(), false),
      new Field('at', new TimestampMicrosecond('UTC'), true),
      new Field('day', new DateDay(), true),
      new Field('amount', new Decimal(2, 10, 128), true),
      new Field('tags', new List(new Field('item', new Utf8(), true)), true),
      new Field('blob', new Binary(), true),
    ]);
    const store = makeStore({ table: uniqueTable('plain'), key: 'id', schema });
    await store.connect();
    await store.insert({
      id: 1n,
      at: 1_704_067_200_123.456,
      day: Date.UTC(2024, 0, 2),
      amount: '-12.50',
      tags: ['a', null],
      blob: Uint8Array.of(1, 2),
    });
    expect(await store.get(1n)).toEqual({
      id: 1n,
      at: 1_704_067_200_123.456,
      day: Date.UTC(2024, 0, 2),
      amount: '-12.50',
      tags: ['a', null],
      blob: Uint8Array.of(1, 2),
    });
    await expect(store.insert({ id: 2n, amount: '1.234' })).rejects.toSatisfy(
      ValidationError.isInstance,
    );
    await expect(store.insert({ id: 3n, day: 'not a day' })).rejects.toSatisfy(
      ValidationError.isInstance,
    );
  });

  it('refuses types it does not claim, naming the column', async () => {
    const store = makeStore({ table: uniqueTable('refused') });
    await store.connect();
    for (const [name, type, values] of [
      ['half', new Float16(), [1]],
      ['clock', new TimeMillisecond(), [1000]],
      ['big_text', new LargeUtf8(), ['a']],
    ] as const) {
      const table = new Table({ [name]: vectorFromArray(values as never, type as never) });
      const error = await store.write(table).catch((caught: unknown) => caught);
      expect(ValidationError.isInstance(error), name).toBe(true);
      expect((error as Error).message).toContain(`'${name}'`);
    }
  });
});
