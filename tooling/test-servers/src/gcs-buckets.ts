/** Bucket requests of the Cloud Storage test server: insert, get, list, patch, delete. */

import { GcsError, invalidArgument, requiredArgument } from './gcs-errors.js';
import {
  type Exchange,
  notImplemented,
  readJson,
  requireBucket,
  sendJson,
} from './gcs-exchange.js';
import { bucketResource, isValidBucketName, type StoredBucket } from './gcs-resources.js';
import { readBody, send } from './http-helpers.js';

/** `POST /storage/v1/b`: creates a bucket. */
export async function createBucket(exchange: Exchange): Promise<void> {
  const body = await readJson(exchange.request);
  const name = typeof body.name === 'string' ? body.name : '';
  if (name === '') throw requiredArgument('Required: the bucket name.');
  if (!isValidBucketName(name)) throw invalidArgument(`Invalid bucket name: '${name}'`);
  if (exchange.state.buckets.has(name)) {
    throw new GcsError(
      409,
      'conflict',
      'Your previous request to create the named bucket succeeded and you already own it.',
    );
  }
  const bucket: StoredBucket = {
    name,
    location: typeof body.location === 'string' ? body.location.toUpperCase() : 'US-CENTRAL1',
    storageClass: typeof body.storageClass === 'string' ? body.storageClass : 'STANDARD',
    timeCreated: new Date(),
    objects: new Map(),
  };
  exchange.state.buckets.set(name, bucket);
  sendJson(exchange, 200, bucketResource(bucket, exchange.state.baseUrl));
}

/** `GET /storage/v1/b`: lists the buckets. */
export function listBuckets(exchange: Exchange): void {
  const prefix = exchange.query.get('prefix') ?? '';
  const items = [...exchange.state.buckets.values()]
    .filter((bucket) => bucket.name.startsWith(prefix))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((bucket) => bucketResource(bucket, exchange.state.baseUrl));
  sendJson(exchange, 200, { kind: 'storage#buckets', ...(items.length > 0 ? { items } : {}) });
}

/** `GET`, `PATCH` (accepted, changes nothing) and `DELETE` of one bucket. */
export async function bucketRequest(exchange: Exchange, name: string): Promise<void> {
  const bucket = requireBucket(exchange.state, name);
  switch (exchange.request.method) {
    case 'GET':
      sendJson(exchange, 200, bucketResource(bucket, exchange.state.baseUrl));
      return;
    case 'PATCH':
      await readBody(exchange.request);
      sendJson(exchange, 200, bucketResource(bucket, exchange.state.baseUrl));
      return;
    case 'DELETE':
      if (bucket.objects.size > 0) {
        throw new GcsError(409, 'conflict', 'The bucket you tried to delete is not empty.');
      }
      exchange.state.buckets.delete(name);
      send(exchange.request, exchange.response, 204);
      return;
    default:
      throw notImplemented(exchange);
  }
}
