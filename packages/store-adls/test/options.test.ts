import { createServer } from 'node:net';
import {
  ConnectionError,
  NotFoundError,
  type StoreError,
  ValidationError,
} from '@wharf/store-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AdlsStorageOptions, createAdlsStorage } from '../src/index.js';
import {
  adlsAccount,
  adlsAccountKey,
  adlsUrl,
  bytes,
  freshFileSystem,
  quickRetries,
  rejectionOf,
} from './helpers.js';

const CREDENTIAL_VARIABLES = [
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_ACCOUNT',
  'AZURE_STORAGE_KEY',
];

function withoutEnvironmentCredentials(): void {
  for (const name of CREDENTIAL_VARIABLES) vi.stubEnv(name, '');
}

function connectionString(accountKey = adlsAccountKey): string {
  return `DefaultEndpointsProtocol=http;AccountName=${adlsAccount};AccountKey=${accountKey};BlobEndpoint=${adlsUrl};`;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

function validationMessage(options: AdlsStorageOptions): string {
  try {
    createAdlsStorage(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ValidationError');
}

describe('createAdlsStorage options', () => {
  it('refuses a missing or invalid location with a clear ValidationError', () => {
    withoutEnvironmentCredentials();
    const key = { accountKey: 'a2V5' };
    expect(validationMessage({ account: 'acct', ...key })).toMatch(/fileSystem is required/);
    expect(validationMessage({ account: 'acct', fileSystem: 'Bad_Name', ...key })).toMatch(
      /fileSystem "Bad_Name" is not a file system name/,
    );
    expect(validationMessage({ account: 'acct', fileSystem: 'a--b', ...key })).toMatch(
      /not a file system name/,
    );
    expect(validationMessage({ account: 'My-Account', fileSystem: 'lake', ...key })).toMatch(
      /account "My-Account" is not a storage account name/,
    );
    expect(validationMessage({ fileSystem: 'lake', ...key })).toMatch(/account is required/);
    expect(validationMessage({ account: 'acct', fileSystem: 'lake' })).toMatch(
      /no credentials: pass accountKey, sasToken, connectionString, credential or client, or set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY/,
    );
    expect(
      validationMessage({
        account: 'acct',
        fileSystem: 'lake',
        accountKey: 'a2V5',
        sasToken: 'sig=x',
      }),
    ).toMatch(/give one credential option, not accountKey and sasToken/);
    expect(
      validationMessage({ url: adlsUrl, fileSystem: 'lake', connectionString: connectionString() }),
    ).toMatch(/give url or connectionString, not both/);
    expect(validationMessage({ url: 'not a url', fileSystem: 'lake', ...key })).toMatch(
      /url is not a URL/,
    );
    expect(validationMessage({ url: 'ftp://host/acct', fileSystem: 'lake', ...key })).toMatch(
      /url must be http\(s\)/,
    );
    expect(
      validationMessage({ account: 'acct', fileSystem: 'lake', prefix: 'a/../b', ...key }),
    ).toMatch(/prefix segment "\.\." is not allowed/);
    expect(
      validationMessage({ account: 'acct', fileSystem: 'lake', prefix: 'a//b', ...key }),
    ).toMatch(/segment/);
    expect(
      validationMessage({ account: 'acct', fileSystem: 'lake', maxRetries: -1, ...key }),
    ).toMatch(/maxRetries must be an integer from 0 to 20, got -1/);
    expect(validationMessage({ account: 'acct', fileSystem: 'lake', partSize: 0, ...key })).toMatch(
      /partSize/,
    );
    expect(
      validationMessage({ account: 'acct', fileSystem: 'lake', listPageSize: 5001, ...key }),
    ).toMatch(/listPageSize/);
    expect(
      validationMessage({
        account: 'other',
        fileSystem: 'lake',
        connectionString: connectionString(),
      }),
    ).toMatch(
      /account "other" does not match the account of connectionString \("devstoreaccount1"\)/,
    );
  });

  it('normalises the prefix, appends the table, and refuses keys that are not keys', async () => {
    const storage = createAdlsStorage({
      url: adlsUrl,
      accountKey: adlsAccountKey,
      fileSystem: 'lake',
      prefix: '//a/b//',
    });
    expect(storage.describe().prefix).toBe('a/b');
    const withTable = createAdlsStorage({
      url: adlsUrl,
      accountKey: adlsAccountKey,
      fileSystem: 'lake',
      prefix: 'events/year=2026',
      table: 'trips',
    });
    expect(withTable.describe().prefix).toBe('events/year=2026/trips');
    expect(() =>
      createAdlsStorage({ url: adlsUrl, accountKey: 'a2V5', fileSystem: 'lake', prefix: 'a b' }),
    ).toThrow(ValidationError);
    expect(() =>
      createAdlsStorage({ url: adlsUrl, accountKey: 'a2V5', fileSystem: 'lake', table: 'a/b' }),
    ).toThrow(ValidationError);
    for (const key of ['', '/abs', 'dir/', 'a/../b', 'a//b']) {
      expect(await rejectionOf(storage.get(key)), key).toBeInstanceOf(ValidationError);
    }
  });

  it('authenticates with a connection string, a SAS token or an account key from the environment', async () => {
    const fileSystem = await freshFileSystem();
    withoutEnvironmentCredentials();
    const viaConnectionString = createAdlsStorage({
      connectionString: connectionString(),
      fileSystem: fileSystem.name,
      ...quickRetries,
    });
    await viaConnectionString.put('a', bytes('A'));
    expect(viaConnectionString.describe()).toMatchObject({
      account: adlsAccount,
      auth: 'connection-string',
      endpoint: adlsUrl,
    });

    const viaSas = createAdlsStorage({
      url: adlsUrl,
      sasToken: '?sv=2025-01-05&ss=b&srt=co&sp=rwdlac&sig=c2lnbmF0dXJl',
      fileSystem: fileSystem.name,
      ...quickRetries,
    });
    expect(await viaSas.get('a')).toEqual(bytes('A'));
    expect(await viaSas.putIfAbsent('b', bytes('B'))).toBe(true);
    await viaSas.rename?.('b', 'c/b');
    expect(await viaSas.get('c/b')).toEqual(bytes('B'));
    expect(viaSas.describe()).toMatchObject({ auth: 'sas' });

    vi.stubEnv('AZURE_STORAGE_CONNECTION_STRING', connectionString());
    const fromConnectionVariable = createAdlsStorage({ fileSystem: fileSystem.name });
    expect(await fromConnectionVariable.get('c/b')).toEqual(bytes('B'));

    // A key without an account to use it with does not hide the connection string.
    vi.stubEnv('AZURE_STORAGE_KEY', adlsAccountKey);
    const keyWithoutAccount = createAdlsStorage({ fileSystem: fileSystem.name });
    expect(keyWithoutAccount.describe()).toMatchObject({ auth: 'connection-string' });

    vi.stubEnv('AZURE_STORAGE_CONNECTION_STRING', '');
    const fromKeyVariable = createAdlsStorage({ url: adlsUrl, fileSystem: fileSystem.name });
    expect(await fromKeyVariable.get('a')).toEqual(bytes('A'));
    expect(fromKeyVariable.describe()).toMatchObject({ auth: 'shared-key', account: adlsAccount });

    vi.stubEnv('AZURE_STORAGE_ACCOUNT', 'fromenv');
    const defaultEndpoint = createAdlsStorage({ fileSystem: 'lake' });
    expect(defaultEndpoint.url).toBe('abfss://lake@fromenv.dfs.core.windows.net/');
  });

  it('accepts a token credential and a ready file system client', async () => {
    withoutEnvironmentCredentials();
    const credential = {
      getToken: async () => ({ token: 'token', expiresOnTimestamp: Date.now() + 60_000 }),
    };
    const withToken = createAdlsStorage({ account: 'acct', fileSystem: 'lake', credential });
    expect(withToken.describe()).toMatchObject({
      auth: 'token',
      endpoint: 'https://acct.dfs.core.windows.net',
    });

    const fileSystem = await freshFileSystem();
    const storage = createAdlsStorage({ client: fileSystem, prefix: 'p' });
    await storage.put('k', bytes('v'));
    expect(await fileSystem.getFileClient('p/k').exists()).toBe(true);
    expect(storage.describe()).toMatchObject({
      auth: 'client',
      fileSystem: fileSystem.name,
      account: adlsAccount,
      endpoint: adlsUrl,
    });
  });
});

describe('secrets', () => {
  // Recognisable secrets: an account key (base64, as Azure's are), a SAS signature and a
  // connection string carrying the key.
  const plantedKey = Buffer.from('planted-account-key-0123456789abcdef').toString('base64');
  const plantedSignature = 'cGxhbnRlZC1zYXMtc2lnbmF0dXJl';
  const plantedSas = `sv=2025-01-05&ss=b&srt=co&sp=rwdlac&se=2099-01-01&sig=${plantedSignature}`;

  function assertClean(text: string): void {
    expect(text).not.toContain(plantedKey);
    expect(text).not.toContain(plantedSignature);
    expect(text).not.toContain(encodeURIComponent(plantedSignature));
  }

  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('never shows a key, a SAS or a connection string in messages, urls or descriptions', async () => {
    const port = await closedPort();
    const unreachable = `http://127.0.0.1:${port}/${adlsAccount}`;
    const base = { fileSystem: 'missing-filesystem', prefix: 'p', maxRetries: 0 };
    const storages = [
      createAdlsStorage({ ...base, url: adlsUrl, accountKey: plantedKey }),
      createAdlsStorage({ ...base, url: adlsUrl, sasToken: plantedSas }),
      createAdlsStorage({ ...base, url: `${adlsUrl}?${plantedSas}` }),
      createAdlsStorage({ ...base, connectionString: connectionString(plantedKey) }),
      createAdlsStorage({
        ...base,
        connectionString: `BlobEndpoint=${adlsUrl};SharedAccessSignature=${plantedSas}`,
      }),
      createAdlsStorage({ ...base, url: unreachable, accountKey: plantedKey }),
      createAdlsStorage({ ...base, url: unreachable, sasToken: plantedSas }),
      // The server refuses a SharedKey signature for another account: 403.
      createAdlsStorage({ ...base, url: adlsUrl, account: 'someoneelse', accountKey: plantedKey }),
    ];
    const kinds = new Set<string>();
    for (const storage of storages) {
      assertClean(storage.url);
      assertClean(JSON.stringify(storage.describe()));
      for (const call of [
        () => storage.probe(),
        () => storage.put('k', bytes('v')),
        () => storage.putIfAbsent('k', bytes('v')),
        () => storage.get('k'),
        () => storage.getRange('k', 0, 1),
        () =>
          (async () => {
            for await (const entry of storage.list('')) void entry;
          })(),
      ]) {
        const error = (await rejectionOf(call())) as StoreError;
        kinds.add(`${error.name}:${error.retryable}`);
        assertClean(error.message);
        assertClean(String(error.stack));
        assertClean(JSON.stringify(error.details));
      }
    }
    expect([...kinds].sort()).toEqual([
      'ConnectionError:false', // refused credentials
      'ConnectionError:true', // unreachable
      'NotFoundError:false', // missing file system
    ]);
    const refused = (await rejectionOf(storages[7]?.get('k') as Promise<unknown>)) as StoreError;
    expect(refused).toBeInstanceOf(ConnectionError);
    expect(refused.message).toMatch(/refused the credentials \(403 AuthenticationFailed/);
    expect(await rejectionOf(storages[0]?.probe() as Promise<void>)).toBeInstanceOf(NotFoundError);
  });

  it('keeps secrets out of validation errors', () => {
    withoutEnvironmentCredentials();
    assertClean(
      validationMessage({
        fileSystem: 'lake',
        connectionString: `garbage;AccountKey=${plantedKey}`,
      }),
    );
    assertClean(
      validationMessage({ fileSystem: 'lake', url: `nonsense?${plantedSas}`, sasToken: 'x' }),
    );
    assertClean(
      validationMessage({
        fileSystem: 'lake',
        url: adlsUrl,
        accountKey: plantedKey,
        sasToken: plantedSas,
      }),
    );
  });
});
