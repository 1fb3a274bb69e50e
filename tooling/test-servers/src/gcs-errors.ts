/**
 * Errors of the Google Cloud Storage JSON API, in the body shape the service sends and the
 * client libraries parse: `{ error: { code, message, errors: [{ message, domain, reason }] } }`.
 */

/** The JSON body of a Cloud Storage error response. */
export interface GcsErrorBody {
  error: {
    code: number;
    message: string;
    errors: Array<{ message: string; domain: string; reason: string }>;
  };
}

/** A request the test server refuses, with the status and reason Cloud Storage would use. */
export class GcsError extends Error {
  readonly status: number;
  readonly reason: string;

  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'GcsError';
    this.status = status;
    this.reason = reason;
  }

  /** The response body for this error. */
  toBody(): GcsErrorBody {
    return gcsErrorBody(this.status, this.reason, this.message);
  }
}

/** Builds a Cloud Storage error body. */
export function gcsErrorBody(status: number, reason: string, message: string): GcsErrorBody {
  return { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } };
}

/** The reason Cloud Storage gives for a status when a fault is injected. */
export function faultReason(status: number): string {
  if (status === 429) return 'rateLimitExceeded';
  if (status === 408) return 'requestTimeout';
  if (status >= 500) return 'backendError';
  return 'invalid';
}

export const bucketNotFound = () =>
  new GcsError(404, 'notFound', 'The specified bucket does not exist.');

export const objectNotFound = (bucket: string, name: string) =>
  new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`);

export const conditionNotMet = () =>
  new GcsError(
    412,
    'conditionNotMet',
    'At least one of the pre-conditions you specified did not hold.',
  );

export const invalidArgument = (message: string) => new GcsError(400, 'invalid', message);

export const requiredArgument = (message: string) => new GcsError(400, 'required', message);
