import { afterEach, expect, it, vi } from 'vitest';
import { adlsDefaultAccountKey, startAdlsServer, startGcsServer } from '../src/index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

it('uses WHARF_TEST_GCS_URL instead of starting a server', async () => {
  vi.stubEnv('WHARF_TEST_GCS_URL', 'http://gcs.internal:4443/');
  const gcs = await startGcsServer({ projectId: 'p1' });
  expect(gcs).toMatchObject({
    url: 'http://gcs.internal:4443',
    host: 'gcs.internal',
    port: 4443,
    projectId: 'p1',
    external: true,
  });
  expect(() => gcs.injectFault({ status: 503 })).toThrow(
    /injectFault\(\) needs a throwaway server/,
  );
  await expect(gcs.stop()).resolves.toBeUndefined();

  const own = await startGcsServer({ allowExisting: false });
  expect(own.external).toBe(false);
  await own.stop();
});

it('uses WHARF_TEST_ADLS_URL (and WHARF_TEST_ADLS_ACCOUNT_KEY) instead of starting a server', async () => {
  vi.stubEnv('WHARF_TEST_ADLS_URL', 'http://adls.internal:10000/acct1');
  const adls = await startAdlsServer();
  expect(adls).toMatchObject({
    url: 'http://adls.internal:10000/acct1',
    port: 10000,
    account: 'acct1',
    accountKey: adlsDefaultAccountKey,
    external: true,
  });
  expect(adls.connectionString).toContain('BlobEndpoint=http://adls.internal:10000/acct1;');
  expect(() => adls.injectFault({ status: 503 })).toThrow(/needs a throwaway server/);

  vi.stubEnv('WHARF_TEST_ADLS_ACCOUNT_KEY', 'c2VjcmV0');
  vi.stubEnv('WHARF_TEST_ADLS_URL', 'https://real.dfs.core.windows.net');
  expect(await startAdlsServer()).toMatchObject({
    account: 'real',
    accountKey: 'c2VjcmV0',
    port: 443,
  });

  vi.stubEnv('WHARF_TEST_ADLS_URL', 'http://adls.internal:10000');
  await expect(startAdlsServer()).rejects.toThrow(/must name the account/);
});
