/**
 * The data of the Arrow type round trips: for each type, columns that hit its edges (minimum
 * and maximum, NaN and -0, empty and long strings, sub-millisecond timestamps, nulls), built
 * from raw storage where a JavaScript number would lose precision.
 */
import type { ArrowTypeName } from '@wharf/store-core';
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  DurationMillisecond,
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
  Struct,
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

/** The columns of one type's round trip; every column has the same length. */
export type FixtureColumns = Record<string, Vector>;

/** One type's round trip data. */
export interface ArrowFixture {
  /** The capability name it exercises, e.g. `timestamp`. */
  readonly type: ArrowTypeName;
  /** What the data covers, for the check's title. */
  readonly covers: string;
  build(): FixtureColumns;
}

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8) || 1);
  let nullCount = 0;
  values.forEach((value, index) => {
    if (value === null) nullCount += 1;
    else nullBitmap[index >> 3]! |= 1 << (index % 8);
  });
  return { nullBitmap, nullCount };
}

/** A timestamp column from raw integers in the type's unit (no precision lost). */
function timestampVector(type: DataType, values: readonly (bigint | null)[]): Vector {
  return makeVector(
    makeData({
      type: type as TimestampSecond,
      length: values.length,
      ...validity(values),
      data: BigInt64Array.from(values, (value) => value ?? 0n),
    }),
  );
}

/** A Decimal128 column from unscaled integers. */
function decimalVector(
  scale: number,
  precision: number,
  values: readonly (bigint | null)[],
): Vector {
  const words = new Uint32Array(values.length * 4);
  const view = new DataView(words.buffer);
  values.forEach((value, index) => {
    const unscaled = value ?? 0n;
    view.setBigUint64(index * 16, BigInt.asUintN(64, unscaled), true);
    view.setBigUint64(index * 16 + 8, BigInt.asUintN(64, unscaled >> 64n), true);
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

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 31 + seed) % 256);
}

const DAY_MS = 86_400_000;

/** One fixture per type of `COMMON_ARROW_TYPES`. */
export const COMMON_FIXTURES: readonly ArrowFixture[] = [
  {
    type: 'bool',
    covers: 'true, false, null',
    build: () => ({ value: vectorFromArray([true, false, null, true], new Bool()) }),
  },
  {
    type: 'int8',
    covers: 'min, max, 0, -1, null',
    build: () => ({ value: vectorFromArray([-128, 127, 0, -1, null], new Int8()) }),
  },
  {
    type: 'int16',
    covers: 'min, max, 0, -1, null',
    build: () => ({ value: vectorFromArray([-32768, 32767, 0, -1, null], new Int16()) }),
  },
  {
    type: 'int32',
    covers: 'min, max, 0, -1, null',
    build: () => ({ value: vectorFromArray([-2147483648, 2147483647, 0, -1, null], new Int32()) }),
  },
  {
    type: 'int64',
    covers: 'min, max, 0, -1, beyond 2^53, null',
    build: () => ({
      value: vectorFromArray(
        [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n, null],
        new Int64(),
      ),
    }),
  },
  {
    type: 'uint8',
    covers: '0, max, null',
    build: () => ({ value: vectorFromArray([0, 255, 1, null], new Uint8()) }),
  },
  {
    type: 'uint16',
    covers: '0, max, null',
    build: () => ({ value: vectorFromArray([0, 65535, 1, null], new Uint16()) }),
  },
  {
    type: 'uint32',
    covers: '0, max, null',
    build: () => ({ value: vectorFromArray([0, 4294967295, 1, null], new Uint32()) }),
  },
  {
    type: 'uint64',
    covers: '0, max, beyond 2^63, null',
    build: () => ({
      value: vectorFromArray([0n, 2n ** 64n - 1n, 2n ** 63n + 7n, null], new Uint64()),
    }),
  },
  {
    type: 'float32',
    covers: '0, -0, fractions, max, smallest subnormal, NaN, ±Infinity, null',
    build: () => ({
      value: vectorFromArray(
        [
          0,
          -0,
          1.5,
          -3.25,
          Math.fround(3.4028234663852886e38),
          Math.fround(1.401298464324817e-45),
          Math.fround(0.1),
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          null,
        ],
        new Float32(),
      ),
    }),
  },
  {
    type: 'float64',
    covers: '0, -0, 0.1 + 0.2, max, min subnormal, NaN, ±Infinity, null',
    build: () => ({
      value: vectorFromArray(
        [
          0,
          -0,
          0.1 + 0.2,
          Number.MAX_VALUE,
          Number.MIN_VALUE,
          -1e308,
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          null,
        ],
        new Float64(),
      ),
    }),
  },
  {
    type: 'decimal',
    covers: 'decimal(10, 2) and decimal(38, 0) at their limits, negatives, null',
    build: () => ({
      price: decimalVector(2, 10, [12345n, -1n, 0n, 9_999_999_999n, -9_999_999_999n, null]),
      big: decimalVector(0, 38, [10n ** 38n - 1n, -(10n ** 38n - 1n), 0n, 1n, -1n, null]),
    }),
  },
  {
    type: 'utf8',
    covers:
      'empty, accents, CJK, emoji, quotes and SQL, control characters, 10 000 characters, null',
    build: () => ({
      value: vectorFromArray(
        [
          '',
          'plain',
          'ünïcödé',
          '日本語テキスト',
          '😀👍🏽🏳️‍🌈',
          `it's "quoted"; DROP TABLE x; --`,
          'tab\tnewline\nbackslash\\',
          'x'.repeat(10_000),
          null,
        ],
        new Utf8(),
      ),
    }),
  },
  {
    type: 'binary',
    covers: 'empty, every byte value, 1 000 bytes, null',
    build: () => ({
      value: vectorFromArray(
        [new Uint8Array(0), Uint8Array.from([0, 1, 127, 128, 255]), bytes(1000, 7), null],
        new Binary(),
      ),
    }),
  },
  {
    type: 'date',
    covers: 'day and millisecond dates before, at and after the epoch, null',
    build: () => {
      const dates = [new Date(0), new Date(19_000 * DAY_MS), new Date(-DAY_MS), null];
      return {
        day: vectorFromArray(dates, new DateDay()),
        millisecond: vectorFromArray(dates, new DateMillisecond()),
      };
    },
  },
  {
    type: 'timestamp',
    covers: 'seconds to nanoseconds, no zone, UTC and Europe/Paris, before the epoch, null',
    build: () => ({
      s_none: timestampVector(new TimestampSecond(), [0n, 1_700_000_000n, -86_400n, null]),
      s_utc: timestampVector(new TimestampSecond('UTC'), [0n, 1_700_000_001n, -1n, null]),
      ms_none: timestampVector(new TimestampMillisecond(), [0n, 1_700_000_000_123n, -1n, null]),
      ms_utc: timestampVector(new TimestampMillisecond('UTC'), [
        1n,
        1_700_000_000_999n,
        -1_000n,
        null,
      ]),
      us_paris: timestampVector(new TimestampMicrosecond('Europe/Paris'), [
        1_700_000_000_123_456n,
        -1n,
        0n,
        null,
      ]),
      us_utc: timestampVector(new TimestampMicrosecond('UTC'), [
        1n,
        1_700_000_000_000_001n,
        -999n,
        null,
      ]),
      ns_utc: timestampVector(new TimestampNanosecond('UTC'), [
        1_700_000_000_123_456_789n,
        -1n,
        1n,
        null,
      ]),
      ns_none: timestampVector(new TimestampNanosecond(), [
        0n,
        999_999_999n,
        1_700_000_000_000_000_001n,
        null,
      ]),
    }),
  },
  {
    type: 'list',
    covers: 'list<int32>: values, empty list, null list, null item',
    build: () => ({
      value: vectorFromArray(
        [[1, 2, 3], [], null, [null, 4]],
        new List(new Field('item', new Int32(), true)),
      ),
    }),
  },
  {
    type: 'struct',
    covers: 'struct<a: int32, b: utf8>: values, null fields, null struct',
    build: () => ({
      value: vectorFromArray(
        [{ a: 1, b: 'x' }, { a: null, b: 'y' }, null, { a: 3, b: null }],
        new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]),
      ),
    }),
  },
  {
    type: 'dictionary',
    covers: 'dictionary<int32, utf8> with repeats and null',
    build: () => ({
      value: vectorFromArray(['a', 'b', 'a', null, 'c'], new Dictionary(new Utf8(), new Int32())),
    }),
  },
];

/** Types beyond the common ones, used to check that an unclaimed type is refused. */
export const EXTRA_FIXTURES: readonly ArrowFixture[] = [
  {
    type: 'interval',
    covers: 'interval<day_time>',
    build: () => ({
      value: vectorFromArray([Int32Array.from([1, 2]), null], new IntervalDayTime()),
    }),
  },
  {
    type: 'map',
    covers: 'map<utf8, int32>',
    build: () => ({
      value: vectorFromArray(
        [new Map([['a', 1]]), null],
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
    }),
  },
  {
    type: 'time',
    covers: 'time32<millisecond>',
    build: () => ({ value: vectorFromArray([1000, null], new TimeMillisecond()) }),
  },
  {
    type: 'duration',
    covers: 'duration<millisecond>',
    build: () => ({ value: vectorFromArray([1000n, null], new DurationMillisecond()) }),
  },
  {
    type: 'large_utf8',
    covers: 'large_utf8',
    build: () => ({ value: vectorFromArray(['a', null], new LargeUtf8()) }),
  },
  {
    type: 'large_binary',
    covers: 'large_binary',
    build: () => ({ value: vectorFromArray([Uint8Array.from([1]), null], new LargeBinary()) }),
  },
  {
    type: 'fixed_size_binary',
    covers: 'fixed_size_binary[4]',
    build: () => ({
      value: vectorFromArray([Uint8Array.from([1, 2, 3, 4]), null], new FixedSizeBinary(4)),
    }),
  },
  {
    type: 'float16',
    covers: 'float16',
    build: () => ({ value: vectorFromArray([1.5, null], new Float16()) }),
  },
  {
    type: 'fixed_size_list',
    covers: 'fixed_size_list[2]<float32>',
    build: () => ({
      value: vectorFromArray(
        [[1, 2], null],
        new FixedSizeList(2, new Field('item', new Float32(), true)),
      ),
    }),
  },
  {
    type: 'null',
    covers: 'null',
    build: () => ({ value: vectorFromArray([null, null], new Null()) }),
  },
];
