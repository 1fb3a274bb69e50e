/**
 * Translating `@azure/storage-file-datalake` errors into the store's error model, as the
 * `ObjectStorage` contract of `@wharf/store-parquet/object` asks: what a retry can fix
 * (throttling, 5xx, timeouts, refused or reset connections) is a retryable `ConnectionError`;
 * refused credentials a non-retryable one; a missing file system a `NotFoundError` naming it;
 * a request the service called malformed a `ValidationError`; anything else a `StagingError`.
 * The SDK's error is always kept as `cause`, and the message never carries a key or a SAS.
 */
import {
  ConnectionError,
  NETWORK_ERROR_CODES,
  NotFoundError,
  StagingError,
  type StoreError,
  StoreError as StoreErrorClass,
  TRANSIENT_HTTP_STATUSES,
  ValidationError,
} from '@wharf/store-core';

/** Network failures: Node's codes, and the Azure pipeline's own for a request never answered. */
const AZURE_NETWORK_CODES: ReadonlySet<string> = new Set([
  ...NETWORK_ERROR_CODES,
  'REQUEST_SEND_ERROR',
  'TIMEOUT',
]);

/** Where an error happened, for its message. */
export interface AdlsErrorContext {
  /** The storage's URL, e.g. `abfss://lake@account.dfs.core.windows.net/trips`. */
  readonly url: string;
  /** What was being done, e.g. `put "data/1.parquet"`. */
  readonly action: string;
  /** The file system, named when it is missing. */
  readonly fileSystem: string;
  /** The storage account, named when the file system is missing. */
  readonly account: string;
  /** Account keys, SAS tokens and connection strings to strip from the message. */
  readonly secrets: readonly string[];
}

/** The parts of a `RestError` (from `@azure/core-rest-pipeline`) the mapping reads. */
interface AzureErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
  readonly details?: { readonly errorCode?: unknown } | undefined;
}

/** Azure's codes for a file system (container) that does not exist. */
const MISSING_FILE_SYSTEM_CODES = new Set(['FilesystemNotFound', 'ContainerNotFound']);

/** The HTTP status of an SDK error, when the service answered. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as AzureErrorShape | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Azure's error code (`x-ms-error-code`) of an SDK error. The SDK puts it in `details.errorCode`
 * for most operations and in `code` for some (append, flush).
 */
export function azureCodeOf(error: unknown): string | undefined {
  const shape = error as AzureErrorShape | null;
  const fromDetails = shape?.details?.errorCode;
  if (typeof fromDetails === 'string') return fromDetails;
  const code = shape?.code;
  return typeof code === 'string' && statusOf(error) !== undefined ? code : undefined;
}

/** True for a 404 that names the file system (container), not a path in it. */
export function isMissingFileSystem(error: unknown): boolean {
  const code = azureCodeOf(error);
  return statusOf(error) === 404 && code !== undefined && MISSING_FILE_SYSTEM_CODES.has(code);
}

/** True for a 404 about a path (file or directory), not about the file system. */
export function isMissingPath(error: unknown): boolean {
  return statusOf(error) === 404 && !isMissingFileSystem(error);
}

function isNetworkFailure(error: unknown): boolean {
  const shape = error as AzureErrorShape | null;
  if (shape?.name === 'AbortError' || shape?.name === 'TimeoutError') return true;
  const code = shape?.code;
  return statusOf(error) === undefined && typeof code === 'string' && AZURE_NETWORK_CODES.has(code);
}

/** The first line of the service's message: Azure appends request ids and times after it. */
function shortReason(error: unknown): string {
  const raw = (error as AzureErrorShape | null)?.message;
  const message = typeof raw === 'string' ? raw : String(error);
  const firstLine = message.split('\n')[0]?.trim() ?? '';
  const status = statusOf(error);
  if (status === undefined) return firstLine || 'unknown error';
  const code = azureCodeOf(error);
  const label = code === undefined ? `${status}` : `${status} ${code}`;
  return firstLine && firstLine !== code ? `${label}: ${firstLine}` : label;
}

/**
 * The store error for anything the Azure SDK threw. A `StoreError` is returned as it is.
 *
 * @example
 * try { await file.getProperties(); }
 * catch (error) { throw toAdlsError(error, { url, action: 'head "a.parquet"', fileSystem, account, secrets }); }
 */
export function toAdlsError(error: unknown, context: AdlsErrorContext): StoreError {
  if (StoreErrorClass.isInstance(error)) return error;
  const status = statusOf(error);
  const prefix = `${context.url}: ${context.action} failed`;
  const options = {
    cause: error,
    secrets: context.secrets,
    details: {
      url: context.url,
      action: context.action,
      ...(status === undefined ? {} : { status }),
      ...(azureCodeOf(error) === undefined ? {} : { azureCode: azureCodeOf(error) }),
    },
  };
  const reason = shortReason(error);
  if (status === 401 || status === 403) {
    return new ConnectionError(
      `${prefix}: the service refused the credentials (${reason}); check the account key, SAS token or credential and its permissions`,
      { ...options, retryable: false },
    );
  }
  if (isMissingFileSystem(error)) {
    return new NotFoundError(
      `${prefix}: the file system "${context.fileSystem}" does not exist in the storage account "${context.account}" (${reason})`,
      options,
    );
  }
  if ((status !== undefined && TRANSIENT_HTTP_STATUSES.has(status)) || isNetworkFailure(error)) {
    return new ConnectionError(`${prefix}: ${reason}`, options);
  }
  if (status === 404) return new NotFoundError(`${prefix}: ${reason}`, options);
  if (status === 400 || status === 416) return new ValidationError(`${prefix}: ${reason}`, options);
  return new StagingError(`${prefix}: ${reason}`, options);
}
