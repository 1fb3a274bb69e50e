import { join } from 'node:path';
import { inspectDataset } from '@wharf/dataset-inspector';
import { typeNamesOf } from '@wharf/store-core';
import { PARQUET_ARROW_TYPES, ParquetStore } from '@wharf/store-parquet';
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Duration,
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
  LargeBinary,
  LargeUtf8,
  List,
  Map_,
  makeData,
  makeVector,
  Null,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
  TimeSecond,
  Timestamp,
  TimeUnit,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readAll, temporaryDirectory } from './helpers/data.js';

function raw64(type: DataType, values: (bigint | null)[]): Vector {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((value, index) => {
    if (value !== null) nullBitmap[index >> 3]! |= 1 << (index % 8);
  });
  return makeVector(
    makeData({
      type: type as Int64,
      length: values.length,
      nullCount: values.filter((value) => value === null).length,
      nullBitmap,
      data: BigInt64Array.from(values, (value) => value ?? 0n),
    }),
  );
}

function decimal256(precision: number, scale: number, values: bigint[]): Vector {
  const words = new Uint32Array(values.length * 8);
  const view = new DataView(words.buffer);
  values.forEach((value, index) => {
    for (let word = 0; word < 4; word += 1) {
      view.setBigUint64(
        index * 32 + word * 8,
        BigInt.asUintN(64, value >> BigInt(64 * word)),
        true,
      );
    }
  });
  return makeVector(
    makeData({
      type: new Decimal(scale, precision, 256),
      length: values.length,
      nullCount: 0,
      data: words,
    }),
  );
}

const item = (type: DataType) => new Field('item', type, true);

/** Columns of every type the store claims, edges included; four rows each. */
const CASES: Record<string, () => Vector> = {
  null: () => vectorFromArray([null, null, null, null], new Null()),
  bool: () => vectorFromArray([true, false, null, true], new Bool()),
  int8: () => vectorFromArray([-128, 127, null, 0], new Int8()),
  int16: () => vectorFromArray([-32768, 32767, null, 0], new Int16()),
  int32: () => vectorFromArray([-2147483648, 2147483647, null, 0], new Int32()),
  int64: () => vectorFromArray([-(2n ** 63n), 2n ** 63n - 1n, null, 0n], new Int64()),
  uint8: () => vectorFromArray([0, 255, null, 1], new Uint8()),
  uint16: () => vectorFromArray([0, 65535, null, 1], new Uint16()),
  uint32: () => vectorFromArray([0, 4294967295, null, 1], new Uint32()),
  uint64: () => vectorFromArray([0n, 2n ** 64n - 1n, null, 1n], new Uint64()),
  float16: () => vectorFromArray([0.5, -2, null, 65504], new Float16()),
  float32: () => vectorFromArray([Number.NaN, -0, null, 1.5], new Float32()),
  float64: () => vectorFromArray([Number.NEGATIVE_INFINITY, 0.1 + 0.2, null, -0], new Float64()),
  decimal128: () =>
    makeVector(
      makeData({
        type: new Decimal(2, 10, 128),
        length: 4,
        nullCount: 0,
        data: new Uint32Array([
          12345, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 0, 1, 0, 0, 0,
        ]),
      }),
    ),
  decimal256: () => decimal256(60, 4, [10n ** 59n, -(10n ** 40n), 0n, 1n]),
  utf8: () => vectorFromArray(['', 'ünï', null, '😀'], new Utf8()),
  large_utf8: () => vectorFromArray(['', 'long', null, 'x'.repeat(1000)], new LargeUtf8()),
  binary: () =>
    vectorFromArray(
      [new Uint8Array(0), Uint8Array.from([0, 255]), null, new Uint8Array(3)],
      new Binary(),
    ),
  large_binary: () =>
    vectorFromArray(
      [new Uint8Array(0), Uint8Array.from([1]), null, new Uint8Array(5)],
      new LargeBinary(),
    ),
  fixed_size_binary: () =>
    vectorFromArray(
      [Uint8Array.from([1, 2]), Uint8Array.from([0, 0]), null, Uint8Array.from([255, 9])],
      new FixedSizeBinary(2),
    ),
  date_day: () =>
    vectorFromArray(
      [new Date(0), new Date(-86_400_000), null, new Date(19_000 * 86_400_000)],
      new DateDay(),
    ),
  date_millisecond: () =>
    vectorFromArray(
      [new Date(0), new Date(-86_400_000), null, new Date(19_000 * 86_400_000)],
      new DateMillisecond(),
    ),
  time_second: () => vectorFromArray([0, 86_399, null, 1], new TimeSecond()),
  time_millisecond: () => vectorFromArray([0, 86_399_999, null, 1], new TimeMillisecond()),
  time_microsecond: () => raw64(new TimeMicrosecond(), [0n, 86_399_999_999n, null, 1n]),
  time_nanosecond: () => raw64(new TimeNanosecond(), [0n, 86_399_999_999_999n, null, 1n]),
  timestamp_second_paris: () =>
    raw64(new Timestamp(TimeUnit.SECOND, 'Europe/Paris'), [0n, -1n, null, 1_700_000_000n]),
  timestamp_nanosecond: () =>
    raw64(new Timestamp(TimeUnit.NANOSECOND), [1_700_000_000_123_456_789n, -1n, null, 0n]),
  timestamp_microsecond_offset: () =>
    raw64(new Timestamp(TimeUnit.MICROSECOND, '+05:30'), [1_700_000_000_123_456n, -1n, null, 0n]),
  duration_second: () => raw64(new Duration(TimeUnit.SECOND), [5n, -1n, null, 0n]),
  duration_nanosecond: () => raw64(new Duration(TimeUnit.NANOSECOND), [5n, -(2n ** 62n), null, 0n]),
  list: () => vectorFromArray([[1, 2], [], null, [null, 3]], new List(item(new Int32()))),
  list_of_struct: () =>
    vectorFromArray(
      [[{ a: 1, b: 'x' }], [], null, [{ a: null, b: null }]],
      new List(
        item(new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)])),
      ),
    ),
  fixed_size_list: () =>
    vectorFromArray([[1, 2], [3, 4], null, [null, 6]], new FixedSizeList(2, item(new Float32()))),
  struct: () =>
    vectorFromArray(
      [{ a: 1, b: ['x'] }, { a: null, b: [] }, null, { a: 3, b: null }],
      new Struct([
        new Field('a', new Int32(), true),
        new Field('b', new List(item(new Utf8())), true),
      ]),
    ),
  map: () =>
    vectorFromArray(
      [
        new Map([['a', 1]]),
        new Map(),
        null,
        new Map([
          ['b', 2],
          ['c', null],
        ]),
      ],
      new Map_<Utf8, Int32>(
        new Field(
          'entries',
          new Struct<{ key: Utf8; value: Int32 }>([
            new Field('key', new Utf8(), false),
            new Field('value', new Int32(), true),
          ]),
          false,
        ),
      ),
    ),
  dictionary_int8: () =>
    vectorFromArray(['x', 'y', null, 'x'], new Dictionary(new Utf8(), new Int8())),
  dictionary_uint32: () =>
    vectorFromArray(['x', 'y', null, 'x'], new Dictionary(new Utf8(), new Uint32())),
  dictionary_of_int64: () =>
    vectorFromArray([5n, 7n, null, 5n], new Dictionary(new Int64(), new Int32())),
};

/**
 * A table whose columns are all nullable. (`new Table({ … })` marks a column that has no nulls
 * non-nullable, and a `Null` column too, which the schema policy then refuses.)
 */
function nullableTable(columns: Record<string, Vector>): Table {
  const schema = new Schema(
    Object.entries(columns).map(([name, vector]) => new Field(name, vector.type, true)),
  );
  const length = Object.values(columns)[0]!.length;
  const data = makeData({
    type: new Struct(schema.fields),
    length,
    nullCount: 0,
    children: Object.values(columns).map((vector) => vector.data[0]!),
  });
  return new Table([new RecordBatch(schema, data)]);
}

function json(batches: readonly RecordBatch[]): string {
  const rows = batches.flatMap((batch) => batch.toArray().map((row) => row.toJSON()));
  return JSON.stringify(rows, (_key, value) => {
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (Object.is(value, -0)) return '-0';
    if (ArrayBuffer.isView(value)) return Array.from(value as Uint8Array);
    if (value instanceof Map) return [...value];
    return value;
  });
}

describe('Arrow types', () => {
  it('the cases cover every claimed type and nothing else', () => {
    const covered = new Set(
      Object.values(CASES).flatMap((make) =>
        new Table({ value: make() }).schema.fields.flatMap(typeNamesOf),
      ),
    );
    expect([...covered].sort()).toEqual([...PARQUET_ARROW_TYPES].sort());
    const store = new ParquetStore({ path: '/tmp/unused-dataset' });
    expect(store.capabilities.arrowTypes).toEqual(PARQUET_ARROW_TYPES);
  });

  it.each(Object.keys(CASES))(
    '%s round-trips exactly through read(), and DuckDB reads it',
    async (name) => {
      const directory = await temporaryDirectory();
      const path = join(directory, 'types');
      await using store = new ParquetStore({ path });
      await store.connect();
      const written = nullableTable({
        id: vectorFromArray([1, 2, 3, 4], new Int32()),
        value: CASES[name]!(),
      });
      await store.write(written);
      await store.finish();

      const batches = await readAll(store.read());
      expect(batches.map((batch) => String(batch.schema.fields[1]!.type))).toEqual([
        String(written.schema.fields[1]!.type),
      ]);
      expect(json(batches)).toBe(json(written.batches));

      const inspected = await inspectDataset(path);
      expect(inspected.map((row) => row.id)).toEqual([1, 2, 3, 4]);
      const column = written.getChild('value')!;
      expect(inspected.map((row) => row.value === null)).toEqual(
        [0, 1, 2, 3].map((index) => !column.isValid(index) || column.get(index) === null),
      );
    },
  );

  it('dictionary columns whose dictionary changes from batch to batch', async () => {
    const directory = await temporaryDirectory();
    await using store = new ParquetStore({ path: join(directory, 'dictionaries') });
    await store.connect();
    const type = () => new Dictionary(new Utf8(), new Int32());
    const first = new Table({ value: vectorFromArray(['a', 'b', 'a'], type()) });
    const second = new Table({ value: vectorFromArray(['c', 'a', null], type()) });
    await store.write(first);
    await store.write(second);
    await store.finish();
    const values = (await readAll(store.read())).flatMap((batch) => [...batch.getChild('value')!]);
    expect(values).toEqual(['a', 'b', 'a', 'c', 'a', null]);
  });

  it('time zones and units survive for readers that use the file alone', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'zones');
    await using store = new ParquetStore({ path });
    await store.connect();
    await store.write(
      new Table({
        utc_ms: raw64(new Timestamp(TimeUnit.MILLISECOND, 'UTC'), [1_700_000_000_123n]),
        naive_ns: raw64(new Timestamp(TimeUnit.NANOSECOND), [1_700_000_000_123_456_789n]),
      }),
    );
    await store.finish();
    const [row] = await inspectDataset(path);
    expect(row).toEqual({ utc_ms: 1_700_000_000_123n, naive_ns: 1_700_000_000_123_456_789n });
  });
});
