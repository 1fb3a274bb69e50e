import { join } from 'node:path';
import { batchFromColumns, ValidationError } from '@wharf/store-core';
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  DurationNanosecond,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  IntervalDayTime,
  LargeBinary,
  LargeUtf8,
  List,
  Map_,
  makeData,
  makeVector,
  Null,
  Schema,
  Struct,
  Table,
  TimeMicrosecond,
  TimeMillisecond,
  TimestampMicrosecond,
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
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SQLITE_ARROW_TYPES, SqliteStore } from '../src/index.js';
import { readAll, temporaryDirectory, uniqueTable } from './helpers.js';
import { readProductionRows } from './sqlite-probes.js';

function validity(values: readonly unknown[]) {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8) || 1);
  let nullCount = 0;
  values.forEach((value, index) => {
    if (value === null) nullCount += 1;
    else nullBitmap[index >> 3]! |= 1 << (index % 8);
  });
  return { nullBitmap, nullCount };
}

function raw64(type: DataType, values: (bigint | null)[]) {
  return makeVector(
    makeData({
      type: type as TimestampNanosecond,
      length: values.length,
      ...validity(values),
      data: BigInt64Array.from(values, (value) => value ?? 0n),
    }),
  );
}

function decimal(scale: number, precision: number, values: (bigint | null)[]): Vector {
  const words = new Uint32Array(values.length * 4);
  const view = new DataView(words.buffer);
  values.forEach((value, index) => {
    view.setBigUint64(index * 16, BigInt.asUintN(64, value ?? 0n), true);
    view.setBigUint64(index * 16 + 8, BigInt.asUintN(64, (value ?? 0n) >> 64n), true);
  });
  return makeVector(
    makeData({
      type: new Decimal(scale, precision, 128),
      length: values.length,
      ...validity(values),
      data: words,
    }),
  );
}

const ROWS = 5;

/** One column of every claimed type, five rows each, the last row null. */
function everyType(): Table {
  // apache-arrow marks a column of the null type non-nullable; the schema says what is meant.
  const columns = new Table({
    id: vectorFromArray([1n, 2n, 3n, 4n, 5n], new Int64()),
    bool: vectorFromArray([true, false, true, false, null], new Bool()),
    int8: vectorFromArray([-128, 127, 0, -1, null], new Int8()),
    int16: vectorFromArray([-32768, 32767, 0, -1, null], new Int16()),
    int32: vectorFromArray([-2147483648, 2147483647, 0, -1, null], new Int32()),
    int64: vectorFromArray([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -1n, null], new Int64()),
    uint8: vectorFromArray([0, 255, 1, 2, null], new Uint8()),
    uint16: vectorFromArray([0, 65535, 1, 2, null], new Uint16()),
    uint32: vectorFromArray([0, 4294967295, 1, 2, null], new Uint32()),
    uint64: vectorFromArray([0n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 3n, null], new Uint64()),
    float16: vectorFromArray([1.5, -2, 0.5, 65504, null], new Float16()),
    float32: vectorFromArray(
      [Math.fround(0.1), -0, Number.NaN, Number.POSITIVE_INFINITY, null],
      new Float32(),
    ),
    float64: vectorFromArray(
      [0.1 + 0.2, -0, Number.NaN, Number.NEGATIVE_INFINITY, null],
      new Float64(),
    ),
    decimal: decimal(2, 10, [12345n, -1n, 0n, 9_999_999_999n, null]),
    decimal38: decimal(0, 38, [10n ** 38n - 1n, -(10n ** 38n - 1n), 0n, 1n, null]),
    utf8: vectorFromArray(
      ['', 'ünïcödé', '😀 "q"; DROP TABLE x', 'x'.repeat(5000), null],
      new Utf8(),
    ),
    large_utf8: vectorFromArray(['a', '日本', '', 'z', null], new LargeUtf8()),
    binary: vectorFromArray(
      [
        new Uint8Array(0),
        Uint8Array.from([0, 1, 127, 128, 255]),
        Uint8Array.from([7]),
        Uint8Array.from([8, 9]),
        null,
      ],
      new Binary(),
    ),
    large_binary: vectorFromArray(
      [
        Uint8Array.from([1]),
        new Uint8Array(0),
        Uint8Array.from([2, 3]),
        Uint8Array.from([255]),
        null,
      ],
      new LargeBinary(),
    ),
    fixed_binary: vectorFromArray(
      [
        Uint8Array.from([1, 2, 3, 4]),
        Uint8Array.from([0, 0, 0, 0]),
        Uint8Array.from([255, 254, 253, 252]),
        Uint8Array.from([9, 9, 9, 9]),
        null,
      ],
      new FixedSizeBinary(4),
    ),
    date_day: vectorFromArray(
      [
        new Date(0),
        new Date(19_000 * 86_400_000),
        new Date(-86_400_000),
        new Date(86_400_000),
        null,
      ],
      new DateDay(),
    ),
    date_ms: vectorFromArray(
      [
        new Date(0),
        new Date(19_000 * 86_400_000),
        new Date(-86_400_000),
        new Date(86_400_000),
        null,
      ],
      new DateMillisecond(),
    ),
    ts_s: vectorFromArray(
      [0, 1_700_000_000_000, -86_400_000, 1000, null],
      new TimestampSecond('UTC'),
    ),
    ts_us_paris: raw64(new TimestampMicrosecond('Europe/Paris'), [
      1_700_000_000_123_456n,
      -1n,
      0n,
      1n,
      null,
    ]),
    ts_ns: raw64(new TimestampNanosecond(), [
      1_700_000_000_123_456_789n,
      -1n,
      1n,
      999_999_999n,
      null,
    ]),
    time_ms: vectorFromArray([0, 1000, 86_399_999, 1, null], new TimeMillisecond()),
    time_us: raw64(new TimeMicrosecond(), [0n, 86_399_999_999n, 1n, 2n, null]),
    duration_ns: raw64(new DurationNanosecond(), [0n, -1n, 9_007_199_254_740_993n, 5n, null]),
    list: vectorFromArray(
      [[1, 2, 3], [], [null, 4], [5], null],
      new List(new Field('item', new Int32(), true)),
    ),
    list_int64: vectorFromArray(
      [[2n ** 62n, -5n], [1n], [], [null], null],
      new List(new Field('item', new Int64(), true)),
    ),
    fixed_list: vectorFromArray(
      [[1, 2], [3, 4], [Number.NaN, -0], [0, 0], null],
      new FixedSizeList(2, new Field('item', new Float32(), true)),
    ),
    struct: vectorFromArray(
      [{ a: 1, b: 'x' }, { a: null, b: 'y' }, { a: 3, b: null }, { a: 4, b: 'z' }, null],
      new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]),
    ),
    dictionary: vectorFromArray(
      ['a', 'b', 'a', 'c', null],
      new Dictionary(new Utf8(), new Int32()),
    ),
    nothing: vectorFromArray([null, null, null, null, null], new Null()),
  });
  const schema = new Schema(columns.schema.fields.map((field) => field.clone({ nullable: true })));
  return new Table([
    batchFromColumns(
      schema,
      schema.fields.map((field) => columns.getChild(field.name as never)!),
      ROWS,
    ),
  ]);
}

/** Values of a column, exactly: raw storage for temporal and decimal types, getters for the rest. */
function exact(vector: Vector): unknown[] {
  const data = vector.data[0] as Data;
  const typeId = data.type.typeId as number;
  return Array.from({ length: vector.length }, (_, index) => {
    if (!vector.isValid(index)) return null;
    if ([8, 9, 10, 18].includes(typeId))
      return String((data.values as BigInt64Array | Int32Array)[index]);
    if (typeId === 7) {
      const words = data.values as Uint32Array;
      return Array.from(words.subarray(index * 4, index * 4 + 4)).join(':');
    }
    return JSON.stringify(vector.get(index), (_key, value) => {
      if (typeof value === 'bigint') return `${value}n`;
      if (
        typeof value === 'number' &&
        (Number.isNaN(value) || Object.is(value, -0) || !Number.isFinite(value))
      ) {
        return Object.is(value, -0) ? '-0' : String(value);
      }
      if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
      return value;
    });
  });
}

describe('the Arrow ↔ SQLite type mapping', () => {
  it('claims exactly the types this file round-trips', () => {
    expect([...SQLITE_ARROW_TYPES].sort()).toEqual(
      [
        'binary',
        'bool',
        'date',
        'decimal',
        'dictionary',
        'duration',
        'fixed_size_binary',
        'fixed_size_list',
        'float16',
        'float32',
        'float64',
        'int16',
        'int32',
        'int64',
        'int8',
        'large_binary',
        'large_utf8',
        'list',
        'null',
        'struct',
        'time',
        'timestamp',
        'uint16',
        'uint32',
        'uint64',
        'uint8',
        'utf8',
      ].sort(),
    );
  });

  it('round-trips every claimed type exactly through read(), types included', async () => {
    const table = everyType();
    for (const runType of ['full_drop', 'incremental', 'merge'] as const) {
      const store = new SqliteStore({
        filename: join(temporaryDirectory(), 'types.db'),
        table: uniqueTable('types'),
        key: 'id',
      });
      await store.connect();
      await store.configureForRun(runType);
      await store.write(table);
      await store.finish();
      const back = await readAll(store);
      expect(back.numRows).toBe(ROWS);
      for (const field of table.schema.fields) {
        const read = back.schema.fields.find((candidate) => candidate.name === field.name);
        expect(String(read?.type), field.name).toBe(String(field.type));
        expect(exact(back.getChild(field.name)!), `${runType}: ${field.name}`).toEqual(
          exact(table.getChild(field.name)!),
        );
      }
      await store.close();
    }
  });

  it('round-trips slices of batches (non-zero offsets) and several batches', async () => {
    const table = everyType();
    const store = new SqliteStore({
      filename: join(temporaryDirectory(), 'slices.db'),
      table: 'slices',
    });
    await store.connect();
    await store.configureForRun('full_drop');
    await store.write(table.slice(1, 3));
    await store.write(table.slice(3));
    await store.finish();
    const back = await readAll(store);
    const expected = table.slice(1);
    for (const field of table.schema.fields) {
      expect(exact(back.getChild(field.name)!), field.name).toEqual(
        exact(expected.getChild(field.name)!),
      );
    }
    await store.close();
  });

  it('stores each type in the SQLite storage class of the README table', async () => {
    const filename = join(temporaryDirectory(), 'classes.db');
    const store = new SqliteStore({ filename, table: 'classes' });
    await store.connect();
    await store.configureForRun('full_drop');
    await store.write(everyType());
    await store.finish();
    await store.close();
    const db = new Database(filename, { readonly: true });
    const first = (column: string) =>
      db
        .prepare(
          `SELECT typeof("${column}") AS kind, "${column}" AS value FROM classes WHERE id = 1`,
        )
        .get() as {
        kind: string;
        value: unknown;
      };
    expect(first('int64').kind).toBe('integer');
    expect(first('uint64').kind).toBe('integer');
    expect(first('bool')).toEqual({ kind: 'integer', value: 1 });
    expect(first('float64').kind).toBe('real');
    expect(first('decimal')).toEqual({ kind: 'text', value: '123.45' });
    expect(first('utf8').kind).toBe('text');
    expect(first('binary').kind).toBe('blob');
    expect(first('date_day')).toEqual({ kind: 'integer', value: 0 });
    expect(first('ts_ns').kind).toBe('integer');
    expect(first('list')).toEqual({ kind: 'text', value: '[1,2,3]' });
    expect(first('struct')).toEqual({ kind: 'text', value: '{"a":1,"b":"x"}' });
    expect(first('dictionary')).toEqual({ kind: 'text', value: 'a' });
    // Nanoseconds stay exact in SQLite itself, not only after decoding.
    const ns = db.prepare(`SELECT ts_ns FROM classes WHERE id = 1`).safeIntegers(true).get() as {
      ts_ns: bigint;
    };
    expect(ns.ts_ns).toBe(1_700_000_000_123_456_789n);
    // NaN and -0, which SQLite cannot keep as REAL, are stored as their IEEE-754 bytes.
    const nan = db.prepare(`SELECT typeof(float64) AS kind FROM classes WHERE id = 3`).get() as {
      kind: string;
    };
    expect(nan.kind).toBe('blob');
    // 64-bit integers inside JSON beyond 2^53 are decimal strings.
    const list = db.prepare(`SELECT list_int64 FROM classes WHERE id = 1`).get() as {
      list_int64: string;
    };
    expect(list.list_int64).toBe(`["${2n ** 62n}",-5]`);
    db.close();
  });

  it('is readable by an independent reader of the file', async () => {
    const filename = join(temporaryDirectory(), 'probe.db');
    const store = new SqliteStore({ filename, table: 'probe' });
    await store.connect();
    await store.configureForRun('full_drop');
    await store.write(everyType());
    await store.finish();
    await store.close();
    const rows = readProductionRows(filename, 'probe');
    expect(rows).toHaveLength(ROWS);
    expect(rows[0]!.ts_ns).toBe(1_700_000_000_123_456_789n);
    expect(rows[1]!.uint64).toBe(2n ** 64n - 1n);
    expect(rows[2]!.float64).toBeNaN();
    expect(Object.is(rows[1]!.float64, -0)).toBe(true);
    expect(rows[0]!.struct).toEqual({ a: 1, b: 'x' });
  });

  it('keeps nanoseconds and decimals exact inside structs and lists', async () => {
    const at = raw64(new TimestampNanosecond('UTC'), [1_700_000_000_123_456_789n, -1n, null]);
    const amount = decimal(2, 10, [12345n, -99n, 7n]);
    const struct = new Struct([
      new Field('at', at.type, true),
      new Field('amount', amount.type, true),
    ]);
    const nested = makeVector(
      makeData({
        type: struct,
        length: 3,
        nullCount: 0,
        children: [at.data[0]!, amount.data[0]!],
      }),
    );
    const listType = new List(new Field('item', struct, true));
    const list = makeVector(
      makeData({
        type: listType,
        length: 2,
        nullCount: 0,
        valueOffsets: Int32Array.from([0, 2, 3]),
        child: nested.data[0]!,
      }),
    );
    const schema = new Schema([
      new Field('id', new Int64(), true),
      new Field('nested', struct, true),
    ]);
    const ids = vectorFromArray([1n, 2n, 3n], new Int64());
    const store = new SqliteStore({
      filename: join(temporaryDirectory(), 'nested.db'),
      table: 'nested',
    });
    await store.connect();
    await store.configureForRun('full_drop');
    await store.write(new Table([batchFromColumns(schema, [ids, nested], 3)]));
    await store.finish();
    let back = await readAll(store);
    const children = back.getChild('nested')!.data[0]!.children;
    expect(Array.from(children[0]!.values as BigInt64Array).slice(0, 2)).toEqual([
      1_700_000_000_123_456_789n,
      -1n,
    ]);
    expect(back.getChild('nested')!.get(2)!.toJSON().at).toBeNull();
    expect(exact(makeVector(children[1]!))).toEqual(exact(amount));

    const listSchema = new Schema([
      new Field('id', new Int64(), true),
      new Field('events', listType, true),
    ]);
    const listStore = new SqliteStore({
      filename: join(temporaryDirectory(), 'nested.db'),
      table: 'events',
    });
    await listStore.connect();
    await listStore.configureForRun('full_drop');
    await listStore.write(new Table([batchFromColumns(listSchema, [ids.slice(0, 2), list], 2)]));
    await listStore.finish();
    back = await readAll(listStore);
    const events = back.getChild('events')!.data[0]!;
    expect(Array.from(events.valueOffsets)).toEqual([0, 2, 3]);
    expect(Array.from(events.children[0]!.children[0]!.values as BigInt64Array)).toEqual([
      1_700_000_000_123_456_789n,
      -1n,
      0n,
    ]);
    await store.close();
    await listStore.close();
  });

  it('refuses types it does not claim with a ValidationError naming the column', async () => {
    const store = new SqliteStore({
      filename: join(temporaryDirectory(), 'refused.db'),
      table: 'refused',
    });
    await store.connect();
    const interval = new Table({
      span: vectorFromArray([Int32Array.from([1, 2])], new IntervalDayTime()),
    });
    await expect(store.write(interval)).rejects.toSatisfy(
      (error) => ValidationError.isInstance(error) && /span/.test((error as Error).message),
    );
    const map = new Table({
      entries: vectorFromArray(
        [new Map([['a', 1]])],
        new Map_(
          new Field(
            'entries',
            new Struct<{ key: Utf8; value: Int32 }>([
              new Field('key', new Utf8(), false),
              new Field('value', new Int32(), true),
            ]),
          ),
        ),
      ),
    });
    await expect(store.write(map)).rejects.toSatisfy((error) => ValidationError.isInstance(error));
    await store.close();
  });
});
