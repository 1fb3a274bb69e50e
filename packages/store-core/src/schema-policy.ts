/**
 * The schema policy. A store's target schema comes from the options or from the first batch;
 * every later batch must fit it. With `schemaEvolution: 'add-columns'`, a batch may bring new
 * nullable columns, which widen the target. Batches are conformed to the target (column order,
 * missing nullable columns filled with nulls) so that backends see one shape. At publish, the
 * same rules decide how production's schema widens by a run's (`widenSchema`), so every
 * backend accepts and refuses the same runs with the same messages.
 */
import {
  Binary,
  Bool,
  type DataType,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { ValidationError } from './errors.js';
import type { Row } from './records.js';

const NULL_TYPE_ID = 1;

/** How a store treats a batch whose columns differ from the target schema. */
export type SchemaEvolution = 'strict' | 'add-columns';

/** Options shared by every store for its schema. */
export interface SchemaOptions {
  /**
   * The target schema. When absent, the first batch written decides it, with every column
   * nullable (apache-arrow infers non-nullable from a batch that merely has no nulls); pass a
   * schema to enforce non-nullable columns.
   */
  schema?: Schema;
  /**
   * `'strict'`: a batch must have the target's columns and types (missing nullable columns are
   * filled with nulls). `'add-columns'`: new nullable columns are added to the target.
   * @default 'strict'
   */
  schemaEvolution?: SchemaEvolution;
}

/** The outcome of fitting one batch to the target. */
export interface FittedBatch {
  /** The target after this batch (wider than before when a column was added). */
  schema: Schema;
  /** The batch with the target's columns, in the target's order. */
  batch: RecordBatch;
  /** Columns this batch added to the target. */
  added: Field[];
}

function sameType(left: DataType, right: DataType): boolean {
  return String(left) === String(right);
}

function nullColumn(type: DataType, length: number): Vector {
  // Built through a builder so that the column has real (zeroed) buffers: a buffer-less Data
  // breaks IPC writers and some encoders.
  return vectorFromArray(new Array<null>(length).fill(null), type);
}

/**
 * Fits `batch` to `target` under `evolution`, or throws a `ValidationError` that names the
 * column and the reason. Never alters `target` in place.
 */
export function fitBatch(
  target: Schema | undefined,
  batch: RecordBatch,
  evolution: SchemaEvolution = 'strict',
): FittedBatch {
  checkNonNullable(batch.schema, batch);
  if (target === undefined) {
    // apache-arrow marks a column non-nullable when its first batch happens to have no nulls;
    // a target inferred from that batch would then refuse the nulls of the next one.
    const schema = new Schema(
      batch.schema.fields.map((field) =>
        field.nullable ? field : field.clone({ nullable: true }),
      ),
      batch.schema.metadata,
    );
    return { schema, batch: rewrap(schema, batch), added: [] };
  }

  const incoming = new Map(batch.schema.fields.map((field) => [field.name, field]));
  const added: Field[] = [];
  for (const field of batch.schema.fields) {
    if (target.fields.some((existing) => existing.name === field.name)) continue;
    if (evolution === 'strict') {
      throw new ValidationError(
        `column '${field.name}' is not in the target schema (schemaEvolution is 'strict'; use 'add-columns' to add it)`,
        { details: { column: field.name } },
      );
    }
    if (!field.nullable) {
      throw new ValidationError(
        `column '${field.name}' is new and not nullable; only nullable columns can be added to an existing schema`,
        { details: { column: field.name } },
      );
    }
    added.push(field);
  }
  const schema =
    added.length === 0 ? target : new Schema([...target.fields, ...added], target.metadata);

  const children: Vector[] = [];
  for (const field of schema.fields) {
    const source = incoming.get(field.name);
    if (source === undefined) {
      if (!field.nullable) {
        throw new ValidationError(
          `column '${field.name}' is missing from the batch and is not nullable`,
          { details: { column: field.name } },
        );
      }
      children.push(nullColumn(field.type, batch.numRows));
      continue;
    }
    if (!sameType(field.type, source.type)) {
      throw new ValidationError(
        `column '${field.name}' has type ${String(source.type)} but the target schema has ${String(field.type)}`,
        {
          details: {
            column: field.name,
            expected: String(field.type),
            actual: String(source.type),
          },
        },
      );
    }
    const column = batch.getChild(field.name)!;
    if (!field.nullable && column.nullCount > 0 && (field.type.typeId as number) !== NULL_TYPE_ID) {
      throw new ValidationError(
        `column '${field.name}' is not nullable but the batch has ${column.nullCount} null value(s)`,
        { details: { column: field.name } },
      );
    }
    children.push(column);
  }
  if (batch.schema === schema) return { schema, batch, added };
  return { schema, batch: batchFromColumns(schema, children, batch.numRows), added };
}

/** The same columns under `schema` (same names and types), so every batch shares one schema. */
function rewrap(schema: Schema, batch: RecordBatch): RecordBatch {
  if (batch.schema === schema) return batch;
  return batchFromColumns(
    schema,
    schema.fields.map((field) => batch.getChild(field.name)!),
    batch.numRows,
  );
}

/** Builds a record batch of `schema` from one vector per field. */
export function batchFromColumns(schema: Schema, columns: Vector[], length: number): RecordBatch {
  const data = makeData({
    type: new Struct(schema.fields),
    length,
    nullCount: 0,
    children: columns.map((column) => column.data[0]!),
  });
  return new RecordBatch(schema, data);
}

/** Throws when a column declared non-nullable holds nulls. */
function checkNonNullable(schema: Schema, batch: RecordBatch): void {
  for (const field of schema.fields) {
    // A Null-typed column holds only nulls by definition; apache-arrow marks it non-nullable.
    if (field.nullable || (field.type.typeId as number) === NULL_TYPE_ID) continue;
    const column = batch.getChild(field.name);
    if (column && column.nullCount > 0) {
      throw new ValidationError(
        `column '${field.name}' is not nullable but the batch has ${column.nullCount} null value(s)`,
        { details: { column: field.name } },
      );
    }
  }
}

/** How {@link widenSchema} treats a run's columns that production does not have. */
export interface WidenOptions {
  /** Whether a run may add nullable columns (`schemaEvolution: 'add-columns'`). */
  addColumns: boolean;
  /** The store's name, which starts every error message (e.g. `sqlite:trips`). */
  store: string;
}

/** Production's schema after a run: {@link widenSchema}'s result. */
export interface WidenedSchema {
  /** Production's fields, then the fields the run adds (production itself when it adds none). */
  schema: Schema;
  /** The fields the run adds, in the run's order. */
  added: Field[];
}

/**
 * Production's schema widened by a run's, checked before a publish changes anything. A column
 * of both must have the same type; a column only the run has is added when `addColumns` is set
 * and it is nullable; a non-nullable production column must be in the run. Anything else is a
 * `ValidationError` that names the column. Neither schema is altered.
 *
 * @example
 * const { schema, added } = widenSchema(production, runSchema, { addColumns: true, store: name });
 * for (const field of added) await addColumn(field);
 */
export function widenSchema(production: Schema, run: Schema, options: WidenOptions): WidenedSchema {
  const { addColumns, store } = options;
  const added: Field[] = [];
  for (const field of run.fields) {
    const existing = production.fields.find((candidate) => candidate.name === field.name);
    if (existing) {
      if (!sameType(existing.type, field.type)) {
        throw new ValidationError(
          `${store}: column '${field.name}' is ${String(existing.type)} in production but ${String(field.type)} in this run`,
          { details: { column: field.name } },
        );
      }
      continue;
    }
    if (!addColumns || !field.nullable) {
      throw new ValidationError(
        `${store}: column '${field.name}' is not in production's schema (use schemaEvolution 'add-columns' with a nullable column)`,
        { details: { column: field.name } },
      );
    }
    added.push(field);
  }
  for (const field of production.fields) {
    if (!field.nullable && !run.fields.some((candidate) => candidate.name === field.name)) {
      throw new ValidationError(
        `${store}: this run lacks production's non-nullable column '${field.name}'`,
        { details: { column: field.name } },
      );
    }
  }
  const schema =
    added.length === 0
      ? production
      : new Schema([...production.fields, ...added], production.metadata);
  return { schema, added };
}

/**
 * {@link widenSchema} for schemas that may not exist yet: without production (nothing
 * published) the run's schema is production's next, and without a run schema (a run that
 * wrote nothing) production stays as it is.
 */
export function widenOptionalSchema(
  production: Schema | undefined,
  run: Schema | undefined,
  options: WidenOptions,
): Schema | undefined {
  if (!production) return run;
  if (!run) return production;
  return widenSchema(production, run, options).schema;
}

/**
 * The schema of a table first written through the record API (a record store given no
 * `schema` option), from that first row: one nullable column per property, `Int64` for a
 * bigint, `Float64` for a number, `Bool` for a boolean, `Binary` for a `Uint8Array` and `Utf8`
 * for anything else.
 */
export function schemaFromRow(row: Row): Schema {
  return new Schema(
    Object.entries(row).map(([name, value]) => {
      const type =
        typeof value === 'bigint'
          ? new Int64()
          : typeof value === 'number'
            ? new Float64()
            : typeof value === 'boolean'
              ? new Bool()
              : value instanceof Uint8Array
                ? new Binary()
                : new Utf8();
      return new Field(name, type, true);
    }),
  );
}
