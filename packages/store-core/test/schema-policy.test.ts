import {
  Field,
  Int32,
  makeData,
  Null,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { fitBatch, ValidationError, widenOptionalSchema, widenSchema } from '../src/index.js';

/** One batch; string arrays become plain Utf8 columns (tableFromArrays would dictionary-encode). */
const batchOf = (columns: Record<string, Int32Array | string[]>) =>
  new Table(
    Object.fromEntries(
      Object.entries(columns).map(([name, values]) => [
        name,
        Array.isArray(values) ? vectorFromArray(values, new Utf8()) : vectorFromArray(values),
      ]),
    ),
  ).batches[0]!;

describe('fitBatch', () => {
  const target = new Schema([
    new Field('id', new Int32(), true),
    new Field('name', new Utf8(), true),
  ]);

  it('takes the first batch as the target', () => {
    const batch = batchOf({ id: Int32Array.from([1]) });
    const fitted = fitBatch(undefined, batch);
    expect(fitted.schema.fields.map((field) => [field.name, field.nullable])).toEqual([
      ['id', true],
    ]);
    expect(fitted.batch.schema.fields).toEqual(fitted.schema.fields);
  });

  it('names the column of a type mismatch', () => {
    const batch = batchOf({ id: ['x'], name: ['a'] });
    expect(() => fitBatch(target, batch)).toThrow(
      /column 'id' has type Utf8 but the target schema has Int32/,
    );
  });

  it('rejects a new column under strict and adds a nullable one under add-columns', () => {
    const batch = batchOf({ id: Int32Array.from([2]), name: ['b'], extra: ['e'] });
    expect(() => fitBatch(target, batch, 'strict')).toThrow(
      /column 'extra' is not in the target schema/,
    );
    const fitted = fitBatch(target, batch, 'add-columns');
    expect(fitted.schema.fields.map((field) => field.name)).toEqual(['id', 'name', 'extra']);
    expect(fitted.added.map((field) => field.name)).toEqual(['extra']);
  });

  it('fills a missing nullable column with nulls and reorders columns', () => {
    const batch = batchOf({ name: ['b', 'c'] });
    const fitted = fitBatch(target, batch);
    expect(fitted.batch.schema.fields.map((field) => field.name)).toEqual(['id', 'name']);
    expect(fitted.batch.getChild('id')!.nullCount).toBe(2);
  });

  it('fills with a real column that survives an IPC round trip', () => {
    const fitted = fitBatch(target, batchOf({ name: ['b', 'c'] }));
    const back = tableFromIPC(tableToIPC(new Table([fitted.batch])));
    expect(back.getChild('id')!.toArray()).toEqual(new Int32Array([0, 0]));
    expect([...back.getChild('id')!]).toEqual([null, null]);
  });

  it('accepts a Null-typed column, which holds only nulls by definition', () => {
    const batch = new Table({ nothing: vectorFromArray([null, null], new Null()) }).batches[0]!;
    expect(batch.schema.fields[0]!.nullable).toBe(false);
    expect(() => fitBatch(undefined, batch)).not.toThrow();
  });

  it('rejects nulls in a non-nullable column', () => {
    const strictSchema = new Schema([
      new Field('id', new Int32(), false),
      new Field('name', new Utf8(), true),
    ]);
    const id = vectorFromArray([1, null], new Int32());
    const name = vectorFromArray(['a', 'b'], new Utf8());
    const data = makeData({
      type: new Struct(strictSchema.fields),
      length: 2,
      nullCount: 0,
      children: [id.data[0]!, name.data[0]!],
    });
    const batch = new RecordBatch(strictSchema, data);
    expect(() => fitBatch(strictSchema, batch)).toThrow(ValidationError);
    expect(() => fitBatch(undefined, batch)).toThrow(
      /column 'id' is not nullable but the batch has 1 null/,
    );
  });

  it('rejects a missing non-nullable column', () => {
    const strictSchema = new Schema([
      new Field('id', new Int32(), false),
      new Field('name', new Utf8(), true),
    ]);
    expect(() => fitBatch(strictSchema, batchOf({ name: ['a'] }))).toThrow(
      /column 'id' is missing/,
    );
  });
});

describe('widenSchema', () => {
  const production = new Schema([
    new Field('id', new Int32(), false),
    new Field('name', new Utf8(), true),
  ]);
  const strict = { addColumns: false, store: 'memory:trips' };
  const adding = { addColumns: true, store: 'memory:trips' };

  it('keeps production as it is when the run brings no new column', () => {
    const run = new Schema([new Field('id', new Int32(), false)]);
    const widened = widenSchema(production, run, strict);
    expect(widened.schema).toBe(production);
    expect(widened.added).toEqual([]);
  });

  it("adds a new nullable column only with addColumns, after production's columns", () => {
    const note = new Field('note', new Utf8(), true);
    const run = new Schema([note, new Field('id', new Int32(), false)]);
    expect(() => widenSchema(production, run, strict)).toThrow(
      "memory:trips: column 'note' is not in production's schema (use schemaEvolution 'add-columns' with a nullable column)",
    );
    const widened = widenSchema(production, run, adding);
    expect(widened.schema.fields.map((field) => field.name)).toEqual(['id', 'name', 'note']);
    expect(widened.added).toEqual([note]);
  });

  it('refuses a new non-nullable column even with addColumns', () => {
    const run = new Schema([
      new Field('id', new Int32(), false),
      new Field('code', new Int32(), false),
    ]);
    expect(() => widenSchema(production, run, adding)).toThrow(
      /column 'code' is not in production/,
    );
  });

  it('names the column whose type differs', () => {
    const run = new Schema([new Field('id', new Utf8(), false)]);
    expect(() => widenSchema(production, run, adding)).toThrow(
      "memory:trips: column 'id' is Int32 in production but Utf8 in this run",
    );
  });

  it("refuses a run that lacks one of production's non-nullable columns", () => {
    const run = new Schema([new Field('name', new Utf8(), true)]);
    let caught: unknown;
    try {
      widenSchema(production, run, adding);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).message).toBe(
      "memory:trips: this run lacks production's non-nullable column 'id'",
    );
    expect((caught as ValidationError).details).toEqual({ column: 'id' });
  });

  it('takes the run schema before anything is published, and production after an empty run', () => {
    const run = new Schema([new Field('id', new Int32(), true)]);
    expect(widenOptionalSchema(undefined, run, strict)).toBe(run);
    expect(widenOptionalSchema(production, undefined, strict)).toBe(production);
    expect(widenOptionalSchema(undefined, undefined, strict)).toBeUndefined();
  });
});
