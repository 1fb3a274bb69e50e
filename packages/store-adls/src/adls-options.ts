/**
 * The options of `createAdlsStorage` and `AdlsStore`: where the dataset is (account, file
 * system, prefix), how to authenticate, and how the SDK retries and uploads; with the checks
 * that turn a bad value into a `ValidationError` before any request is made.
 */
import type { DataLakeFileSystemClient } from '@azure/storage-file-datalake';
import { ValidationError } from '@wharf/store-core';

/**
 * An Azure AD (Entra ID) token credential: any `TokenCredential` of `@azure/identity`
 * (`DefaultAzureCredential`, `ManagedIdentityCredential`, …) fits. Declared here so that this
 * package does not depend on `@azure/identity`.
 */
export interface AdlsTokenCredential {
  getToken(
    scopes: string | string[],
    options?: unknown,
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** Where the data is and how to reach it. */
export interface AdlsStorageOptions {
  /**
   * The storage account (3–24 lowercase letters and digits). Required unless `url`,
   * `connectionString` or `client` names it, or `AZURE_STORAGE_ACCOUNT` is set.
   */
  account?: string;
  /** The file system (container) holding the dataset. Required unless `client` is given. */
  fileSystem?: string;
  /**
   * The dataset's directory inside the file system, e.g. `lake/trips` or `events/year=2026`:
   * `/`-separated segments of letters, digits, `.`, `_`, `-` and `=`; leading and trailing `/`
   * are ignored. @default '' (the file system's root)
   */
  prefix?: string;
  /**
   * One more directory appended to `prefix` (letters, digits, `.`, `_`, `-`, `=`), for a
   * folder holding several datasets. @default none
   */
  table?: string;
  /**
   * The account's DFS endpoint, e.g. `https://<account>.dfs.core.windows.net`, or a path-style
   * URL such as `http://127.0.0.1:10000/<account>` for a local endpoint.
   * @default `https://<account>.dfs.core.windows.net`
   */
  url?: string;
  /** The account's shared key (`StorageSharedKeyCredential`). */
  accountKey?: string;
  /** A SAS token for the account or the file system (with or without the leading `?`). */
  sasToken?: string;
  /** An account connection string (`AccountName=…;AccountKey=…` or with a SAS). */
  connectionString?: string;
  /** An Azure AD token credential, e.g. `new DefaultAzureCredential()` from `@azure/identity`. */
  credential?: AdlsTokenCredential;
  /**
   * A ready client for the file system, for authentication set up elsewhere. The location
   * options (`account`, `fileSystem`, `url`) and the credential options are then not used, nor
   * are the retry options: the client keeps its own pipeline.
   */
  client?: DataLakeFileSystemClient;
  /**
   * How many times the SDK retries a request that failed with 500, 503 or a network error
   * (with exponential backoff) before the store reports a retryable `ConnectionError`.
   * @default 3
   */
  maxRetries?: number;
  /**
   * The unit of the SDK's exponential backoff: the n-th retry waits (2^(n−1) − 1) × this, so
   * with the defaults 0 s, 4 s, 12 s. @default 4000
   */
  retryDelayMs?: number;
  /** The SDK's longest retry delay. @default 120000 */
  maxRetryDelayMs?: number;
  /**
   * Bodies larger than this are uploaded as several appends of this size (in parallel), each
   * retried alone; smaller ones in a single append. @default 8388608 (8 MiB)
   */
  partSize?: number;
  /** Requests in flight at once for one upload (its appends) or one `delete`. @default 8 */
  concurrency?: number;
  /** Paths per listing page (the service allows at most 5000). @default 5000 */
  listPageSize?: number;
}

/** The tuning options with their defaults applied. */
export interface AdlsTuning {
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly partSize: number;
  readonly concurrency: number;
  readonly listPageSize: number;
}

/** The SDK caps one append at 4000 MiB. */
const MAX_PART_SIZE = 4000 * 1024 * 1024;

function integerOption(
  options: AdlsStorageOptions,
  name: keyof AdlsTuning,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(
      `ADLS storage: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** Checks the tuning options and applies their defaults. */
export function resolveTuning(options: AdlsStorageOptions): AdlsTuning {
  const retryDelayMs = integerOption(options, 'retryDelayMs', 4000, 1, 3_600_000);
  const maxRetryDelayMs = integerOption(
    options,
    'maxRetryDelayMs',
    Math.max(120_000, retryDelayMs),
    1,
    3_600_000,
  );
  if (maxRetryDelayMs < retryDelayMs) {
    throw new ValidationError(
      `ADLS storage: maxRetryDelayMs (${maxRetryDelayMs}) must not be below retryDelayMs (${retryDelayMs})`,
    );
  }
  return {
    maxRetries: integerOption(options, 'maxRetries', 3, 0, 20),
    retryDelayMs,
    maxRetryDelayMs,
    partSize: integerOption(options, 'partSize', 8 * 1024 * 1024, 1, MAX_PART_SIZE),
    concurrency: integerOption(options, 'concurrency', 8, 1, 64),
    listPageSize: integerOption(options, 'listPageSize', 5000, 1, 5000),
  };
}

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const FILE_SYSTEM_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

/** Checks a storage account name. */
export function checkAccountName(account: unknown, source: string): string {
  if (typeof account !== 'string' || !ACCOUNT_NAME.test(account)) {
    throw new ValidationError(
      `ADLS storage: ${source} ${JSON.stringify(account)} is not a storage account name (3–24 lowercase letters and digits)`,
    );
  }
  return account;
}

/** Checks a file system (container) name. */
export function checkFileSystemName(fileSystem: unknown): string {
  if (fileSystem === undefined || fileSystem === '') {
    throw new ValidationError('ADLS storage: fileSystem is required (the file system to write to)');
  }
  if (typeof fileSystem !== 'string' || !FILE_SYSTEM_NAME.test(fileSystem)) {
    throw new ValidationError(
      `ADLS storage: fileSystem ${JSON.stringify(fileSystem)} is not a file system name (3–63 lowercase letters, digits and hyphens, starting and ending with a letter or digit, no two hyphens in a row)`,
    );
  }
  return fileSystem;
}
