/**
 * The record API: point reads and writes by key, for stores that claim `records`. Rows are
 * plain objects of JavaScript values (`bigint` for 64-bit integers, `Uint8Array` for binary,
 * numbers of milliseconds for timestamps and dates, arrays for lists, objects for structs).
 */

/** A value that can identify a row. */
export type KeyValue = string | number | bigint | boolean;

/** A row's key: the value of its single key column, or an object of every key column. */
export type RecordKey = KeyValue | Readonly<Record<string, KeyValue>>;

/** A row as the record API reads and writes it. */
export type Row = Record<string, unknown>;

/** A comparison on one column in a `where` clause. */
export interface ColumnCondition {
  eq?: unknown;
  ne?: unknown;
  gt?: unknown;
  gte?: unknown;
  lt?: unknown;
  lte?: unknown;
  in?: readonly unknown[];
  /** `true`: the column is null; `false`: it is not. */
  isNull?: boolean;
}

/** Conditions that must all hold: a plain value means equality. */
export type Where = Readonly<Record<string, unknown | ColumnCondition>>;

/** One ordering term. */
export interface OrderBy {
  column: string;
  /** @default 'asc' */
  direction?: 'asc' | 'desc';
}

/** What `list()` returns and in which order. */
export interface ListQuery {
  where?: Where;
  /**
   * Ordering terms. The key columns are always appended as a tie-breaker, so pages never
   * overlap or skip a row. @default the key columns, ascending
   */
  orderBy?: string | OrderBy | readonly (string | OrderBy)[];
  /** At most this many rows. @default no limit */
  limit?: number;
  /** Skip this many rows first. @default 0 */
  offset?: number;
}

/** The distance used by vector search. */
export type VectorMetric = 'cosine' | 'euclidean' | 'dot';

/** A nearest-neighbour query. */
export interface VectorQuery {
  /** The column holding the vectors (a list of floats). */
  column: string;
  /** The query vector; its length must match the stored vectors. */
  vector: readonly number[];
  /** How many neighbours. */
  k: number;
  /** @default 'cosine' */
  metric?: VectorMetric;
  /** Only rows that match. */
  where?: Where;
}

/** One search hit: for `cosine` and `dot` a higher score is nearer; for `euclidean`, lower. */
export interface VectorHit {
  row: Row;
  score: number;
}

/** The record API, on a store or on a tenant view of it. */
export interface RecordApi {
  /** The row with `key`, or `undefined`. */
  get(key: RecordKey): Promise<Row | undefined>;
  /** Adds a row; a `ConflictError` when its key exists. */
  insert(row: Row): Promise<void>;
  /** Changes the given columns of the row with `key`; a `NotFoundError` when absent. */
  update(key: RecordKey, patch: Row): Promise<Row>;
  /** Inserts, or replaces the row with the same key. */
  upsert(row: Row): Promise<void>;
  /** Deletes the row (soft-deletes it where the store does); `true` when a row was deleted. */
  delete(key: RecordKey): Promise<boolean>;
  /** Rows matching the query, in a stable order. */
  list(query?: ListQuery): Promise<Row[]>;
  /** How many rows match. */
  count(where?: Where): Promise<number>;
  /** Brings a soft-deleted row back; `NotFoundError` when there is none. */
  restore(key: RecordKey): Promise<void>;
  /** Soft-deleted rows, in the same order rules as `list`. */
  listDeleted(query?: ListQuery): Promise<Row[]>;
  /** The `k` nearest rows to a vector. */
  search(query: VectorQuery): Promise<VectorHit[]>;
}

/** Options of stores with the record API. */
export interface RecordOptions {
  /** The key column or columns; required for the record API and for `merge` runs. */
  key?: string | readonly string[];
  /** The column that holds the tenant id, for `forTenant()` views. */
  tenantColumn?: string;
  /** Deletes mark rows deleted instead of removing them. @default false */
  softDelete?: boolean;
}

/** The key columns of `options.key` as an array. */
export function keyColumns(key: string | readonly string[] | undefined): string[] {
  if (key === undefined) return [];
  return typeof key === 'string' ? [key] : [...key];
}
