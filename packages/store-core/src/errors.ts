/**
 * The error model. Every error a store raises is a {@link StoreError}: a stable `code` from a
 * closed table, a `retryable` flag the retry runner trusts, and the driver's error as `cause`.
 *
 * `StoreError.isInstance(x)` works across two installed copies of `@wharf/store-core` (a
 * backend bundling an older copy, say), because it checks a `Symbol.for` marker rather than the
 * prototype chain.
 */
import { redact } from './redact.js';

const STORE_ERROR_MARKER = Symbol.for('wharf.store.error');

/** The closed table of error codes, one per failure reason. */
export const ERROR_CODES = {
  CONNECTION: 'WHARF_CONNECTION',
  NOT_FOUND: 'WHARF_NOT_FOUND',
  CONFLICT: 'WHARF_CONFLICT',
  VALIDATION: 'WHARF_VALIDATION',
  QUERY: 'WHARF_QUERY',
  MIGRATION: 'WHARF_MIGRATION',
  INTEGRITY: 'WHARF_INTEGRITY',
  STAGING: 'WHARF_STAGING',
  COMMIT: 'WHARF_COMMIT',
} as const;

/** One of the stable error codes of {@link ERROR_CODES}. */
export type StoreErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Options every store error accepts. */
export interface StoreErrorOptions {
  /** The underlying driver or system error. */
  cause?: unknown;
  /** Overrides the class default; the retry runner retries only retryable errors. */
  retryable?: boolean;
  /** Secrets (passwords, keys) to strip from the message in addition to URL credentials. */
  secrets?: readonly string[];
  /** Structured context for logs (store name, table, run id…). Never put secrets here. */
  details?: Record<string, unknown>;
}

/**
 * The base of every error a store raises.
 *
 * @example
 * try { await store.finish(); }
 * catch (error) { if (StoreError.isInstance(error) && error.retryable) retryLater(); }
 */
export class StoreError extends Error {
  /** The stable code; switch on it rather than on the class name. */
  readonly code: StoreErrorCode;
  /** Whether repeating the operation (after `cleanupStaging()`) may succeed. */
  readonly retryable: boolean;
  /** Structured context for logs. */
  readonly details: Record<string, unknown>;
  declare readonly cause?: unknown;

  constructor(code: StoreErrorCode, message: string, options: StoreErrorOptions = {}) {
    super(
      redact(message, options.secrets),
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
    Object.defineProperty(this, STORE_ERROR_MARKER, { value: true });
  }

  /** True for any `StoreError`, also one created by another installed copy of store-core. */
  static isInstance(value: unknown): value is StoreError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[STORE_ERROR_MARKER] === true
    );
  }
}

function defineError(code: StoreErrorCode, retryableByDefault: boolean) {
  return class extends StoreError {
    /** The code every instance of this class carries. */
    static readonly code: StoreErrorCode = code;
    constructor(message: string, options: StoreErrorOptions = {}) {
      super(code, message, { ...options, retryable: options.retryable ?? retryableByDefault });
    }
    /** True when `value` is a store error with this class's code, from any copy of core. */
    static override isInstance(value: unknown): value is StoreError {
      return StoreError.isInstance(value) && value.code === code;
    }
  };
}

/** Infrastructure failure: unreachable server, dropped connection, closed store. Retryable. */
export class ConnectionError extends defineError(ERROR_CODES.CONNECTION, true) {}
/** The addressed row, table or object does not exist. */
export class NotFoundError extends defineError(ERROR_CODES.NOT_FOUND, false) {}
/** A duplicate key, or a lost race for a commit. Retryable when the race can be rerun. */
export class ConflictError extends defineError(ERROR_CODES.CONFLICT, false) {}
/** The data, the schema, an identifier or an option does not fit. */
export class ValidationError extends defineError(ERROR_CODES.VALIDATION, false) {}
/** A query the backend rejected for another reason. */
export class QueryError extends defineError(ERROR_CODES.QUERY, false) {}
/** A schema migration failed; the schema is as it was. */
export class MigrationError extends defineError(ERROR_CODES.MIGRATION, false) {}
/** The backend found its own data inconsistent (constraint, checksum, journal). */
export class IntegrityError extends defineError(ERROR_CODES.INTEGRITY, false) {}
/** Staging a part failed; production is untouched. */
export class StagingError extends defineError(ERROR_CODES.STAGING, false) {}
/** Publishing a run failed; production is as before, or as after once recovered. */
export class CommitError extends defineError(ERROR_CODES.COMMIT, false) {}

/** Every concrete error class, keyed by code. */
export const ERROR_CLASSES = {
  [ERROR_CODES.CONNECTION]: ConnectionError,
  [ERROR_CODES.NOT_FOUND]: NotFoundError,
  [ERROR_CODES.CONFLICT]: ConflictError,
  [ERROR_CODES.VALIDATION]: ValidationError,
  [ERROR_CODES.QUERY]: QueryError,
  [ERROR_CODES.MIGRATION]: MigrationError,
  [ERROR_CODES.INTEGRITY]: IntegrityError,
  [ERROR_CODES.STAGING]: StagingError,
  [ERROR_CODES.COMMIT]: CommitError,
} as const;

/**
 * Error codes of Node.js sockets and HTTP clients that mean a request got no answer (refused,
 * reset, timed out, name not resolved): a backend maps them to a retryable `ConnectionError`.
 */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * HTTP statuses a later attempt may succeed with: a timeout (408), throttling (429) and
 * server failures (500, 502, 503, 504).
 */
export const TRANSIENT_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** True when the runner should retry after `error`: a retryable {@link StoreError}. */
export function isRetryable(error: unknown): boolean {
  return StoreError.isInstance(error) && error.retryable;
}

/** The message of any thrown value, for wrapping. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
