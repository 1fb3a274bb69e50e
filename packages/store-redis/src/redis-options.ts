/** The options of `RedisStore`, their defaults and their validation (before any I/O). */
import {
  assertIdentifier,
  keyColumns,
  type RecordOptions,
  type RunType,
  type SchemaOptions,
  ValidationError,
} from '@wharf/store-core';
import type { RedisConnectionOptions } from './redis-connection.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions extends RedisConnectionOptions, SchemaOptions, RecordOptions {
  /** The key space's name: letters, digits and underscores (the store's keys start `{prefix:table}`). */
  table: string;
  /**
   * The first part of every key's hash tag: letters, digits, `.`, `_` and `-`.
   * @default 'wharf'
   */
  prefix?: string;
  /**
   * Row hashes expire this many seconds after they were last written (loaded or changed through
   * the record API). Expired rows disappear from every read.
   * @default undefined (rows never expire)
   */
  ttlSeconds?: number;
  /** The run type until `configureForRun` says otherwise. @default 'incremental' */
  runType?: RunType;
  /** Rows per staged part. @default 65_536 */
  partRows?: number;
  /** Bytes of Arrow data per staged part. @default 16 MiB */
  partBytes?: number;
  /**
   * Rows per staging transaction: an HSET per row and one ZADD of their identifiers, sent as one
   * `MULTI`/`EXEC`, the pipeline's unit of flushing.
   * @default 1000
   */
  pipelineBatch?: number;
  /** Staging transactions in flight at once on the connection. @default 4 */
  pipelineDepth?: number;
  /**
   * An `incremental` or `merge` run into a non-empty production with up to this many rows is
   * published by one script that renames its rows into production; a larger run gets
   * production's rows copied into its own version instead (in bounded calls) and switches to it
   * in one script. Bounds how long one publish can block the server.
   * @default 20_000
   */
  maxScriptRows?: number;
  /**
   * A run of another host whose journal entry is older than this counts as abandoned.
   * @default 3_600_000 (one hour)
   */
  staleRunAfterMs?: number;
}

/** The options with defaults applied and checked. */
export interface ResolvedOptions {
  readonly table: string;
  readonly prefix: string;
  readonly key: string[];
  readonly ttlMs: number;
  readonly pipelineBatch: number;
  readonly pipelineDepth: number;
  readonly maxScriptRows: number;
}

const PREFIX = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Checks `options` and applies the defaults; a `ValidationError` names the first bad option. */
export function resolveOptions(options: RedisStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('RedisStore needs an options object');
  }
  const table = assertIdentifier(options.table);
  const prefix = options.prefix ?? 'wharf';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new ValidationError(
      `prefix ${JSON.stringify(prefix)} is not allowed: use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)`,
    );
  }
  const key = keyColumns(options.key);
  for (const column of key) assertIdentifier(column, 'key column');
  if (options.tenantColumn !== undefined) assertIdentifier(options.tenantColumn, 'tenant column');
  if (options.url !== undefined && options.cluster !== undefined) {
    throw new ValidationError('pass either url or cluster, not both');
  }
  if (options.cluster !== undefined && !Array.isArray(options.cluster.nodes)) {
    throw new ValidationError('cluster.nodes must be an array of start-up nodes');
  }
  let ttlMs = 0;
  if (options.ttlSeconds !== undefined) {
    if (typeof options.ttlSeconds !== 'number' || !(options.ttlSeconds > 0)) {
      throw new ValidationError(
        `ttlSeconds must be a positive number, got ${String(options.ttlSeconds)}`,
      );
    }
    ttlMs = Math.max(1, Math.round(options.ttlSeconds * 1000));
  }
  return {
    table,
    prefix,
    key,
    ttlMs,
    pipelineBatch: positiveInteger(options.pipelineBatch, 'pipelineBatch', 1000),
    pipelineDepth: positiveInteger(options.pipelineDepth, 'pipelineDepth', 4),
    maxScriptRows: positiveInteger(options.maxScriptRows, 'maxScriptRows', 20_000),
  };
}
