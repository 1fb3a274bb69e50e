import { runFlow, StoreError, ValidationError } from '@wharf/store-core';
import { ObjectParquetStore } from '@wharf/store-parquet/object';
import { Int64, type RecordBatch, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { GcsStore, type GcsStoreOptions } from '../src/index.js';
import { freshBucket, objectNames, rawClient, testServer } from './helpers.js';

function rejection(options: unknown): StoreError {
  try {
    new GcsStore(options as GcsStoreOptions);
  } catch (error) {
    expect(StoreError.isInstance(error)).toBe(true);
    return error as StoreError;
  }
  throw new Error(`new GcsStore(${JSON.stringify(options)}) did not throw`);
}

describe('new GcsStore', () => {
  it.each([
    [undefined, /options are required/],
    [{}, /`bucket` is required/],
    [{ bucket: '' }, /`bucket` is required/],
    [{ bucket: 42 }, /`bucket` is required/],
    [{ bucket: 'ab' }, /invalid bucket name "ab": it must have 3 to 63 characters/],
    [{ bucket: 'My_Bucket' }, /invalid bucket name "My_Bucket": use lowercase letters/],
    [{ bucket: '-data' }, /start and end with a letter or digit/],
    [{ bucket: 'data..set' }, /each dot-separated part/],
    [{ bucket: '192.168.1.10' }, /must not be an IP address/],
    [{ bucket: 'google-data' }, /must not start with "goog"/],
    [{ bucket: 'gs://data' }, /invalid bucket name/],
    [{ bucket: 'data', prefix: 'a//b' }, /^gs:data: prefix segment "" is not allowed/],
    [{ bucket: 'data', prefix: 'a/../b' }, /prefix segment "\.\." is not allowed/],
    [{ bucket: 'data', prefix: 'a b' }, /prefix segment "a b" is not allowed/],
    [{ bucket: 'data', prefix: 7 }, /prefix must be a string/],
    [{ bucket: 'data', table: 'a/b' }, /table "a\/b" must be one name/],
    [{ bucket: 'data', chunkSizeBytes: 1_000_000 }, /multiple of 262144/],
    [
      { bucket: 'data', resumableThresholdBytes: 0 },
      /`resumableThresholdBytes` must be a positive/,
    ],
    [{ bucket: 'data', listPageSize: 5000 }, /at most 1000/],
    [{ bucket: 'data', maxRetries: -1 }, /`maxRetries` must be a non-negative integer/],
    [{ bucket: 'data', maxRetryDelayMs: 10 }, /`maxRetryDelayMs` must be at least 1000/],
    [{ bucket: 'data', apiEndpoint: 'not a url' }, /`apiEndpoint` must be an http/],
    [{ bucket: 'data', credentials: '/path/key.json' }, /`credentials` must be an object/],
    [{ bucket: 'data', credentials: {}, keyFilename: 'key.json' }, /not both/],
  ])('refuses %j', (options, message) => {
    const error = rejection(options);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(message);
  });

  it('accepts valid names and sets the store name from the location', () => {
    const store = new GcsStore({ bucket: 'my-bucket_1.example.com', prefix: '/warehouse/trips/' });
    expect(store).toBeInstanceOf(ObjectParquetStore);
    expect(store.name).toBe('gs:my-bucket_1.example.com/warehouse/trips');
    expect(new GcsStore({ bucket: 'data' }).name).toBe('gs:data');
    expect(new GcsStore({ bucket: 'data', prefix: 'lake', table: 'trips' }).name).toBe(
      'gs:data/lake/trips',
    );
  });
});

function trips(ids: number[]): Table {
  return new Table({
    id: vectorFromArray(
      ids.map((id) => BigInt(id)),
      new Int64(),
    ),
    city: vectorFromArray(
      ids.map((id) => `city ${id}`),
      new Utf8(),
    ),
  });
}

async function readIds(store: GcsStore): Promise<bigint[]> {
  const ids: bigint[] = [];
  for await (const batch of store.read() as AsyncIterable<RecordBatch>) {
    const column = batch.getChild('id');
    for (let row = 0; row < batch.numRows; row++) ids.push(column?.get(row) as bigint);
  }
  return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('GcsStore on the Cloud Storage test server', () => {
  it('commits loads with runFlow and reads them back', async () => {
    const raw = rawClient();
    const bucket = await freshBucket(raw, 'store');
    const { url, projectId } = testServer();
    const options: GcsStoreOptions = {
      bucket,
      prefix: 'warehouse/trips',
      apiEndpoint: url,
      projectId,
      maxRetryDelayMs: 1000,
      encoderThreads: 1,
    };

    const store = new GcsStore(options);
    const first = await runFlow(() => [trips([1, 2, 3])], store, { runType: 'full_drop' });
    expect(first.rows).toBe(3);
    const second = await runFlow(() => [trips([4, 5])], store, { runType: 'incremental' });
    expect(second.rows).toBe(2);
    expect(await readIds(store)).toEqual([1n, 2n, 3n, 4n, 5n]);
    const description = await store.describe();
    expect(description.details).toMatchObject({ url: `gs://${bucket}/warehouse/trips` });
    await store.close();

    const names = await objectNames(raw, bucket);
    expect(names.every((name) => name.startsWith('warehouse/trips/'))).toBe(true);
    expect(names.some((name) => name.startsWith('warehouse/trips/_wharf/commits/'))).toBe(true);
    expect(names.some((name) => name.endsWith('.parquet'))).toBe(true);

    // A fresh instance sees the committed dataset.
    const reopened = new GcsStore(options);
    await reopened.connect();
    expect(await readIds(reopened)).toEqual([1n, 2n, 3n, 4n, 5n]);
    await reopened.close();
  });

  it("lays plain Parquet files under the prefix with layout 'folder'", async () => {
    const raw = rawClient();
    const bucket = await freshBucket(raw, 'folder');
    const { url, projectId } = testServer();
    const store = new GcsStore({
      bucket,
      prefix: 'lake',
      table: 'trips',
      layout: 'folder',
      apiEndpoint: url,
      projectId,
      maxRetryDelayMs: 1000,
      encoderThreads: 1,
    });
    await runFlow(() => [trips([1, 2])], store, { runType: 'full_drop' });
    await runFlow(() => [trips([3])], store, { runType: 'full_drop' });
    expect(await readIds(store)).toEqual([3n]);
    await store.close();

    const names = await objectNames(raw, bucket, 'lake/trips/');
    const dataFiles = names.filter((name) => /^lake\/trips\/[^/]+\.parquet$/.test(name));
    expect(dataFiles).toHaveLength(1);
    expect(names.filter((name) => name.includes('/_wharf/staging/'))).toEqual([]);
  });

  it('fails to connect to a missing bucket with a NotFoundError', async () => {
    const { url, projectId } = testServer();
    const store = new GcsStore({ bucket: 'no-such-bucket-here', apiEndpoint: url, projectId });
    await expect(store.connect()).rejects.toMatchObject({
      code: 'WHARF_NOT_FOUND',
      message: expect.stringContaining('bucket "no-such-bucket-here" does not exist'),
    });
  });
});
