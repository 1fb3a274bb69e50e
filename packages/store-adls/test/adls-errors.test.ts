import {
  ConnectionError,
  NotFoundError,
  StagingError,
  type StoreError,
  ValidationError,
} from '@wharf/store-core';
import { describe, expect, it } from 'vitest';
import { toAdlsError } from '../src/adls-errors.js';

const context = {
  url: 'abfss://lake@acct.dfs.core.windows.net/trips',
  action: 'put "data/1.parquet"',
  fileSystem: 'lake',
  account: 'acct',
  secrets: ['S3cr3tK3y=='],
};

/** An error shaped like the SDK's `RestError`. */
function restError(
  statusCode: number | undefined,
  errorCode?: string,
  message = 'The service said no.\nRequestId:1\nTime:now',
) {
  return Object.assign(new Error(message), {
    name: 'RestError',
    statusCode,
    code: statusCode === undefined ? errorCode : errorCode,
    details: statusCode === undefined ? undefined : { errorCode },
  });
}

function mapped(error: unknown): StoreError {
  return toAdlsError(error, context);
}

describe('toAdlsError', () => {
  it('makes throttling, server failures and timeouts retryable connection errors', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      const error = mapped(restError(status, 'ServerBusy'));
      expect(error, String(status)).toBeInstanceOf(ConnectionError);
      expect(error.retryable).toBe(true);
      expect(error.message).toBe(
        `abfss://lake@acct.dfs.core.windows.net/trips: put "data/1.parquet" failed: ${status} ServerBusy: The service said no.`,
      );
    }
  });

  it('makes network failures retryable connection errors', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'REQUEST_SEND_ERROR']) {
      const error = mapped(restError(undefined, code, `connect ${code} 10.0.0.1:443`));
      expect(error, code).toBeInstanceOf(ConnectionError);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(`failed: connect ${code} 10.0.0.1:443`);
    }
    const timeout = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(mapped(timeout)).toBeInstanceOf(ConnectionError);
    expect(mapped(timeout).retryable).toBe(true);
  });

  it('makes refused credentials a connection error that a retry does not fix', () => {
    for (const status of [401, 403]) {
      const error = mapped(restError(status, 'AuthenticationFailed'));
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('the service refused the credentials');
    }
  });

  it('names a missing file system; other 404s are plain NotFoundErrors', () => {
    for (const code of ['FilesystemNotFound', 'ContainerNotFound']) {
      const error = mapped(restError(404, code));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toContain('the file system "lake" does not exist');
      expect(error.message).toContain('"acct"');
    }
    const path = mapped(restError(404, 'PathNotFound'));
    expect(path).toBeInstanceOf(NotFoundError);
    expect(path.message).not.toContain('file system');
  });

  it('makes a malformed request a ValidationError and anything else a StagingError', () => {
    expect(mapped(restError(400, 'InvalidFlushPosition'))).toBeInstanceOf(ValidationError);
    expect(mapped(restError(416, 'InvalidRange'))).toBeInstanceOf(ValidationError);
    expect(mapped(restError(409, 'PathAlreadyExists'))).toBeInstanceOf(StagingError);
    expect(mapped(restError(412, 'ConditionNotMet'))).toBeInstanceOf(StagingError);
    expect(mapped(new TypeError('bad'))).toBeInstanceOf(StagingError);
    expect(mapped('a string')).toBeInstanceOf(StagingError);
  });

  it('keeps the SDK error as cause, returns store errors as they are, and strips secrets', () => {
    const cause = restError(503, 'ServerBusy', 'key S3cr3tK3y== and sig=abc%2Fdef&se=1 leaked');
    const error = mapped(cause);
    expect(error.cause).toBe(cause);
    expect(error.message).not.toContain('S3cr3tK3y==');
    expect(error.message).not.toContain('abc%2Fdef');
    expect(error.details).toMatchObject({ status: 503, azureCode: 'ServerBusy' });
    const already = new NotFoundError('x');
    expect(mapped(already)).toBe(already);
  });
});
