/**
 * S3 for the cloud cases: store-s3's `S3Store`, and the raw `@aws-sdk/client-s3` and
 * `@aws-sdk/lib-storage` (the releases store-s3 depends on) for the baseline, the peer, setup
 * and cleanup. The client is configured as store-s3 configures its own for an endpoint
 * (path-style, checksums only where the API requires them), and uploads are sent as store-s3
 * sends them: lib-storage `Upload` in 8 MiB parts, 4 in flight (one `PutObject` up to 8 MiB).
 */
import { importWorkspacePackage, requireWorkspaceDependency } from './workspace-packages.mjs';

const PART_BYTES = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;
const CLEANUP_CONCURRENCY = 16;

/**
 * The cloud's side of a case, from `--s3-url`, `--s3-region`, `--s3-access-key-id` and
 * `--s3-secret-access-key` (the throwaway gateway's keys).
 */
export async function openS3(args, bucket) {
  const { S3Store } = await importWorkspacePackage('store-s3');
  const sdk = requireWorkspaceDependency('store-s3', '@aws-sdk/client-s3');
  const { Upload } = requireWorkspaceDependency('store-s3', '@aws-sdk/lib-storage');
  const endpoint = String(args['s3-url']);
  const region = String(args['s3-region']);
  const credentials = {
    accessKeyId: String(args['s3-access-key-id']),
    secretAccessKey: String(args['s3-secret-access-key']),
  };
  const client = new sdk.S3Client({
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const remove = (key) => client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  return {
    createStore: (prefix) => new S3Store({ bucket, prefix, endpoint, region, credentials }),

    async ensureBucket() {
      try {
        await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
      } catch {
        await client.send(new sdk.CreateBucketCommand({ Bucket: bucket }));
      }
    },

    /** lib-storage `Upload`: multipart above 8 MiB. */
    async upload(key, bytes) {
      await new Upload({
        client,
        params: {
          Bucket: bucket,
          Key: key,
          Body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          ContentType: 'application/vnd.apache.parquet',
        },
        partSize: PART_BYTES,
        queueSize: QUEUE_SIZE,
      }).done();
    },

    /** Hygge-style publish of one file: `CopyObject`, then `DeleteObject` of the staged one. */
    async publish(from, to) {
      await client.send(
        new sdk.CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: `${bucket}/${from}` }),
      );
      await remove(from);
    },

    /** Nothing to prepare: S3 has no directories. */
    async preparePublish() {},

    async removePrefix(prefix) {
      let token;
      do {
        const page = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: `${prefix}/`,
            ContinuationToken: token,
          }),
        );
        const keys = (page.Contents ?? []).map((entry) => entry.Key);
        for (let start = 0; start < keys.length; start += CLEANUP_CONCURRENCY) {
          await Promise.all(keys.slice(start, start + CLEANUP_CONCURRENCY).map(remove));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async close() {
      client.destroy();
    },
  };
}
