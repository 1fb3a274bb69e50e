/**
 * `wharf copy` and `wharf inspect` with cloud URLs, against the test servers: a CSV file into
 * `s3://` (radosgw), `gs://` and `abfss://` datasets (both layouts), back out into another store, and inspected.
 * Credentials come from the environment, as for a user.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DataLakeServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { Storage } from '@google-cloud/storage';
import { readMemoryProduction } from '@wharf/store-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copy, inspect } from '../src/index.js';

let directory: string;
let csv: string;
const quiet = { write: () => true };
const ROWS = 2500;

function sink() {
  const chunks: string[] = [];
  return { write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'wharf-cli-cloud-'));
  csv = join(directory, 'trips.csv');
  const lines = ['id,city,fare'];
  for (let id = 1; id <= ROWS; id += 1)
    lines.push(`${id},city-${id % 17},${(id * 1.25).toFixed(2)}`);
  await writeFile(csv, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Copies the CSV into `target` twice (full_drop, then incremental) and reads it back. */
async function roundTrip(target: string, label: string): Promise<void> {
  const first = await copy(csv, target, { mode: 'full_drop', output: quiet, progress: quiet });
  expect(first.rows).toBe(ROWS);
  await copy(csv, target, { mode: 'incremental', output: quiet, progress: quiet });
  const back = `memory:${label}?directory=${directory}`;
  const report = await copy(target, back, { mode: 'full_drop', output: quiet, progress: quiet });
  expect(report.rows).toBe(2 * ROWS);
  const table = await readMemoryProduction(directory, label);
  expect(table.numRows).toBe(2 * ROWS);
  const ids = table.getChild('id')!.toArray() as BigInt64Array;
  expect(new Set(Array.from(ids, Number)).size).toBe(ROWS);
  const shown = sink();
  await inspect(target, shown);
  expect(shown.text()).toMatch(/rows\s+5,000/);
  expect(shown.text()).toContain('staging       clean');
}

describe('wharf copy with gs:// URLs', () => {
  const endpoint = inject('wharf.gcsUrl');
  const projectId = inject('wharf.gcsProjectId');
  const bucket = `cli-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await new Storage({ apiEndpoint: endpoint, projectId }).createBucket(bucket);
  });

  for (const layout of ['commits', 'folder']) {
    it(`copies a CSV into gs://${bucket}/lake/trips (${layout} layout) and back out`, async () => {
      const url = `gs://${bucket}/lake/trips_${layout}?layout=${layout}&endpoint=${encodeURIComponent(endpoint)}&projectId=${projectId}`;
      await roundTrip(url, `gcs_${layout}`);
    });
  }

  it('names the URL and the missing bucket in one line', async () => {
    const url = `gs://no-such-bucket-${randomUUID().slice(0, 6)}/x?endpoint=${encodeURIComponent(endpoint)}&projectId=${projectId}`;
    await expect(copy(csv, url, { output: quiet, progress: quiet, retries: 0 })).rejects.toThrow(
      /no-such-bucket/,
    );
  });
});

describe('wharf copy with abfss:// URLs', () => {
  const endpoint = inject('wharf.adlsUrl');
  const key = inject('wharf.adlsAccountKey');
  const account = new URL(endpoint).pathname.split('/')[1]!;
  const fileSystem = `cli${randomUUID().slice(0, 8)}`;
  const saved = process.env.AZURE_STORAGE_KEY;

  beforeAll(async () => {
    process.env.AZURE_STORAGE_KEY = key;
    await new DataLakeServiceClient(endpoint, new StorageSharedKeyCredential(account, key))
      .getFileSystemClient(fileSystem)
      .create();
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.AZURE_STORAGE_KEY;
    else process.env.AZURE_STORAGE_KEY = saved;
  });

  for (const layout of ['commits', 'folder']) {
    it(`copies a CSV into abfss://${fileSystem}@… (${layout} layout) and back out`, async () => {
      const url = `abfss://${fileSystem}@${account}.dfs.core.windows.net/lake/trips_${layout}?layout=${layout}&endpoint=${encodeURIComponent(endpoint)}`;
      await roundTrip(url, `adls_${layout}`);
    });
  }
});

describe('wharf copy with s3:// URLs', () => {
  const endpoint = inject('wharf.s3Url');
  const region = inject('wharf.s3Region');
  const bucket = `cli-${randomUUID().slice(0, 8)}`;
  const saved = {
    id: process.env.AWS_ACCESS_KEY_ID,
    secret: process.env.AWS_SECRET_ACCESS_KEY,
  };

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = inject('wharf.s3AccessKeyId');
    process.env.AWS_SECRET_ACCESS_KEY = inject('wharf.s3SecretAccessKey');
    const client = new S3Client({ endpoint, region, forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
  });
  afterAll(() => {
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  for (const layout of ['commits', 'folder']) {
    it(`copies a CSV into s3://${bucket}/lake/trips (${layout} layout) and back out`, async () => {
      const url = `s3://${bucket}/lake/trips_${layout}?layout=${layout}&endpoint=${encodeURIComponent(endpoint)}&region=${region}`;
      await roundTrip(url, `s3_${layout}`);
    });
  }
});
