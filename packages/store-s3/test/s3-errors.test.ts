import {
  ConnectionError,
  NotFoundError,
  StagingError,
  StoreError,
  ValidationError,
} from '@wharf/store-core';
import { describe, expect, it } from 'vitest';
import { toStoreError } from '../src/s3-errors.js';

const context = { url: 's3://bucket/prefix', action: 'put data/a.parquet', bucket: 'bucket' };

/** An error shaped like the SDK's service exceptions. */
function serviceError(name: string, status: number, message = '', attempts = 1) {
  return Object.assign(new Error(message || name), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts },
  });
}

describe('toStoreError', () => {
  it.each([
    ['SlowDown', 503],
    ['ServiceUnavailable', 503],
    ['InternalError', 500],
    ['BadGateway', 502],
    ['GatewayTimeout', 504],
    ['TooManyRequestsException', 429],
    ['RequestTimeout', 400],
  ])('makes %s (%i) a retryable ConnectionError', (name, status) => {
    const cause = serviceError(name, status, 'try later', 4);
    const error = toStoreError(cause, context);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      `s3://bucket/prefix: put data/a.parquet failed: ${name} (HTTP ${status}): try later after 4 attempts`,
    );
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND'])(
    'makes the socket error %s a retryable ConnectionError',
    (code) => {
      const error = toStoreError(Object.assign(new Error(`connect ${code}`), { code }), context);
      expect(ConnectionError.isInstance(error)).toBe(true);
      expect(error.retryable).toBe(true);
    },
  );

  it('makes an SDK timeout a retryable ConnectionError', () => {
    const timeout = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
    expect(toStoreError(timeout, context).retryable).toBe(true);
  });

  it.each([
    ['AccessDenied', 403],
    ['InvalidAccessKeyId', 403],
    ['SignatureDoesNotMatch', 403],
    ['ExpiredToken', 400],
    ['Unauthorized', 401],
  ])('makes %s (%i) a ConnectionError that is not retried', (name, status) => {
    const error = toStoreError(serviceError(name, status), context);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('the credentials were refused');
  });

  it('says when the credential chain found nothing', () => {
    const missing = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const error = toStoreError(missing, context);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('no AWS credentials were found');
  });

  it('names a missing bucket, also from a bodiless 404', () => {
    for (const cause of [serviceError('NoSuchBucket', 404), serviceError('NotFound', 404)]) {
      const error = toStoreError(cause, { ...context, action: 'probe' });
      expect(NotFoundError.isInstance(error)).toBe(true);
      expect(error.message).toContain('bucket "bucket" does not exist');
    }
  });

  it('names a missing object where one must exist', () => {
    const error = toStoreError(serviceError('NoSuchKey', 404), {
      ...context,
      action: 'getRange data/a.parquet',
      key: 'prefix/data/a.parquet',
    });
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain('object "prefix/data/a.parquet" does not exist');
  });

  it('makes a malformed request or a wrong region a ValidationError', () => {
    expect(
      ValidationError.isInstance(toStoreError(serviceError('InvalidArgument', 400), context)),
    ).toBe(true);
    const redirect = Object.assign(serviceError('PermanentRedirect', 301), {
      $response: { headers: { 'x-amz-bucket-region': 'eu-central-1' } },
    });
    const error = toStoreError(redirect, context);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error.message).toContain('the bucket is in region "eu-central-1"');
    const noRegion = toStoreError(new Error('Region is missing'), context);
    expect(ValidationError.isInstance(noRegion)).toBe(true);
  });

  it('makes anything else a StagingError, and keeps a StoreError as it is', () => {
    const other = toStoreError(serviceError('InvalidObjectState', 409), context);
    expect(StagingError.isInstance(other)).toBe(true);
    expect(toStoreError(other, context)).toBe(other);
    expect(StoreError.isInstance(toStoreError('a string', context))).toBe(true);
  });

  it('strips the secrets it is given from the message', () => {
    const cause = serviceError('InternalError', 500, 'echoed SECRETKEY123 back');
    const error = toStoreError(cause, { ...context, secrets: ['SECRETKEY123'] });
    expect(error.message).not.toContain('SECRETKEY123');
  });
});
