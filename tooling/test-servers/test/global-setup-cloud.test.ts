import { expect, inject, it } from 'vitest';

it('provides the Cloud Storage protocol test server that the global setup started', async () => {
  const url = new URL(inject('wharf.gcsUrl'));
  expect(url.hostname).toBe('127.0.0.1');
  expect(inject('wharf.gcsProjectId')).toBe('wharf-test');
  const response = await fetch(
    `${url.origin}/storage/v1/b?project=${inject('wharf.gcsProjectId')}`,
  );
  expect(await response.json()).toEqual({ kind: 'storage#buckets' });
});

it('provides the ADLS Gen2 protocol test server that the global setup started', async () => {
  const url = new URL(inject('wharf.adlsUrl'));
  expect(url.hostname).toBe('127.0.0.1');
  expect(url.pathname).toBe('/devstoreaccount1');
  expect(inject('wharf.adlsAccountKey')).toMatch(/^[A-Za-z0-9+/]+=*$/);
  const response = await fetch(`${url.href}?comp=list`);
  expect(response.status).toBe(200);
  expect(await response.text()).toMatch(/<EnumerationResults .*<Containers><\/Containers>/);
});
