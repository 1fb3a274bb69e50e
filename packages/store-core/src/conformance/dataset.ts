/**
 * The kit's deterministic data. Most checks write the standard table: `id` (int64, the key,
 * never null), `tenant`, `name`, `value`, `flag` and `at` (a UTC millisecond timestamp), with a
 * few nulls. Row `n` is always the same, so a check can say exactly which rows production must
 * hold. A `variant` changes every column but `id` and `tenant`, for merges and updates.
 */
import {
  batchFromColumns,
  type Row,
  type RunType,
  type StoreCapabilities,
} from '@wharf/store-core';
import {
  Bool,
  Field,
  Float64,
  Int64,
  makeVector,
  Schema,
  Table,
  TimestampMillisecond,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { type CanonicalRow, canonicalRow } from './normalize.js';

/** 2024-01-01T00:00:00Z: the `at` of row 0. */
export const BASE_TIME_MS = Date.UTC(2024, 0, 1);

/** The two tenants of the standard table: odd ids belong to the first, even ids to the second. */
export const TENANTS = ['acme', 'globex'] as const;

/** The columns of the standard table, in order. */
export const STANDARD_FIELDS: readonly Field[] = [
  new Field('id', new Int64(), false),
  new Field('tenant', new Utf8(), true),
  new Field('name', new Utf8(), true),
  new Field('value', new Float64(), true),
  new Field('flag', new Bool(), true),
  new Field('at', new TimestampMillisecond('UTC'), true),
];

/** The schema of the standard table. */
export const STANDARD_SCHEMA = new Schema([...STANDARD_FIELDS]);

/** One row of the standard table, as JavaScript values. */
export interface StandardRow {
  readonly id: bigint;
  readonly tenant: string;
  readonly name: string | null;
  readonly value: number;
  readonly flag: boolean | null;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** Row `id` of the standard table, in `variant` (0 is the original). */
export function standardRow(id: number, variant = 0): StandardRow {
  return {
    id: BigInt(id),
    tenant: TENANTS[id % 2 === 1 ? 0 : 1],
    name: id % 7 === 0 ? null : variant === 0 ? `row-${id}` : `row-${id}-v${variant}`,
    value: id * 1.5 + variant * 1000,
    flag: id % 5 === 0 ? null : id % 3 === 0,
    at: BASE_TIME_MS + id * 1000 + variant * 60_000,
  };
}

/** Rows `startId` … `startId + count - 1` of the standard table. */
export function standardRows(startId: number, count: number, variant = 0): StandardRow[] {
  return Array.from({ length: count }, (_, index) => standardRow(startId + index, variant));
}

// The Arrow type each standard column needs the store to claim.
const COLUMN_TYPES: Record<string, string> = {
  id: 'int64',
  tenant: 'utf8',
  name: 'utf8',
  value: 'float64',
  flag: 'bool',
  at: 'timestamp',
};

/**
 * The standard columns a store can take: `id` always, the others only when the store claims
 * their Arrow type, so that a store with few types still runs the checks that need little.
 */
export function standardFieldsFor(capabilities: StoreCapabilities): Field[] {
  const claimed = Array.isArray(capabilities.arrowTypes) ? capabilities.arrowTypes : [];
  return STANDARD_FIELDS.filter(
    (field) => field.name === 'id' || claimed.includes(COLUMN_TYPES[field.name] as never),
  );
}

function column(field: Field, rows: readonly StandardRow[]): Vector {
  switch (field.name) {
    case 'id':
      return makeVector(BigInt64Array.from(rows.map((row) => row.id)));
    case 'tenant':
      return vectorFromArray(
        rows.map((row) => row.tenant),
        new Utf8(),
      );
    case 'name':
      return vectorFromArray(
        rows.map((row) => row.name),
        new Utf8(),
      );
    case 'value':
      return vectorFromArray(
        rows.map((row) => row.value),
        new Float64(),
      );
    case 'flag':
      return vectorFromArray(
        rows.map((row) => row.flag),
        new Bool(),
      );
    case 'at':
      return vectorFromArray(
        rows.map((row) => row.at),
        new TimestampMillisecond('UTC'),
      );
    default:
      throw new Error(`not a standard column: ${field.name}`);
  }
}

/** An Arrow table of `rows`, with the standard columns in `fields`. */
export function tableOf(
  rows: readonly StandardRow[],
  fields: readonly Field[] = STANDARD_FIELDS,
): Table {
  const schema = new Schema([...fields]);
  if (rows.length === 0) return new Table(schema);
  const batch = batchFromColumns(
    schema,
    fields.map((field) => column(field, rows)),
    rows.length,
  );
  return new Table([batch]);
}

/**
 * Rows `startId` … `startId + count - 1` of the standard table as an Arrow table (one record
 * batch). `fields` limits the columns (see {@link standardFieldsFor}).
 *
 * @example
 * await store.write(makeRows(1, 100)); // ids 1 … 100
 */
export function makeRows(
  startId: number,
  count: number,
  variant = 0,
  fields: readonly Field[] = STANDARD_FIELDS,
): Table {
  return tableOf(standardRows(startId, count, variant), fields);
}

/** A standard row as the record API takes it (only the columns in `fields`). */
export function asRecord(row: StandardRow, fields: readonly Field[] = STANDARD_FIELDS): Row {
  const record: Row = {};
  for (const field of fields) record[field.name] = row[field.name as keyof StandardRow];
  return record;
}

/** Standard rows in canonical form, for comparison with what production holds. */
export function canonicalStandard(
  rows: readonly StandardRow[],
  fields: readonly Field[] = STANDARD_FIELDS,
): CanonicalRow[] {
  return rows.map((row) => canonicalRow(asRecord(row, fields), fields));
}

/** What production must hold after a run of `run` rows with `runType` over `before`. */
export function applyRun(
  before: readonly StandardRow[],
  run: readonly StandardRow[],
  runType: RunType,
): StandardRow[] {
  if (runType === 'full_drop') return [...run];
  if (runType === 'incremental') return [...before, ...run];
  const replaced = new Map(run.map((row) => [row.id, row]));
  return [...before.filter((row) => !replaced.has(row.id)), ...replaced.values()];
}
