import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { runFlow, ValidationError } from '@wharf/store-core';
import { Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../src/index.js';
import { createBucket, rawClient, s3Server, storageOptions, uniqueName } from './helpers.js';

const credentials = { accessKeyId: 'AKIDWHARF', secretAccessKey: 'not-a-real-secret' };

describe('new S3Store()', () => {
  it('is named s3:<bucket>/<prefix>, without secrets, and makes no request', () => {
    const store = new S3Store({ bucket: 'analytics', prefix: '/warehouse/trips/', credentials });
    expect(store.name).toBe('s3:analytics/warehouse/trips');
    expect(store.storage.url).toBe('s3://analytics/warehouse/trips');
    expect(store.isConnected).toBe(false);
    expect(new S3Store({ bucket: 'analytics', credentials }).name).toBe('s3:analytics');
    expect(new S3Store({ bucket: 'analytics', prefix: 'lake', table: 'trips' }).name).toBe(
      's3:analytics/lake/trips',
    );
  });

  it('takes the dataset settings', () => {
    expect(new S3Store({ bucket: 'analytics', layout: 'folder' }).capabilities.commit).toBe(
      'recoverable',
    );
    expect(new S3Store({ bucket: 'analytics' }).capabilities.commit).toBe('atomic');
  });

  it.each([
    [{}, /"bucket" is required/],
    [{ bucket: '' }, /"bucket" is required/],
    [{ bucket: 'Upper_Case' }, /invalid bucket name "Upper_Case"/],
    [{ bucket: 's3://analytics/trips' }, /invalid bucket name/],
    [{ bucket: 'ab' }, /invalid bucket name/],
    [{ bucket: 'analytics', prefix: 'a//b' }, /prefix segment ""/],
    [{ bucket: 'analytics', prefix: 'a/../b' }, /prefix segment "\.\."/],
    [{ bucket: 'analytics', table: 'a/b' }, /table "a\/b" must be one name/],
    [{ bucket: 'analytics', endpoint: 'not a url' }, /"endpoint" is not a valid URL/],
    [{ bucket: 'analytics', endpoint: 'ftp://host' }, /http:\/\/ or https:\/\//],
    [{ bucket: 'analytics', endpoint: 'http://user:pw@host' }, /must not carry credentials/],
    [{ bucket: 'analytics', credentials: { accessKeyId: 'a' } }, /secretAccessKey/],
    [{ bucket: 'analytics', maxAttempts: 0 }, /"maxAttempts" must be an integer from 1/],
    [{ bucket: 'analytics', partSize: 1024 * 1024 }, /"partSize" must be an integer from 5242880/],
    [{ bucket: 'analytics', queueSize: 1.5 }, /"queueSize"/],
    [{ bucket: 'analytics', listPageSize: 5000 }, /"listPageSize"/],
    [{ bucket: 'analytics', layout: 'flat' }, /layout/],
  ])('refuses %j with a ValidationError', (options, message) => {
    const attempt = () => new S3Store(options as never);
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(message);
  });

  it('accepts the wider bucket names of S3-compatible services with an endpoint', () => {
    expect(
      new S3Store({ bucket: 'Team_Data', endpoint: 'http://127.0.0.1:9000', credentials }).name,
    ).toBe('s3:Team_Data');
  });

  it('refuses a client combined with options that configure a client', async () => {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ region: 'us-east-1' });
    try {
      expect(() => new S3Store({ bucket: 'analytics', client, region: 'eu-west-1' })).toThrow(
        /"client" cannot be combined with "region"/,
      );
      const store = new S3Store({ bucket: 'analytics', client });
      expect(store.storage.describe()).toMatchObject({ client: 'provided' });
      await store.close();
    } finally {
      client.destroy();
    }
  });

  it('hands no credential to the engine with the settings', () => {
    const store = new S3Store({ bucket: 'analytics', credentials, layout: 'commits' });
    expect(JSON.stringify(store.storage.describe())).not.toContain(credentials.secretAccessKey);
  });
});

describe('S3Store on radosgw', () => {
  let client: S3Client;
  let bucket: string;
  let removeBucket: () => Promise<void>;
  beforeAll(async () => {
    client = rawClient();
    ({ bucket, remove: removeBucket } = await createBucket(client, 'store'));
  });
  afterAll(async () => {
    await removeBucket?.();
    client?.destroy();
  });

  const trips = (ids: number[]) =>
    new Table({
      id: vectorFromArray(ids, new Int32()),
      city: vectorFromArray(
        ids.map((id) => `city-${id}`),
        new Utf8(),
      ),
    });

  for (const layout of ['commits', 'folder'] as const) {
    it(`runs a load with runFlow and reads it back (layout '${layout}')`, async () => {
      const prefix = uniqueName(layout);
      const options = { ...storageOptions(bucket, { prefix }), layout, encoderThreads: 0 };
      const store = new S3Store(options);
      try {
        const first = await runFlow(() => [trips([1, 2, 3])], store, { runType: 'full_drop' });
        expect(first.rows).toBe(3);
        await runFlow(() => [trips([4, 5])], store, { runType: 'incremental' });
        const ids: number[] = [];
        for await (const batch of store.read()) {
          ids.push(...(batch.getChild('id')!.toArray() as Int32Array));
        }
        expect(ids.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
      } finally {
        await store.close();
      }
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((object) => object.Key ?? '');
      expect(keys.filter((key) => key.startsWith(`${prefix}/`)).length).toBeGreaterThan(0);
      expect(keys.some((key) => key.endsWith('.parquet'))).toBe(true);
      const other = new S3Store({ ...storageOptions(bucket, { prefix }), layout });
      try {
        await other.connect();
        const description = await other.describe();
        expect(description.name).toBe(`s3:${bucket}/${prefix}`);
        expect(JSON.stringify(description)).not.toContain(s3Server().secretAccessKey);
      } finally {
        await other.close();
      }
    });
  }
});
