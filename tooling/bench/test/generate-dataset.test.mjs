import { describe, expect, it } from 'vitest';
import { batchToCsv } from '../csv-format.mjs';
import {
  arrowBytes,
  benchSchema,
  CODE_LENGTH,
  generateDataset,
  NOTE_LENGTH,
} from '../generate-dataset.mjs';

const collect = (options) => [...generateDataset(options)];

/** Every value of a column over all batches, as plain JavaScript values. */
function columnValues(batches, name) {
  return batches.flatMap((batch) => [...batch.getChild(name)]);
}

describe('generateDataset', () => {
  it('has the reference shape: 8 columns, only ref_id nullable', () => {
    const [batch] = collect({ rows: 10 });
    expect(batch.schema.fields.map((field) => field.name)).toEqual(
      benchSchema.fields.map((field) => field.name),
    );
    expect(batch.schema.fields.map((field) => [field.name, String(field.type)])).toEqual([
      ['id', 'Int64'],
      ['quantity', 'Int32'],
      ['price', 'Float64'],
      ['code', 'Utf8'],
      ['note', 'Utf8'],
      ['active', 'Bool'],
      ['created_at', 'Timestamp<MILLISECOND, UTC>'],
      ['ref_id', 'Int64'],
    ]);
    expect(
      batch.schema.fields.filter((field) => field.nullable).map((field) => field.name),
    ).toEqual(['ref_id']);
  });

  it('yields exactly the requested rows in batches of batchRows, ids counting from 0', () => {
    const batches = collect({ rows: 25_001, batchRows: 10_000 });
    expect(batches.map((batch) => batch.numRows)).toEqual([10_000, 10_000, 5_001]);
    const ids = columnValues(batches, 'id');
    expect(ids[0]).toBe(0n);
    expect(ids.at(-1)).toBe(25_000n);
    expect(new Set(ids).size).toBe(25_001);
  });

  it('is deterministic: the same seed gives the same bytes, another seed other data', () => {
    const csv = (options) =>
      collect({ rows: 5_000, ...options })
        .map((batch) => batchToCsv(batch, 'iso'))
        .join('');
    expect(csv({ seed: 7 })).toBe(csv({ seed: 7 }));
    expect(csv({ seed: 7 })).not.toBe(csv({ seed: 8 }));
  });

  it('does not depend on the batch size: row i is the same in any batching', () => {
    const csv = (batchRows) =>
      collect({ rows: 3_000, batchRows })
        .map((batch) => batchToCsv(batch, 'sqlite'))
        .join('');
    expect(csv(1_000)).toBe(csv(65_536));
    expect(csv(7)).toBe(csv(1_000));
  });

  it('leaves about 10% of ref_id null and no other value null', () => {
    const batches = collect({ rows: 100_000 });
    const nulls = batches.reduce((sum, batch) => sum + batch.getChild('ref_id').nullCount, 0);
    expect(nulls / 100_000).toBeGreaterThan(0.09);
    expect(nulls / 100_000).toBeLessThan(0.11);
    for (const name of ['id', 'quantity', 'price', 'code', 'note', 'active', 'created_at']) {
      expect(batches.every((batch) => batch.getChild(name).nullCount === 0)).toBe(true);
    }
    const refs = columnValues(batches, 'ref_id');
    expect(refs.filter((value) => value === null)).toHaveLength(nulls);
  });

  it('writes ~12- and ~60-character strings of CSV-safe characters', () => {
    const batches = collect({ rows: 20_000 });
    for (const [name, range, mean] of [
      ['code', CODE_LENGTH, 12],
      ['note', NOTE_LENGTH, 60],
    ]) {
      const lengths = columnValues(batches, name).map((text) => text.length);
      expect(Math.min(...lengths)).toBe(range.min);
      expect(Math.max(...lengths)).toBe(range.max);
      const average = lengths.reduce((sum, length) => sum + length, 0) / lengths.length;
      expect(Math.abs(average - mean)).toBeLessThan(0.5);
      expect(columnValues(batches, name).every((text) => /^[A-Za-z0-9_-]+$/.test(text))).toBe(true);
    }
  });

  it('fills the other columns with plausible values', () => {
    const batches = collect({ rows: 10_000 });
    const active = columnValues(batches, 'active');
    const trueShare = active.filter(Boolean).length / active.length;
    expect(trueShare).toBeGreaterThan(0.45);
    expect(trueShare).toBeLessThan(0.55);
    const created = columnValues(batches, 'created_at');
    expect(created[0]).toBeGreaterThanOrEqual(Date.UTC(2024, 0, 1));
    expect(created.every((value, index) => index === 0 || value > created[index - 1] - 1000)).toBe(
      true,
    );
    const prices = columnValues(batches, 'price');
    expect(prices.every((price) => price >= 0 && price <= 100_000)).toBe(true);
    expect(prices.every((price) => Math.round(price * 100) / 100 === price)).toBe(true);
  });

  it('counts the Arrow bytes of a batch (the MB of MB/s)', () => {
    const [batch] = collect({ rows: 1_000 });
    // 8 + 4 + 8 + 8 bytes of fixed-width values, offsets of two text columns, two bitmaps.
    const fixed = 1_000 * (8 + 4 + 8 + 8 + 8) + 2 * 1_001 * 4 + 2 * 125;
    const text = columnValues([batch], 'code').join('').length;
    const notes = columnValues([batch], 'note').join('').length;
    expect(arrowBytes(batch)).toBe(fixed + text + notes);
  });
});
