import { runFlow, StoreError, ValidationError } from '@wharf/store-core';
import { Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdlsStore, type AdlsStoreOptions } from '../src/index.js';
import {
  adlsAccountKey,
  adlsUrl,
  freshFileSystem,
  listAll,
  quickRetries,
  rawPaths,
  storageOn,
} from './helpers.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

function trips(ids: bigint[]): Table {
  return new Table({
    id: vectorFromArray(ids, new Int64()),
    city: vectorFromArray(
      ids.map((id) => `city ${id}`),
      new Utf8(),
    ),
  });
}

async function readIds(store: AdlsStore): Promise<bigint[]> {
  const ids: bigint[] = [];
  for await (const batch of store.read()) {
    for (const row of batch) ids.push(row.id as bigint);
  }
  return ids.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
}

describe('AdlsStore', () => {
  it('validates its options before any request, with clear messages', () => {
    for (const name of [
      'AZURE_STORAGE_CONNECTION_STRING',
      'AZURE_STORAGE_ACCOUNT',
      'AZURE_STORAGE_KEY',
    ]) {
      vi.stubEnv(name, '');
    }
    const cases: Array<[AdlsStoreOptions, RegExp]> = [
      [{ account: 'acct', accountKey: 'a2V5' }, /fileSystem is required/],
      [{ account: 'acct', fileSystem: 'UPPER', accountKey: 'a2V5' }, /not a file system name/],
      [{ account: 'x', fileSystem: 'lake', accountKey: 'a2V5' }, /not a storage account name/],
      [{ fileSystem: 'lake', accountKey: 'a2V5' }, /account is required/],
      [{ account: 'acct', fileSystem: 'lake' }, /no credentials/],
      [{ account: 'acct', fileSystem: 'lake', accountKey: 'a2V5', prefix: '../up' }, /segment/],
      [{ account: 'acct', fileSystem: 'lake', accountKey: 'a2V5', maxRetries: 1.5 }, /maxRetries/],
      [
        { account: 'acct', fileSystem: 'lake', accountKey: 'a2V5', layout: 'flat' as never },
        /layout/,
      ],
    ];
    for (const [options, message] of cases) {
      let thrown: unknown;
      try {
        new AdlsStore(options);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(message)).toBeInstanceOf(ValidationError);
      expect((thrown as Error).message).toMatch(message);
    }
    expect(() => new AdlsStore(undefined as never)).toThrow(ValidationError);
  });

  it('is named abfss:<fileSystem>/<prefix>, without secrets', () => {
    const secret = Buffer.from('planted-store-secret-key').toString('base64');
    const store = new AdlsStore({
      account: 'mylake',
      fileSystem: 'datasets',
      prefix: '/trips/2024/',
      accountKey: secret,
    });
    expect(store.name).toBe('abfss:datasets/trips/2024');
    const root = new AdlsStore({
      account: 'mylake',
      fileSystem: 'datasets',
      sasToken: `sig=${secret}`,
    });
    expect(root.name).toBe('abfss:datasets');
    const table = new AdlsStore({
      account: 'mylake',
      fileSystem: 'datasets',
      prefix: 'warehouse',
      table: 'trips',
      accountKey: secret,
    });
    expect(table.name).toBe('abfss:datasets/warehouse/trips');
    expect(JSON.stringify({ ...store, name: store.name })).not.toContain(secret);
  });

  it('loads with runFlow, replaces with full_drop and reads back, in both layouts', async () => {
    for (const layout of ['commits', 'folder'] as const) {
      const fileSystem = await freshFileSystem();
      const options: AdlsStoreOptions = {
        url: adlsUrl,
        accountKey: adlsAccountKey,
        fileSystem: fileSystem.name,
        prefix: `datasets/trips-${layout}`,
        layout,
        encoderThreads: 1,
        ...quickRetries,
      };
      const store = new AdlsStore(options);
      const first = await runFlow(() => [trips([1n, 2n, 3n])], store, { runType: 'full_drop' });
      expect(first.rows).toBe(3);
      await runFlow(() => [trips([4n])], store, { runType: 'incremental' });
      expect(await readIds(store)).toEqual([1n, 2n, 3n, 4n]);
      await runFlow(() => [trips([7n, 8n])], store, { runType: 'full_drop' });
      expect(await readIds(store)).toEqual([7n, 8n]);
      const description = await store.describe();
      expect(description.details).toMatchObject({ fileSystem: fileSystem.name, layout });
      expect(JSON.stringify(description)).not.toContain(adlsAccountKey);
      await store.close();

      const files = (await listAll(storageOn(fileSystem.name, { prefix: options.prefix })))
        .map((entry) => entry.key)
        .filter((key) => key.endsWith('.parquet'));
      expect(files.length, layout).toBeGreaterThan(0);
      if (layout === 'folder') {
        expect(
          files.filter((key) => !key.includes('/')),
          layout,
        ).toHaveLength(files.length);
      }
      // No temporary file is left, and no directory without a file below it but the engine's
      // fixed ones (kept for the next run); a run's emptied folders are gone.
      const paths = await rawPaths(fileSystem, options.prefix);
      const empty = paths
        .filter((path) => path.isDirectory)
        .filter(
          (directory) =>
            !paths.some((path) => !path.isDirectory && path.name.startsWith(`${directory.name}/`)),
        )
        .map((directory) => directory.name);
      const kept = ['_wharf/journal', '_wharf/runs', '_wharf/tmp'];
      if (layout === 'folder') kept.push('_wharf/staging');
      expect(empty.sort(), layout).toEqual(kept.map((path) => `${options.prefix}/${path}`).sort());
    }
  });

  it('raises store errors for a missing file system on connect', async () => {
    const store = new AdlsStore({
      url: adlsUrl,
      accountKey: adlsAccountKey,
      fileSystem: 'does-not-exist',
      ...quickRetries,
    });
    const error = await store.connect().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('does-not-exist');
  });
});
