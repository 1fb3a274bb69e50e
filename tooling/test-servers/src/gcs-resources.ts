/**
 * The buckets and objects a Cloud Storage test server holds, and their JSON API resource
 * representations (`storage#bucket`, `storage#object`).
 */
import { createHash } from 'node:crypto';
import { crc32cBase64 } from './crc32c.js';

/** Writable object metadata, as the JSON API names it. */
export interface GcsObjectMetadata {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  /** Custom metadata (`x-goog-meta-*` in the XML API). */
  metadata?: Record<string, string>;
}

/** One live object. There is no versioning: a write replaces the object with a new generation. */
export interface StoredObject extends GcsObjectMetadata {
  bucket: string;
  name: string;
  data: Buffer;
  generation: number;
  metageneration: number;
  md5Hash: string | undefined;
  crc32c: string;
  timeCreated: Date;
  updated: Date;
  /** Set for composite objects, which (as in Cloud Storage) have no MD5. */
  componentCount: number | undefined;
}

/** One bucket and its objects. */
export interface StoredBucket {
  name: string;
  location: string;
  storageClass: string;
  timeCreated: Date;
  objects: Map<string, StoredObject>;
}

let lastGeneration = 0;

/**
 * A new object generation: like Cloud Storage's, microseconds since the epoch, and strictly
 * increasing within the process so that two writes never share one.
 */
export function nextGeneration(): number {
  lastGeneration = Math.max(Date.now() * 1000, lastGeneration + 1);
  return lastGeneration;
}

/** The metadata fields a write request may set, picked from a request body. */
export function pickObjectMetadata(source: Record<string, unknown>): GcsObjectMetadata {
  const picked: GcsObjectMetadata = {};
  for (const key of [
    'contentType',
    'contentEncoding',
    'contentDisposition',
    'contentLanguage',
    'cacheControl',
  ] as const) {
    const value = source[key];
    if (typeof value === 'string') picked[key] = value;
  }
  const custom = source.metadata;
  if (custom !== null && typeof custom === 'object') {
    picked.metadata = Object.fromEntries(
      Object.entries(custom as Record<string, unknown>)
        .filter(([, value]) => value !== null && value !== undefined)
        .map(([key, value]) => [key, String(value)]),
    );
  }
  return picked;
}

/** The writable metadata of `object`, to carry over to a copy. */
export function metadataOf(object: StoredObject): GcsObjectMetadata {
  const { contentType, contentEncoding, contentDisposition, contentLanguage, cacheControl } =
    object;
  return {
    contentType,
    contentEncoding,
    contentDisposition,
    contentLanguage,
    cacheControl,
    ...(object.metadata === undefined ? {} : { metadata: { ...object.metadata } }),
  };
}

/** A new object generation holding `data`, with its hashes computed. */
export function createStoredObject(
  bucket: string,
  name: string,
  data: Buffer,
  metadata: GcsObjectMetadata,
  options: { composite?: number } = {},
): StoredObject {
  const now = new Date();
  return {
    ...metadata,
    contentType: metadata.contentType ?? 'application/octet-stream',
    bucket,
    name,
    data,
    generation: nextGeneration(),
    metageneration: 1,
    md5Hash:
      options.composite === undefined ? createHash('md5').update(data).digest('base64') : undefined,
    crc32c: crc32cBase64(data),
    timeCreated: now,
    updated: now,
    componentCount: options.composite,
  };
}

/** The object's ETag, which changes with its generation and its metageneration. */
export function objectEtag(object: StoredObject): string {
  return Buffer.from(`${object.generation}/${object.metageneration}`).toString('base64');
}

/** The `storage#object` resource for `object`; `baseUrl` is the server's `http://host:port`. */
export function objectResource(object: StoredObject, baseUrl: string): Record<string, unknown> {
  const encodedName = encodeURIComponent(object.name);
  const path = `/storage/v1/b/${encodeURIComponent(object.bucket)}/o/${encodedName}`;
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${baseUrl}${path}`,
    mediaLink: `${baseUrl}/download${path}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: String(object.generation),
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    contentEncoding: object.contentEncoding,
    contentDisposition: object.contentDisposition,
    contentLanguage: object.contentLanguage,
    cacheControl: object.cacheControl,
    storageClass: 'STANDARD',
    size: String(object.data.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    componentCount: object.componentCount,
    etag: objectEtag(object),
    timeCreated: object.timeCreated.toISOString(),
    updated: object.updated.toISOString(),
    timeStorageClassUpdated: object.timeCreated.toISOString(),
    metadata: object.metadata,
  };
}

/** The `storage#bucket` resource for `bucket`. */
export function bucketResource(bucket: StoredBucket, baseUrl: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    id: bucket.name,
    selfLink: `${baseUrl}/storage/v1/b/${encodeURIComponent(bucket.name)}`,
    projectNumber: '0',
    name: bucket.name,
    timeCreated: bucket.timeCreated.toISOString(),
    updated: bucket.timeCreated.toISOString(),
    metageneration: '1',
    location: bucket.location,
    locationType: 'region',
    storageClass: bucket.storageClass,
    etag: 'CAE=',
  };
}

/** Bucket names as Cloud Storage accepts them (the dotted, domain-named form included). */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name) && !name.includes('..');
}
