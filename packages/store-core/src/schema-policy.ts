/**
 * The schema policy. A store's target schema comes from the options or from the first batch;
 * every later batch must fit it. With `schemaEvolution: 'add-columns'`, a batch may bring new
 * nullable columns, which widen the target. Batches are conformed to the target (column order,
 * missing nullable columns filled with nulls) so that backends see one shape.
 */
import {
  type DataType,
  type Field,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { ValidationError } from './errors.js';

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
