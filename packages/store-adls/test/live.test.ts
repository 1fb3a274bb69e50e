/**
 * An opt-in test against a real ADLS Gen2 account (a storage account with the hierarchical
 * namespace enabled). It runs only when these are set:
 *
 * - `WHARF_LIVE_ADLS_ACCOUNT`: the storage account name;
 * - `WHARF_LIVE_ADLS_FILESYSTEM`: an existing file system in it;
 * - `AZURE_STORAGE_KEY` (the account key) or `AZURE_STORAGE_CONNECTION_STRING`.
 *
 * Everything it writes is under a unique prefix, removed at the end.
 */
import { randomUUID } from 'node:crypto';
import { DataLakeServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { describe, expect, it } from 'vitest';
import { createAdlsStorage } from '../src/index.js';
import { bytes, listAll, patternBytes } from './helpers.js';

const account = process.env.WHARF_LIVE_ADLS_ACCOUNT;
const fileSystem = process.env.WHARF_LIVE_ADLS_FILESYSTEM;
const hasCredentials =
  Boolean(process.env.AZURE_STORAGE_KEY) || Boolean(process.env.AZURE_STORAGE_CONNECTION_STRING);
const enabled = Boolean(account && fileSystem && hasCredentials);
const live = enabled ? it : it.skip;
const suffix = enabled
  ? ''
  : ' (not run: set WHARF_LIVE_ADLS_ACCOUNT, WHARF_LIVE_ADLS_FILESYSTEM and AZURE_STORAGE_KEY or AZURE_STORAGE_CONNECTION_STRING)';

function rawFileSystem() {
  const connectionString = process.env.AZURE_STORAGE_CONNECTION_STRING;
  const service =
    process.env.AZURE_STORAGE_KEY || !connectionString
      ? new DataLakeServiceClient(
          `https://${account}.dfs.core.windows.net`,
          new StorageSharedKeyCredential(
            account as string,
            process.env.AZURE_STORAGE_KEY as string,
          ),
        )
      : DataLakeServiceClient.fromConnectionString(connectionString);
  return service.getFileSystemClient(fileSystem as string);
}

describe('live ADLS Gen2', () => {
  live(
    `round-trips, lists, races putIfAbsent, renames and deletes under a unique prefix${suffix}`,
    async () => {
      const prefix = `wharf-live-test/${randomUUID()}`;
      const storage = createAdlsStorage({ account, fileSystem, prefix });
      const root = createAdlsStorage({ account, fileSystem });
      try {
        await storage.probe();
        const large = patternBytes(10 * 1024 * 1024 + 3);
        await storage.put('data/large.bin', large);
        const read = await storage.get('data/large.bin');
        expect(Buffer.from(read as Uint8Array).equals(Buffer.from(large))).toBe(true);
        expect(await storage.getRange('data/large.bin', 5, 15)).toEqual(large.subarray(5, 15));
        expect(await storage.head('data/large.bin')).toMatchObject({ size: large.length });
        expect(await storage.get('data/absent.bin')).toBeUndefined();

        await Promise.all(
          Array.from({ length: 12 }, (_, index) =>
            storage.put(`data/small/${index}`, bytes(`${index}`)),
          ),
        );
        expect(await listAll(storage, 'data/small/')).toHaveLength(12);

        const key = '_wharf/commits/00000000000000000001.json';
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, index) =>
            storage.putIfAbsent(key, bytes(`writer ${index}`)),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await storage.get(key)).toEqual(bytes(`writer ${results.indexOf(true)}`));
        expect(await storage.putIfAbsent(key, bytes('late'))).toBe(false);

        await storage.copy('data/small/0', 'copied/0');
        await storage.rename?.('data/small/1', 'renamed/1');
        expect(await storage.get('copied/0')).toEqual(bytes('0'));
        expect(await storage.get('renamed/1')).toEqual(bytes('1'));
        expect(await storage.head('data/small/1')).toBeUndefined();

        const keys = (await listAll(storage)).map((entry) => entry.key);
        expect(keys).toHaveLength(12 + 1 + 1 + 1);
        await storage.delete([...keys, 'never/existed']);
        expect(await listAll(storage)).toEqual([]);
      } finally {
        const left = await listAll(root, `${prefix}/`).catch(() => []);
        await root.delete(left.map((entry) => entry.key)).catch(() => undefined);
        // The empty directories left (the temporary one), with a raw client.
        await rawFileSystem()
          .getDirectoryClient(prefix)
          .deleteIfExists(true)
          .catch(() => undefined);
      }
    },
    300_000,
  );
});
