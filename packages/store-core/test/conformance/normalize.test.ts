/**
 * The kit compares values, not representations: an inspector may answer with Arrow or with
 * the rows a driver returns (strings for 64-bit integers, Dates, Buffers, ISO strings), and
 * only a real difference of value makes rows differ.
 */
import {
  Binary,
  DateDay,
  Decimal,
  Float64,
  Int64,
  makeData,
  makeVector,
  Table,
  TimestampMillisecond,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  canonicalize,
  makeRows,
  normalizeInspection,
  runConformance,
  STANDARD_FIELDS,
} from '../../src/conformance/runner.js';
import { optionsFor } from './reference-options.js';
import { inspectReference, ReferenceStore } from './reference-store.js';

function single(vector: ReturnType<typeof makeVector>) {
  return normalizeInspection(
    new Table({ value: vector }),
    new Table({ value: vector }).schema.fields,
  )[0]!.values.value;
}

describe('canonical values', () => {
  it('reads 64-bit integers from bigint, number or string alike', () => {
    const type = new Int64();
    expect(canonicalize(9007199254740993n, type)).toBe('9007199254740993');
    expect(canonicalize('9007199254740993', type)).toBe('9007199254740993');
    expect(canonicalize(42, type)).toBe(canonicalize(42n, type));
  });

  it('tells NaN, -0 and 0 apart', () => {
    const type = new Float64();
    expect(canonicalize(Number.NaN, type)).toBe('NaN');
    expect(canonicalize(-0, type)).not.toBe(canonicalize(0, type));
  });

  it('reads timestamps exactly from Arrow and accepts Date, ISO strings and bigint', () => {
    const nanoseconds = makeVector(
      makeData({
        type: new TimestampNanosecond('UTC'),
        length: 1,
        nullCount: 0,
        data: BigInt64Array.from([1_700_000_000_123_456_789n]),
      }),
    );
    expect(single(nanoseconds)).toBe('1700000000123456789');
    const type = new TimestampNanosecond('UTC');
    expect(canonicalize('2023-11-14T22:13:20.123456789Z', type)).toBe('1700000000123456789');
    expect(canonicalize(1_700_000_000_123_456_789n, type)).toBe('1700000000123456789');
    const milliseconds = new TimestampMillisecond('UTC');
    expect(canonicalize(new Date(1_700_000_000_123), milliseconds)).toBe('1700000000123');
    expect(canonicalize(new Date(1_700_000_000_000), new TimestampNanosecond())).toBe(
      '1700000000000000000',
    );
  });

  it('compares decimals by value, whatever the scale or representation', () => {
    const words = new Uint32Array(4);
    words[0] = 12345;
    const decimal = makeVector(
      makeData({ type: new Decimal(2, 10, 128), length: 1, nullCount: 0, data: words }),
    );
    expect(single(decimal)).toBe('123.45');
    expect(canonicalize('123.450', new Decimal(2, 10, 128))).toBe('123.45');
  });

  it('reads days as milliseconds and binary as hex', () => {
    expect(single(vectorFromArray([new Date(86_400_000)], new DateDay()))).toBe('86400000');
    expect(canonicalize(Buffer.from([1, 255]), new Binary())).toBe('hex:01ff');
    expect(canonicalize(Uint8Array.from([1, 255]), new Binary())).toBe('hex:01ff');
    expect(canonicalize(Buffer.from([1, 255]), new Utf8())).toMatch(/^unexpected:/);
  });

  it('fails clearly when the inspector lacks a column', () => {
    expect(() => normalizeInspection([{ id: 1n }], STANDARD_FIELDS)).toThrow(
      /row 0 has no column 'tenant'/,
    );
  });
});

describe('an inspector that returns driver rows', () => {
  it('passes a correct store just as an Arrow inspector does', { timeout: 60_000 }, async () => {
    const report = await runConformance({
      ...optionsFor(ReferenceStore),
      sections: ['staged-writes', 'run-types', 'records'],
      // Rows as a SQL driver gives them: int64 as string, timestamps as Date.
      inspect: async (context) =>
        (await inspectReference(context.table)).toArray().map((row) => {
          const values = row.toJSON() as Record<string, unknown>;
          return {
            ...values,
            id: String(values.id),
            at: values.at === null ? null : new Date(values.at as number),
            _run_id: 'bookkeeping columns are ignored',
          };
        }),
    });
    expect(report.checks.filter((check) => check.status === 'failed')).toEqual([]);
    expect(report.summary.passed).toBeGreaterThan(15);
  });

  it('still sees a difference of value', () => {
    const table = makeRows(1, 2);
    const rows = table.toArray().map((row) => ({ ...(row.toJSON() as object), name: 'changed' }));
    const canonical = normalizeInspection(rows, STANDARD_FIELDS);
    expect(canonical[0]?.key).not.toBe(normalizeInspection(table, STANDARD_FIELDS)[0]?.key);
  });
});
