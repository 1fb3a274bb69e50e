/**
 * Translating `@google-cloud/storage` errors into the store's error model, as the
 * `ObjectStorage` contract asks: what a retry may fix (throttling, 5xx, timeouts, dropped or
 * refused connections) is a retryable `ConnectionError`; refused or missing credentials a
 * non-retryable `ConnectionError`; a missing bucket a `NotFoundError`; a malformed request a
 * `ValidationError`; anything else a `StagingError`. The SDK error is kept as `cause`, with the
 * `Authorization` headers it carries scrubbed, and the message never holds a secret.
 *
 * The SDK raises three shapes: an `ApiError` (`code` = the HTTP status, `errors[].reason`;
 * for downloads the message is the raw JSON body), a `GaxiosError` from resumable uploads and
 * token requests (`status`, `response.data`), and a `FetchError` or system error for network
 * failures (`code` = `ECONNREFUSED`, …).
 */
import {
  ConnectionError,
  NETWORK_ERROR_CODES,
  NotFoundError,
  StagingError,
  StoreError,
  type StoreErrorOptions,
  TRANSIENT_HTTP_STATUSES,
  ValidationError,
} from '@wharf/store-core';

/** Where an error happened, for its message. */
export interface GcsErrorContext {
  /** The storage's URL, e.g. `gs://bucket/prefix`. */
  readonly url: string;
  /** The bucket, named when it does not exist. */
  readonly bucket: string;
  /** The action, e.g. `put data/1.parquet` or `list _wharf/commits/`. */
  readonly action: string;
  /** Secrets (a private key, a client secret) to strip from the message. */
  readonly secrets?: readonly string[];
}

/** What matters of an SDK error, whatever its shape. */
export interface GcsFailure {
  /** The HTTP status, when the service answered. */
  readonly status: number | undefined;
  /** Cloud Storage's reason (`notFound`, `conditionNotMet`, `rateLimitExceeded`, …). */
  readonly reason: string | undefined;
  /** The service's message, or the error's own. */
  readonly message: string;
  /** A system error code (`ECONNREFUSED`, `ETIMEDOUT`, …) anywhere in the cause chain. */
  readonly systemCode: string | undefined;
}

const NETWORK_MESSAGES = [
  /socket hang up/i,
  /network timeout/i,
  /timed? ?out/i,
  /premature close/i,
  /unexpected connection closure/i,
  /socket connection timeout/i,
  /other side closed/i,
];

/** Failures of google-auth-library to load credentials or to get a token with them. */
const AUTH_MESSAGES = [
  /could not load the default credentials/i,
  /could not refresh access token/i,
  /invalid_grant/i,
  /invalid_client/i,
  /unauthorized_client/i,
  /no key or keyFile set/i,
  /the incoming JSON object does not contain a client_email field/i,
];

type Loose = Record<string, unknown>;

function asObject(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null ? (value as Loose) : undefined;
}

/** The `{ error: { code, message, errors } }` body of a Cloud Storage error, parsed. */
function googleBody(value: unknown): { status?: number; message?: string; reason?: string } {
  let body: unknown = value;
  if (typeof value === 'string') {
    if (!value.trimStart().startsWith('{')) return {};
    try {
      body = JSON.parse(value);
    } catch {
      return {};
    }
  }
  const error = asObject(asObject(body)?.error);
  if (error === undefined) return {};
  const first = asObject(Array.isArray(error.errors) ? error.errors[0] : undefined);
  return {
    ...(typeof error.code === 'number' ? { status: error.code } : {}),
    ...(typeof error.message === 'string' ? { message: error.message } : {}),
    ...(typeof first?.reason === 'string' ? { reason: first.reason } : {}),
  };
}

function findSystemCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    const object = asObject(current);
    if (object === undefined) return undefined;
    if (typeof object.code === 'string' && object.code.length > 0) return object.code;
    current = object.cause ?? object.error;
  }
  return undefined;
}

/** Reads the status, reason and message out of any error the SDK raises. */
export function inspectGcsError(error: unknown): GcsFailure {
  const object = asObject(error) ?? {};
  const ownMessage = error instanceof Error ? error.message : String(error);
  const response = asObject(object.response);
  // A download error's message is the JSON body; a GaxiosError keeps the body in response.data.
  const body = { ...googleBody(response?.data), ...googleBody(ownMessage) };
  const statusCandidates = [
    object.code,
    object.status,
    response?.status,
    response?.statusCode,
    body.status,
  ];
  const status = statusCandidates.find(
    (candidate): candidate is number => typeof candidate === 'number' && candidate >= 100,
  );
  const errors = Array.isArray(object.errors) ? object.errors : [];
  const firstReason = asObject(errors[0])?.reason;
  const systemCode = findSystemCode(error);
  return {
    status,
    reason: typeof firstReason === 'string' ? firstReason : body.reason,
    message: body.message ?? ownMessage,
    systemCode:
      systemCode !== undefined && /^[A-Z][A-Z0-9_]+$/.test(systemCode) ? systemCode : undefined,
  };
}

/** True when Cloud Storage said that the bucket itself is missing (not an object in it). */
export function isBucketMissing(failure: GcsFailure): boolean {
  return failure.status === 404 && /bucket does not exist/i.test(failure.message);
}

/** True for a 404 about an object (the bucket exists). */
export function isObjectMissing(failure: GcsFailure): boolean {
  return failure.status === 404 && !isBucketMissing(failure);
}

/** True for a failed precondition (`ifGenerationMatch: 0` on an existing object) or a 409. */
export function isPreconditionFailure(failure: GcsFailure): boolean {
  return failure.status === 412 || failure.status === 409;
}

const SCRUBBED_HEADERS = /^(authorization|proxy-authorization|x-goog-api-key|cookie)$/i;

function scrubHeaders(headers: unknown): void {
  const object = asObject(headers);
  if (object === undefined) return;
  if (typeof object.set === 'function' && typeof object.forEach === 'function') {
    // A fetch `Headers` instance.
    const names: string[] = [];
    (headers as Headers).forEach((_value, name) => {
      names.push(name);
    });
    for (const name of names)
      if (SCRUBBED_HEADERS.test(name)) (headers as Headers).set(name, '***');
    return;
  }
  for (const name of Object.keys(object)) {
    if (SCRUBBED_HEADERS.test(name)) object[name] = '***';
  }
}

/**
 * Replaces the access token in the request headers an SDK error carries (an `ApiError` keeps
 * the response with its request, a `GaxiosError` its config), so that logging the `cause`
 * does not log a bearer token.
 */
export function scrubGcsError(error: unknown, seen = new Set<unknown>(), depth = 0): void {
  const object = asObject(error);
  if (object === undefined || seen.has(object) || depth > 4) return;
  seen.add(object);
  scrubHeaders(object.headers);
  for (const key of ['config', 'response', 'request', 'error', 'cause']) {
    if (key in object) scrubGcsError(object[key], seen, depth + 1);
  }
}

function statusText(failure: GcsFailure): string {
  if (failure.status === undefined) return failure.message;
  const reason = failure.reason === undefined ? '' : ` ${failure.reason}`;
  return `HTTP ${failure.status}${reason}: ${failure.message}`;
}

/** The network part of a fetch error's message (`connect ECONNREFUSED 127.0.0.1:9`). */
function networkReason(failure: GcsFailure): string {
  const reason = /reason: (.*)$/s.exec(failure.message)?.[1] ?? failure.message;
  return failure.systemCode !== undefined && !reason.includes(failure.systemCode)
    ? `${failure.systemCode}: ${reason}`
    : reason;
}

/**
 * The store error for anything `@google-cloud/storage` threw. A `StoreError` is returned as
 * it is.
 *
 * @example
 * try { await file.save(body); }
 * catch (error) {
 *   throw toStoreError(error, { url: 'gs://data/trips', bucket: 'data', action: 'put a.parquet' });
 * }
 */
export function toStoreError(error: unknown, context: GcsErrorContext): StoreError {
  if (StoreError.isInstance(error)) return error;
  scrubGcsError(error);
  const failure = inspectGcsError(error);
  const options: StoreErrorOptions = {
    cause: error,
    details: {
      store: context.url,
      action: context.action,
      ...(failure.status === undefined ? {} : { status: failure.status }),
      ...(failure.reason === undefined ? {} : { reason: failure.reason }),
    },
    ...(context.secrets === undefined ? {} : { secrets: context.secrets }),
  };
  const message = (reason: string) => `${context.url}: ${context.action} failed: ${reason}`;

  if (failure.status === 401 || failure.status === 403) {
    return new ConnectionError(message(`the credentials were refused (${statusText(failure)})`), {
      ...options,
      retryable: false,
    });
  }
  if (AUTH_MESSAGES.some((pattern) => pattern.test(failure.message))) {
    return new ConnectionError(
      message(`the credentials were refused or could not be loaded (${failure.message})`),
      { ...options, retryable: false },
    );
  }
  if (failure.status !== undefined && TRANSIENT_HTTP_STATUSES.has(failure.status)) {
    return new ConnectionError(message(statusText(failure)), options);
  }
  if (
    failure.status === undefined &&
    ((failure.systemCode !== undefined && NETWORK_ERROR_CODES.has(failure.systemCode)) ||
      NETWORK_MESSAGES.some((pattern) => pattern.test(failure.message)) ||
      asObject(error)?.type === 'request-timeout' ||
      asObject(error)?.name === 'AbortError')
  ) {
    return new ConnectionError(message(networkReason(failure)), options);
  }
  if (isBucketMissing(failure)) {
    return new NotFoundError(message(`bucket "${context.bucket}" does not exist`), options);
  }
  if (failure.status === 404) {
    return new NotFoundError(message(`no such object (${failure.message})`), options);
  }
  if (failure.status === 400 || failure.status === 416) {
    return new ValidationError(message(statusText(failure)), options);
  }
  return new StagingError(message(statusText(failure)), options);
}
