/**
 * Translating AWS SDK errors into the store's error model. By the time an error reaches this
 * module the SDK has already retried what it considers transient (throttling, 5xx, timeouts,
 * dropped connections) with backoff, `maxAttempts` times; what is left is classified once:
 *
 * - throttling (429, `SlowDown`…), 500/502/503/504, timeouts and socket errors: a retryable
 *   `ConnectionError`, so `runFlow` can run the load again later;
 * - 401/403 (`AccessDenied`, `InvalidAccessKeyId`, `SignatureDoesNotMatch`…), expired tokens
 *   and a credential chain that found nothing: a `ConnectionError` that is not retryable;
 * - a missing bucket: a `NotFoundError` naming it; a missing object where one must exist: a
 *   `NotFoundError` naming the key;
 * - a request the service refused as malformed (400, a wrong region, a missing region): a
 *   `ValidationError`;
 * - anything else: a `StagingError`.
 *
 * The message is `<store url>: <action> failed: <short reason>`, the SDK's error is the
 * `cause`, and the secret key and session token are stripped from the message.
 */
import {
  ConnectionError,
  NETWORK_ERROR_CODES,
  NotFoundError,
  StagingError,
  StoreError,
  type StoreErrorOptions,
  ValidationError,
} from '@wharf/store-core';

/** Where an error happened, for its message. */
export interface S3ErrorContext {
  /** The storage's URL, e.g. `s3://bucket/prefix`. */
  readonly url: string;
  /** What was being done, e.g. `get data/part-1.parquet`. */
  readonly action: string;
  /** The bucket, to name it when it does not exist. */
  readonly bucket: string;
  /** The object key (full, with the prefix), to name it when it does not exist. */
  readonly key?: string;
  /** The secret key and session token, stripped from the message if they ever appear. */
  readonly secrets?: readonly string[];
}

/** Error names of the SDK and the service that a later retry can fix. */
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'InternalError',
  'ServiceUnavailable',
  'OperationAborted',
]);

const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Error names of refused or unusable credentials (some come with status 400). */
const CREDENTIAL_NAMES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
  'AccountProblem',
  'CredentialsProviderError',
]);

const MAX_REASON_LENGTH = 300;

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown; attempts?: unknown };
  $response?: { headers?: Record<string, string | undefined> };
  errors?: unknown;
}

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** The HTTP status the service answered with, when the error came from a response. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = shapeOf(error).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The S3 error code (`NoSuchKey`, `PreconditionFailed`…): the SDK puts it in `name`. */
export function errorNameOf(error: unknown): string {
  const name = shapeOf(error).name;
  return typeof name === 'string' ? name : '';
}

/** How many requests the SDK made before giving up (1 when it did not retry). */
export function attemptsOf(error: unknown): number {
  const attempts = shapeOf(error).$metadata?.attempts;
  return typeof attempts === 'number' ? attempts : 1;
}

/** The Node.js system error code of the error or of the first error it aggregates. */
function systemCodeOf(error: unknown, depth = 0): string | undefined {
  const shape = shapeOf(error);
  if (typeof shape.code === 'string') return shape.code;
  if (depth < 3 && Array.isArray(shape.errors)) {
    for (const inner of shape.errors) {
      const code = systemCodeOf(inner, depth + 1);
      if (code !== undefined) return code;
    }
  }
  const cause = (error as { cause?: unknown } | null)?.cause;
  return depth < 3 && cause !== undefined ? systemCodeOf(cause, depth + 1) : undefined;
}

/** A one-line reason: the S3 code and status, or the socket error, and the retries made. */
function shortReason(error: unknown): string {
  const shape = shapeOf(error);
  const name = errorNameOf(error);
  const status = httpStatusOf(error);
  const code = systemCodeOf(error);
  let message = typeof shape.message === 'string' ? shape.message.trim() : String(error);
  if (message === 'UnknownError' || message === name) message = '';
  const parts: string[] = [];
  if (status !== undefined) {
    parts.push(`${name || 'error'} (HTTP ${status})${message ? `: ${message}` : ''}`);
  } else if (code !== undefined && !message.includes(code)) {
    parts.push(`${code}${message ? `: ${message}` : ''}`);
  } else {
    parts.push(message || name || 'unknown error');
  }
  const attempts = attemptsOf(error);
  if (attempts > 1) parts.push(`after ${attempts} attempts`);
  const reason = parts.join(' ').replace(/\s+/g, ' ');
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}…` : reason;
}

/** True for an error that a later retry may not meet: throttling, 5xx, timeouts, sockets. */
export function isTransientS3Error(error: unknown): boolean {
  const status = httpStatusOf(error);
  const code = systemCodeOf(error);
  return (
    (status !== undefined && TRANSIENT_STATUSES.has(status)) ||
    TRANSIENT_NAMES.has(errorNameOf(error)) ||
    (code !== undefined && NETWORK_ERROR_CODES.has(code))
  );
}

/**
 * The store error for anything the AWS SDK threw. A `StoreError` is returned as it is.
 *
 * @example
 * try { await client.send(new GetObjectCommand({ Bucket, Key })); }
 * catch (error) {
 *   throw toStoreError(error, { url: 's3://bucket/prefix', action: `get ${key}`, bucket: 'bucket' });
 * }
 */
export function toStoreError(error: unknown, context: S3ErrorContext): StoreError {
  if (StoreError.isInstance(error)) return error;
  const name = errorNameOf(error);
  const status = httpStatusOf(error);
  const reason = shortReason(error);
  const prefix = `${context.url}: ${context.action} failed`;
  const options: StoreErrorOptions = {
    cause: error,
    details: {
      url: context.url,
      action: context.action,
      ...(name ? { s3Code: name } : {}),
      ...(status !== undefined ? { httpStatus: status } : {}),
    },
    ...(context.secrets ? { secrets: context.secrets } : {}),
  };

  if (isTransientS3Error(error)) {
    return new ConnectionError(`${prefix}: ${reason}`, options);
  }
  if (status === 401 || status === 403 || CREDENTIAL_NAMES.has(name)) {
    const what =
      name === 'CredentialsProviderError'
        ? 'no AWS credentials were found'
        : 'the credentials were refused';
    return new ConnectionError(`${prefix}: ${what} (${reason})`, { ...options, retryable: false });
  }
  if (name === 'NoSuchBucket' || (status === 404 && context.key === undefined)) {
    return new NotFoundError(`${prefix}: bucket "${context.bucket}" does not exist (${reason})`, {
      ...options,
      details: { ...options.details, bucket: context.bucket },
    });
  }
  if (name === 'NoSuchKey' || (status === 404 && context.key !== undefined)) {
    return new NotFoundError(
      `${prefix}: object "${context.key ?? '?'}" does not exist in bucket "${context.bucket}" (${reason})`,
      options,
    );
  }
  if (status === 301 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed') {
    const region = shapeOf(error).$response?.headers?.['x-amz-bucket-region'];
    const hint = region
      ? `the bucket is in region "${region}"; set the region option`
      : 'the bucket is in another region or needs another endpoint';
    return new ValidationError(`${prefix}: ${hint} (${reason})`, options);
  }
  if (status === 400 || status === 416 || /region is missing/i.test(reason)) {
    return new ValidationError(`${prefix}: ${reason}`, options);
  }
  return new StagingError(`${prefix}: ${reason}`, options);
}
