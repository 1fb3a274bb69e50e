import { randomBytes } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import {
  type DataLakeFileSystemClient,
  DataLakeServiceClient,
  StorageSharedKeyCredential,
} from '@azure/storage-file-datalake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdlsServer, startAdlsServer } from '../src/index.js';

let adls: AdlsServer;
let service: DataLakeServiceClient;
let fileSystemCount = 0;

/** A client; with retries, they wait milliseconds instead of seconds. */
function client(maxTries: number): DataLakeServiceClient {
  return new DataLakeServiceClient(
    adls.url,
    new StorageSharedKeyCredential(adls.account, adls.accountKey),
    { retryOptions: { maxTries, retryDelayInMs: 5, maxRetryDelayInMs: 10 } },
  );
}

async function freshFileSystem(): Promise<DataLakeFileSystemClient> {
  fileSystemCount += 1;
  const fileSystem = service.getFileSystemClient(`fs-${fileSystemCount}`);
  await fileSystem.create();
  return fileSystem;
}

/**
 * The status and Azure error code of a rejected call. The client library puts the code in
 * `details.errorCode` for most operations and in `code` for append and flush.
 */
async function failure(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (reason: unknown) => reason,
  )) as { statusCode?: number; code?: string; details?: { errorCode?: string } };
  return { status: error.statusCode, code: error.details?.errorCode ?? error.code };
}

async function names(fileSystem: DataLakeFileSystemClient, path?: string, recursive = true) {
  const found: string[] = [];
  for await (const entry of fileSystem.listPaths({ path, recursive })) found.push(entry.name!);
  return found;
}

beforeAll(async () => {
  adls = await startAdlsServer({ allowExisting: false });
  service = client(1);
});
afterAll(() => adls?.stop());

describe('startAdlsServer', () => {
  it('creates, inspects and deletes filesystems', async () => {
    expect(adls.url).toBe(`http://127.0.0.1:${adls.port}/devstoreaccount1`);
    const fileSystem = service.getFileSystemClient('lifecycle');
    await fileSystem.create({ metadata: { team: 'data' } });
    expect(await fileSystem.exists()).toBe(true);
    expect((await fileSystem.getProperties()).metadata).toEqual({ team: 'data' });
    expect(await failure(fileSystem.create())).toEqual({
      status: 409,
      code: 'ContainerAlreadyExists',
    });
    expect((await fileSystem.createIfNotExists()).succeeded).toBe(false);

    const fromConnectionString = DataLakeServiceClient.fromConnectionString(adls.connectionString);
    const listed: string[] = [];
    for await (const item of fromConnectionString.listFileSystems()) listed.push(item.name);
    expect(listed).toContain('lifecycle');

    await fileSystem.delete();
    expect(await fileSystem.exists()).toBe(false);
    expect(await failure(fileSystem.getFileClient('x').create())).toEqual({
      status: 404,
      code: 'FilesystemNotFound',
    });
  });

  it('commits appended data only on flush, at the exact length', async () => {
    const fileSystem = await freshFileSystem();
    const file = fileSystem.getFileClient('dir/part.bin');
    await file.create();
    await file.append(Buffer.from('world'), 6, 5);
    await file.append(Buffer.from('hello '), 0, 6);
    expect((await file.readToBuffer()).length).toBe(0); // created, nothing flushed yet
    expect(await failure(file.flush(20))).toEqual({ status: 400, code: 'InvalidFlushPosition' });

    const flushed = await file.flush(11, { pathHttpHeaders: { contentType: 'text/plain' } });
    expect((await file.readToBuffer()).toString()).toBe('hello world');
    const properties = await file.getProperties();
    expect(properties).toMatchObject({
      contentLength: 11,
      contentType: 'text/plain',
      etag: flushed.etag,
    });
    expect(await fileSystem.getDirectoryClient('dir').exists()).toBe(true); // created on the way

    expect(await failure(file.append(Buffer.from('x'), 3, 1))).toEqual({
      status: 400,
      code: 'InvalidFlushPosition',
    });
    await file.append(Buffer.from('!'), 11, 1);
    await file.flush(12);
    expect((await file.readToBuffer()).toString()).toBe('hello world!');
  });

  it('uploads through the client helpers and serves ranged Blob reads', async () => {
    const fileSystem = await freshFileSystem();
    const data = randomBytes(3 * 1024 * 1024 + 7);
    const file = fileSystem.getFileClient('big.bin');
    await file.upload(data, { chunkSize: 1024 * 1024, singleUploadThreshold: 1024 * 1024 });
    expect((await file.readToBuffer()).equals(data)).toBe(true);

    const ranged = await file.read(1000, 10);
    expect(ranged.contentLength).toBe(10);
    expect(ranged.contentRange).toBe(`bytes 1000-1009/${data.length}`);

    const blob = new BlobServiceClient(
      adls.url,
      new StorageSharedKeyCredential(adls.account, adls.accountKey),
    )
      .getContainerClient(fileSystem.name)
      .getBlobClient('big.bin');
    const properties = await blob.getProperties();
    expect(properties).toMatchObject({ contentLength: data.length, blobType: 'BlockBlob' });
    expect((await blob.downloadToBuffer(data.length - 5, 5)).equals(data.subarray(-5))).toBe(true);
    expect(await failure(blob.download(data.length + 10, 5))).toEqual({
      status: 416,
      code: 'InvalidRange',
    });
  });

  it('lets exactly one of two racing create-if-absent writers win; the other gets 409', async () => {
    const fileSystem = await freshFileSystem();
    const ifAbsent = { conditions: { ifNoneMatch: '*' } };
    const results = await Promise.allSettled([
      fileSystem.getFileClient('_commit').create(ifAbsent),
      fileSystem.getFileClient('_commit').create(ifAbsent),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((result) => result.status === 'rejected');
    expect(await failure(Promise.reject(loser?.reason))).toEqual({
      status: 409,
      code: 'PathAlreadyExists',
    });

    const file = fileSystem.getFileClient('_commit');
    const { etag } = await file.getProperties();
    await file.append(Buffer.from('1'), 0, 1);
    await file.flush(1, { conditions: { ifMatch: etag } });
    expect(await failure(file.flush(1, { conditions: { ifMatch: etag } }))).toEqual({
      status: 412,
      code: 'ConditionNotMet',
    });
  });

  it('answers errors in Azure’s formats: JSON on DFS, XML on Blob, code in x-ms-error-code', async () => {
    const fileSystem = await freshFileSystem();
    const base = `${adls.url}/${fileSystem.name}/missing.txt`;
    const dfs = await fetch(`${base}?action=flush&position=0`, {
      method: 'PATCH',
      headers: { Accept: 'application/json' },
    });
    expect(dfs.status).toBe(404);
    expect(dfs.headers.get('x-ms-error-code')).toBe('PathNotFound');
    expect(await dfs.json()).toEqual({
      error: {
        code: 'PathNotFound',
        message: expect.stringMatching(/^The specified path does not exist\./),
      },
    });

    const blob = await fetch(base);
    expect(blob.status).toBe(404);
    expect(blob.headers.get('x-ms-error-code')).toBe('BlobNotFound');
    expect(await blob.text()).toMatch(/^<\?xml .*<Error><Code>BlobNotFound<\/Code><Message>/);

    const wrongAccount = new DataLakeServiceClient(
      adls.url,
      new StorageSharedKeyCredential('someoneelse', adls.accountKey),
      { retryOptions: { maxTries: 1 } },
    );
    expect(
      await failure(wrongAccount.getFileSystemClient(fileSystem.name).getFileClient('a').create()),
    ).toEqual({ status: 403, code: 'AuthenticationFailed' });
  });

  it('renames files and whole directories in one step', async () => {
    const fileSystem = await freshFileSystem();
    const other = await freshFileSystem();
    const runFiles = Array.from({ length: 20 }, (_, index) => `staging/run-1/part-${index}`);
    await Promise.all(
      [...runFiles, 'staging/run-1/nested/deep'].map((name) =>
        fileSystem.getFileClient(name).create(),
      ),
    );
    await fileSystem.getDirectoryClient('committed').create();

    // Listings racing the rename see the run either wholly before or wholly after it.
    const [, ...snapshots] = await Promise.all([
      fileSystem.getDirectoryClient('staging/run-1').move('committed/run-1'),
      ...Array.from({ length: 8 }, () => names(fileSystem)),
    ]);
    for (const snapshot of snapshots) {
      const before = snapshot.filter((name) => name.startsWith('staging/run-1/')).length;
      const after = snapshot.filter((name) => name.startsWith('committed/run-1/')).length;
      expect([before, after].sort()).toEqual([0, 22]);
    }
    const final = await names(fileSystem, 'committed/run-1');
    expect(final).toHaveLength(22);
    expect(final).toContain('committed/run-1/nested/deep');
    expect(await names(fileSystem, 'staging')).toEqual([]);

    const file = fileSystem.getFileClient('committed/run-1/part-0');
    expect(await failure(file.move(other.name, 'moved/part-0'))).toEqual({
      status: 404,
      code: 'RenameDestinationParentPathNotFound',
    });
    await file.move(other.name, 'part-0');
    expect(await other.getFileClient('part-0').exists()).toBe(true);

    const keep = fileSystem.getFileClient('committed/run-1/part-1');
    expect(
      await failure(
        keep.move('committed/run-1/part-2', { destinationConditions: { ifNoneMatch: '*' } }),
      ),
    ).toEqual({ status: 409, code: 'PathAlreadyExists' });
    await keep.move('committed/run-1/part-2');
    expect(await keep.exists()).toBe(false);
    expect(await failure(keep.move('anywhere'))).toEqual({
      status: 404,
      code: 'SourcePathNotFound',
    });
  });

  it('deletes files and directories, recursively only when asked', async () => {
    const fileSystem = await freshFileSystem();
    await fileSystem.getFileClient('tree/a/1').create();
    await fileSystem.getFileClient('tree/b').create();
    const tree = fileSystem.getDirectoryClient('tree');
    expect(await failure(tree.delete(false))).toEqual({ status: 409, code: 'DirectoryNotEmpty' });
    await fileSystem.getFileClient('tree/b').delete();
    expect(await names(fileSystem)).toEqual(['tree', 'tree/a', 'tree/a/1']);
    await tree.delete(true);
    expect(await names(fileSystem)).toEqual([]);
    expect(await failure(tree.delete(true))).toEqual({ status: 404, code: 'PathNotFound' });
  });

  it('lists paths recursively or not, in pages with a continuation', async () => {
    const fileSystem = await freshFileSystem();
    await Promise.all(
      ['d/1', 'd/2', 'd/3', 'd/sub/4', 'top'].map((name) =>
        fileSystem.getFileClient(name).upload(Buffer.from(name)),
      ),
    );
    expect(await names(fileSystem, undefined, false)).toEqual(['d', 'top']);
    expect(await names(fileSystem, 'd', false)).toEqual(['d/1', 'd/2', 'd/3', 'd/sub']);

    const pages: string[][] = [];
    for await (const page of fileSystem.listPaths({ recursive: true }).byPage({ maxPageSize: 3 })) {
      pages.push(page.pathItems!.map((entry) => entry.name!));
    }
    expect(pages).toEqual([['d', 'd/1', 'd/2'], ['d/3', 'd/sub', 'd/sub/4'], ['top']]);

    const entries = [];
    for await (const entry of fileSystem.listPaths({ path: 'd', recursive: true }))
      entries.push(entry);
    expect(entries.find((entry) => entry.name === 'd/sub')).toMatchObject({ isDirectory: true });
    expect(entries.find((entry) => entry.name === 'd/sub/4')).toMatchObject({
      isDirectory: false,
      contentLength: 7,
    });
    expect(entries[0]!.lastModified).toBeInstanceOf(Date);
    expect(await failure(names(fileSystem, 'nope'))).toEqual({ status: 404, code: 'PathNotFound' });
  });

  it('fails matching requests with injected faults, which the client retries', async () => {
    const fileSystem = await freshFileSystem();
    const file = fileSystem.getFileClient('flaky.txt');
    await file.create();
    await file.append(Buffer.from('data'), 0, 4);

    const busy = adls.injectFault({
      method: 'PATCH',
      pathIncludes: 'action=flush',
      status: 503,
      times: 2,
    });
    const retrying = client(4).getFileSystemClient(fileSystem.name).getFileClient('flaky.txt');
    await retrying.flush(4);
    expect(busy).toMatchObject({ answered: 2, remaining: 0 });

    adls.injectFault({ method: 'HEAD', status: 503 });
    expect(await failure(file.getProperties())).toEqual({ status: 503, code: 'ServerBusy' });
    adls.injectFault({ pathIncludes: 'flaky.txt', status: 500 });
    expect(await failure(file.readToBuffer())).toMatchObject({ status: 500 });
    adls.injectFault({ pathIncludes: 'flaky.txt', status: 429 });
    expect(await failure(file.getProperties())).toEqual({ status: 429, code: 'TooManyRequests' });

    const dropped = adls.injectFault({ pathIncludes: 'flaky.txt', reset: true });
    expect((await retrying.readToBuffer()).toString()).toBe('data');
    expect(dropped.answered).toBe(1);

    adls.injectFault({ status: 503, times: 3 });
    adls.clearFaults();
    expect(await file.exists()).toBe(true);
  });

  it('stops, and stop() is idempotent', async () => {
    const server = await startAdlsServer({ allowExisting: false, account: 'other' });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/other`);
    await server.stop();
    await expect(server.stop()).resolves.toBeUndefined();
    await expect(fetch(`${server.url}?comp=list`)).rejects.toThrow();
  });
});
