/**
 * A protocol test server for Google Cloud Storage: the subset of the JSON API that
 * `@google-cloud/storage` uses to store and read objects, in memory, on a loopback port.
 * It is a test double written from Google's published REST reference, not an emulator of
 * the service: see the package README for what it does and does not implement.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gcsUrlVariable, readVariable } from './environment.js';
import { createFaultList, type FaultOptions, type InjectedFault } from './fault-injection.js';
import { bucketRequest, createBucket, listBuckets } from './gcs-buckets.js';
import { faultReason, GcsError, invalidArgument } from './gcs-errors.js';
import { type Exchange, type GcsState, jsonType, notImplemented } from './gcs-exchange.js';
import {
  composeRequest,
  copyRequest,
  listRequest,
  moveRequest,
  objectRequest,
} from './gcs-objects.js';
import { insertRequest, sessionRequest } from './gcs-uploads.js';
import { MalformedTargetError, parseTarget, readBody, send } from './http-helpers.js';
import { existingEndpoint, startProtocolEndpoint } from './protocol-endpoint.js';

/** Options for {@link startGcsServer}. */
export interface GcsServerOptions {
  /**
   * The project id to hand to the client (`new Storage({ projectId })`). The server accepts
   * any project; buckets are not scoped by it.
   * @default 'wharf-test'
   */
  projectId?: string;
  /**
   * Whether `WHARF_TEST_GCS_URL`, when set, is used instead of starting a server. Pass
   * `false` for tests that inject faults (an existing server cannot).
   * @default true
   */
  allowExisting?: boolean;
}

/** A Cloud Storage JSON API endpoint for a test: a throwaway server, or an existing one. */
export interface GcsServer extends AsyncDisposable {
  /**
   * `http://127.0.0.1:<port>`: the `apiEndpoint` for `new Storage(...)`. The client library
   * skips authentication against a custom endpoint unless `useAuthWithCustomEndpoint` is set.
   */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly projectId: string;
  /** True when this handle points at the endpoint from `WHARF_TEST_GCS_URL`. */
  readonly external: boolean;
  /**
   * Makes the next `times` requests that match fail with `status` (in Cloud Storage's error
   * format, e.g. 503 `backendError`, 429 `rateLimitExceeded`) or a dropped connection.
   * Throws for an external server.
   *
   * @example
   * const fault = server.injectFault({ method: 'POST', pathIncludes: '/upload/', status: 503 });
   * // … the client retries …
   * expect(fault.answered).toBe(1);
   */
  injectFault(fault: FaultOptions): InjectedFault;
  /** Disarms every injected fault. */
  clearFaults(): void;
  /** Stops the server and drops its contents. Idempotent; does nothing for an external server. */
  stop(): Promise<void>;
}

const defaultProjectId = 'wharf-test';

async function routeJsonApi(exchange: Exchange, segments: string[]): Promise<void> {
  const method = exchange.request.method;
  const [bucket, o, object, action, ...rest] = segments;
  if (bucket === undefined) {
    if (method === 'GET') return listBuckets(exchange);
    if (method === 'POST') return createBucket(exchange);
    throw notImplemented(exchange);
  }
  if (o === undefined) return bucketRequest(exchange, bucket);
  if (o !== 'o') throw notImplemented(exchange);
  if (object === undefined) {
    if (method === 'GET') return listRequest(exchange, bucket);
    throw notImplemented(exchange);
  }
  if (action === undefined) return objectRequest(exchange, bucket, object);
  if (method !== 'POST') throw notImplemented(exchange);
  if (action === 'compose' && rest.length === 0) return composeRequest(exchange, bucket, object);
  if ((action === 'rewriteTo' || action === 'copyTo') && rest[0] === 'b' && rest[2] === 'o') {
    const [, destinationBucket, , destinationName] = rest;
    if (destinationBucket !== undefined && destinationName !== undefined && rest.length === 4) {
      return copyRequest(
        exchange,
        { bucket, name: object },
        { bucket: destinationBucket, name: destinationName },
        action,
      );
    }
  }
  if (action === 'moveTo' && rest[0] === 'o' && rest[1] !== undefined && rest.length === 2) {
    return moveRequest(exchange, bucket, object, rest[1]);
  }
  throw notImplemented(exchange);
}

async function handleRequest(state: GcsState, request: IncomingMessage, response: ServerResponse) {
  const fault = state.faults.take(request);
  if (fault !== undefined) {
    await readBody(request);
    if (fault.reset) {
      request.socket.destroy();
      return;
    }
    const status = fault.status ?? 503;
    throw new GcsError(
      status,
      faultReason(status),
      `Fault injected by the test server (HTTP ${status}).`,
    );
  }
  const { segments, query } = parseTarget(request.url ?? '/');
  const exchange: Exchange = { state, request, response, query };
  const [first, second, third, fourth, ...rest] = segments;
  if (first === 'storage' && second === 'v1' && third === 'b') {
    return routeJsonApi(exchange, fourth === undefined ? [] : [fourth, ...rest]);
  }
  if (first === 'download' && second === 'storage' && third === 'v1' && fourth === 'b') {
    const [bucket, o, object] = rest;
    if (request.method === 'GET' && o === 'o' && bucket !== undefined && object !== undefined) {
      query.set('alt', 'media');
      return objectRequest(exchange, bucket, object);
    }
  }
  if (first === 'upload' && second === 'storage' && third === 'v1' && fourth === 'b') {
    const [bucket, o] = rest;
    if (bucket !== undefined && o === 'o' && rest.length === 2) {
      const uploadId = query.get('upload_id');
      if (uploadId !== null) return sessionRequest(exchange, uploadId);
      if (request.method === 'POST') return insertRequest(exchange, bucket);
    }
  }
  throw notImplemented(exchange);
}

function renderError(error: unknown, request: IncomingMessage, response: ServerResponse): void {
  let failure: GcsError;
  if (error instanceof GcsError) failure = error;
  else if (error instanceof MalformedTargetError) failure = invalidArgument(error.message);
  else failure = new GcsError(500, 'backendError', `Internal error: ${String(error)}`);
  if (failure.status === 304) {
    send(request, response, 304);
    return;
  }
  send(request, response, failure.status, { 'Content-Type': jsonType }, failure.toBody());
}

function existingGcsServer(url: string, projectId: string): GcsServer {
  const { parsed: _parsed, ...endpoint } = existingEndpoint(url, gcsUrlVariable);
  return { ...endpoint, projectId };
}

/**
 * Starts a Cloud Storage protocol test server on a free loopback port, empty and in memory.
 * When `WHARF_TEST_GCS_URL` is set (and `allowExisting` is not false), it resolves with a
 * handle to that endpoint instead, whose `stop()` does nothing.
 *
 * It implements buckets, the three upload types (media, multipart, resumable with chunks and
 * `308 Resume Incomplete`), downloads with ranges, listing with prefixes and pages, rewrite,
 * copy, compose, move, metadata updates, delete, and generation/metageneration
 * preconditions answered with 412. Objects carry real `md5Hash` and `crc32c`, so the client's
 * download validation passes. Nothing is authenticated.
 *
 * @example
 * const gcs = await startGcsServer();
 * const storage = new Storage({ apiEndpoint: gcs.url, projectId: gcs.projectId });
 * await storage.createBucket('data');
 * // …
 * await gcs.stop();
 */
export async function startGcsServer(options: GcsServerOptions = {}): Promise<GcsServer> {
  const projectId = options.projectId ?? defaultProjectId;
  const existing = options.allowExisting === false ? undefined : readVariable(gcsUrlVariable);
  if (existing !== undefined) return existingGcsServer(existing, projectId);

  const state: GcsState = {
    baseUrl: '',
    buckets: new Map(),
    sessions: new Map(),
    faults: createFaultList(),
  };
  const endpoint = await startProtocolEndpoint({
    handle: (request, response) => handleRequest(state, request, response),
    renderError,
    faults: state.faults,
    url: (host, port) => {
      state.baseUrl = `http://${host}:${port}`;
      return state.baseUrl;
    },
    clear: () => {
      state.buckets.clear();
      state.sessions.clear();
    },
  });
  return Object.assign(endpoint, { projectId });
}
