/**
 * The kit's assertions. A failed check throws a {@link ConformanceFailure} whose message tells
 * the store's author which invariant broke, what the kit saw and what it expected, so the
 * report reads without opening the kit's source.
 */
import { ERROR_CODES, SimulatedCrash, StoreError } from '@wharf/store-core';

/** A broken invariant, found by a check. Its message is the report's `error`. */
export class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceFailure';
  }

  /** True for a `ConformanceFailure` from any copy of the kit. */
  static isInstance(value: unknown): value is ConformanceFailure {
    return value instanceof Error && value.name === 'ConformanceFailure';
  }
}

/** Fails the running check with `message`. */
export function fail(message: string): never {
  throw new ConformanceFailure(message);
}

/** Fails the running check with `message` unless `condition` holds. */
export function ensure(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) fail(typeof message === 'function' ? message() : message);
}

/** The error classes a check can expect, by the name used in messages. */
export type ExpectedError =
  | 'ConnectionError'
  | 'NotFoundError'
  | 'ConflictError'
  | 'ValidationError'
  | 'StoreError';

const EXPECTED_CODES: Record<ExpectedError, string | undefined> = {
  ConnectionError: ERROR_CODES.CONNECTION,
  NotFoundError: ERROR_CODES.NOT_FOUND,
  ConflictError: ERROR_CODES.CONFLICT,
  ValidationError: ERROR_CODES.VALIDATION,
  StoreError: undefined,
};

/** A short description of any thrown value: class, code, message. */
export function describeError(error: unknown): string {
  if (StoreError.isInstance(error)) {
    return `${error.name} (${error.code}${error.retryable ? ', retryable' : ''}): ${truncate(error.message, 300)}`;
  }
  if (SimulatedCrash.isInstance(error)) return `SimulatedCrash: ${error.message}`;
  if (error instanceof Error) return `a raw ${error.name}: ${truncate(error.message, 300)}`;
  return `a thrown ${typeof error} (${truncate(String(error), 100)})`;
}

/** True when `error` is a store error of the expected kind. */
export function isExpectedError(error: unknown, expected: ExpectedError): error is StoreError {
  if (!StoreError.isInstance(error)) return false;
  const code = EXPECTED_CODES[expected];
  return code === undefined || error.code === code;
}

/**
 * Runs `action` and returns what it threw; `undefined` when it returned normally. A synchronous
 * throw counts like a rejection.
 */
export async function attempt(action: () => unknown): Promise<unknown> {
  try {
    await action();
    return undefined;
  } catch (error) {
    return error === undefined ? new Error('undefined was thrown') : error;
  }
}

/**
 * Runs `action`, which must fail with a store error of kind `expected`; returns the error.
 * `operation` names the call in messages (`write(a plain object)`); `why` names the rule.
 */
export async function expectStoreError(
  action: () => unknown,
  expected: ExpectedError,
  operation: string,
  why: string,
): Promise<StoreError> {
  const error = await attempt(action);
  if (error === undefined) {
    fail(`${operation} succeeded, but it must fail with a ${expected} — ${why}`);
  }
  if (!StoreError.isInstance(error)) {
    fail(
      `${operation} threw ${describeError(error)} instead of a ${expected} — raw driver errors must never escape a store: wrap every failure in a StoreError subclass (${why})`,
    );
  }
  if (!isExpectedError(error, expected)) {
    fail(`${operation} threw ${describeError(error)}, but it must be a ${expected} — ${why}`);
  }
  return error;
}

/** JSON of `value` for messages and searches: bigint as text, never throwing. */
export function safeJson(value: unknown): string {
  try {
    return (
      JSON.stringify(value, (_key, item: unknown) =>
        typeof item === 'bigint' ? item.toString() : item,
      ) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

/** Shortens `text` for a message. */
export function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** `1 row`, `3 rows`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
