/**
 * The options of an S3 location and their validation. Everything is checked before any
 * request is made, so a typo surfaces as a `ValidationError` naming the option instead of a
 * puzzling answer from the service.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ValidationError } from '@wharf/store-core';
import { type ObjectPrefixOptions, objectPrefix } from '@wharf/store-parquet/object';

/** Static AWS credentials. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** For temporary credentials (STS). */
  readonly sessionToken?: string;
}

/**
 * Where the data is in S3 (or an S3-compatible service) and how to reach it. The dataset lies
 * under `prefix`/`table` in the bucket (see `ObjectPrefixOptions`: `/`-separated segments of
 * letters, digits, `.`, `_`, `-` and `=`).
 */
export interface S3StorageOptions extends ObjectPrefixOptions {
  /** The bucket. It must exist: the store never creates buckets. */
  bucket: string;
  /**
   * The AWS region. @default the SDK's chain: `AWS_REGION`, then the profile's `region` in
   * `~/.aws/config`; with a custom `endpoint`, `AWS_REGION` or else `'us-east-1'`
   */
  region?: string;
  /**
   * The URL of an S3-compatible service (MinIO, Ceph radosgw, Cloudflare R2…), e.g.
   * `http://127.0.0.1:9000`. With an endpoint, the SDK computes request checksums and
   * validates response checksums only where the API requires them, since many such services
   * reject the CRC32 headers and the `aws-chunked` encoding that newer SDKs send by default.
   * @default AWS's own endpoint for the region
   */
  endpoint?: string;
  /**
   * Address the bucket in the path (`endpoint/bucket/key`) instead of the host name
   * (`bucket.endpoint/key`). @default true with an `endpoint`, false otherwise
   */
  forcePathStyle?: boolean;
  /**
   * Static credentials. @default the SDK's default chain: `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`; then `AWS_PROFILE` and the shared files
   * `~/.aws/credentials` and `~/.aws/config` (SSO, `credential_process`, role assumption);
   * then web identity (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`); then the ECS or EC2
   * instance role
   */
  credentials?: S3Credentials;
  /**
   * A ready `S3Client`, for setups the other options do not cover (a custom credential
   * provider, a proxy, an HTTP agent). It cannot be combined with `region`, `endpoint`,
   * `forcePathStyle`, `credentials`, `maxAttempts` or the timeouts, and it is left open when
   * the storage closes.
   */
  client?: S3Client;
  /**
   * Attempts per request, the first included: the SDK retries throttling (429, `SlowDown`),
   * 5xx answers, timeouts and dropped connections with exponential backoff and jitter before
   * the store reports a retryable `ConnectionError`. @default 4
   */
  maxAttempts?: number;
  /** Time to establish a connection before the attempt fails. @default 10_000 */
  connectTimeoutMs?: number;
  /** Time a socket may stay idle during a request before the attempt fails. @default 120_000 */
  socketTimeoutMs?: number;
  /**
   * Bytes per part of a multipart upload; a body larger than this is sent in parts, each
   * retried on its own. At least 5 MiB (S3's minimum). @default 8_388_608 (8 MiB)
   */
  partSize?: number;
  /**
   * Parts of one upload in flight at once; an upload has at most `partSize × queueSize` bytes
   * on the wire. @default 4
   */
  queueSize?: number;
  /** Keys asked for per `ListObjectsV2` page, 1–1000. @default 1000 */
  listPageSize?: number;
}

/** The options, checked and with their defaults applied. */
export interface ResolvedS3Options {
  readonly bucket: string;
  /** `prefix` and `table` joined, without leading or trailing `/`; `''` at the root. */
  readonly prefix: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  readonly credentials?: S3Credentials;
  readonly client?: S3Client;
  readonly maxAttempts: number;
  readonly connectTimeoutMs: number;
  readonly socketTimeoutMs: number;
  readonly partSize: number;
  readonly queueSize: number;
  readonly listPageSize: number;
  /** What to strip from messages: the secret key and the session token. */
  readonly secrets: readonly string[];
}

const MIB = 1024 * 1024;
/** S3's smallest part (all but the last) of a multipart upload. */
export const MIN_PART_SIZE = 5 * MIB;
/** S3's largest part, and largest single `PutObject`. */
export const MAX_PART_SIZE = 5 * 1024 * MIB;

/** The defaults of the numeric options. */
export const DEFAULTS = {
  maxAttempts: 4,
  connectTimeoutMs: 10_000,
  socketTimeoutMs: 120_000,
  partSize: 8 * MIB,
  queueSize: 4,
  listPageSize: 1000,
} as const;

/** Options that configure the client this package builds, so they clash with `client`. */
const CLIENT_OPTIONS = [
  'region',
  'endpoint',
  'forcePathStyle',
  'credentials',
  'maxAttempts',
  'connectTimeoutMs',
  'socketTimeoutMs',
] as const;

/** AWS's rules for new buckets: 3–63 of a–z, 0–9, `.`, `-`, starting and ending alphanumeric. */
const AWS_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** S3-compatible services accept more (radosgw and MinIO allow `_` and, by configuration, capitals). */
const COMPATIBLE_BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

function fail(message: string): never {
  throw new ValidationError(`S3 store: ${message}`);
}

function checkBucket(bucket: unknown, compatible: boolean): string {
  if (typeof bucket !== 'string' || bucket === '') {
    fail('the option "bucket" is required (the name of an existing bucket)');
  }
  const pattern = compatible ? COMPATIBLE_BUCKET : AWS_BUCKET;
  if (!pattern.test(bucket) || bucket.includes('..')) {
    fail(
      `invalid bucket name "${bucket}": ${
        compatible
          ? 'use 3–255 letters, digits, ".", "_" or "-", starting and ending with a letter or digit'
          : 'use 3–63 lowercase letters, digits, "." or "-", starting and ending with a letter or digit'
      } (a bucket name, not a URL or a path: put folders in "prefix")`,
    );
  }
  return bucket;
}

function checkEndpoint(endpoint: unknown): string | undefined {
  if (endpoint === undefined) return undefined;
  if (typeof endpoint !== 'string' || endpoint === '') {
    fail('the option "endpoint" must be a URL such as "http://127.0.0.1:9000"');
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    fail('the option "endpoint" is not a valid URL (expected e.g. "https://s3.example.com")');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(`the option "endpoint" must be an http:// or https:// URL, not ${url.protocol}//…`);
  }
  if (url.username !== '' || url.password !== '') {
    fail('the option "endpoint" must not carry credentials: use "credentials"');
  }
  return endpoint;
}

function checkInteger(name: string, value: unknown, min: number, max: number, fallback: number) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`the option "${name}" must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function checkCredentials(credentials: unknown): S3Credentials | undefined {
  if (credentials === undefined) return undefined;
  const given = credentials as Partial<S3Credentials> | null;
  if (
    typeof given !== 'object' ||
    given === null ||
    typeof given.accessKeyId !== 'string' ||
    given.accessKeyId === '' ||
    typeof given.secretAccessKey !== 'string' ||
    given.secretAccessKey === ''
  ) {
    fail('the option "credentials" needs a non-empty accessKeyId and secretAccessKey');
  }
  if (given.sessionToken !== undefined && typeof given.sessionToken !== 'string') {
    fail('credentials.sessionToken must be a string');
  }
  return {
    accessKeyId: given.accessKeyId,
    secretAccessKey: given.secretAccessKey,
    ...(given.sessionToken ? { sessionToken: given.sessionToken } : {}),
  };
}

/** Checks `options` and applies the defaults; a `ValidationError` names the faulty option. */
export function resolveS3Options(options: S3StorageOptions): ResolvedS3Options {
  if (typeof options !== 'object' || options === null) {
    fail('options are required: at least { bucket }');
  }
  if (options.client !== undefined) {
    if (typeof (options.client as { send?: unknown }).send !== 'function') {
      fail('the option "client" must be an S3Client from @aws-sdk/client-s3');
    }
    const clashing = CLIENT_OPTIONS.filter((name) => options[name] !== undefined);
    if (clashing.length > 0) {
      fail(
        `"client" cannot be combined with ${clashing.map((name) => `"${name}"`).join(', ')}: configure the client itself`,
      );
    }
  }
  const endpoint = checkEndpoint(options.endpoint);
  if (options.region !== undefined && (typeof options.region !== 'string' || !options.region)) {
    fail('the option "region" must be a non-empty string such as "eu-west-1"');
  }
  if (options.forcePathStyle !== undefined && typeof options.forcePathStyle !== 'boolean') {
    fail('the option "forcePathStyle" must be a boolean');
  }
  const credentials = checkCredentials(options.credentials);
  // A client of unknown configuration may talk to any service: allow the wider names.
  const bucket = checkBucket(
    options.bucket,
    endpoint !== undefined || options.client !== undefined,
  );
  return {
    bucket,
    prefix: objectPrefix(options, `s3:${bucket}`),
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    ...(credentials !== undefined ? { credentials } : {}),
    ...(options.client !== undefined ? { client: options.client } : {}),
    maxAttempts: checkInteger('maxAttempts', options.maxAttempts, 1, 20, DEFAULTS.maxAttempts),
    connectTimeoutMs: checkInteger(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      1,
      600_000,
      DEFAULTS.connectTimeoutMs,
    ),
    socketTimeoutMs: checkInteger(
      'socketTimeoutMs',
      options.socketTimeoutMs,
      1,
      3_600_000,
      DEFAULTS.socketTimeoutMs,
    ),
    partSize: checkInteger(
      'partSize',
      options.partSize,
      MIN_PART_SIZE,
      MAX_PART_SIZE,
      DEFAULTS.partSize,
    ),
    queueSize: checkInteger('queueSize', options.queueSize, 1, 64, DEFAULTS.queueSize),
    listPageSize: checkInteger(
      'listPageSize',
      options.listPageSize,
      1,
      1000,
      DEFAULTS.listPageSize,
    ),
    secrets: credentials
      ? [
          credentials.secretAccessKey,
          ...(credentials.sessionToken ? [credentials.sessionToken] : []),
        ]
      : [],
  };
}
