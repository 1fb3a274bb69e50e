/**
 * Shared test plumbing: the radosgw the global setup started, a raw S3 client that inspects
 * the bucket without going through the storage under test, and throwaway buckets.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createS3Storage, type S3StorageOptions } from '../src/index.js';

/** Where the test radosgw listens and how to sign in. */
export interface S3Server {
  readonly url: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function s3Server(): S3Server {
  return {
    url: inject('wharf.s3Url'),
    region: inject('wharf.s3Region'),
    accessKeyId: inject('wharf.s3AccessKeyId'),
    secretAccessKey: inject('wharf.s3SecretAccessKey'),
  };
}

/** A raw client on the test server: the independent probe of what the bucket holds. */
export function rawClient(server = s3Server()): S3Client {
  return new S3Client({
    endpoint: server.url,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A name nobody else uses, for a bucket or a prefix. */
export function uniqueName(label: string): string {
  return `${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Creates a bucket for one test file; `remove()` empties and deletes it. */
export async function createBucket(client: S3Client, label = 'wharf-s3') {
  const bucket = uniqueName(label);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    bucket,
    async remove(): Promise<void> {
      for (;;) {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
        const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
        if (keys.length === 0) break;
        await Promise.all(
          keys.map((Key) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key }))),
        );
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    },
  };
}

/** Storage options for the test server, with overrides. */
export function storageOptions(
  bucket: string,
  overrides: Partial<S3StorageOptions> = {},
  server = s3Server(),
): S3StorageOptions {
  return {
    bucket,
    endpoint: server.url,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...overrides,
  };
}

/** A storage on the test server. */
export function testStorage(bucket: string, overrides: Partial<S3StorageOptions> = {}) {
  return createS3Storage(storageOptions(bucket, overrides));
}

/** Deterministic pseudo-random bytes, so that a mismatch is not masked by repetition. */
export function bytesOf(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

export const text = (value: string) => new TextEncoder().encode(value);

/** Every entry of an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}
