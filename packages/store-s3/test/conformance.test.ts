/**
 * The conformance kit against S3Store on radosgw, in both layouts. The inspector reads the
 * bucket with a raw S3 client and FORMAT.md's rules (`@wharf/dataset-inspector`), never
 * through the store or its storage.
 */
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describeObjectConformance, type ObjectReader } from '@wharf/dataset-inspector';
import { afterAll } from 'vitest';
import { createStore, KIT_PREFIX } from './conformance-factory.mjs';
import { createBucket, rawClient, s3Server } from './helpers.js';

const server = s3Server();
const client = rawClient(server);
const { bucket, remove } = await createBucket(client, 'kit');
afterAll(async () => {
  await remove();
  client.destroy();
});

const environment = {
  WHARF_KIT_S3_URL: server.url,
  WHARF_KIT_S3_REGION: server.region,
  WHARF_KIT_S3_ACCESS_KEY_ID: server.accessKeyId,
  WHARF_KIT_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
  WHARF_KIT_S3_BUCKET: bucket,
};

/** Raw reads of one check's dataset prefix. */
function reader(table: string): ObjectReader {
  const base = `${KIT_PREFIX}/${table}/`;
  return {
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: base + prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const object of page.Contents ?? []) keys.push(object.Key!.slice(base.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    async get(key) {
      try {
        const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: base + key }));
        return await output.Body!.transformToByteArray();
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
  };
}

await describeObjectConformance({
  name: '@wharf/store-s3 on radosgw',
  createStore,
  factoryModule: fileURLToPath(new URL('./conformance-factory.mjs', import.meta.url)),
  env: environment,
  reader: (context) => reader(context.table),
});
