/**
 * The object-storage engine against the kit, on a folder-backed object storage whose
 * conditional create is a hard link (atomic across processes). The cloud packages run the same
 * kit against their real servers.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeObjectConformance, type ObjectReader } from '@wharf/dataset-inspector';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { bucketOf, createStore } from './fixtures/object-conformance-factory.mjs';

/** Raw reads of the folder that plays the bucket (no store, no storage adapter). */
function folderReader(root: string): ObjectReader {
  return {
    async list(prefix) {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((entry) => entry.isFile() && !entry.name.endsWith('.tmp'))
        .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
        .filter((key) => key.startsWith(prefix));
    },
    async get(key) {
      return readFile(join(root, key)).catch(() => undefined);
    },
  };
}

await describeObjectConformance({
  name: '@wharf/store-parquet/object',
  createStore,
  factoryModule: fileURLToPath(
    new URL('./fixtures/object-conformance-factory.mjs', import.meta.url),
  ),
  env: {},
  reader: (context) => folderReader(join(bucketOf(context), context.table)),
});
