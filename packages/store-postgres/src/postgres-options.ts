/**
 * The options of `PostgresStore`, and the small pool interface `setPool()` accepts (a
 * `pg.Pool` satisfies it), declared here so that the published types need no `@types/pg`.
 */
import type { RecordOptions, RunType, SchemaOptions } from '@wharf/store-core';

/** Connection settings, when not given as a connection string. */
export interface PostgresConnectionConfig {
  /** @default 'localhost' (or `PGHOST`) */
  host?: string;
  /** @default 5432 (or `PGPORT`) */
  port?: number;
  /** @default the operating-system user (or `PGUSER`) */
  user?: string;
  /** Stripped from every message the store raises. @default none (or `PGPASSWORD`) */
  password?: string;
  /** @default the user name (or `PGDATABASE`) */
  database?: string;
  /** TLS: `true`, or options for `tls.connect`. @default false */
  ssl?: boolean | Record<string, unknown>;
}

/** Sizing of the pool the store creates (ignored after `setPool()`). */
export interface PostgresPoolOptions {
  /** Connections kept open when idle. @default 0 */
  min?: number;
  /** Connections at most. A run holds `copyStreams` from its first write to its commit. @default 10 */
  max?: number;
  /** An idle connection is closed after this long. @default 10_000 */
  idleTimeoutMs?: number;
  /** Opening a connection fails after this long. @default 10_000 */
  connectionTimeoutMs?: number;
}

/** Options of `PostgresStore`. `schema` is the Arrow schema; `pgSchema` the PostgreSQL one. */
export interface PostgresStoreOptions extends SchemaOptions, RecordOptions {
  /**
   * `postgres://user:password@host:port/database`. The password never appears in a message.
   * @default undefined (use `connection`, or libpq's `PG*` environment variables)
   */
  connectionString?: string;
  /** Connection settings instead of (or on top of) `connectionString`. @default {} */
  connection?: PostgresConnectionConfig;
  /** The production table: letters, digits and underscores. */
  table: string;
  /** The PostgreSQL schema (namespace) of the table and of wharf's bookkeeping tables. @default 'public' */
  pgSchema?: string;
  /** The run type until `configureForRun` says otherwise. @default 'incremental' */
  runType?: RunType;
  /**
   * Stage into `UNLOGGED` tables: no WAL, so loads are faster, and a server crash empties
   * them (the commit then fails and the run is retried).
   * @default true
   */
  unloggedStaging?: boolean;
  /**
   * How a `full_drop` empties production inside its transaction: `'truncate'` (fast; readers
   * whose snapshot predates the commit — REPEATABLE READ — see the table empty) or `'delete'`
   * (MVCC-safe for every isolation level; slower and leaves dead rows to vacuum).
   * @default 'truncate'
   */
  fullDropMode?: 'truncate' | 'delete';
  /** Sizing of the store's own pool. @default { min: 0, max: 10, idleTimeoutMs: 10_000, connectionTimeoutMs: 10_000 } */
  pool?: PostgresPoolOptions;
  /**
   * Connections a run stages through at once (several server processes parse the COPY in
   * parallel); `merge` runs always use one, as their order decides which row of a key wins.
   * @default 2
   */
  copyStreams?: number;
  /** Rows per staged part. @default 65_536 */
  partRows?: number;
  /** Bytes of Arrow data per staged part. @default 16 MiB */
  partBytes?: number;
  /** Rows per record batch of `read()`. @default 65_536 */
  readBatchRows?: number;
  /**
   * A run of another host whose journal entry is older than this counts as abandoned.
   * @default 3_600_000 (one hour)
   */
  staleRunAfterMs?: number;
}

/** A client of a {@link PostgresPool} (a `pg.PoolClient` is one). */
export interface PostgresPoolClient {
  query(...args: never[]): unknown;
  release(destroy?: boolean | Error): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The pool `setPool()` accepts: a `pg.Pool` from `pg` 8. */
export interface PostgresPool {
  connect(): Promise<PostgresPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The defaults of {@link PostgresPoolOptions}. */
export const DEFAULT_POOL: Required<PostgresPoolOptions> = {
  min: 0,
  max: 10,
  idleTimeoutMs: 10_000,
  connectionTimeoutMs: 10_000,
};

/** The passwords in the options, to strip from messages. */
export function secretsOf(options: PostgresStoreOptions): string[] {
  const secrets: string[] = [];
  if (options.connection?.password) secrets.push(options.connection.password);
  if (options.connectionString) {
    try {
      const password = new URL(options.connectionString).password;
      if (password) {
        secrets.push(password);
        const decoded = decodeURIComponent(password);
        if (decoded !== password) secrets.push(decoded);
      }
    } catch {
      // Not a URL (a libpq key=value string): `redact` strips `password=` values anyway.
    }
  }
  return secrets;
}
