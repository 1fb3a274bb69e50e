/**
 * Injected faults: the SDK's own retries (configured by the storage) absorb a few throttled or
 * failed requests; when they run out, the failure is a retryable ConnectionError. These tests
 * start their own test server, because faults cannot be injected into a shared one.
 */
import { randomBytes } from 'node:crypto';
import { ConnectionError, StoreError } from '@wharf/store-core';
import { type GcsServer, startGcsServer } from '@wharf/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, freshBucket, rawClient, testStorage } from './helpers.js';

let server: GcsServer;
let bucket: string;

beforeAll(async () => {
  server = await startGcsServer({ allowExisting: false });
  bucket = await freshBucket(rawClient(server), 'faults');
});
afterEach(() => server.clearFaults());
afterAll(() => server?.stop());

const storageWith = (prefix: string, maxRetries?: number) =>
  testStorage({ bucket, prefix, ...(maxRetries === undefined ? {} : { maxRetries }) }, server);
const text = (value: string) => new TextEncoder().encode(value);

describe('retries of the SDK', () => {
  it('absorb two 503s on a multipart upload', async () => {
    const storage = storageWith('put');
    const fault = server.injectFault({
      method: 'POST',
      pathIncludes: 'uploadType=multipart',
      status: 503,
      times: 2,
    });
    await storage.put('object', text('after retries'));
    expect(fault.answered).toBe(2);
    expect(new TextDecoder().decode(await storage.get('object'))).toBe('after retries');
  });

  it('absorb 429s on reads, heads and listings', async () => {
    const storage = storageWith('reads');
    await storage.put('object', text('data'));
    const throttled = server.injectFault({ method: 'GET', status: 429, times: 3 });
    expect(new TextDecoder().decode(await storage.get('object'))).toBe('data');
    expect(await storage.head('object')).toMatchObject({ size: 4 });
    expect((await collect(storage.list(''))).map((entry) => entry.key)).toEqual(['object']);
    expect(throttled.answered).toBe(3);
  });

  it('absorb a 503 on a conditional create, which still creates exactly once', async () => {
    const storage = storageWith('conditional');
    const fault = server.injectFault({ method: 'POST', pathIncludes: 'ifGenerationMatch=0' });
    expect(await storage.putIfAbsent('commit.json', text('one'))).toBe(true);
    expect(fault.answered).toBe(1);
    expect(await storage.putIfAbsent('commit.json', text('two'))).toBe(false);
  });

  it('resend only the failed chunk of a resumable upload', async () => {
    const storage = storageWith('chunks');
    const body = randomBytes(12 * 1024 * 1024);
    const fault = server.injectFault({
      method: 'PUT',
      pathIncludes: 'upload_id=',
      status: 503,
      times: 1,
    });
    await storage.put('big.bin', body);
    expect(fault.answered).toBe(1);
    const read = await storage.get('big.bin');
    expect(read !== undefined && Buffer.from(read).equals(body)).toBe(true);
  });

  it('absorb a dropped connection', async () => {
    const storage = storageWith('reset');
    await storage.put('object', text('data'));
    const dropped = server.injectFault({ method: 'GET', reset: true, times: 1 });
    expect(await storage.head('object')).toMatchObject({ size: 4 });
    expect(dropped.answered).toBe(1);
  });

  it('delete and copy after 503s', async () => {
    const storage = storageWith('writes');
    await storage.put('a', text('a'));
    const deletes = server.injectFault({ method: 'DELETE', status: 503, times: 2 });
    await storage.delete(['a']);
    expect(deletes.answered).toBe(2);
    expect(await storage.head('a')).toBeUndefined();

    await storage.put('b', text('b'));
    const copies = server.injectFault({ pathIncludes: '/rewriteTo/', status: 500, times: 1 });
    await storage.copy('b', 'c');
    expect(copies.answered).toBe(1);
    expect(new TextDecoder().decode(await storage.get('c'))).toBe('b');
  });
});

describe('when the retries run out', () => {
  it('a 503 is a retryable ConnectionError with the SDK error as cause', async () => {
    const storage = storageWith('exhausted', 2);
    const fault = server.injectFault({ status: 503, times: 10 });
    for (const call of [() => storage.put('x', text('x')), () => storage.head('x')]) {
      const error = await call().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as StoreError).retryable).toBe(true);
      expect((error as StoreError).message).toMatch(
        /^gs:\/\/faults-[^/]+\/exhausted: (put|head) x failed: HTTP 503 backendError: /,
      );
      expect((error as StoreError).cause).toMatchObject({ code: 503 });
    }
    // Each call made its first attempt and two retries.
    expect(fault.answered).toBe(6);
  });

  it('dropped connections are a retryable ConnectionError', async () => {
    const storage = storageWith('dropped', 1);
    server.injectFault({ reset: true, times: 10 });
    const error = await storage.get('x').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as StoreError).retryable).toBe(true);
  });

  it('maxRetries: 0 turns the retries off', async () => {
    const storage = storageWith('no-retries', 0);
    const fault = server.injectFault({ status: 503, times: 10 });
    await expect(storage.head('x')).rejects.toBeInstanceOf(ConnectionError);
    expect(fault.answered).toBe(1);
  });
});

describe('refusals', () => {
  it('401 and 403 are non-retryable ConnectionErrors saying the credentials were refused', async () => {
    const storage = storageWith('refused');
    for (const status of [401, 403]) {
      const fault = server.injectFault({ status, times: 5 });
      const error = (await storage.put('x', text('x')).catch((reason: unknown) => reason)) as
        | StoreError
        | undefined;
      expect(StoreError.isInstance(error)).toBe(true);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error?.retryable).toBe(false);
      expect(error?.message).toContain(
        `put x failed: the credentials were refused (HTTP ${status}`,
      );
      expect(fault.answered).toBe(1);
      server.clearFaults();
    }
  });
});
