/**
 * ADLS Gen2 for the cloud cases: store-adls's `AdlsStore`, and the raw
 * `@azure/storage-file-datalake` client (the release store-adls depends on) for the baseline,
 * the peer, setup and cleanup. Uploads are sent as store-adls sends them: create, appends of
 * 8 MiB (8 in flight), flush.
 */
import { importWorkspacePackage, requireWorkspaceDependency } from './workspace-packages.mjs';

const PART_BYTES = 8 * 1024 * 1024;
const CONCURRENCY = 8;

/** The cloud's side of a case, from `--adls-url`, `--adls-account` and `--adls-account-key`. */
export async function openAdls(args, fileSystemName) {
  const { AdlsStore } = await importWorkspacePackage('store-adls');
  const { DataLakeServiceClient, StorageSharedKeyCredential } = requireWorkspaceDependency(
    'store-adls',
    '@azure/storage-file-datalake',
  );
  const url = String(args['adls-url']);
  const account = String(args['adls-account']);
  const accountKey = String(args['adls-account-key']);
  const service = new DataLakeServiceClient(
    url,
    new StorageSharedKeyCredential(account, accountKey),
  );
  const fileSystem = service.getFileSystemClient(fileSystemName);
  return {
    createStore: (prefix) =>
      new AdlsStore({ url, account, accountKey, fileSystem: fileSystemName, prefix }),

    async ensureBucket() {
      await fileSystem.createIfNotExists();
    },

    /** `DataLakeFileClient.upload`: create, appends, flush. */
    async upload(key, bytes) {
      await fileSystem
        .getFileClient(key)
        .upload(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
          chunkSize: PART_BYTES,
          singleUploadThreshold: PART_BYTES,
          maxConcurrency: CONCURRENCY,
          pathHttpHeaders: { contentType: 'application/vnd.apache.parquet' },
        });
    },

    /**
     * Publishes one file with a rename: the natural move of the DFS endpoint, which has no
     * server-side copy (a copy would be a download and an upload).
     */
    async publish(from, to) {
      await fileSystem.getFileClient(from).move(to);
    },

    /** A rename needs its destination's directory: one request, inside the timing. */
    async preparePublish(directory) {
      await fileSystem.getDirectoryClient(directory).createIfNotExists();
    },

    async removePrefix(prefix) {
      await fileSystem.getDirectoryClient(prefix).deleteIfExists(true);
    },

    async close() {},
  };
}
