/**
 * Test helpers: an SDK client that reads the test server directly (not through the storage
 * under test), fresh buckets, and a recording proxy that shows which requests the storage
 * sent.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Storage } from '@google-cloud/storage';
import { inject } from 'vitest';
import { createGcsStorage, type GcsStorageOptions } from '../src/index.js';

/** The Cloud Storage test server of the global setup. */
export function testServer(): { url: string; projectId: string } {
  return { url: inject('wharf.gcsUrl'), projectId: inject('wharf.gcsProjectId') };
}

/** A plain SDK client without retries: the independent probe of what the server holds. */
export function rawClient(server = testServer()): Storage {
  return new Storage({
    apiEndpoint: server.url,
    projectId: server.projectId,
    retryOptions: { autoRetry: false },
  });
}

let bucketCount = 0;

/** Creates an empty bucket with a unique name and returns the name. */
export async function freshBucket(client: Storage, label: string): Promise<string> {
  bucketCount += 1;
  const name = `${label}-${process.pid}-${bucketCount}-${randomBytes(3).toString('hex')}`;
  await client.createBucket(name);
  return name;
}

/**
 * A storage on the test server, with retries shortened to one second (the least the SDK's
 * upload retries accept).
 */
export function testStorage(
  options: Partial<GcsStorageOptions> & { bucket: string },
  server = testServer(),
) {
  return createGcsStorage({
    apiEndpoint: server.url,
    projectId: server.projectId,
    maxRetryDelayMs: 1000,
    ...options,
  });
}

/** Every name under `prefix` in `bucket`, sorted, read with the raw client. */
export async function objectNames(client: Storage, bucket: string, prefix = ''): Promise<string[]> {
  const [files] = await client.bucket(bucket).getFiles({ prefix });
  return files.map((file) => file.name).sort();
}

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** One request that went through a {@link RecordingProxy}. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly contentRange: string | undefined;
  /** Bytes of the request body. */
  readonly bytes: number;
}

/** An HTTP proxy in front of the test server that records every request. */
export interface RecordingProxy {
  /** The proxy's URL, to use as `apiEndpoint`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

function forwardHeaders(headers: IncomingHttpHeaders, host: string): IncomingHttpHeaders {
  const copy: IncomingHttpHeaders = { ...headers, host };
  delete copy.connection;
  return copy;
}

/**
 * Starts a proxy that forwards every request to `target` and records it. A resumable
 * session's `Location` is rewritten to the proxy, so that the chunks come through it too.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const targetUrl = new URL(target);
  const requests: RecordedRequest[] = [];
  let proxyUrl = '';
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        contentRange: incoming.headers['content-range'],
        bytes: body.length,
      });
      const forward = httpRequest(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: incoming.method,
          path: incoming.url,
          headers: forwardHeaders(incoming.headers, targetUrl.host),
        },
        (answer) => {
          const headers = { ...answer.headers };
          if (typeof headers.location === 'string') {
            headers.location = headers.location.replace(targetUrl.origin, proxyUrl);
          }
          outgoing.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(outgoing);
        },
      );
      forward.on('error', () => outgoing.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: proxyUrl,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
