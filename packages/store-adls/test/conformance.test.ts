/**
 * The conformance kit against the ADLS Gen2 protocol test server, in both layouts. The
 * independent inspector reads the file system with a plain SDK client, per FORMAT.md.
 */
import { fileURLToPath } from 'node:url';
import { describeObjectConformance, type ObjectReader } from '@wharf/dataset-inspector';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { createStore } from './fixtures/conformance-factory.mjs';
import { adlsAccount, adlsAccountKey, adlsUrl, freshFileSystem } from './helpers.js';

const fileSystem = await freshFileSystem();

/** Raw reads of a dataset's directory with the plain SDK client (not the store's storage). */
function reader(context: { prefix: string; table: string }): ObjectReader {
  const root = `${context.prefix}/${context.table}/`;
  return {
    async list(prefix) {
      const keys: string[] = [];
      try {
        for await (const path of fileSystem.listPaths({ path: root, recursive: true })) {
          if (path.isDirectory || path.name === undefined) continue;
          const key = path.name.slice(root.length);
          if (key.startsWith(prefix) && !key.startsWith('_wharf/tmp/')) keys.push(key);
        }
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return [];
        throw error;
      }
      return keys;
    },
    async get(key) {
      try {
        return new Uint8Array(await fileSystem.getFileClient(`${root}${key}`).readToBuffer());
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
  };
}

await describeObjectConformance({
  name: '@wharf/store-adls',
  createStore,
  factoryModule: fileURLToPath(new URL('./fixtures/conformance-factory.mjs', import.meta.url)),
  env: {
    WHARF_KIT_ADLS_URL: adlsUrl,
    WHARF_KIT_ADLS_KEY: adlsAccountKey,
    WHARF_KIT_ADLS_ACCOUNT: adlsAccount,
    WHARF_KIT_ADLS_FILESYSTEM: fileSystem.name,
  },
  reader,
});
