import { createHash, randomBytes } from 'node:crypto';
import { CRC32C, type File, Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32cBase64 } from '../src/crc32c.js';
import { type GcsServer, startGcsServer } from '../src/index.js';

let gcs: GcsServer;
let storage: Storage;
let bucketCount = 0;

/**
 * A client for the test server. `maxRetryDelay` is in seconds; below 1 it shortens the
 * retries of plain requests but breaks `save()`, whose retry helper waits at least 1 s.
 */
function client(retryOptions: { autoRetry: boolean; maxRetries?: number; maxRetryDelay?: number }) {
  return new Storage({ apiEndpoint: gcs.url, projectId: gcs.projectId, retryOptions });
}

async function freshBucket() {
  bucketCount += 1;
  const [bucket] = await storage.createBucket(`bucket-${bucketCount}`);
  return bucket;
}

/** Settles every promise and returns how many were fulfilled and the rejection reasons. */
async function race(writes: Array<Promise<unknown>>) {
  const results = await Promise.allSettled(writes);
  return {
    fulfilled: results.filter((result) => result.status === 'fulfilled').length,
    reasons: results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : [])),
  };
}

/** The CRC32C as the client library computes it: an independent check of the server's. */
function libraryCrc32c(data: Buffer): string {
  const checksum = new CRC32C();
  checksum.update(data);
  return checksum.toString();
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

beforeAll(async () => {
  gcs = await startGcsServer({ allowExisting: false });
  storage = client({ autoRetry: false });
});
afterAll(() => gcs?.stop());

describe('startGcsServer', () => {
  it('computes CRC32C as Cloud Storage does', () => {
    const data = randomBytes(4096);
    expect(crc32cBase64(Buffer.from('hello'))).toBe(libraryCrc32c(Buffer.from('hello')));
    expect(crc32cBase64(data)).toBe(libraryCrc32c(data));
  });

  it('creates, reads and deletes buckets, with Cloud Storage’s errors', async () => {
    expect(gcs.url).toBe(`http://127.0.0.1:${gcs.port}`);
    const [bucket] = await storage.createBucket('lifecycle');
    expect((await bucket.exists())[0]).toBe(true);
    expect((await bucket.getMetadata())[0]).toMatchObject({
      name: 'lifecycle',
      kind: 'storage#bucket',
    });
    await expect(storage.createBucket('lifecycle')).rejects.toMatchObject({ code: 409 });

    await bucket.file('keep').save('x', { resumable: false });
    await expect(bucket.delete()).rejects.toMatchObject({ code: 409 });
    await bucket.file('keep').delete();
    await bucket.delete();
    expect((await bucket.exists())[0]).toBe(false);
    await expect(bucket.file('any').save('x', { resumable: false })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('stores objects with real hashes, so validated downloads pass', async () => {
    const bucket = await freshBucket();
    const data = randomBytes(100_000);
    const file = bucket.file('dir/data file.bin');
    await file.save(data, {
      resumable: false,
      contentType: 'application/x-test',
      metadata: { metadata: { run: '7' } },
    });

    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({
      name: 'dir/data file.bin',
      bucket: bucket.name,
      size: '100000',
      contentType: 'application/x-test',
      md5Hash: md5(data),
      crc32c: libraryCrc32c(data),
      metageneration: '1',
      metadata: { run: '7' },
    });
    expect(Number(metadata.generation)).toBeGreaterThan(0);
    expect(Date.parse(String(metadata.timeCreated))).not.toBeNaN();

    expect((await file.download())[0].equals(data)).toBe(true); // validated by CRC32C
    expect((await file.download({ validation: 'md5' }))[0].equals(data)).toBe(true);

    // uploadType=media, as a raw client sends it.
    const media = await fetch(
      `${gcs.url}/upload/storage/v1/b/${bucket.name}/o?uploadType=media&name=raw.txt`,
      { method: 'POST', body: 'raw bytes', headers: { 'Content-Type': 'text/plain' } },
    );
    expect(media.status).toBe(200);
    expect(await media.json()).toMatchObject({
      name: 'raw.txt',
      size: '9',
      contentType: 'text/plain',
    });
    expect((await bucket.file('raw.txt').download())[0].toString()).toBe('raw bytes');
  });

  it('serves ranged reads', async () => {
    const bucket = await freshBucket();
    const file = bucket.file('range.txt');
    await file.save('0123456789', { resumable: false });
    expect((await file.download({ start: 2, end: 5 }))[0].toString()).toBe('2345');
    expect((await file.download({ start: 7 }))[0].toString()).toBe('789');
    expect((await file.download({ end: -3 }))[0].toString()).toBe('789');

    const past = await fetch(`${gcs.url}/storage/v1/b/${bucket.name}/o/range.txt?alt=media`, {
      headers: { Range: 'bytes=50-60' },
    });
    expect(past.status).toBe(416);
  });

  it('lets exactly one of two racing create-if-absent writes win; the other gets 412', async () => {
    const bucket = await freshBucket();
    const file = bucket.file('commit.json');
    const ifAbsent = { preconditionOpts: { ifGenerationMatch: 0 } };
    const { fulfilled, reasons } = await race([
      file.save('{"writer":1}', { resumable: false, ...ifAbsent }),
      bucket.file('commit.json').save('{"writer":2}', { resumable: false, ...ifAbsent }),
    ]);
    expect(fulfilled).toBe(1);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ code: 412 });
    expect(reasons[0].errors[0]).toMatchObject({ reason: 'conditionNotMet', domain: 'global' });

    // The same race through resumable uploads: the loser fails when its session opens (an
    // HTTP error with `status`) or at its final request (an API error with `code`).
    const resumable = await race([
      bucket.file('resumable.json').save('1', { resumable: true, ...ifAbsent }),
      bucket.file('resumable.json').save('2', { resumable: true, ...ifAbsent }),
    ]);
    expect(resumable.fulfilled).toBe(1);
    const loser = resumable.reasons[0] as { code?: unknown; status?: unknown };
    expect(loser.code ?? loser.status).toBe(412);
    await expect(
      bucket.file('resumable.json').save('3', { resumable: true, ...ifAbsent }),
    ).rejects.toMatchObject({ status: 412 });
  });

  it('checks generation and metageneration preconditions on every kind of request', async () => {
    const bucket = await freshBucket();
    const file = bucket.file('guarded');
    await file.save('v1', { resumable: false });
    const [first] = await file.getMetadata();
    const generation = Number(first.generation);

    await expect(
      file.save('v2', {
        resumable: false,
        preconditionOpts: { ifGenerationMatch: generation + 1 },
      }),
    ).rejects.toMatchObject({ code: 412 });
    await file.save('v2', {
      resumable: false,
      preconditionOpts: { ifGenerationMatch: generation },
    });
    const [second] = await file.getMetadata();
    expect(Number(second.generation)).toBeGreaterThan(generation);

    await expect(
      file.save('v3', {
        resumable: false,
        preconditionOpts: { ifGenerationNotMatch: Number(second.generation) },
      }),
    ).rejects.toMatchObject({ code: 412 });

    await file.setMetadata({ metadata: { a: '1' } }, { ifMetagenerationMatch: 1 });
    await expect(
      file.setMetadata({ metadata: { b: '2' } }, { ifMetagenerationMatch: 1 }),
    ).rejects.toMatchObject({ code: 412 });
    const [third] = await file.getMetadata();
    expect(third).toMatchObject({ metageneration: '2', metadata: { a: '1' } });
    expect(third.generation).toBe(second.generation);

    await expect(file.delete({ ifGenerationMatch: generation })).rejects.toMatchObject({
      code: 412,
    });
    await file.delete({ ifGenerationMatch: Number(second.generation) });
    expect((await file.exists())[0]).toBe(false);

    // Google's error body, as a raw client sees it.
    const response = await fetch(
      `${gcs.url}/upload/storage/v1/b/${bucket.name}/o?uploadType=media&name=x&ifGenerationMatch=42`,
      { method: 'POST', body: 'x' },
    );
    expect(response.status).toBe(412);
    expect(await response.json()).toEqual({
      error: {
        code: 412,
        message: expect.any(String),
        errors: [{ domain: 'global', reason: 'conditionNotMet', message: expect.any(String) }],
      },
    });
    const missing = await fetch(`${gcs.url}/storage/v1/b/${bucket.name}/o/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: unknown }).error).toMatchObject({
      code: 404,
      errors: [{ reason: 'notFound' }],
    });
  });

  it('takes a multi-megabyte resumable upload in chunks (308 Resume Incomplete)', async () => {
    const bucket = await freshBucket();
    const data = randomBytes(3 * 1024 * 1024 + 12_345);
    const file = bucket.file('big.bin');
    const progress: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = file.createWriteStream({ resumable: true, chunkSize: 1024 * 1024 });
      stream.on('progress', (event: { bytesWritten: number }) => progress.push(event.bytesWritten));
      stream.on('error', reject);
      stream.on('finish', resolve);
      stream.end(data);
    });
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({ size: String(data.length), md5Hash: md5(data) });
    expect((await file.download())[0].equals(data)).toBe(true);
    expect(progress.at(-1)).toBe(data.length);
  });

  it('keeps only whole 256 KiB units of a non-final chunk, as Cloud Storage does', async () => {
    const bucket = await freshBucket();
    const start = await fetch(
      `${gcs.url}/upload/storage/v1/b/${bucket.name}/o?uploadType=resumable&name=odd.bin`,
      { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } },
    );
    const session = start.headers.get('location')!;
    expect(session).toMatch(/upload_id=/);
    const data = randomBytes(300 * 1024);

    const partial = await fetch(session, {
      method: 'PUT',
      body: data,
      headers: { 'Content-Range': `bytes 0-${data.length - 1}/*` },
    });
    expect(partial.status).toBe(308);
    expect(partial.headers.get('range')).toBe('bytes=0-262143');

    const status = await fetch(session, {
      method: 'PUT',
      headers: { 'Content-Range': 'bytes */*' },
    });
    expect(status.status).toBe(308);
    expect(status.headers.get('range')).toBe('bytes=0-262143');

    const rest = data.subarray(262_144);
    const final = await fetch(session, {
      method: 'PUT',
      body: rest,
      headers: { 'Content-Range': `bytes 262144-${data.length - 1}/${data.length}` },
    });
    expect(final.status).toBe(200);
    expect(await final.json()).toMatchObject({
      name: 'odd.bin',
      size: String(data.length),
      md5Hash: md5(data),
    });
  });

  it('lists with prefix, delimiter and pages', async () => {
    const bucket = await freshBucket();
    const names = [
      'a.txt',
      'dir/1',
      'dir/2',
      'dir/3',
      'dir/sub/4',
      'dir/sub/5',
      'other/6',
      'z.txt',
    ];
    await Promise.all(names.map((name) => bucket.file(name).save(name, { resumable: false })));

    const [all] = await bucket.getFiles();
    expect(all.map((file) => file.name)).toEqual(names);

    const [top, , topResponse] = await bucket.getFiles({ delimiter: '/', autoPaginate: false });
    expect(top.map((file) => file.name)).toEqual(['a.txt', 'z.txt']);
    expect((topResponse as { prefixes: string[] }).prefixes).toEqual(['dir/', 'other/']);

    const pages: string[][] = [];
    const prefixes: string[] = [];
    let query: object | null = {
      prefix: 'dir/',
      delimiter: '/',
      maxResults: 2,
      autoPaginate: false,
    };
    while (query !== null) {
      const [files, next, response]: [File[], object | null, unknown] =
        await bucket.getFiles(query);
      pages.push(files.map((file) => file.name));
      prefixes.push(...((response as { prefixes?: string[] }).prefixes ?? []));
      query = next;
    }
    expect(pages).toEqual([['dir/1', 'dir/2'], ['dir/3']]);
    expect(prefixes).toEqual(['dir/sub/']);

    const [paged] = await bucket.getFiles({ prefix: 'dir/', maxResults: 2 });
    expect(paged).toHaveLength(2);
    const [everything] = await bucket.getFiles({
      prefix: 'dir/',
      autoPaginate: true,
      maxApiCalls: 10,
    });
    expect(everything).toHaveLength(5);
  });

  it('copies (rewrite), composes and moves objects on the server', async () => {
    const bucket = await freshBucket();
    const target = await freshBucket();
    const source = bucket.file('source.txt');
    await source.save('hello ', { resumable: false, contentType: 'text/plain' });
    await bucket.file('tail.txt').save('world', { resumable: false });

    const [copy] = await source.copy(target.file('copy.txt'), {
      preconditionOpts: { ifGenerationMatch: 0 },
    });
    expect((await copy.download())[0].toString()).toBe('hello ');
    expect((await copy.getMetadata())[0].contentType).toBe('text/plain');
    await expect(
      source.copy(target.file('copy.txt'), { preconditionOpts: { ifGenerationMatch: 0 } }),
    ).rejects.toMatchObject({ code: 412 });

    const [composite] = await bucket.combine(
      [source, bucket.file('tail.txt')],
      bucket.file('joined.txt'),
    );
    expect((await composite.download())[0].toString()).toBe('hello world');
    const [compositeMetadata] = await composite.getMetadata();
    expect(compositeMetadata).toMatchObject({ componentCount: 2, size: '11' });
    expect(compositeMetadata.md5Hash).toBeUndefined();

    await bucket.file('joined.txt').moveFileAtomic('moved.txt');
    expect((await bucket.file('joined.txt').exists())[0]).toBe(false);
    expect((await bucket.file('moved.txt').download())[0].toString()).toBe('hello world');

    await bucket.file('tail.txt').move('renamed.txt');
    expect((await bucket.file('tail.txt').exists())[0]).toBe(false);
    expect((await bucket.file('renamed.txt').download())[0].toString()).toBe('world');
  });

  it('fails matching requests with injected 503s and 429s, which the client retries', async () => {
    const bucket = await freshBucket();
    await bucket.file('flaky').save('data', { resumable: false });

    const unavailable = gcs.injectFault({
      method: 'GET',
      pathIncludes: '/o/flaky',
      status: 503,
      times: 2,
    });
    const retrying = client({ autoRetry: true, maxRetries: 3, maxRetryDelay: 0.01 });
    const [metadata] = await retrying.bucket(bucket.name).file('flaky').getMetadata();
    expect(metadata.size).toBe('4');
    expect(unavailable).toMatchObject({ answered: 2, remaining: 0 });

    gcs.injectFault({ pathIncludes: '/o/flaky', status: 429 });
    const failure = await bucket
      .file('flaky')
      .getMetadata()
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 429, errors: [{ reason: 'rateLimitExceeded' }] });

    gcs.injectFault({ method: 'POST', pathIncludes: 'uploadType=resumable', status: 503 });
    const retryingUploads = client({ autoRetry: true, maxRetries: 1, maxRetryDelay: 1 });
    const upload = retryingUploads.bucket(bucket.name).file('after-retry');
    await upload.save('saved', { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } });
    expect((await upload.download())[0].toString()).toBe('saved');

    const dropped = gcs.injectFault({ pathIncludes: '/o/flaky', reset: true });
    await expect(bucket.file('flaky').getMetadata()).rejects.toThrow();
    expect(dropped.answered).toBe(1);

    gcs.injectFault({ status: 503, times: 5 });
    gcs.clearFaults();
    expect((await bucket.file('flaky').exists())[0]).toBe(true);
  });

  it('stops, and stop() is idempotent', async () => {
    const server = await startGcsServer({ allowExisting: false });
    expect((await fetch(`${server.url}/storage/v1/b`)).status).toBe(200);
    await server.stop();
    await expect(server.stop()).resolves.toBeUndefined();
    await expect(fetch(`${server.url}/storage/v1/b`)).rejects.toThrow();
  });
});
