/**
 * What the Cloud Storage test server's handlers share: the server's state, the request
 * being answered, JSON in and out, and the lookups and the commit step every write uses.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32cBase64 } from './crc32c.js';
import type { FaultList } from './fault-injection.js';
import {
  bucketNotFound,
  GcsError,
  invalidArgument,
  objectNotFound,
  requiredArgument,
} from './gcs-errors.js';
import { checkPreconditions } from './gcs-preconditions.js';
import {
  createStoredObject,
  type GcsObjectMetadata,
  type StoredBucket,
  type StoredObject,
} from './gcs-resources.js';
import type { ResumableSession } from './gcs-resumable.js';
import { readBody, send } from './http-helpers.js';

/** The content type of every JSON response, as the client library compares it. */
export const jsonType = 'application/json; charset=utf-8';

/** Everything one server holds. */
export interface GcsState {
  baseUrl: string;
  buckets: Map<string, StoredBucket>;
  sessions: Map<string, ResumableSession>;
  faults: FaultList;
}

/** One request on its way through the server. */
export interface Exchange {
  state: GcsState;
  request: IncomingMessage;
  response: ServerResponse;
  query: URLSearchParams;
}

/** Sends a JSON response. */
export function sendJson(exchange: Exchange, status: number, body: object, headers = {}): void {
  send(exchange.request, exchange.response, status, { 'Content-Type': jsonType, ...headers }, body);
}

/** Reads a JSON object body; an empty body is `{}`. */
export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(request);
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidArgument('The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidArgument('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** The bucket named `name`; throws 404 `notFound`. */
export function requireBucket(state: GcsState, name: string): StoredBucket {
  const bucket = state.buckets.get(name);
  if (bucket === undefined) throw bucketNotFound();
  return bucket;
}

/**
 * The live object `name`, which must be the `generation` in `query` when one is given;
 * throws 404 `notFound`.
 */
export function requireObject(
  bucket: StoredBucket,
  name: string,
  query: URLSearchParams,
): StoredObject {
  const object = bucket.objects.get(name);
  const generation = query.get('generation');
  // Without versioning only the live generation exists.
  if (object === undefined || (generation !== null && generation !== String(object.generation))) {
    throw objectNotFound(bucket.name, name);
  }
  return object;
}

/** Checks `X-Goog-Hash` (and hashes in the metadata) against what actually arrived. */
export function verifyHashes(
  data: Buffer,
  hashHeader: string | undefined,
  metadata: Record<string, unknown> = {},
): void {
  const claimed: { crc32c?: string; md5?: string } = {};
  for (const pair of (hashHeader ?? '').split(',')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const key = pair.slice(0, equals).trim();
    if (key === 'crc32c' || key === 'md5') claimed[key] = pair.slice(equals + 1).trim();
  }
  if (typeof metadata.crc32c === 'string') claimed.crc32c = metadata.crc32c;
  if (typeof metadata.md5Hash === 'string') claimed.md5 = metadata.md5Hash;
  if (claimed.crc32c !== undefined) {
    const actual = crc32cBase64(data);
    if (actual !== claimed.crc32c) {
      throw invalidArgument(
        `Provided CRC32C "${claimed.crc32c}" doesn't match calculated CRC32C "${actual}".`,
      );
    }
  }
  if (claimed.md5 !== undefined) {
    const actual = createHash('md5').update(data).digest('base64');
    if (actual !== claimed.md5) {
      throw invalidArgument(
        `Provided MD5 hash "${claimed.md5}" doesn't match calculated MD5 hash "${actual}".`,
      );
    }
  }
}

/** Stores a new generation of an object once its preconditions hold; returns it. */
export function commitObject(
  state: GcsState,
  bucketName: string,
  name: string,
  data: Buffer,
  metadata: GcsObjectMetadata,
  preconditions: URLSearchParams,
  composite?: number,
): StoredObject {
  const bucket = requireBucket(state, bucketName);
  checkPreconditions(preconditions, bucket.objects.get(name), 'write');
  const object = createStoredObject(bucketName, name, data, metadata, { composite });
  bucket.objects.set(name, object);
  return object;
}

/** The object name of an upload: the `name` parameter, else the metadata's `name`. */
export function objectNameFrom(query: URLSearchParams, metadata: Record<string, unknown>): string {
  const name = query.get('name') ?? (typeof metadata.name === 'string' ? metadata.name : undefined);
  if (name === undefined || name === '') throw requiredArgument('Required: the object name.');
  return name;
}

/** The error for a request the server does not implement. */
export function notImplemented(exchange: Exchange): GcsError {
  return new GcsError(
    501,
    'notImplemented',
    `${exchange.request.method} ${exchange.request.url} is not implemented by the Cloud Storage test server.`,
  );
}
