import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RadosgwServer, startRadosgw } from '../src/index.js';
import { findOnPath } from '../src/locate-binary.js';
import { isRunning } from './helpers.js';

let s3: RadosgwServer;
let client: S3Client;
let bucketCount = 0;

function clientFor(server: RadosgwServer, secretAccessKey = server.secretAccessKey): S3Client {
  return new S3Client({
    endpoint: server.url,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

async function freshBucket(): Promise<string> {
  bucketCount += 1;
  const bucket = `bucket-${bucketCount}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function read(bucket: string, key: string, range?: string): Promise<string> {
  const object = await client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }),
  );
  return object.Body!.transformToString();
}

/** The HTTP status and S3 error code of a rejected call. */
async function failure(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (reason: unknown) => reason,
  )) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return { status: error.$metadata?.httpStatusCode, code: error.name };
}

/** The pids of the processes whose command line mentions `text`. */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(text)) pids.push(Number(entry));
  }
  return pids;
}

beforeAll(async () => {
  s3 = await startRadosgw({ allowExisting: false });
  client = clientFor(s3);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

describe('startRadosgw', () => {
  it('answers S3 requests on a loopback port, signed with the user’s keys', async () => {
    expect(s3.url).toBe(`http://127.0.0.1:${s3.port}`);
    expect(s3).toMatchObject({ region: 'us-east-1', external: false });
    const bucket = await freshBucket();
    const { Buckets } = await client.send(new ListBucketsCommand({}));
    expect(Buckets?.map((entry) => entry.Name)).toContain(bucket);

    const impostor = clientFor(s3, 'not-the-secret');
    expect(await failure(impostor.send(new ListBucketsCommand({})))).toEqual({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    impostor.destroy();
  });

  it('puts, gets and lists objects by prefix, in pages', async () => {
    const bucket = await freshBucket();
    const keys = ['dir/1', 'dir/2', 'dir/3', 'dir/sub/4', 'other'];
    await Promise.all(
      keys.map((key) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }))),
    );
    expect(await read(bucket, 'dir/sub/4')).toBe('dir/sub/4');

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: 'dir/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      pages.push((page.Contents ?? []).map((entry) => entry.Key!));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    expect(pages).toEqual([
      ['dir/1', 'dir/2'],
      ['dir/3', 'dir/sub/4'],
    ]);

    const folded = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'dir/', Delimiter: '/' }),
    );
    expect(folded.Contents?.map((entry) => entry.Key)).toEqual(['dir/1', 'dir/2', 'dir/3']);
    expect(folded.CommonPrefixes).toEqual([{ Prefix: 'dir/sub/' }]);
    expect(await failure(read(bucket, 'dir/missing'))).toEqual({ status: 404, code: 'NoSuchKey' });
  });

  it('serves ranged GETs', async () => {
    const bucket = await freshBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'abc', Body: 'abcdefghij' }));
    const ranged = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'abc', Range: 'bytes=2-5' }),
    );
    expect(ranged).toMatchObject({ ContentLength: 4, ContentRange: 'bytes 2-5/10' });
    expect(await ranged.Body!.transformToString()).toBe('cdef');
    expect(await read(bucket, 'abc', 'bytes=-3')).toBe('hij');
    expect(await failure(read(bucket, 'abc', 'bytes=20-30'))).toEqual({
      status: 416,
      code: 'InvalidRange',
    });
  });

  it('deletes one object, or many in one request', async () => {
    const bucket = await freshBucket();
    const keys = ['a', 'b', 'c', 'd'];
    await Promise.all(
      keys.map((key) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }))),
    );
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a' }));
    const deleted = await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'b' }, { Key: 'c' }, { Key: 'never-there' }] },
      }),
    );
    expect(deleted.Deleted?.map((entry) => entry.Key).sort()).toEqual(['b', 'c', 'never-there']);
    expect(deleted.Errors ?? []).toEqual([]);
    const left = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(left.Contents?.map((entry) => entry.Key)).toEqual(['d']);
  });

  it('copies objects on the server, across buckets, with their metadata', async () => {
    const bucket = await freshBucket();
    const target = await freshBucket();
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'source.txt',
        Body: 'copied',
        ContentType: 'text/plain',
        Metadata: { team: 'data' },
      }),
    );
    await client.send(
      new CopyObjectCommand({
        Bucket: target,
        Key: 'copy.txt',
        CopySource: `${bucket}/source.txt`,
      }),
    );
    expect(await read(target, 'copy.txt')).toBe('copied');
    const head = await client.send(new HeadObjectCommand({ Bucket: target, Key: 'copy.txt' }));
    expect(head).toMatchObject({ ContentType: 'text/plain', Metadata: { team: 'data' } });
  });

  it('assembles a multipart upload', async () => {
    const bucket = await freshBucket();
    const first = Buffer.alloc(5 * 1024 * 1024, 'a');
    const second = Buffer.from('the last part may be small');
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big.bin' }),
    );
    const parts = await Promise.all(
      [first, second].map(async (body, index) => {
        const part = await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: 'big.bin',
            UploadId,
            PartNumber: index + 1,
            Body: body,
          }),
        );
        return { PartNumber: index + 1, ETag: part.ETag };
      }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big.bin',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );

    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    expect(head.ContentLength).toBe(first.length + second.length);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    const whole = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    const bytes = Buffer.from(await whole.Body!.transformToByteArray());
    expect(bytes.equals(Buffer.concat([first, second]))).toBe(true);
  });

  it('honours If-None-Match: * on PutObject: a new key is written, an existing one is 412', async () => {
    const bucket = await freshBucket();
    const ifAbsent = { Bucket: bucket, Key: '_commit', IfNoneMatch: '*' };
    await client.send(new PutObjectCommand({ ...ifAbsent, Body: 'first' }));
    expect(
      await failure(client.send(new PutObjectCommand({ ...ifAbsent, Body: 'second' }))),
    ).toEqual({ status: 412, code: 'PreconditionFailed' });
    expect(await read(bucket, '_commit')).toBe('first');
  });

  it('lets exactly one of two racing conditional puts of a key win', async () => {
    const bucket = await freshBucket();
    for (let round = 0; round < 5; round++) {
      const key = `_commit-${round}`;
      const results = await Promise.allSettled(
        ['left', 'right'].map((body) =>
          client.send(
            new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }),
          ),
        ),
      );
      const winners = results.flatMap((result, index) =>
        result.status === 'fulfilled' ? [index === 0 ? 'left' : 'right'] : [],
      );
      expect(winners).toHaveLength(1);
      const loser = results.find((result) => result.status === 'rejected');
      expect(await failure(Promise.reject(loser?.reason))).toEqual({
        status: 412,
        code: 'PreconditionFailed',
      });
      expect(await read(bucket, key)).toBe(winners[0]);
    }
  });

  it('keeps radosgw 16’s quirks: If-Match on PutObject wants the ETag unquoted', async () => {
    const bucket = await freshBucket();
    const { ETag } = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'one' }),
    );
    expect(ETag).toMatch(/^"[0-9a-f]{32}"$/);
    // The quoted ETag, as S3 returns it and the SDK sends it back, fails the condition …
    expect(
      await failure(
        client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two', IfMatch: ETag })),
      ),
    ).toEqual({ status: 412, code: 'PreconditionFailed' });
    // … the bare one passes; reads compare quoted ETags correctly.
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two', IfMatch: ETag!.slice(1, -1) }),
    );
    const current = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', IfMatch: current.ETag }));
    expect(await read(bucket, 'k')).toBe('two');
  });

  it('keeps radosgw 16’s quirks: CompleteMultipartUpload ignores If-None-Match: *', async () => {
    const bucket = await freshBucket();
    const complete = async (body: string) => {
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }),
      );
      const { ETag } = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId, PartNumber: 1, Body: body }),
      );
      return client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'mp',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
          IfNoneMatch: '*',
        }),
      );
    };
    await complete('first');
    // S3 answers 412 here; radosgw overwrites, and answers with an empty ETag.
    expect((await complete('second')).ETag).toBe('');
    expect(await read(bucket, 'mp')).toBe('second');
  });

  it('stops without leaving a process or a directory, and stop() is idempotent', async () => {
    const pids = s3.pids;
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(isRunning(pid)).toBe(true);
    expect(existsSync(s3.logFile!)).toBe(true);

    await s3.stop();
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(existsSync(s3.directory!)).toBe(false);
    expect(s3.pids).toEqual([]);
    await expect(s3.stop()).resolves.toBeUndefined();
    await expect(fetch(s3.url)).rejects.toThrow();
  });
});

describe('startRadosgw when a daemon fails', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('rejects with the end of its log and leaves nothing behind', async () => {
    // The real Ceph binaries, except a radosgw that fails at once.
    const binDir = await mkdtemp(join(tmpdir(), 'wharf-radosgw-bin-'));
    const parent = await mkdtemp(join(tmpdir(), 'wharf-radosgw-tmp-'));
    try {
      for (const name of ['radosgw-admin', 'ceph', 'ceph-mon', 'monmaptool', 'ceph-osd']) {
        await symlink(findOnPath(name)!, join(binDir, name));
      }
      const radosgw = join(binDir, 'radosgw');
      await writeFile(radosgw, '#!/bin/sh\necho "radosgw: injected failure" >&2\nexit 1\n');
      await chmod(radosgw, 0o755);

      vi.stubEnv('TMPDIR', parent);
      await expect(startRadosgw({ binDir, allowExisting: false })).rejects.toThrow(
        /^radosgw exited before answering on 127\.0\.0\.1:\d+\n--- end of server log ---\nradosgw: injected failure$/,
      );
      expect(await readdir(parent)).toEqual([]);
      expect(await processesMentioning(parent)).toEqual([]);
    } finally {
      await rm(binDir, { recursive: true, force: true });
      await rm(parent, { recursive: true, force: true });
    }
  });
});
