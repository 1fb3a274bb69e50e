import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NotFoundError, ValidationError } from '@wharf/store-core';
import type { ObjectStorage } from '@wharf/store-parquet/object';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bytesOf,
  collect,
  createBucket,
  rawClient,
  s3Server,
  testStorage,
  text,
  uniqueName,
} from './helpers.js';

const MIB = 1024 * 1024;

let client: S3Client;
let bucket: string;
let removeBucket: () => Promise<void>;
let storage: ObjectStorage;
let prefix: string;

beforeAll(async () => {
  client = rawClient();
  ({ bucket, remove: removeBucket } = await createBucket(client, 'storage'));
  prefix = `datasets/${uniqueName('trips')}`;
  storage = testStorage(bucket, { prefix: `/${prefix}/` });
});

afterAll(async () => {
  await storage?.close();
  await removeBucket?.();
  client?.destroy();
});

/** The object under the storage's prefix, read with the raw client. */
async function rawGet(key: string): Promise<Uint8Array> {
  const output = await client.send(
    new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}` }),
  );
  return output.Body!.transformToByteArray();
}

describe('createS3Storage on radosgw', () => {
  it('probes an existing bucket', async () => {
    await expect(storage.probe()).resolves.toBeUndefined();
  });

  it('puts and gets an object under the normalized prefix', async () => {
    const body = text('hello, wharf');
    await storage.put('greetings/hello.txt', body, { contentType: 'text/plain' });
    expect(await storage.get('greetings/hello.txt')).toEqual(body);
    expect(await rawGet('greetings/hello.txt')).toEqual(body);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/greetings/hello.txt` }),
    );
    expect(head.ContentType).toBe('text/plain');
  });

  it('replaces an object on put, and stores an empty body', async () => {
    await storage.put('replaced.bin', bytesOf(100, 1));
    await storage.put('replaced.bin', bytesOf(50, 2));
    expect(await storage.get('replaced.bin')).toEqual(bytesOf(50, 2));
    await storage.put('empty.bin', new Uint8Array(0));
    expect(await storage.get('empty.bin')).toEqual(new Uint8Array(0));
    expect((await storage.head('empty.bin'))?.size).toBe(0);
  });

  it('sends a 12 MiB body as a multipart upload and reads it back intact', async () => {
    const body = bytesOf(12 * MIB, 7);
    const parts = testStorage(bucket, { prefix, partSize: 5 * MIB, queueSize: 2 });
    try {
      await parts.put('big/twelve.bin', body);
    } finally {
      await parts.close();
    }
    // A multipart object's ETag is `"<md5 of the part md5s>-<number of parts>"`.
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/big/twelve.bin` }),
    );
    expect(head.ETag).toMatch(/-3"$/);
    expect(head.ContentLength).toBe(body.byteLength);
    const read = await storage.get('big/twelve.bin');
    expect(read?.byteLength).toBe(body.byteLength);
    expect(Buffer.from(read!).equals(Buffer.from(body))).toBe(true);
  });

  it('sends a body up to partSize in one PutObject', async () => {
    await storage.put('small/one.bin', bytesOf(MIB, 3));
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/small/one.bin` }),
    );
    expect(head.ETag).not.toContain('-');
  });

  it('reads byte ranges', async () => {
    const body = bytesOf(10_000, 11);
    await storage.put('ranged.bin', body);
    expect(await storage.getRange('ranged.bin', 0, 10)).toEqual(body.subarray(0, 10));
    expect(await storage.getRange('ranged.bin', 9_990, 10_000)).toEqual(body.subarray(9_990));
    expect(await storage.getRange('ranged.bin', 1234, 5678)).toEqual(body.subarray(1234, 5678));
    expect(await storage.getRange('ranged.bin', 500, 500)).toEqual(new Uint8Array(0));
  });

  it('refuses an inverted range and reports a ranged read of a missing object', async () => {
    await expect(storage.getRange('ranged.bin', 10, 5)).rejects.toThrow(ValidationError);
    const missing = await storage.getRange('nope.bin', 0, 4).catch((error: unknown) => error);
    expect(NotFoundError.isInstance(missing)).toBe(true);
    expect((missing as Error).message).toContain('nope.bin');
    await expect(storage.getRange('nope.bin', 0, 0)).rejects.toThrow(NotFoundError);
  });

  it('heads an object: size and time; undefined when absent', async () => {
    const before = Date.now();
    await storage.put('headed.bin', bytesOf(321));
    const entry = await storage.head('headed.bin');
    expect(entry).toMatchObject({ key: 'headed.bin', size: 321 });
    expect(entry!.lastModified).toBeInstanceOf(Date);
    expect(Math.abs(entry!.lastModified.getTime() - before)).toBeLessThan(60_000);
    expect(await storage.head('absent.bin')).toBeUndefined();
    expect(await storage.get('absent.bin')).toBeUndefined();
  });

  it('lists more than one page, recursively, with keys relative to the prefix', async () => {
    const paged = testStorage(bucket, { prefix, listPageSize: 7 });
    try {
      const keys = Array.from(
        { length: 25 },
        (_, index) => `listing/${index % 3}/item-${String(index).padStart(2, '0')}.bin`,
      );
      await Promise.all(keys.map((key, index) => paged.put(key, bytesOf(index + 1, index + 1))));
      const listed = await collect(paged.list('listing/'));
      expect(listed.map((entry) => entry.key).sort()).toEqual([...keys].sort());
      for (const entry of listed) {
        const index = Number(/item-(\d+)/.exec(entry.key)![1]);
        expect(entry.size).toBe(index + 1);
        expect(entry.lastModified).toBeInstanceOf(Date);
      }
      // Seven keys a page: the raw listing confirms that 25 keys needed several pages.
      const firstPage = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/listing/`, MaxKeys: 7 }),
      );
      expect(firstPage.IsTruncated).toBe(true);
      expect(await collect(paged.list('listing/1/'))).toHaveLength(8);
    } finally {
      await paged.close();
    }
  });

  it('does not leak the keys of a sibling prefix (a/b against a/bc)', async () => {
    const root = uniqueName('siblings');
    const inner = testStorage(bucket, { prefix: `${root}/a/b` });
    const sibling = testStorage(bucket, { prefix: `${root}/a/bc` });
    try {
      await inner.put('x/1.bin', text('1'));
      await inner.put('2.bin', text('2'));
      await sibling.put('x/1.bin', text('other'));
      await sibling.put('3.bin', text('3'));
      const listed = await collect(inner.list(''));
      expect(listed.map((entry) => entry.key).sort()).toEqual(['2.bin', 'x/1.bin']);
      expect(await collect(inner.list('x/'))).toHaveLength(1);
      expect(await inner.get('x/1.bin')).toEqual(text('1'));
      expect((await collect(sibling.list(''))).map((entry) => entry.key).sort()).toEqual([
        '3.bin',
        'x/1.bin',
      ]);
    } finally {
      await inner.close();
      await sibling.close();
    }
  });

  it('skips zero-byte folder markers in listings', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/marked/`, Body: new Uint8Array(0) }),
    );
    await storage.put('marked/file.bin', text('x'));
    expect((await collect(storage.list('marked/'))).map((entry) => entry.key)).toEqual([
      'marked/file.bin',
    ]);
  });

  it('works at the bucket root (no prefix)', async () => {
    const { bucket: rootBucket, remove } = await createBucket(client, 'root');
    const root = testStorage(rootBucket);
    try {
      await root.put('top.bin', text('top'));
      await root.put('deep/down.bin', text('down'));
      expect(root.url).toBe(`s3://${rootBucket}`);
      expect((await collect(root.list(''))).map((entry) => entry.key).sort()).toEqual([
        'deep/down.bin',
        'top.bin',
      ]);
      await root.delete(['top.bin', 'deep/down.bin']);
      expect(await collect(root.list(''))).toEqual([]);
    } finally {
      await root.close();
      await remove();
    }
  });

  it('deletes 2,500 keys in batches, ignoring missing ones', async () => {
    const keys = Array.from({ length: 2_400 }, (_, index) => `bulk/${index}.bin`);
    for (let start = 0; start < keys.length; start += 200) {
      await Promise.all(keys.slice(start, start + 200).map((key) => storage.put(key, text(key))));
    }
    expect(await collect(storage.list('bulk/'))).toHaveLength(2_400);
    const missing = Array.from({ length: 100 }, (_, index) => `bulk/missing-${index}.bin`);
    await storage.delete([...keys, ...missing, keys[0]!]);
    expect(await collect(storage.list('bulk/'))).toEqual([]);
    await expect(storage.delete(['never-there.bin'])).resolves.toBeUndefined();
    await expect(storage.delete([])).resolves.toBeUndefined();
  });

  it('copies on the service, replacing the target, with keys that need encoding', async () => {
    const from = 'copy/source file+ü?#%.bin';
    await storage.put(from, bytesOf(4_000, 5));
    await storage.put('copy/target.bin', text('old'));
    await storage.copy(from, 'copy/target.bin');
    expect(await storage.get('copy/target.bin')).toEqual(bytesOf(4_000, 5));
    expect(await rawGet('copy/target.bin')).toEqual(bytesOf(4_000, 5));
    expect(await storage.get(from)).toEqual(bytesOf(4_000, 5));
    expect((await collect(storage.list('copy/'))).map((entry) => entry.key).sort()).toEqual([
      from,
      'copy/target.bin',
    ]);
    const missing = await storage.copy('copy/none.bin', 'copy/x.bin').catch((error) => error);
    expect(NotFoundError.isInstance(missing)).toBe(true);
  });

  it('creates with putIfAbsent once: true, then false without changing the object', async () => {
    expect(await storage.putIfAbsent('commits/1.json', text('{"run":"a"}'))).toBe(true);
    expect(await storage.putIfAbsent('commits/1.json', text('{"run":"b"}'))).toBe(false);
    expect(await rawGet('commits/1.json')).toEqual(text('{"run":"a"}'));
  });

  it('gives exactly one of 8 concurrent putIfAbsent on one key true', async () => {
    const racers = Array.from({ length: 8 }, () => testStorage(bucket, { prefix }));
    try {
      const results = await Promise.all(
        racers.map((racer, index) =>
          racer.putIfAbsent('commits/race.json', text(`{"writer":${index}}`)),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await rawGet('commits/race.json')).toEqual(text(`{"writer":${winner}}`));
    } finally {
      await Promise.all(racers.map((racer) => racer.close()));
    }
  });

  it('refuses keys that are empty or absolute', async () => {
    await expect(storage.put('', text('x'))).rejects.toThrow(ValidationError);
    await expect(storage.get('/abs.bin')).rejects.toThrow(ValidationError);
  });

  it('describes the location without credentials', () => {
    expect(storage.url).toBe(`s3://${bucket}/${prefix}`);
    const description = storage.describe();
    expect(description).toMatchObject({ url: storage.url, bucket, prefix, forcePathStyle: true });
    expect(JSON.stringify(description)).not.toContain(s3Server().secretAccessKey);
  });

  it('refuses calls after close', async () => {
    const closing = testStorage(bucket, { prefix });
    await closing.close();
    await closing.close();
    await expect(closing.get('x')).rejects.toThrow(/closed/);
  });
});
