/**
 * Opt-in test against real Amazon S3. It runs only when `WHARF_LIVE_S3_BUCKET` names a bucket
 * the SDK's default credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN],
 * AWS_PROFILE, SSO, an instance role…) may write to, in `AWS_REGION`. Everything it writes
 * lies under a fresh `wharf-live-test/<unique>/` prefix and is deleted at the end.
 */
import { runFlow } from '@wharf/store-core';
import { Int32, Table, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { createS3Storage, S3Store } from '../src/index.js';
import { bytesOf, collect, text, uniqueName } from './helpers.js';

const bucket = process.env.WHARF_LIVE_S3_BUCKET;
const region = process.env.AWS_REGION;
const MIB = 1024 * 1024;

describe('live Amazon S3', () => {
  if (!bucket || !region) {
    it.skip('not run: set WHARF_LIVE_S3_BUCKET and AWS_REGION (and AWS credentials, e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE)', () => {});
    return;
  }

  it('round-trips, races putIfAbsent, runs a load, and cleans up', async () => {
    const prefix = `wharf-live-test/${uniqueName('run')}`;
    const storage = createS3Storage({ bucket, prefix, region });
    try {
      await storage.probe();

      const big = bytesOf(12 * MIB, 3);
      await storage.put('objects/big.bin', big);
      await storage.put('objects/small.txt', text('small'));
      expect(Buffer.from((await storage.get('objects/big.bin'))!).equals(Buffer.from(big))).toBe(
        true,
      );
      expect(await storage.getRange('objects/big.bin', 100, 200)).toEqual(big.subarray(100, 200));
      expect((await storage.head('objects/small.txt'))?.size).toBe(5);
      await storage.copy('objects/small.txt', 'objects/copied.txt');
      expect((await collect(storage.list('objects/'))).map((entry) => entry.key).sort()).toEqual([
        'objects/big.bin',
        'objects/copied.txt',
        'objects/small.txt',
      ]);

      const racers = Array.from({ length: 8 }, () => createS3Storage({ bucket, prefix, region }));
      const results = await Promise.all(
        racers.map((racer, index) => racer.putIfAbsent('race.json', text(`${index}`))),
      );
      await Promise.all(racers.map((racer) => racer.close()));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await storage.get('race.json')).toEqual(text(`${results.indexOf(true)}`));

      const store = new S3Store({ bucket, prefix: `${prefix}/dataset`, region });
      try {
        const table = new Table({ id: vectorFromArray([1, 2, 3], new Int32()) });
        const report = await runFlow(() => [table], store, { runType: 'full_drop' });
        expect(report.rows).toBe(3);
        let rows = 0;
        for await (const batch of store.read()) rows += batch.numRows;
        expect(rows).toBe(3);
      } finally {
        await store.close();
      }
    } finally {
      const left = await collect(storage.list(''));
      await storage.delete(left.map((entry) => entry.key));
      expect(await collect(storage.list(''))).toEqual([]);
      await storage.close();
    }
  });
});
