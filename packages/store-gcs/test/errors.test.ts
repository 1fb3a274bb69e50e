import { inspect } from 'node:util';
import {
  ConnectionError,
  NotFoundError,
  StagingError,
  StoreError,
  ValidationError,
} from '@wharf/store-core';
import { findFreePort } from '@wharf/test-servers';
import { beforeAll, describe, expect, it } from 'vitest';
import { toStoreError } from '../src/gcs-errors.js';
import { GcsStore } from '../src/index.js';
import { freshBucket, rawClient, testServer, testStorage } from './helpers.js';

/** A recognizable secret, planted in the credentials: it must appear nowhere. */
const SECRET = 'WHARF-PLANTED-SECRET-7f3a9c';
const credentials = {
  type: 'service_account',
  project_id: 'wharf-test',
  client_email: 'loader@wharf-test.iam.gserviceaccount.com',
  private_key: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----\n`,
  client_secret: `${SECRET}-client`,
};

/** The rejection of `promise`, which must be a StoreError. */
async function failure(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(StoreError.isInstance(error), `expected a StoreError, got ${inspect(error)}`).toBe(true);
  return error as StoreError;
}

function expectNoSecret(...texts: unknown[]) {
  for (const text of texts) {
    const shown = typeof text === 'string' ? text : inspect(text, { depth: 8 });
    expect(shown).not.toContain(SECRET);
  }
}

let bucket: string;

beforeAll(async () => {
  bucket = await freshBucket(rawClient(), 'errors');
});

describe('a missing bucket', () => {
  it('is a NotFoundError naming the bucket, from every call', async () => {
    const missing = `missing-${bucket}`;
    const storage = testStorage({ bucket: missing, prefix: 'data' });
    const big = new Uint8Array(9 * 1024 * 1024);
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['probe', () => storage.probe()],
      ['put', () => storage.put('a', new Uint8Array(3))],
      ['put (resumable)', () => storage.put('a', big)],
      ['putIfAbsent', () => storage.putIfAbsent('a', new Uint8Array(3))],
      ['get', () => storage.get('a')],
      ['getRange', () => storage.getRange('a', 0, 2)],
      ['head', () => storage.head('a')],
      [
        'list',
        async () => {
          for await (const entry of storage.list('')) void entry;
        },
      ],
      ['delete', () => storage.delete(['a', 'b'])],
      ['copy', () => storage.copy('a', 'b')],
    ];
    for (const [name, call] of calls) {
      const error = await failure(call());
      expect(error, name).toBeInstanceOf(NotFoundError);
      expect(error.retryable, name).toBe(false);
      expect(error.message, name).toMatch(
        new RegExp(`^gs://${missing}/data: \\w+.* failed: bucket "${missing}" does not exist$`),
      );
      expect(error.cause, name).toBeInstanceOf(Error);
    }
  });
});

describe('an unreachable endpoint', () => {
  it('is a retryable ConnectionError with the SDK error as cause', async () => {
    const port = await findFreePort();
    const storage = testStorage({
      bucket,
      prefix: 'nowhere',
      apiEndpoint: `http://127.0.0.1:${port}`,
      credentials,
    });
    for (const call of [
      () => storage.probe(),
      () => storage.put('a', new Uint8Array(3)),
      () => storage.get('a'),
    ]) {
      const error = await failure(call());
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(
        new RegExp(`^gs://${bucket}/nowhere: \\w+.* failed: .*ECONNREFUSED`),
      );
      expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
      expectNoSecret(error.message, error);
    }
  });
});

describe('secrets', () => {
  it('never appear in a name, a URL, describe() or an error', async () => {
    const missing = `missing-${bucket}`;
    const storage = testStorage({ bucket: missing, prefix: 'p', credentials });
    expectNoSecret(storage.url, JSON.stringify(storage.describe()));
    expect(storage.describe().auth).toBe('credentials');

    const error = await failure(storage.put('a', new Uint8Array(1)));
    expectNoSecret(error.message, error);

    const store = new GcsStore({
      bucket: missing,
      prefix: 'p',
      credentials,
      apiEndpoint: testServer().url,
    });
    expect(store.name).toBe(`gs:${missing}/p`);
    expectNoSecret(store.name, inspect(store, { depth: 3 }));
  });

  it('are redacted when the SDK echoes one in a message', () => {
    const error = toStoreError(new Error(`invalid key ${credentials.private_key}`), {
      url: 'gs://b/p',
      bucket: 'b',
      action: 'put x',
      secrets: [credentials.private_key],
    });
    expectNoSecret(error.message);
  });

  it('scrubs the bearer token from the request an SDK error carries', () => {
    const cause = Object.assign(new Error('Forbidden'), {
      code: 403,
      response: {
        statusCode: 403,
        request: { headers: { Authorization: 'Bearer ya29.token', 'User-Agent': 'x' } },
      },
      config: { headers: { authorization: 'Bearer ya29.token' } },
    });
    const error = toStoreError(cause, { url: 'gs://b', bucket: 'b', action: 'get x' });
    expect(inspect(error.cause, { depth: 8 })).not.toContain('ya29.token');
    expect(cause.response.request.headers['User-Agent']).toBe('x');
  });
});

describe('toStoreError', () => {
  const context = { url: 'gs://bucket/prefix', bucket: 'bucket', action: 'put data/1.parquet' };
  const apiError = (code: number, message: string, reason = 'backendError') =>
    Object.assign(new Error(message), { code, errors: [{ reason, message }] });

  it.each([
    [apiError(429, 'Rate limit', 'rateLimitExceeded'), ConnectionError, true],
    [apiError(500, 'Internal'), ConnectionError, true],
    [apiError(502, 'Bad gateway'), ConnectionError, true],
    [apiError(503, 'Unavailable'), ConnectionError, true],
    [apiError(504, 'Gateway timeout'), ConnectionError, true],
    [apiError(408, 'Request timeout', 'requestTimeout'), ConnectionError, true],
    [apiError(401, 'Invalid Credentials', 'authError'), ConnectionError, false],
    [apiError(403, 'Permission denied', 'forbidden'), ConnectionError, false],
    [apiError(400, 'Invalid argument', 'invalid'), ValidationError, false],
    [apiError(404, 'The specified bucket does not exist.', 'notFound'), NotFoundError, false],
    [apiError(404, 'No such object: bucket/prefix/x', 'notFound'), NotFoundError, false],
    [apiError(409, 'Conflict', 'conflict'), StagingError, false],
    [Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }), ConnectionError, true],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), ConnectionError, true],
    [Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), ConnectionError, true],
    [
      Object.assign(new Error('network timeout at: https://storage.googleapis.com/x'), {
        type: 'request-timeout',
      }),
      ConnectionError,
      true,
    ],
    [
      Object.assign(new Error('Request failed with status code 503'), {
        status: 503,
        response: { status: 503, data: { error: { code: 503, message: 'Backend Error' } } },
      }),
      ConnectionError,
      true,
    ],
    [
      new Error('Could not load the default credentials. Browse to https://cloud.google.com/…'),
      ConnectionError,
      false,
    ],
    [new Error('something else'), StagingError, false],
  ])('maps %s', (cause, type, retryable) => {
    const error = toStoreError(cause, context);
    expect(error).toBeInstanceOf(type);
    expect(error.retryable).toBe(retryable);
    expect(error.cause).toBe(cause);
    expect(error.message.startsWith('gs://bucket/prefix: put data/1.parquet failed: ')).toBe(true);
  });

  it('says that refused credentials were refused', () => {
    const error = toStoreError(apiError(403, 'denied', 'forbidden'), context);
    expect(error.message).toBe(
      'gs://bucket/prefix: put data/1.parquet failed: the credentials were refused (HTTP 403 forbidden: denied)',
    );
  });

  it('reads the service message out of a download error’s JSON body', () => {
    const body = JSON.stringify({
      error: {
        code: 404,
        message: 'The specified bucket does not exist.',
        errors: [{ reason: 'notFound' }],
      },
    });
    const error = toStoreError(Object.assign(new Error(body), { code: 404, errors: [] }), context);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(
      'gs://bucket/prefix: put data/1.parquet failed: bucket "bucket" does not exist',
    );
  });

  it('returns a StoreError as it is', () => {
    const original = new ValidationError('bad');
    expect(toStoreError(original, context)).toBe(original);
  });
});
