/**
 * `createS3Storage`: the `ObjectStorage` of `@wharf/store-parquet/object` on Amazon S3 and
 * S3-compatible services, with the official AWS SDK for JavaScript v3.
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ConflictError, ConnectionError, redactUrl, ValidationError } from '@wharf/store-core';
import type {
  ObjectEntry,
  ObjectStorage,
  PutOptions,
  StorageDescription,
} from '@wharf/store-parquet/object';
import { createS3Client, regionFor } from './s3-client.js';
import { withContentMd5 } from './s3-content-md5.js';
import { attemptsOf, errorNameOf, httpStatusOf, toStoreError } from './s3-errors.js';
import { resolveS3Options, type S3StorageOptions } from './s3-options.js';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** The most keys one `DeleteObjects` request takes. */
const DELETE_BATCH = 1000;
/** Tries of a conditional create that meets 409 `ConditionalRequestConflict` each time. */
const CONFLICT_ATTEMPTS = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `s3://bucket/prefix`, the location as users write it. */
export function s3Url(bucket: string, prefix: string): string {
  return `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
}

/** The `x-amz-copy-source` value: the bucket and the URL-encoded key, `/` kept. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function isPreconditionFailed(error: unknown): boolean {
  return httpStatusOf(error) === 412 || errorNameOf(error) === 'PreconditionFailed';
}

/** 409 to a conditional write: another conditional write of the key is in flight. */
function isConditionalConflict(error: unknown): boolean {
  const name = errorNameOf(error);
  return (
    httpStatusOf(error) === 409 &&
    (name === 'ConditionalRequestConflict' || name === 'OperationAborted')
  );
}

function isMissingObject(error: unknown): boolean {
  const name = errorNameOf(error);
  return name === 'NoSuchKey' || (httpStatusOf(error) === 404 && name !== 'NoSuchBucket');
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(
    Buffer.from(right.buffer, right.byteOffset, right.byteLength),
  );
}

/**
 * An `ObjectStorage` on an S3 bucket (and prefix): the store's data files, commit records and
 * journal live there. Large bodies go up as multipart uploads (`partSize` parts,
 * `queueSize` at once); a conditional create is a `PutObject` with `If-None-Match: *`.
 *
 * @example
 * const storage = createS3Storage({ bucket: 'analytics', prefix: 'trips', region: 'eu-west-1' });
 * await storage.probe();
 * await storage.put('hello.txt', new TextEncoder().encode('hi'));
 * console.log(await storage.head('hello.txt')); // { key: 'hello.txt', size: 2, lastModified: … }
 * await storage.close();
 */
export function createS3Storage(options: S3StorageOptions): ObjectStorage {
  const resolved = resolveS3Options(options);
  const { bucket, prefix, partSize, queueSize, listPageSize, secrets } = resolved;
  const ownsClient = resolved.client === undefined;
  const client = resolved.client ?? createS3Client(resolved);
  const url = s3Url(bucket, prefix);
  const base = prefix ? `${prefix}/` : '';
  let closed = false;

  const failure = (error: unknown, action: string, objectKey?: string) =>
    toStoreError(error, {
      url,
      action,
      bucket,
      secrets,
      ...(objectKey !== undefined ? { key: objectKey } : {}),
    });

  function open(action: string): void {
    if (closed) {
      throw new ConnectionError(`${url}: ${action} failed: the storage is closed`, {
        retryable: false,
      });
    }
  }

  function fullKey(key: string, action: string): string {
    if (typeof key !== 'string' || key === '' || key.startsWith('/')) {
      throw new ValidationError(
        `${url}: ${action} failed: invalid key ${JSON.stringify(key)} (a non-empty relative key is required)`,
      );
    }
    return base + key;
  }

  function putInput(objectKey: string, body: Uint8Array, putOptions?: PutOptions) {
    return {
      Bucket: bucket,
      Key: objectKey,
      Body: body,
      ContentType: putOptions?.contentType ?? DEFAULT_CONTENT_TYPE,
    } satisfies PutObjectCommandInput;
  }

  async function readObject(objectKey: string): Promise<Uint8Array | undefined> {
    try {
      const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }));
      return output.Body ? await output.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async function headObject(objectKey: string, key: string): Promise<ObjectEntry | undefined> {
    try {
      const output = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }));
      return {
        key,
        size: output.ContentLength ?? 0,
        lastModified: output.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  /**
   * After the SDK retried a conditional create that then met 412: did an earlier attempt of
   * this very call create the object and lose the answer? Then the object holds our bytes.
   */
  async function holdsBody(objectKey: string, body: Uint8Array): Promise<boolean> {
    const existing = await readObject(objectKey);
    return existing !== undefined && sameBytes(existing, body);
  }

  const storage: ObjectStorage = {
    url,

    async probe() {
      open('probe');
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        throw failure(error, 'probe');
      }
    },

    async put(key, body, putOptions) {
      open('put');
      const objectKey = fullKey(key, 'put');
      const input = putInput(objectKey, body, putOptions);
      try {
        if (body.byteLength <= partSize) {
          await client.send(new PutObjectCommand(input));
        } else {
          // A failed upload is aborted by lib-storage (leavePartsOnError: false), so its parts
          // do not linger and cost storage.
          await new Upload({ client, params: input, partSize, queueSize }).done();
        }
      } catch (error) {
        throw failure(error, `put ${key}`);
      }
    },

    async putIfAbsent(key, body, putOptions) {
      open('putIfAbsent');
      const objectKey = fullKey(key, 'putIfAbsent');
      const input = { ...putInput(objectKey, body, putOptions), IfNoneMatch: '*' };
      for (let attempt = 1; ; attempt += 1) {
        try {
          await client.send(new PutObjectCommand(input));
          return true;
        } catch (error) {
          try {
            if (isPreconditionFailed(error)) {
              return attemptsOf(error) > 1 ? await holdsBody(objectKey, body) : false;
            }
            if (!isConditionalConflict(error)) throw failure(error, `putIfAbsent ${key}`);
            // AWS: 409 ConditionalRequestConflict means another conditional write of this key
            // is in flight, and the request should be retried. Its outcome decides ours: the
            // retry then meets 412 (it won) or succeeds (it failed).
            if (attempt < CONFLICT_ATTEMPTS) {
              await sleep(25 * 2 ** attempt * (0.5 + Math.random()));
              continue;
            }
            if ((await headObject(objectKey, key)) !== undefined) return false;
            throw new ConflictError(
              `${url}: putIfAbsent ${key} failed: a concurrent conditional write of the key kept conflicting (HTTP 409 ${errorNameOf(error)}, ${CONFLICT_ATTEMPTS} tries)`,
              { cause: error, retryable: true, secrets, details: { url, key } },
            );
          } catch (inner) {
            throw failure(inner, `putIfAbsent ${key}`);
          }
        }
      }
    },

    async get(key) {
      open('get');
      const objectKey = fullKey(key, 'get');
      try {
        return await readObject(objectKey);
      } catch (error) {
        throw failure(error, `get ${key}`, objectKey);
      }
    },

    async getRange(key, start, end) {
      open('getRange');
      const objectKey = fullKey(key, 'getRange');
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
        throw new ValidationError(
          `${url}: getRange ${key} failed: invalid range [${start}, ${end}) (0 ≤ start ≤ end)`,
        );
      }
      try {
        if (start === end) {
          const entry = await headObject(objectKey, key);
          if (entry === undefined) {
            throw Object.assign(new Error('NoSuchKey'), {
              name: 'NoSuchKey',
              $metadata: { httpStatusCode: 404 },
            });
          }
          return new Uint8Array(0);
        }
        const output = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: objectKey,
            Range: `bytes=${start}-${end - 1}`,
          }),
        );
        const bytes = output.Body ? await output.Body.transformToByteArray() : new Uint8Array(0);
        // A service that ignores Range answers 200 with the whole object.
        return output.ContentRange === undefined && bytes.byteLength > end - start
          ? bytes.subarray(start, end)
          : bytes;
      } catch (error) {
        throw failure(error, `getRange ${key} [${start}, ${end})`, objectKey);
      }
    },

    async head(key) {
      open('head');
      const objectKey = fullKey(key, 'head');
      try {
        return await headObject(objectKey, key);
      } catch (error) {
        throw failure(error, `head ${key}`, objectKey);
      }
    },

    async *list(listPrefix) {
      open('list');
      if (typeof listPrefix !== 'string' || listPrefix.startsWith('/')) {
        throw new ValidationError(
          `${url}: list failed: invalid prefix ${JSON.stringify(listPrefix)} (a relative prefix is required)`,
        );
      }
      let token: string | undefined;
      do {
        open('list');
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: base + listPrefix,
              MaxKeys: listPageSize,
              ...(token !== undefined ? { ContinuationToken: token } : {}),
            }),
          );
        } catch (error) {
          throw failure(error, `list ${listPrefix || '(all)'}`);
        }
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined || !object.Key.startsWith(base)) continue;
          const key = object.Key.slice(base.length);
          // Zero-byte "folder/" markers that consoles create are not objects of the dataset.
          if (key === '' || key.endsWith('/')) continue;
          yield {
            key,
            size: object.Size ?? 0,
            lastModified: object.LastModified ?? new Date(0),
          } satisfies ObjectEntry;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined && token !== '');
    },

    async delete(keys) {
      open('delete');
      const unique = [...new Set(keys)].map((key) => fullKey(key, 'delete'));
      for (let start = 0; start < unique.length; start += DELETE_BATCH) {
        const batch = unique.slice(start, start + DELETE_BATCH);
        const action = `delete ${batch.length} object(s)`;
        let errors: Array<{ Key?: string; Code?: string; Message?: string }>;
        try {
          const output = await client.send(
            withContentMd5(
              new DeleteObjectsCommand({
                Bucket: bucket,
                Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
              }),
            ),
          );
          errors = (output.Errors ?? []).filter((error) => error.Code !== 'NoSuchKey');
        } catch (error) {
          throw failure(error, action);
        }
        const first = errors[0];
        if (first !== undefined) {
          // Each key has its own outcome: report the first refusal, classified by its code
          // (SlowDown or InternalError stay retryable, AccessDenied does not).
          const cause = Object.assign(
            new Error(
              `${errors.length} of ${batch.length} not deleted; first: ${first.Key ?? '?'}: ${first.Code ?? 'error'}${first.Message ? ` ${first.Message}` : ''}`,
            ),
            { name: first.Code ?? 'DeleteObjectsError', errors },
          );
          throw failure(cause, action);
        }
      }
    },

    async copy(from, to) {
      open('copy');
      const source = fullKey(from, 'copy');
      const target = fullKey(to, 'copy');
      try {
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: target,
            CopySource: copySource(bucket, source),
          }),
        );
      } catch (error) {
        throw failure(error, `copy ${from} to ${to}`, source);
      }
    },

    describe(): StorageDescription {
      const region = ownsClient ? regionFor(resolved) : undefined;
      return {
        url,
        bucket,
        prefix,
        ...(region !== undefined ? { region } : {}),
        ...(resolved.endpoint !== undefined ? { endpoint: redactUrl(resolved.endpoint) } : {}),
        ...(ownsClient
          ? {
              forcePathStyle: resolved.forcePathStyle,
              maxAttempts: resolved.maxAttempts,
            }
          : { client: 'provided' }),
        partSize,
        queueSize,
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      if (ownsClient) client.destroy();
    },
  };
  return storage;
}
