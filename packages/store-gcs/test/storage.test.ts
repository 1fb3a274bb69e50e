import { createHash, randomBytes } from 'node:crypto';
import type { Storage } from '@google-cloud/storage';
import { ConnectionError, NotFoundError, ValidationError } from '@wharf/store-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  freshBucket,
  objectNames,
  rawClient,
  startRecordingProxy,
  testServer,
  testStorage,
} from './helpers.js';

const text = (value: string) => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

let raw: Storage;
let bucket: string;

beforeAll(async () => {
  raw = rawClient();
  bucket = await freshBucket(raw, 'storage');
});

describe('createGcsStorage: objects', () => {
  it('probes an existing bucket', async () => {
    await expect(testStorage({ bucket, prefix: 'probe' }).probe()).resolves.toBeUndefined();
  });

  it('writes and reads objects relative to the normalized prefix', async () => {
    const storage = testStorage({ bucket, prefix: '/round-trip/dataset/' });
    expect(storage.url).toBe(`gs://${bucket}/round-trip/dataset`);

    await storage.put('data/one.json', text('{"a":1}'), { contentType: 'application/json' });
    await storage.put('empty', new Uint8Array(0));

    expect(await objectNames(raw, bucket, 'round-trip/')).toEqual([
      'round-trip/dataset/data/one.json',
      'round-trip/dataset/empty',
    ]);
    const [metadata] = await raw
      .bucket(bucket)
      .file('round-trip/dataset/data/one.json')
      .getMetadata();
    expect(metadata.contentType).toBe('application/json');
    const [other] = await raw.bucket(bucket).file('round-trip/dataset/empty').getMetadata();
    expect(other.contentType).toBe('application/octet-stream');

    expect(decode(await storage.get('data/one.json'))).toBe('{"a":1}');
    expect(await storage.get('empty')).toHaveLength(0);
    expect(await storage.get('data/missing.json')).toBeUndefined();

    await storage.put('data/one.json', text('{"a":2}'));
    expect(decode(await storage.get('data/one.json'))).toBe('{"a":2}');
  });

  it('uses the bucket root when there is no prefix', async () => {
    const root = await freshBucket(raw, 'root');
    const storage = testStorage({ bucket: root });
    expect(storage.url).toBe(`gs://${root}`);
    await storage.put('top.txt', text('top'));
    await storage.put('dir/inner.txt', text('inner'));
    expect(await objectNames(raw, root)).toEqual(['dir/inner.txt', 'top.txt']);
    const keys = (await collect(storage.list(''))).map((entry) => entry.key).sort();
    expect(keys).toEqual(['dir/inner.txt', 'top.txt']);
  });

  it('sends a small body in one multipart request and a 12 MiB body resumably, in chunks', async () => {
    const proxy = await startRecordingProxy(testServer().url);
    try {
      const storage = testStorage({ bucket, prefix: 'large', apiEndpoint: proxy.url });
      await storage.put('small.bin', randomBytes(1000));
      expect(proxy.requests.map((request) => request.method)).toEqual(['POST']);
      expect(proxy.requests[0]?.path).toContain('uploadType=multipart');

      proxy.requests.length = 0;
      const body = randomBytes(12 * 1024 * 1024);
      await storage.put('big.bin', body);
      const sessions = proxy.requests.filter((request) => request.method === 'POST');
      const chunks = proxy.requests.filter((request) => request.method === 'PUT');
      expect(sessions).toHaveLength(1);
      expect(sessions[0]?.path).toContain('uploadType=resumable');
      // Two requests of the default 8 MiB chunk size: 8 MiB, then the last 4 MiB.
      expect(chunks.map((request) => request.contentRange)).toEqual([
        'bytes 0-8388607/*',
        'bytes 8388608-12582911/12582912',
      ]);
      expect(chunks.map((request) => request.bytes)).toEqual([8 * 1024 * 1024, 4 * 1024 * 1024]);

      const [metadata] = await raw.bucket(bucket).file('large/big.bin').getMetadata();
      expect(metadata).toMatchObject({ size: String(body.length), md5Hash: md5(body) });
      const read = await storage.get('big.bin');
      expect(read !== undefined && Buffer.from(read).equals(body)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('reads byte ranges [start, end)', async () => {
    const storage = testStorage({ bucket, prefix: 'ranges' });
    await storage.put('digits', text('0123456789'));
    expect(decode(await storage.getRange('digits', 2, 6))).toBe('2345');
    expect(decode(await storage.getRange('digits', 0, 1))).toBe('0');
    expect(decode(await storage.getRange('digits', 7, 10))).toBe('789');
    expect(decode(await storage.getRange('digits', 8, 50))).toBe('89');
    expect(await storage.getRange('digits', 4, 4)).toHaveLength(0);

    const big = randomBytes(3 * 1024 * 1024);
    await storage.put('big', big);
    const slice = await storage.getRange('big', 1_000_000, 2_500_000);
    expect(Buffer.from(slice).equals(big.subarray(1_000_000, 2_500_000))).toBe(true);

    await expect(storage.getRange('missing', 0, 4)).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.getRange('missing', 0, 0)).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.getRange('digits', 5, 2)).rejects.toBeInstanceOf(ValidationError);
    await expect(storage.getRange('digits', 20, 30)).rejects.toBeInstanceOf(ValidationError);
  });

  it('heads objects: size and time, undefined when absent', async () => {
    const storage = testStorage({ bucket, prefix: 'heads' });
    const before = Date.now();
    await storage.put('object', randomBytes(1234));
    const entry = await storage.head('object');
    expect(entry).toMatchObject({ key: 'object', size: 1234 });
    expect(entry?.lastModified).toBeInstanceOf(Date);
    expect(Math.abs((entry?.lastModified.getTime() ?? 0) - before)).toBeLessThan(60_000);
    expect(await storage.head('absent')).toBeUndefined();
  });

  it('copies on the server, replacing the target; a missing source is a NotFoundError', async () => {
    const storage = testStorage({ bucket, prefix: 'copies' });
    await storage.put('from', text('source'), { contentType: 'text/plain' });
    await storage.put('to', text('old target'));
    await storage.copy('from', 'to');
    expect(decode(await storage.get('to'))).toBe('source');
    expect(decode(await storage.get('from'))).toBe('source');
    const [metadata] = await raw.bucket(bucket).file('copies/to').getMetadata();
    expect(metadata.contentType).toBe('text/plain');
    await expect(storage.copy('nothing', 'somewhere')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('describes the location without secrets, and refuses calls once closed', async () => {
    const storage = testStorage({ bucket, prefix: 'described' });
    expect(storage.describe()).toMatchObject({
      url: `gs://${bucket}/described`,
      bucket,
      prefix: 'described',
      endpoint: testServer().url,
      auth: 'none (custom endpoint)',
      resumableThresholdBytes: 8 * 1024 * 1024,
      chunkSizeBytes: 8 * 1024 * 1024,
      maxRetries: 3,
    });
    expect(testStorage({ bucket, prefix: '/lake/', table: 'trips' }).url).toBe(
      `gs://${bucket}/lake/trips`,
    );
    await storage.close();
    await expect(storage.get('x')).rejects.toBeInstanceOf(ConnectionError);
  });
});

describe('createGcsStorage: listing and deleting', () => {
  it('lists every key of a prefix across pages, relative to the store prefix', async () => {
    const proxy = await startRecordingProxy(testServer().url);
    try {
      const storage = testStorage({
        bucket,
        prefix: 'paged',
        apiEndpoint: proxy.url,
        listPageSize: 10,
      });
      const keys = Array.from(
        { length: 25 },
        (_, index) => `part/${String(index).padStart(3, '0')}`,
      );
      await Promise.all(keys.map((key) => raw.bucket(bucket).file(`paged/${key}`).save(key)));
      await raw.bucket(bucket).file('paged/other/x').save('x');

      proxy.requests.length = 0;
      const entries = await collect(storage.list('part/'));
      expect(entries.map((entry) => entry.key).sort()).toEqual(keys);
      expect(entries.every((entry) => entry.size === 8 && entry.lastModified instanceof Date)).toBe(
        true,
      );
      const listings = proxy.requests.filter((request) => request.path.includes('/o?'));
      expect(listings).toHaveLength(3);
      expect(listings.every((request) => request.path.includes('maxResults=10'))).toBe(true);

      expect(await collect(storage.list('nothing/'))).toEqual([]);
      expect((await collect(storage.list(''))).length).toBe(26);
    } finally {
      await proxy.close();
    }
  });

  it('lists and deletes more than a thousand keys (several pages at the default size)', async () => {
    const storage = testStorage({ bucket, prefix: 'many' });
    const keys = Array.from({ length: 1_005 }, (_, index) => `k/${String(index).padStart(4, '0')}`);
    for (let start = 0; start < keys.length; start += 64) {
      await Promise.all(keys.slice(start, start + 64).map((key) => storage.put(key, text(key))));
    }
    const listed = (await collect(storage.list('k/'))).map((entry) => entry.key).sort();
    expect(listed).toEqual(keys);

    await storage.delete([...keys, 'k/missing-1', 'never/there', 'k/0000']);
    expect(await objectNames(raw, bucket, 'many/')).toEqual([]);
    expect(await collect(storage.list(''))).toEqual([]);
    await expect(storage.delete([])).resolves.toBeUndefined();
    await expect(storage.delete(['only/missing'])).resolves.toBeUndefined();
  });

  it('keeps a nested prefix apart from a sibling that shares its first letters', async () => {
    const names = ['a/b/x', 'a/b/sub/y', 'a/bc/z', 'a/b.txt', 'a/b', 'a/x'];
    await Promise.all(names.map((name) => raw.bucket(bucket).file(`nested/${name}`).save(name)));
    const inner = testStorage({ bucket, prefix: 'nested/a/b' });
    const sibling = testStorage({ bucket, prefix: 'nested/a/bc' });

    expect((await collect(inner.list(''))).map((entry) => entry.key).sort()).toEqual([
      'sub/y',
      'x',
    ]);
    expect((await collect(inner.list('sub/'))).map((entry) => entry.key)).toEqual(['sub/y']);
    expect((await collect(sibling.list(''))).map((entry) => entry.key)).toEqual(['z']);

    await inner.delete(['x', 'sub/y', 'z']);
    expect(await objectNames(raw, bucket, 'nested/')).toEqual([
      'nested/a/b',
      'nested/a/b.txt',
      'nested/a/bc/z',
      'nested/a/x',
    ]);
  });

  it('skips zero-byte folder placeholders', async () => {
    await raw.bucket(bucket).file('folders/dir/').save('');
    await raw.bucket(bucket).file('folders/dir/file').save('f');
    const storage = testStorage({ bucket, prefix: 'folders' });
    expect((await collect(storage.list(''))).map((entry) => entry.key)).toEqual(['dir/file']);
  });
});

describe('createGcsStorage: create-if-absent', () => {
  it('creates once, then answers false and leaves the object alone', async () => {
    const storage = testStorage({ bucket, prefix: 'absent' });
    expect(await storage.putIfAbsent('commit/1.json', text('first'))).toBe(true);
    expect(await storage.putIfAbsent('commit/1.json', text('second'))).toBe(false);
    expect(decode(await storage.get('commit/1.json'))).toBe('first');
  });

  it('lets exactly one of 8 concurrent writers create a key', async () => {
    const storage = testStorage({ bucket, prefix: 'race' });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, writer) =>
        storage.putIfAbsent('commit.json', text(`writer ${writer}`)),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(decode(await storage.get('commit.json'))).toBe(`writer ${winner}`);
  });

  it('lets exactly one of 8 concurrent resumable uploads create a key', async () => {
    const storage = testStorage({ bucket, prefix: 'race-resumable', resumableThresholdBytes: 1 });
    const bodies = Array.from({ length: 8 }, () => randomBytes(300 * 1024));
    const results = await Promise.all(
      bodies.map((body) => storage.putIfAbsent('commit.bin', body)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = await storage.get('commit.bin');
    expect(stored !== undefined && Buffer.from(stored).equals(bodies[results.indexOf(true)]!)).toBe(
      true,
    );
  });
});
