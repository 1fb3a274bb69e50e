/**
 * Where a dataset lies in Cloud Storage: the bucket name checked against Google's naming
 * rules, and the names (`gs://bucket/prefix`, `gs:bucket/prefix`) that messages and
 * `describe()` show. The prefix itself is checked by `objectPrefix` of
 * `@wharf/store-parquet/object`, as in every cloud store.
 */
import { ValidationError } from '@wharf/store-core';

/** A bucket and a normalized prefix. */
export interface GcsLocation {
  readonly bucket: string;
  /** No leading or trailing slash; `''` for the whole bucket. */
  readonly prefix: string;
}

const BUCKET_CHARACTERS = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Checks `bucket` against Cloud Storage's naming rules
 * (https://cloud.google.com/storage/docs/buckets#naming): 3–63 characters (up to 222 with
 * dots, each dot-separated part at most 63), lowercase letters, digits, `-`, `_` and `.`,
 * starting and ending with a letter or digit, not an IP address, not starting with `goog`.
 */
export function validateBucketName(bucket: unknown): string {
  if (typeof bucket !== 'string' || bucket.length === 0) {
    throw new ValidationError(
      'GCS store: `bucket` is required (the name of a Cloud Storage bucket)',
    );
  }
  const problem = bucketNameProblem(bucket);
  if (problem !== undefined) {
    throw new ValidationError(`GCS store: invalid bucket name "${bucket}": ${problem}`);
  }
  return bucket;
}

function bucketNameProblem(bucket: string): string | undefined {
  const maxLength = bucket.includes('.') ? 222 : 63;
  if (bucket.length < 3 || bucket.length > maxLength) {
    return `it must have 3 to ${maxLength} characters`;
  }
  if (!BUCKET_CHARACTERS.test(bucket)) {
    return 'use lowercase letters, digits, "-", "_" and "." only, and start and end with a letter or digit';
  }
  if (bucket.split('.').some((part) => part.length === 0 || part.length > 63)) {
    return 'each dot-separated part must have 1 to 63 characters';
  }
  if (IP_ADDRESS.test(bucket)) return 'it must not be an IP address';
  if (bucket.startsWith('goog')) return 'it must not start with "goog"';
  return undefined;
}

/** `gs://bucket/prefix` (or `gs://bucket`). */
export function locationUrl(location: GcsLocation): string {
  return location.prefix === ''
    ? `gs://${location.bucket}`
    : `gs://${location.bucket}/${location.prefix}`;
}

/** The store's name: `gs:bucket/prefix` (or `gs:bucket`). */
export function locationName(location: GcsLocation): string {
  return location.prefix === ''
    ? `gs:${location.bucket}`
    : `gs:${location.bucket}/${location.prefix}`;
}
