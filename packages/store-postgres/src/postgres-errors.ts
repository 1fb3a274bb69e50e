/**
 * The one place where errors of the `pg` driver become wharf errors, by SQLSTATE for server
 * errors and by system code or message for network failures. No public method lets a raw
 * driver error escape: each wraps what it catches with {@link toStoreError}, which keeps the
 * driver's error as `cause` and redacts credentials from the message.
 */
import {
  ConflictError,
  ConnectionError,
  IntegrityError,
  QueryError,
  redact,
  type StoreError,
  StoreError as StoreErrorClass,
  ValidationError,
} from '@wharf/store-core';

/** Where an error happened, for its message and redaction. */
export interface ErrorContext {
  /** The store's name, e.g. `postgres:public.trips`. */
  readonly store: string;
  /** The operation, e.g. `insert` or `publish`. */
  readonly operation: string;
  /** Passwords to strip from the message (URL passwords are stripped anyway). */
  readonly secrets?: readonly string[];
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable|Connection ended|socket hang up/i;

interface DriverError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  table?: unknown;
  column?: unknown;
  constraint?: unknown;
  errors?: unknown;
}

function driverCode(error: DriverError): string | undefined {
  if (typeof error.code === 'string') return error.code;
  // Node reports a failed connection to every address of a host as an AggregateError.
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors as DriverError[]) {
      if (typeof inner?.code === 'string') return inner.code;
    }
  }
  return undefined;
}

/** True when `error` says the connection to the server failed or was lost. */
export function isConnectionFailure(error: unknown): boolean {
  if (StoreErrorClass.isInstance(error)) return error.code === 'WHARF_CONNECTION';
  if (typeof error !== 'object' || error === null) return false;
  const driver = error as DriverError;
  const code = driverCode(driver);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code)) return true;
    if (/^(08|53|57P0[123])/.test(code)) return true;
  }
  return typeof driver.message === 'string' && CONNECTION_MESSAGES.test(driver.message);
}

/**
 * Maps any error to a `StoreError`: a `StoreError` stays as it is; a `pg` error is mapped by
 * SQLSTATE —
 *
 * | SQLSTATE | error |
 * |---|---|
 * | 23505 | `ConflictError` |
 * | 23502, 22xxx | `ValidationError` |
 * | 40001, 40P01, 55P03 | `ConflictError`, retryable |
 * | 08xxx, 53xxx, 57P01–57P03, and ECONNREFUSED/ECONNRESET/ETIMEDOUT/"Connection terminated"… | `ConnectionError`, retryable |
 * | 28xxx, 3D000 | `ConnectionError`, not retryable (credentials, unknown database) |
 * | 42xxx | `QueryError` |
 * | other 23xxx | `IntegrityError` |
 * | an invalid connection URL | `ValidationError` |
 * | anything else | `QueryError` |
 *
 * The driver's error is kept as `cause`; the message is redacted.
 */
export function toStoreError(error: unknown, context: ErrorContext): StoreError {
  if (StoreErrorClass.isInstance(error)) return error;
  const driver = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  const code = driverCode(driver);
  const text =
    typeof driver.message === 'string' && driver.message !== ''
      ? driver.message
      : (code ?? String(error));
  const sqlstate = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const message = `${context.store}: ${context.operation} failed: ${text}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}`;
  const details: Record<string, unknown> = { operation: context.operation };
  if (code !== undefined) details.code = code;
  for (const name of ['table', 'column', 'constraint', 'detail'] as const) {
    if (typeof driver[name] === 'string') details[name] = driver[name];
  }
  const secrets = context.secrets ?? [];
  const options = { cause: safeCause(error, secrets), details, secrets };

  if (isConnectionFailure(error)) {
    return new ConnectionError(message, options);
  }
  if (code === 'ERR_INVALID_URL') return new ValidationError(message, options);
  if (sqlstate === undefined) return new QueryError(message, options);
  if (sqlstate.startsWith('28') || sqlstate === '3D000') {
    return new ConnectionError(message, { ...options, retryable: false });
  }
  if (sqlstate === '23505') return new ConflictError(message, options);
  if (sqlstate === '23502' || sqlstate.startsWith('22'))
    return new ValidationError(message, options);
  if (sqlstate === '40001' || sqlstate === '40P01' || sqlstate === '55P03') {
    return new ConflictError(message, { ...options, retryable: true });
  }
  if (sqlstate.startsWith('42')) return new QueryError(message, options);
  if (sqlstate.startsWith('23')) return new IntegrityError(message, options);
  return new QueryError(message, options);
}

/**
 * The driver's error, or a copy of it with credentials redacted when any of its text would
 * show one (Node's URL errors carry the whole connection string as `input`, say).
 */
function safeCause(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  const fields = Object.entries(error).filter(([, value]) => typeof value === 'string') as [
    string,
    string,
  ][];
  const texts = [error.message, error.stack ?? '', ...fields.map(([, value]) => value)];
  if (texts.every((text) => redact(text, secrets) === text)) return error;
  const copy = new Error(redact(error.message, secrets)) as Error & Record<string, unknown>;
  copy.name = error.name;
  copy.stack = redact(error.stack ?? '', secrets);
  for (const [name, value] of Object.entries(error)) {
    if (typeof value === 'string') copy[name] = redact(value, secrets);
    else if (typeof value === 'number' || typeof value === 'boolean') copy[name] = value;
  }
  return copy;
}
