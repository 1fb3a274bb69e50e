/**
 * Object requests of the Cloud Storage test server: metadata and media reads (with ranges),
 * metadata updates, deletes, listings, and the server-side copies (rewrite, copy, compose,
 * move).
 */

import { GcsError, invalidArgument, requiredArgument } from './gcs-errors.js';
import {
  commitObject,
  type Exchange,
  notImplemented,
  readJson,
  requireBucket,
  requireObject,
  sendJson,
} from './gcs-exchange.js';
import { listObjects } from './gcs-listing.js';
import { checkPreconditions } from './gcs-preconditions.js';
import {
  createStoredObject,
  metadataOf,
  objectEtag,
  objectResource,
  pickObjectMetadata,
  type StoredObject,
} from './gcs-resources.js';
import { header, readBody, resolveRange, send } from './http-helpers.js';

function sendMedia(exchange: Exchange, object: StoredObject): void {
  const { request, response } = exchange;
  const headers: Record<string, string | number> = {
    'Content-Type': object.contentType ?? 'application/octet-stream',
    ETag: objectEtag(object),
    'Last-Modified': object.updated.toUTCString(),
    'Accept-Ranges': 'bytes',
    'x-goog-generation': String(object.generation),
    'x-goog-metageneration': String(object.metageneration),
    'x-goog-hash': [
      `crc32c=${object.crc32c}`,
      ...(object.md5Hash ? [`md5=${object.md5Hash}`] : []),
    ].join(','),
    'x-goog-stored-content-encoding': object.contentEncoding ?? 'identity',
    'x-goog-stored-content-length': String(object.data.length),
    'x-goog-storage-class': 'STANDARD',
  };
  if (object.contentEncoding) headers['Content-Encoding'] = object.contentEncoding;
  if (object.contentDisposition) headers['Content-Disposition'] = object.contentDisposition;
  if (object.contentLanguage) headers['Content-Language'] = object.contentLanguage;
  if (object.cacheControl) headers['Cache-Control'] = object.cacheControl;
  const range = resolveRange(header(request, 'range'), object.data.length);
  if (range === 'unsatisfiable') {
    throw new GcsError(
      416,
      'requestedRangeNotSatisfiable',
      'The requested range cannot be satisfied.',
    );
  }
  if (range === undefined) {
    send(request, response, 200, headers, object.data);
    return;
  }
  headers['Content-Range'] = `bytes ${range.start}-${range.end}/${object.data.length}`;
  send(request, response, 206, headers, object.data.subarray(range.start, range.end + 1));
}

function applyPatch(object: StoredObject, body: Record<string, unknown>, replace: boolean): void {
  const fields = [
    'contentType',
    'contentEncoding',
    'contentDisposition',
    'contentLanguage',
    'cacheControl',
  ] as const;
  for (const field of fields) {
    const value = body[field];
    if (typeof value === 'string') object[field] = value;
    else if (value === null || (replace && value === undefined)) delete object[field];
  }
  const custom = body.metadata;
  if (custom === null || (replace && custom === undefined)) {
    delete object.metadata;
  } else if (typeof custom === 'object' && custom !== undefined) {
    const merged: Record<string, string> = replace ? {} : { ...object.metadata };
    for (const [key, value] of Object.entries(custom as Record<string, unknown>)) {
      if (value === null) delete merged[key];
      else merged[key] = String(value);
    }
    object.metadata = merged;
  }
  object.metageneration += 1;
  object.updated = new Date();
}

/** `GET` (metadata, or the bytes with `alt=media`), `PATCH`, `PUT` and `DELETE` of an object. */
export async function objectRequest(
  exchange: Exchange,
  bucketName: string,
  name: string,
): Promise<void> {
  const { state, query, request } = exchange;
  const bucket = requireBucket(state, bucketName);
  switch (request.method) {
    case 'GET': {
      const object = requireObject(bucket, name, query);
      checkPreconditions(query, object, 'read');
      if (query.get('alt') === 'media') sendMedia(exchange, object);
      else sendJson(exchange, 200, objectResource(object, state.baseUrl));
      return;
    }
    case 'PATCH':
    case 'PUT': {
      const body = await readJson(request);
      const object = requireObject(bucket, name, query);
      checkPreconditions(query, object, 'write');
      applyPatch(object, body, request.method === 'PUT');
      sendJson(exchange, 200, objectResource(object, state.baseUrl));
      return;
    }
    case 'DELETE': {
      const object = requireObject(bucket, name, query);
      checkPreconditions(query, object, 'write');
      bucket.objects.delete(name);
      send(request, exchange.response, 204);
      return;
    }
    default:
      throw notImplemented(exchange);
  }
}

/** `GET /b/<bucket>/o`: one page of a listing. */
export function listRequest(exchange: Exchange, bucketName: string): void {
  const bucket = requireBucket(exchange.state, bucketName);
  const page = listObjects(bucket.objects.values(), exchange.query);
  sendJson(exchange, 200, {
    kind: 'storage#objects',
    ...(page.prefixes.length > 0 ? { prefixes: page.prefixes } : {}),
    ...(page.items.length > 0
      ? { items: page.items.map((object) => objectResource(object, exchange.state.baseUrl)) }
      : {}),
    ...(page.nextPageToken !== undefined ? { nextPageToken: page.nextPageToken } : {}),
  });
}

/** `rewriteTo` and `copyTo`: a server-side copy that always completes in one call. */
export async function copyRequest(
  exchange: Exchange,
  source: { bucket: string; name: string },
  destination: { bucket: string; name: string },
  kind: 'rewriteTo' | 'copyTo',
): Promise<void> {
  const { state, query } = exchange;
  const body = await readJson(exchange.request);
  const sourceBucket = requireBucket(state, source.bucket);
  const sourceQuery = new URLSearchParams();
  const sourceGeneration = query.get('sourceGeneration');
  if (sourceGeneration !== null) sourceQuery.set('generation', sourceGeneration);
  const sourceObject = requireObject(sourceBucket, source.name, sourceQuery);
  checkPreconditions(query, sourceObject, 'write', 'Source');
  const metadata = { ...metadataOf(sourceObject), ...pickObjectMetadata(body) };
  const object = commitObject(
    state,
    destination.bucket,
    destination.name,
    sourceObject.data,
    metadata,
    query,
    sourceObject.componentCount,
  );
  const resource = objectResource(object, state.baseUrl);
  if (kind === 'copyTo') {
    sendJson(exchange, 200, resource);
    return;
  }
  sendJson(exchange, 200, {
    kind: 'storage#rewriteResponse',
    totalBytesRewritten: String(object.data.length),
    objectSize: String(object.data.length),
    done: true,
    resource,
  });
}

/** `moveTo`: renames an object within its bucket in one step. */
export async function moveRequest(
  exchange: Exchange,
  bucketName: string,
  sourceName: string,
  destinationName: string,
): Promise<void> {
  const { state, query } = exchange;
  await readBody(exchange.request);
  const bucket = requireBucket(state, bucketName);
  const source = requireObject(bucket, sourceName, new URLSearchParams());
  checkPreconditions(query, source, 'write', 'Source');
  checkPreconditions(query, bucket.objects.get(destinationName), 'write');
  const moved = createStoredObject(bucketName, destinationName, source.data, metadataOf(source), {
    composite: source.componentCount,
  });
  bucket.objects.delete(sourceName);
  bucket.objects.set(destinationName, moved);
  sendJson(exchange, 200, objectResource(moved, state.baseUrl));
}

/** `compose`: concatenates up to 32 objects of one bucket into a new composite object. */
export async function composeRequest(
  exchange: Exchange,
  bucketName: string,
  name: string,
): Promise<void> {
  const { state, query } = exchange;
  const body = await readJson(exchange.request);
  const bucket = requireBucket(state, bucketName);
  const sources = Array.isArray(body.sourceObjects) ? (body.sourceObjects as unknown[]) : [];
  if (sources.length === 0) throw requiredArgument('Required: sourceObjects.');
  if (sources.length > 32) {
    throw invalidArgument(
      'The number of source components provided (more than 32) exceeds the maximum.',
    );
  }
  const parts: StoredObject[] = [];
  for (const entry of sources) {
    const source = (entry ?? {}) as {
      name?: unknown;
      generation?: unknown;
      objectPreconditions?: { ifGenerationMatch?: unknown };
    };
    if (typeof source.name !== 'string') throw requiredArgument('Required: sourceObjects[].name.');
    const generationQuery = new URLSearchParams();
    if (source.generation !== undefined)
      generationQuery.set('generation', String(source.generation));
    const object = requireObject(bucket, source.name, generationQuery);
    const expected = source.objectPreconditions?.ifGenerationMatch;
    if (expected !== undefined) {
      checkPreconditions(
        new URLSearchParams({ ifGenerationMatch: String(expected) }),
        object,
        'write',
      );
    }
    parts.push(object);
  }
  const destination = (body.destination ?? {}) as Record<string, unknown>;
  const object = commitObject(
    state,
    bucketName,
    name,
    Buffer.concat(parts.map((part) => part.data)),
    pickObjectMetadata(destination),
    query,
    parts.reduce((count, part) => count + (part.componentCount ?? 1), 0),
  );
  sendJson(exchange, 200, objectResource(object, state.baseUrl));
}
