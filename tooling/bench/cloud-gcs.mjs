/**
 * Cloud Storage for the cloud cases: store-gcs's `GcsStore`, and the raw `@google-cloud/storage`
 * client (the release store-gcs depends on) for the baseline, the peer, setup and cleanup.
 * Uploads are sent as store-gcs sends them: one multipart request up to 8 MiB, a resumable
 * upload in 8 MiB chunks above.
 */
import { importWorkspacePackage, requireWorkspaceDependency } from './workspace-packages.mjs';

const RESUMABLE_ABOVE_BYTES = 8 * 1024 * 1024;
const CHUNK_BYTES = 8 * 1024 * 1024;

/** The cloud's side of a case, from `--gcs-url` and `--gcs-project`. */
export async function openGcs(args, bucketName) {
  const { GcsStore } = await importWorkspacePackage('store-gcs');
  const { Storage } = requireWorkspaceDependency('store-gcs', '@google-cloud/storage');
  const apiEndpoint = String(args['gcs-url']);
  const projectId = String(args['gcs-project']);
  const storage = new Storage({ apiEndpoint, projectId });
  const bucket = storage.bucket(bucketName);
  return {
    createStore: (prefix) => new GcsStore({ bucket: bucketName, prefix, apiEndpoint, projectId }),

    async ensureBucket() {
      const [exists] = await bucket.exists();
      if (!exists) await storage.createBucket(bucketName);
    },

    /** `file.save`, resumable above 8 MiB. */
    async upload(key, bytes) {
      const resumable = bytes.byteLength > RESUMABLE_ABOVE_BYTES;
      const contentType = 'application/vnd.apache.parquet';
      await bucket.file(key).save(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        resumable,
        contentType,
        metadata: { contentType },
        ...(resumable ? { chunkSize: CHUNK_BYTES } : {}),
      });
    },

    /** Hygge-style publish of one file: a server-side copy (rewrite), then a delete. */
    async publish(from, to) {
      await bucket.file(from).copy(bucket.file(to));
      await bucket.file(from).delete();
    },

    /** Nothing to prepare: Cloud Storage has no directories. */
    async preparePublish() {},

    async removePrefix(prefix) {
      await bucket.deleteFiles({ prefix: `${prefix}/`, force: true });
    },

    async close() {},
  };
}
