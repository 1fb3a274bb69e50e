/**
 * Injected faults on a throwaway ADLS test server of this file's own: the SDK's retries
 * absorb a few, and past them the storage reports a retryable ConnectionError.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionError, type StoreError } from '@wharf/store-core';
import { type AdlsServer, startAdlsServer } from '@wharf/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAdlsStorage } from '../src/index.js';
import {
  bytes,
  freshFileSystem,
  patternBytes,
  quickRetries,
  rawPaths,
  rawService,
  rejectionOf,
} from './helpers.js';

let server: AdlsServer;

beforeAll(async () => {
  server = await startAdlsServer({ allowExisting: false });
});
afterAll(() => server?.stop());
afterEach(() => server.clearFaults());

async function storage(maxRetries = 3) {
  const fileSystem = await freshFileSystem(rawService(server.url, server.accountKey));
  return createAdlsStorage({
    url: server.url,
    accountKey: server.accountKey,
    fileSystem: fileSystem.name,
    prefix: 'faults',
    maxRetries,
    ...quickRetries,
  });
}

describe('faults', () => {
  it('sends a large body in parts and retries a failed part alone', async () => {
    const adls = await storage();
    const partSize = 8 * 1024 * 1024;
    const body = patternBytes(12 * 1024 * 1024);
    // Only the append of the second part (at byte 8 MiB) fails, twice: the put still succeeds,
    // so the body went as separate appends and that one was resent on its own.
    const secondPart = server.injectFault({
      method: 'PATCH',
      pathIncludes: `position=${partSize}`,
      status: 503,
      times: 2,
    });
    const flush = server.injectFault({
      method: 'PATCH',
      pathIncludes: `action=flush`,
      status: 503,
      times: 1,
    });
    await adls.put('data/large.bin', body);
    expect(secondPart).toMatchObject({ answered: 2, remaining: 0 });
    expect(flush).toMatchObject({ answered: 1, remaining: 0 });
    const read = await adls.get('data/large.bin');
    expect(Buffer.from(read as Uint8Array).equals(Buffer.from(body))).toBe(true);
  });

  it('succeeds after a few 503, 500 and dropped connections on every kind of request', async () => {
    const adls = await storage();
    server.injectFault({ method: 'PUT', status: 503, times: 2 });
    await adls.put('a', bytes('A'));
    server.injectFault({ method: 'PATCH', pathIncludes: 'action=flush', status: 500, times: 2 });
    expect(await adls.putIfAbsent('b', bytes('B'))).toBe(true);
    server.injectFault({ method: 'GET', reset: true, times: 2 });
    expect(await adls.get('a')).toEqual(bytes('A'));
    server.injectFault({ method: 'HEAD', status: 503, times: 3 });
    expect(await adls.head('b')).toMatchObject({ size: 1 });
    server.injectFault({ method: 'DELETE', status: 503, times: 2 });
    await adls.delete(['a']);
    expect(await adls.get('a')).toBeUndefined();
  });

  it('reports a retryable ConnectionError once the retries are spent', async () => {
    const adls = await storage(2);
    server.injectFault({ status: 503, times: 3 });
    const error = await rejectionOf(adls.put('a', bytes('A')));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as StoreError).retryable).toBe(true);
    expect(error.message).toMatch(/: put "a" failed: 503 ServerBusy/);
    expect((error.cause as { statusCode?: number }).statusCode).toBe(503);

    server.clearFaults();
    server.injectFault({ reset: true, times: 3 });
    const reset = await rejectionOf(adls.get('a'));
    expect(reset).toBeInstanceOf(ConnectionError);
    expect((reset as StoreError).retryable).toBe(true);
  });

  it('leaves no partial file at the key when an unpublished put fails past its retries', async () => {
    const adls = await storage(1);
    server.injectFault({ method: 'PATCH', pathIncludes: 'action=flush', status: 503, times: 2 });
    const error = await rejectionOf(
      adls.put('data/run-1/a.parquet', patternBytes(1000), { unpublished: true }),
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as StoreError).retryable).toBe(true);
    expect(error.message).toMatch(/: put "data\/run-1\/a\.parquet" failed: 503 ServerBusy/);
    expect(await adls.head('data/run-1/a.parquet')).toBeUndefined();
    expect(await adls.get('data/run-1/a.parquet')).toBeUndefined();
  });

  it('reports throttling the SDK does not retry (429, 502, 504) as a retryable ConnectionError', async () => {
    const adls = await storage();
    for (const status of [429, 502, 504]) {
      server.injectFault({ method: 'HEAD', status });
      const error = await rejectionOf(adls.head('a'));
      expect(error, String(status)).toBeInstanceOf(ConnectionError);
      expect((error as StoreError).retryable).toBe(true);
      expect((error.cause as { statusCode?: number }).statusCode).toBe(status);
    }
  });

  it('keeps exactly-once writes when a rename was applied but its answer was lost', async () => {
    // A proxy that forwards every request but drops the connection instead of passing on the
    // answer of the first rename: the SDK resends the rename, which finds its source gone.
    let losing = 0;
    const proxy = createServer((request, response) => {
      const lose = losing > 0 && request.headers['x-ms-rename-source'] !== undefined;
      if (lose) losing -= 1;
      const target = new URL(server.url);
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (answer) => {
          if (lose) {
            answer.resume();
            answer.on('end', () => request.socket.destroy());
            return;
          }
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      request.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const fileSystem = await freshFileSystem(rawService(server.url, server.accountKey));
      const adls = createAdlsStorage({
        url: `http://127.0.0.1:${port}/${server.account}`,
        accountKey: server.accountKey,
        fileSystem: fileSystem.name,
        ...quickRetries,
      });
      losing = 1;
      expect(await adls.putIfAbsent('commit', bytes('1'))).toBe(true);
      expect(losing).toBe(0);
      expect(await adls.putIfAbsent('commit', bytes('2'))).toBe(false);
      expect(await adls.get('commit')).toEqual(bytes('1'));
      losing = 1;
      await adls.put('data/file', bytes('content'));
      expect(losing).toBe(0);
      expect(await adls.get('data/file')).toEqual(bytes('content'));
      expect(await rawPaths(fileSystem, '_wharf/tmp')).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
