/**
 * The conformance kit against the Cloud Storage protocol test server, in both layouts. The
 * independent inspector reads the bucket with a plain SDK client, per FORMAT.md.
 */
import { fileURLToPath } from 'node:url';
import { describeObjectConformance, type ObjectReader } from '@wharf/dataset-inspector';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { createStore } from './fixtures/conformance-factory.mjs';
import { freshBucket, rawClient, testServer } from './helpers.js';

const server = testServer();
const client = rawClient(server);
const bucket = await freshBucket(client, 'conformance');

/** Raw reads of a dataset's prefix with the plain SDK client (not the store's storage). */
function reader(context: { prefix: string; table: string }): ObjectReader {
  const root = `${context.prefix}/${context.table}/`;
  return {
    async list(prefix) {
      const [files] = await client.bucket(bucket).getFiles({ prefix: `${root}${prefix}` });
      return files.map((file) => file.name.slice(root.length));
    },
    async get(key) {
      try {
        const [bytes] = await client.bucket(bucket).file(`${root}${key}`).download();
        return new Uint8Array(bytes);
      } catch (error) {
        if ((error as { code?: number }).code === 404) return undefined;
        throw error;
      }
    },
  };
}

await describeObjectConformance({
  name: '@wharf/store-gcs',
  createStore,
  factoryModule: fileURLToPath(new URL('./fixtures/conformance-factory.mjs', import.meta.url)),
  env: {
    WHARF_KIT_GCS_URL: server.url,
    WHARF_KIT_GCS_PROJECT: server.projectId,
    WHARF_KIT_GCS_BUCKET: bucket,
  },
  reader,
});
