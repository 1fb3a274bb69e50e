/**
 * Opt-in test against real Google Cloud Storage. It runs only when `WHARF_LIVE_GCS_BUCKET`
 * names a bucket the Application Default Credentials may write to (usually through
 * `GOOGLE_APPLICATION_CREDENTIALS`); otherwise it is reported as skipped. Everything it writes
 * goes under a fresh `wharf-live/<uuid>/` prefix, removed at the end.
 *
 *   WHARF_LIVE_GCS_BUCKET=my-test-bucket \
 *   GOOGLE_APPLICATION_CREDENTIALS=/path/to/key.json \
 *   pnpm --filter @wharf/store-gcs test -- live
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { runFlow } from '@wharf/store-core';
import type { ObjectStorage } from '@wharf/store-parquet/object';
import { Int64, Table, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { createGcsStorage, GcsStore } from '../src/index.js';
import { collect } from './helpers.js';

const bucket = process.env.WHARF_LIVE_GCS_BUCKET;
const projectId = process.env.WHARF_LIVE_GCS_PROJECT;
const prefix = `wharf-live/${randomUUID()}`;
const text = (value: string) => new TextEncoder().encode(value);

describe('Google Cloud Storage (live)', () => {
  if (bucket === undefined || bucket === '') {
    it.skip('not run: set WHARF_LIVE_GCS_BUCKET (and GOOGLE_APPLICATION_CREDENTIALS or other Application Default Credentials)', () => {});
    return;
  }

  const location = { bucket, ...(projectId === undefined ? {} : { projectId }) };
  const storage: ObjectStorage = createGcsStorage({ ...location, prefix });

  afterAll(async () => {
    const keys = (await collect(storage.list(''))).map((entry) => entry.key);
    await storage.delete(keys);
    await storage.close();
  });

  it('reaches the bucket', async () => {
    await storage.probe();
  });

  it('lets exactly one of 8 concurrent writers create a key', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, writer) =>
        storage.putIfAbsent('race/commit.json', text(`writer ${writer}`)),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(new TextDecoder().decode(await storage.get('race/commit.json'))).toBe(
      `writer ${winner}`,
    );
  });

  it('puts, gets, lists, copies and deletes', async () => {
    const large = randomBytes(12 * 1024 * 1024);
    await storage.put('round/small.txt', text('small'));
    await storage.put('round/large.bin', large);
    await storage.copy('round/small.txt', 'round/copy.txt');

    expect(new TextDecoder().decode(await storage.get('round/copy.txt'))).toBe('small');
    const read = await storage.get('round/large.bin');
    expect(read !== undefined && Buffer.from(read).equals(large)).toBe(true);
    expect(
      Buffer.from(await storage.getRange('round/large.bin', 100, 200)).equals(
        large.subarray(100, 200),
      ),
    ).toBe(true);
    expect(await storage.head('round/large.bin')).toMatchObject({ size: large.length });
    expect((await collect(storage.list('round/'))).map((entry) => entry.key).sort()).toEqual([
      'round/copy.txt',
      'round/large.bin',
      'round/small.txt',
    ]);

    await storage.delete(['round/small.txt', 'round/large.bin', 'round/copy.txt', 'round/none']);
    expect(await collect(storage.list('round/'))).toEqual([]);
    expect(await storage.get('round/small.txt')).toBeUndefined();
  });

  it('commits a load with GcsStore and reads it back', async () => {
    const store = new GcsStore({ ...location, prefix: `${prefix}/store` });
    const table = new Table({ id: vectorFromArray([1n, 2n, 3n], new Int64()) });
    const report = await runFlow(() => [table], store, { runType: 'full_drop' });
    expect(report.rows).toBe(3);
    let rows = 0;
    for await (const batch of store.read()) rows += batch.numRows;
    expect(rows).toBe(3);
    await store.close();
  });
});
