/**
 * Building the `@google-cloud/storage` client a store uses: authentication as the options
 * say (Application Default Credentials otherwise), and the SDK's retries with backoff
 * configured for how the store writes.
 */
import { IdempotencyStrategy, Storage, type StorageOptions } from '@google-cloud/storage';
import { ValidationError } from '@wharf/store-core';

/** How to reach Cloud Storage and authenticate. */
export interface GcsClientOptions {
  /**
   * The Google Cloud project. Only needed when the credentials do not name one; reading and
   * writing objects does not use it.
   * @default the project of the credentials (`GOOGLE_CLOUD_PROJECT`, the key file, …)
   */
  projectId?: string;
  /**
   * Another JSON API endpoint, e.g. an emulator or a test server (`http://127.0.0.1:4443`).
   * Against an endpoint outside `googleapis.com` the SDK sends no credentials at all, so none
   * are needed. (The SDK also honours `STORAGE_EMULATOR_HOST`.)
   * @default 'https://storage.googleapis.com'
   */
  apiEndpoint?: string;
  /**
   * Service-account credentials as an object (`{ client_email, private_key }`, or the parsed
   * key file), handed to the SDK. Never shown in names, URLs, messages or `describe()`.
   * @default Application Default Credentials
   */
  credentials?: StorageOptions['credentials'];
  /**
   * Path of a service-account key file (JSON).
   * @default Application Default Credentials: `GOOGLE_APPLICATION_CREDENTIALS`, then the
   * gcloud user credentials, then the metadata server on Google Cloud
   */
  keyFilename?: string;
  /**
   * Retries of one request after a throttled (429), failed (5xx), timed-out (408) or reset
   * request, with exponential backoff; `0` turns the SDK's retries off. Every request is
   * retried, writes too (see below).
   * @default 3
   */
  maxRetries?: number;
  /**
   * The longest wait between two retries, in milliseconds (the SDK doubles the wait from about
   * a second up to this). At least 1000: the SDK's upload retries cannot wait less.
   * @default 32_000
   */
  maxRetryDelayMs?: number;
  /** Timeout of one HTTP request, in milliseconds. @default the SDK's (none) */
  timeoutMs?: number;
}

/** @default of {@link GcsClientOptions.maxRetries}. */
export const DEFAULT_MAX_RETRIES = 3;
/** @default of {@link GcsClientOptions.maxRetryDelayMs}. */
export const DEFAULT_MAX_RETRY_DELAY_MS = 32_000;

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new ValidationError(
      `GCS store: \`${name}\` must be a non-negative integer, got ${value}`,
    );
  }
  return value;
}

/** The retry settings the options ask for, checked. */
export function retrySettings(options: GcsClientOptions): {
  maxRetries: number;
  maxRetryDelayMs: number;
} {
  const maxRetries = nonNegativeInteger('maxRetries', options.maxRetries, DEFAULT_MAX_RETRIES);
  const maxRetryDelayMs = nonNegativeInteger(
    'maxRetryDelayMs',
    options.maxRetryDelayMs,
    DEFAULT_MAX_RETRY_DELAY_MS,
  );
  if (maxRetryDelayMs < 1000) {
    throw new ValidationError(
      `GCS store: \`maxRetryDelayMs\` must be at least 1000, got ${maxRetryDelayMs}`,
    );
  }
  return { maxRetries, maxRetryDelayMs };
}

/**
 * A `Storage` client for these options.
 *
 * Retries: by default the SDK retries a write only when it carries a precondition
 * (`IdempotencyStrategy.RetryConditional`), because repeating an unconditional write could
 * overwrite a newer object. The store's writes are safe to repeat, so it uses `RetryAlways`:
 * a data file or a staged file goes to a key no other writer uses (repeating it writes the
 * same bytes again), a commit record is created with `ifGenerationMatch: 0` (a repeat cannot
 * replace another writer's record; it answers 412), and deletes and copies give the same
 * result when repeated.
 */
export function createGcsClient(options: GcsClientOptions): Storage {
  const { maxRetries, maxRetryDelayMs } = retrySettings(options);
  if (options.timeoutMs !== undefined) nonNegativeInteger('timeoutMs', options.timeoutMs, 0);
  if (options.apiEndpoint !== undefined) {
    try {
      new URL(options.apiEndpoint);
    } catch {
      throw new ValidationError('GCS store: `apiEndpoint` must be an http(s):// URL');
    }
  }
  return new Storage({
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.keyFilename === undefined ? {} : { keyFilename: options.keyFilename }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    retryOptions: {
      // The SDK reads `maxRetries: 0` as "unset" (3): turning retries off takes autoRetry.
      autoRetry: maxRetries > 0,
      maxRetries: Math.max(1, maxRetries),
      maxRetryDelay: maxRetryDelayMs / 1000,
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  });
}

const SECRET_FIELDS = /key|secret|token|password|credential/i;

/**
 * The secret strings of a credentials object (a private key, a client secret, a refresh
 * token), for redaction from messages.
 */
export function credentialSecrets(credentials: unknown, depth = 0): string[] {
  if (typeof credentials !== 'object' || credentials === null || depth > 3) return [];
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(credentials)) {
    if (typeof value === 'string' && SECRET_FIELDS.test(name) && value.length >= 8) {
      secrets.push(value);
    } else if (typeof value === 'object') {
      secrets.push(...credentialSecrets(value, depth + 1));
    }
  }
  return secrets;
}
