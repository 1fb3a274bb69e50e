import { batchFromColumns, runFlow } from '@wharf/store-core';
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  DurationMillisecond,
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
  type RecordBatch,
  Schema,
  Struct,
  Table,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
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
import { describe, expect, it } from 'vitest';
import { REDIS_ARROW_TYPES } from '../src/index.js';
import { makeStore, targets } from './helpers.js';
import { probeClient, type Target } from './redis-probe.js';

function raw(type: DataType, values: ArrayLike<number | bigint>, valid: boolean[]): Vector {
  const nullBitmap = new Uint8Array(Math.ceil(valid.length / 8));
  valid.forEach((ok, index) => {
    if (ok) nullBitmap[index >> 3]! |= 1 << (index % 8);
  });
  return makeVector(
    makeData({
      type,
      length: valid.length,
      nullCount: valid.filter((ok) => !ok).length,
      nullBitmap,
      data: values,
    } as never),
  );
}

const valid = [true, false, true, true];

function sample(): Table {
  const item = (type: DataType) => new Field('item', type, true);
  const decimalWords = new Uint32Array(16);
  // 123.45, null, -0.01, 2^100 (unscaled) at scale 2.
  decimalWords.set([12345, 0, 0, 0], 0);
  decimalWords.set([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 8);
  decimalWords[8] = 0xffffffff;
  decimalWords.set([0, 0, 0, 16], 12);
  const columns: Record<string, Vector> = {
    nothing: vectorFromArray([null, null, null, null], new Null()),
    flag: vectorFromArray([true, null, false, true], new Bool()),
    i8: vectorFromArray([-128, null, 0, 127], new Int8()),
    i16: vectorFromArray([-32768, null, 1, 32767], new Int16()),
    i32: vectorFromArray([-2147483648, null, 2, 2147483647], new Int32()),
    i64: raw(new Int64(), BigInt64Array.from([-(2n ** 63n), 0n, 3n, 2n ** 63n - 1n]), valid),
    u8: vectorFromArray([255, null, 0, 1], new Uint8()),
    u16: vectorFromArray([65535, null, 0, 1], new Uint16()),
    u32: vectorFromArray([4294967295, null, 0, 1], new Uint32()),
    u64: raw(new Uint64(), BigUint64Array.from([2n ** 64n - 1n, 0n, 0n, 1n]), valid),
    f16: vectorFromArray([1.5, null, -0.0999755859375, 65504], new Float16()),
    f32: vectorFromArray([0.1, null, Number.NaN, -0], new Float32()),
    f64: vectorFromArray([0.1 + 0.2, null, Number.POSITIVE_INFINITY, -0], new Float64()),
    dec: raw(new Decimal(2, 38, 128), decimalWords, valid),
    text: vectorFromArray(['héllo', null, '', 'a\u0000b'], new Utf8()),
    large: vectorFromArray(['big', null, '', '💡'], new LargeUtf8()),
    bytes: vectorFromArray(
      [Uint8Array.of(0, 255, 10), null, new Uint8Array(0), Uint8Array.of(13, 10)],
      new Binary(),
    ),
    largeBytes: vectorFromArray(
      [Uint8Array.of(1), null, Uint8Array.of(), Uint8Array.of(2, 3)],
      new LargeBinary(),
    ),
    fixed: vectorFromArray(
      [Uint8Array.of(1, 2, 3, 4), null, Uint8Array.of(0, 0, 0, 0), Uint8Array.of(9, 9, 9, 9)],
      new FixedSizeBinary(4),
    ),
    day: raw(new DateDay(), Int32Array.from([-1, 0, 19_723, 1]), valid),
    dayMs: raw(
      new DateMillisecond(),
      BigInt64Array.from([1_704_067_200_000n, 0n, -86_400_000n, 0n]),
      valid,
    ),
    timeMs: raw(new TimeMillisecond(), Int32Array.from([0, 0, 86_399_999, 1]), valid),
    timeUs: raw(new TimeMicrosecond(), BigInt64Array.from([1n, 0n, 86_399_999_999n, 2n]), valid),
    timeNs: raw(new TimeNanosecond(), BigInt64Array.from([1n, 0n, 86_399_999_999_999n, 3n]), valid),
    tsS: raw(new TimestampSecond('UTC'), BigInt64Array.from([1_704_067_200n, 0n, -1n, 0n]), valid),
    tsUs: raw(
      new TimestampMicrosecond(),
      BigInt64Array.from([1_704_067_200_123_456n, 0n, 1n, 0n]),
      valid,
    ),
    tsNs: raw(
      new TimestampNanosecond('Europe/Oslo'),
      BigInt64Array.from([1_704_067_200_123_456_789n, 0n, -1n, 2n ** 62n]),
      valid,
    ),
    durMs: raw(new DurationMillisecond(), BigInt64Array.from([5n, 0n, -5n, 0n]), valid),
    durNs: raw(new DurationNanosecond(), BigInt64Array.from([2n ** 62n, 0n, 1n, 0n]), valid),
    list: vectorFromArray(
      [[1n, 2n], null, [], [9_007_199_254_740_993n]],
      new List(item(new Int64())),
    ),
    listText: vectorFromArray([['a', null], null, [], ['b']], new List(item(new Utf8()))),
    pair: vectorFromArray(
      [[1.5, 2.5], null, [0, -0], [Number.NaN, 1]],
      new FixedSizeList(2, item(new Float32())),
    ),
    record: vectorFromArray(
      [{ a: 1, b: 'x' }, null, { a: null, b: '' }, { a: -1, b: null }],
      new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]),
    ),
    mapping: vectorFromArray(
      [
        new Map([['k', 1n]]),
        null,
        new Map(),
        new Map([
          ['a', 2n],
          ['b', null],
        ]),
      ],
      new Map_(
        new Field(
          'entries',
          new Struct([new Field('key', new Utf8(), false), new Field('value', new Int64(), true)]),
          false,
        ) as never,
      ),
    ),
    category: vectorFromArray(
      ['red', null, 'blue', 'red'],
      new Dictionary(new Utf8(), new Int32()),
    ),
  };
  const schema = new Schema(
    Object.entries(columns).map(([name, vector]) => new Field(name, vector.type, true)),
  );
  return new Table([batchFromColumns(schema, Object.values(columns), 4)]);
}

function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number')
    return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value;
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (value instanceof Map) return [...value].map(([key, item]) => [plain(key), plain(item)]);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const json = (value as { toJSON(): unknown }).toJSON();
    if (Array.isArray(json)) return json.map(plain);
    if (json && typeof json === 'object') {
      return Object.fromEntries(Object.entries(json).map(([name, item]) => [name, plain(item)]));
    }
    return plain(json);
  }
  if (typeof value === 'object' && Symbol.iterator in (value as object)) {
    return Array.from(value as Iterable<unknown>, plain);
  }
  return value;
}

/** Every cell of a column, exactly: raw storage for fixed-width types, `get()` otherwise. */
function cells(vector: Vector): unknown[] {
  const result: unknown[] = [];
  for (let index = 0; index < vector.length; index += 1) {
    if (!vector.isValid(index)) {
      result.push(null);
      continue;
    }
    const data = vector.data[0]!;
    const typeId = (vector.type as { typeId: number }).typeId;
    if ([8, 9, 10, 18].includes(typeId)) result.push(plain(data.values[index]));
    else if (typeId === 7) result.push(Array.from(data.values.subarray(index * 4, index * 4 + 4)));
    else result.push(plain(vector.get(index)));
  }
  return result;
}

async function readAll(iterable: AsyncIterable<RecordBatch>): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const batch of iterable) batches.push(batch);
  return new Table(batches);
}

describe.each(targets())('Arrow types ($kind)', (target: Target) => {
  it('round-trips every claimed type exactly, nulls included', async () => {
    const table = sample();
    await using store = makeStore(target);
    await store.connect();
    await runFlow([table], store, { runType: 'full_drop' });
    const back = await readAll(store.read());
    expect(back.numRows).toBe(table.numRows);
    for (const field of table.schema.fields) {
      const returned = back.schema.fields.find((candidate) => candidate.name === field.name);
      expect(String(returned?.type), field.name).toBe(String(field.type));
      expect(cells(back.getChild(field.name)!), field.name).toEqual(
        cells(table.getChild(field.name)!),
      );
    }
    const claimed = new Set(REDIS_ARROW_TYPES);
    for (const name of ['null', 'float16', 'decimal', 'large_utf8', 'time', 'duration', 'map']) {
      expect(claimed.has(name as never)).toBe(true);
    }
  });

  it('stores floats as their shortest decimal text and integer keys as the documented identifiers', async () => {
    const prices = [
      0.1,
      0.1 + 0.2,
      48_213.57,
      -0.000001,
      1e-7,
      123_456_789.123,
      2 ** 60,
      1e21,
      -0,
      5e-324,
      1 / 3,
      999_999_999.999999,
      -12.25,
      4_503_599_627.370496,
    ];
    const ids = [
      -42n,
      0n,
      42n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      9_007_199_254_740_993n,
      -9_007_199_254_740_993n,
      9_007_199_254_740_991n,
      -9_007_199_254_740_991n,
      1n,
      -1n,
      10n,
      -100n,
      123_456_789_012n,
    ];
    const table = new Table({
      id: makeVector(BigInt64Array.from(ids)),
      price: vectorFromArray(prices, new Float64()),
      single: vectorFromArray(
        prices.map((price) => Math.fround(price)),
        new Float32(),
      ),
    });
    await using store = makeStore(target, { key: 'id' });
    await store.connect();
    await runFlow([table], store, { runType: 'full_drop' });
    const probe = probeClient(target);
    try {
      const version = await probe.get(`${store.keyTag}:current`);
      // The README's identifiers: p, two digits of length, the digits; n, 99 minus the length,
      // each digit d as 9 - d.
      const member = (id: bigint) => {
        const digits = (id < 0n ? -id : id).toString();
        if (id >= 0n) return `p${String(digits.length).padStart(2, '0')}${digits}`;
        const complement = [...digits].map((digit) => String(9 - Number(digit))).join('');
        return `n${String(99 - digits.length).padStart(2, '0')}${complement}`;
      };
      const members = await probe.zrange(`${store.keyTag}:v${version}:index`, '0', '-1');
      expect(members.sort()).toEqual(ids.map(member).sort());
      for (const [row, id] of ids.entries()) {
        const key = `${store.keyTag}:v${version}:row:${member(id)}`;
        const [price, single, stored] = await probe.hmget(key, 'price', 'single', 'id');
        const text = (value: number) => (Object.is(value, -0) ? '-0' : String(value));
        expect(price, `price ${prices[row]}`).toBe(text(prices[row]!));
        expect(single, `single ${prices[row]}`).toBe(text(Math.fround(prices[row]!)));
        expect(stored).toBe(String(id));
      }
    } finally {
      probe.disconnect();
    }
    for (const id of ids) expect((await store.get(id))?.id).toBe(id);
  });

  it('finds rows by text keys, ASCII or not', async () => {
    const names = ['plain', 'héllo', '💡', '', 'a b', 'zz'];
    await using store = makeStore(target, { key: 'name' });
    await store.connect();
    await runFlow(
      [
        new Table({
          name: vectorFromArray(names, new Utf8()),
          rank: vectorFromArray(
            names.map((_, index) => index),
            new Int32(),
          ),
        }),
      ],
      store,
      { runType: 'full_drop' },
    );
    for (const [rank, name] of names.entries()) {
      expect(await store.get(name)).toEqual({ name, rank });
    }
    expect((await store.list()).map((row) => row.name)).toEqual(
      [...names].sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right))),
    );
  });

  it('refuses a type it does not claim, naming the column', async () => {
    await using store = makeStore(target);
    await store.connect();
    const table = new Table({
      span: vectorFromArray([Int32Array.of(1, 2)], new IntervalDayTime()),
    });
    await expect(store.write(table)).rejects.toMatchObject({
      code: 'WHARF_VALIDATION',
      message: expect.stringContaining("'span'"),
    });
  });
});
