/**
 * The one place where file-system and parquet-wasm failures become store errors. Every public
 * method of the store raises a `StoreError` with the original error as `cause`; this module
 * decides which class and whether a retry may help.
 */
import {
  CommitError,
  ConflictError,
  ConnectionError,
  IntegrityError,
  SimulatedCrash,
  StagingError,
  type StoreError,
  StoreError as StoreErrorClass,
  ValidationError,
} from '@wharf/store-core';
import { isCodecTrap } from './parquet-codec.js';

/** What was being done when the error happened; decides the class of a generic failure. */
export type ParquetOperation = 'connect' | 'stage' | 'publish' | 'read' | 'recover' | 'cleanup';

/** Where the error came from. */
export type ParquetErrorSource = 'fs' | 'encode' | 'decode';

/** Context for {@link toStoreError}. */
export interface ParquetErrorContext {
  /** The store's name, e.g. `parquet:trips`. */
  readonly store: string;
  readonly operation: ParquetOperation;
  /** What was being done, for the message, e.g. `writing staged file 3`. */
  readonly action: string;
  /** @default 'fs' */
  readonly source?: ParquetErrorSource;
}

// Transient conditions: a retry after a short wait can succeed.
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ETIMEDOUT', 'EINTR']);
// The location is not usable by this process: a retry will not fix permissions.
const FORBIDDEN = new Set(['EACCES', 'EPERM', 'EROFS']);
// The disk is full: staging cannot continue until space is freed.
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
// The path has the wrong shape (a file where a directory should be, a symlink loop).
const BAD_PATH = new Set(['ENOTDIR', 'EISDIR', 'ELOOP', 'ENAMETOOLONG', 'EINVAL']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Maps any thrown value to a `StoreError`, keeping it as `cause`. A `StoreError` passes
 * through unchanged.
 *
 * File-system errors: a missing location (`ENOENT`) and transient conditions (`EMFILE`,
 * `EBUSY`, …) are retryable `ConnectionError`s; permission errors (`EACCES`, `EPERM`, `EROFS`)
 * are non-retryable `ConnectionError`s; a full disk (`ENOSPC`, `EDQUOT`) is a `StagingError`;
 * a path of the wrong shape (`ENOTDIR`, `ELOOP`, …) is a `ValidationError`; `EEXIST` is a
 * `ConflictError`. parquet-wasm errors while encoding are `ValidationError`s (the data does
 * not fit Parquet) unless the WebAssembly module trapped (`StagingError`); while decoding they
 * are `IntegrityError`s (a file in production is not readable Parquet).
 */
export function toStoreError(error: unknown, context: ParquetErrorContext): StoreError {
  if (StoreErrorClass.isInstance(error)) return error;
  const prefix = `${context.store}: ${context.action} failed`;
  const source = context.source ?? 'fs';
  const options = { cause: error, details: { operation: context.operation } };

  if (source !== 'fs' && codeOf(error) === undefined) {
    if (isCodecTrap(error)) {
      return new StagingError(
        `${prefix}: the Parquet codec stopped (${messageOf(error)})`,
        options,
      );
    }
    if (source === 'encode') {
      return new ValidationError(
        `${prefix}: the data cannot be written as Parquet (${messageOf(error)})`,
        options,
      );
    }
    return new IntegrityError(
      `${prefix}: not a readable Parquet file (${messageOf(error)})`,
      options,
    );
  }

  const code = codeOf(error) ?? 'error';
  const text = `${prefix} (${code}): ${messageOf(error)}`;
  if (code === 'ENOENT') return new ConnectionError(text, { ...options, retryable: true });
  if (TRANSIENT.has(code)) return new ConnectionError(text, { ...options, retryable: true });
  if (FORBIDDEN.has(code)) return new ConnectionError(text, { ...options, retryable: false });
  if (NO_SPACE.has(code)) return new StagingError(text, options);
  if (BAD_PATH.has(code)) return new ValidationError(text, options);
  if (code === 'EEXIST') return new ConflictError(text, options);
  if (context.operation === 'publish') return new CommitError(text, options);
  if (context.operation === 'connect' || context.operation === 'read') {
    return new ConnectionError(text, { ...options, retryable: false });
  }
  return new StagingError(text, options);
}

/**
 * Runs `action`, mapping whatever it throws with {@link toStoreError}. A simulated crash of the
 * fault hook passes through unchanged: the engine must see it as a crash.
 *
 * @example
 * await guard(() => mkdir(path), { store, operation: 'stage', action: 'creating staging' });
 */
export async function guard<T>(action: () => Promise<T>, context: ParquetErrorContext): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (SimulatedCrash.isInstance(error)) throw error;
    throw toStoreError(error, context);
  }
}
