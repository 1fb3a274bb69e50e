import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConnectionError, NotFoundError, StoreError, ValidationError } from '@wharf/store-core';
import { findFreePort } from '@wharf/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Storage, S3Store } from '../src/index.js';
import {
  collect,
  createBucket,
  rawClient,
  s3Server,
  storageOptions,
  testStorage,
  text,
  uniqueName,
} from './helpers.js';
import { startThrottlingProxy, type ThrottlingProxy } from './throttling-proxy.js';

const SECRET = 'wharf-SECRET-never-shown-7f3a9c';
const TOKEN = 'wharf-TOKEN-never-shown-c41e0b';

let client: S3Client;
let bucket: string;
let removeBucket: () => Promise<void>;

beforeAll(async () => {
  client = rawClient();
  ({ bucket, remove: removeBucket } = await createBucket(client, 'errors'));
});

afterAll(async () => {
  await removeBucket?.();
  client?.destroy();
});

/** What a caught error looks like in every form a log might print it, causes included. */
function everyRendering(error: unknown): string[] {
  const seen = [String(error), inspect(error, { depth: 10, showHidden: true })];
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    seen.push(
      String(cause),
      (cause as Error).stack ?? '',
      JSON.stringify((cause as { details?: unknown }).details ?? {}),
    );
  }
  return seen;
}

function expectNoSecret(texts: readonly string[]): void {
  for (const rendered of texts) {
    expect(rendered).not.toContain(SECRET);
    expect(rendered).not.toContain(TOKEN);
  }
}

async function caught(action: () => Promise<unknown>): Promise<StoreError> {
  try {
    await action();
  } catch (error) {
    expect(StoreError.isInstance(error), `a StoreError, got ${inspect(error)}`).toBe(true);
    return error as StoreError;
  }
  throw new Error('expected the call to fail');
}

describe('a missing bucket', () => {
  const missing = uniqueName('missing');

  it('is a NotFoundError naming it, from probe, put, get, list and delete', async () => {
    const storage = testStorage(missing, { prefix: 'p' });
    try {
      for (const action of [
        () => storage.probe(),
        () => storage.put('a.bin', text('a')),
        () => storage.putIfAbsent('a.bin', text('a')),
        () => storage.get('a.bin'),
        () => collect(storage.list('')),
        () => storage.delete(['a.bin']),
      ]) {
        const error = await caught(action);
        expect(NotFoundError.isInstance(error)).toBe(true);
        expect(error.message).toContain(`bucket "${missing}" does not exist`);
        expect(error.message).toMatch(new RegExp(`^s3://${missing}/p: \\w+.* failed: `));
        expect(error.retryable).toBe(false);
        expect(error.cause).toBeInstanceOf(Error);
      }
    } finally {
      await storage.close();
    }
  });
});

describe('an unreachable endpoint', () => {
  it('is a retryable ConnectionError with the SDK error as cause, after the SDK retried', async () => {
    const port = await findFreePort();
    const storage = createS3Storage({
      bucket,
      prefix: 'unreachable',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIDWHARF', secretAccessKey: SECRET, sessionToken: TOKEN },
      maxAttempts: 3,
    });
    try {
      for (const action of [
        () => storage.probe(),
        () => storage.put('x.bin', text('x')),
        () => storage.get('x.bin'),
        () => storage.putIfAbsent('x.bin', text('x')),
      ]) {
        const error = await caught(action);
        expect(ConnectionError.isInstance(error)).toBe(true);
        expect(error.retryable).toBe(true);
        expect(error.message).toMatch(/^s3:\/\/.+: \w+.* failed: .*ECONNREFUSED.*after 3 attempts/);
        const cause = error.cause as { code?: string; $metadata?: { attempts?: number } };
        expect(cause).toBeInstanceOf(Error);
        expect(cause.code).toBe('ECONNREFUSED');
        expect(cause.$metadata?.attempts).toBe(3);
        expectNoSecret(everyRendering(error));
      }
      expectNoSecret([storage.url, JSON.stringify(storage.describe())]);
    } finally {
      await storage.close();
    }
  });
});

describe('refused credentials', () => {
  it('are a ConnectionError that is not retryable and says so, without the secret', async () => {
    const server = s3Server();
    const storage = createS3Storage(
      storageOptions(bucket, {
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: SECRET },
      }),
    );
    try {
      for (const action of [() => storage.probe(), () => storage.put('y.bin', text('y'))]) {
        const error = await caught(action);
        expect(ConnectionError.isInstance(error)).toBe(true);
        expect(error.retryable).toBe(false);
        expect(error.message).toContain('the credentials were refused');
        expectNoSecret(everyRendering(error));
      }
    } finally {
      await storage.close();
    }
  });

  it('never show in the store name, url or description', () => {
    const store = new S3Store({
      bucket,
      prefix: 'named/set',
      endpoint: s3Server().url,
      credentials: { accessKeyId: 'AKIDWHARF', secretAccessKey: SECRET, sessionToken: TOKEN },
    });
    expect(store.name).toBe(`s3:${bucket}/named/set`);
    expectNoSecret([
      store.name,
      inspect(store, { depth: 3 }),
      store.storage.url,
      JSON.stringify(store.storage.describe()),
    ]);
  });
});

describe('throttling (503 SlowDown from a proxy in front of radosgw)', () => {
  let proxy: ThrottlingProxy;
  beforeAll(async () => {
    proxy = await startThrottlingProxy(s3Server().url);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('is retried by the SDK: the call succeeds', async () => {
    const storage = testStorage(bucket, {
      endpoint: proxy.url,
      prefix: 'throttled',
      maxAttempts: 4,
    });
    try {
      proxy.throttle(2, 'PUT');
      const before = proxy.throttled;
      await storage.put('retried.bin', text('made it'));
      expect(proxy.throttled - before).toBe(2);
      proxy.throttle(3);
      expect(await storage.get('retried.bin')).toEqual(text('made it'));
      proxy.throttle(2, 'PUT');
      expect(await storage.putIfAbsent('once.bin', text('once'))).toBe(true);
      expect(await storage.putIfAbsent('once.bin', text('twice'))).toBe(false);
    } finally {
      await storage.close();
    }
  });

  it('sends DeleteObjects with a Content-MD5 header, as older S3-compatible servers need', async () => {
    const storage = testStorage(bucket, { endpoint: proxy.url, prefix: 'md5' });
    try {
      await storage.put('a.bin', text('a'));
      await storage.delete(['a.bin', 'b.bin']);
      const request = proxy.seen.findLast((seen) => seen.method === 'POST');
      expect(request?.url).toContain('delete');
      expect(request?.headers['content-md5']).toBe(
        createHash('md5').update(request!.body).digest('base64'),
      );
      expect(await storage.head('a.bin')).toBeUndefined();
    } finally {
      await storage.close();
    }
  });

  it('gives a retryable ConnectionError once the attempts are spent', async () => {
    const storage = testStorage(bucket, {
      endpoint: proxy.url,
      prefix: 'throttled',
      maxAttempts: 2,
    });
    try {
      proxy.throttle(5);
      const error = await caught(() => storage.put('never.bin', text('x')));
      proxy.throttle(0);
      expect(ConnectionError.isInstance(error)).toBe(true);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('SlowDown (HTTP 503)');
      expect(error.message).toContain('after 2 attempts');
      expect((error.cause as { name?: string }).name).toBe('SlowDown');
      expect(await storage.head('never.bin')).toBeUndefined();
    } finally {
      await storage.close();
    }
  });

  it('a retried conditional create that meets its own bytes reports true', async () => {
    // When an attempt creates the object but its answer is lost, the SDK's retry meets 412.
    // Staged here: the object already holds this call's bytes and the first attempt is
    // throttled, so the retry meets 412; the storage recognizes its own bytes.
    const storage = testStorage(bucket, { endpoint: proxy.url, prefix: 'lost-answer' });
    try {
      const body = text(`{"run":"${uniqueName('run')}"}`);
      const direct = testStorage(bucket, { prefix: 'lost-answer' });
      expect(await direct.putIfAbsent('commit.json', body)).toBe(true);
      await direct.close();
      proxy.throttle(1, 'PUT');
      expect(await storage.putIfAbsent('commit.json', body)).toBe(true);
      proxy.throttle(1, 'PUT');
      expect(await storage.putIfAbsent('commit.json', text('{"run":"other"}'))).toBe(false);
    } finally {
      await storage.close();
    }
  });
});

describe('bad input', () => {
  it('is a ValidationError before any request', () => {
    expect(() => createS3Storage({ bucket: '' })).toThrow(ValidationError);
    expect(() => createS3Storage({ bucket: 'ok-bucket', partSize: 1024 })).toThrow(/partSize/);
  });
});
