import {
  ConflictError,
  ConnectionError,
  QueryError,
  StagingError,
  StoreError,
} from '@wharf/store-core';
import { describe, expect, it } from 'vitest';
import { toStoreError } from '../src/index.js';

const context = { store: 'redis:items', operation: 'get', secrets: ['hunter2'] };

function driverError(message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), extra);
}

describe('toStoreError', () => {
  it.each([
    ['ECONNREFUSED', driverError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' })],
    ['ECONNRESET', driverError('read ECONNRESET', { code: 'ECONNRESET' })],
    ['a closed connection', driverError('Connection is closed.')],
    [
      'a pipeline cut off by a closed connection',
      driverError('Command aborted due to connection close', { name: 'AbortError' }),
    ],
    [
      'MaxRetriesPerRequestError',
      driverError('Reached the max retries per request limit', {
        name: 'MaxRetriesPerRequestError',
      }),
    ],
    ['CLUSTERDOWN', driverError('CLUSTERDOWN The cluster is down')],
    ['TRYAGAIN', driverError('TRYAGAIN Multiple keys request during rehashing of slot')],
    ['MOVED', driverError('MOVED 3999 127.0.0.1:6381')],
    ['LOADING', driverError('LOADING Redis is loading the dataset in memory')],
    [
      'no offline queue',
      driverError("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
  ])('%s is a retryable ConnectionError', (_name, error) => {
    const mapped = toStoreError(error, context);
    expect(ConnectionError.isInstance(mapped)).toBe(true);
    expect(mapped.retryable).toBe(true);
    expect(mapped.cause).toBe(error);
  });

  it.each([
    ['WRONGPASS', 'WRONGPASS invalid username-password pair or user is disabled.'],
    ['NOAUTH', 'NOAUTH Authentication required.'],
  ])('%s is a ConnectionError that is not retried', (_name, message) => {
    const mapped = toStoreError(driverError(message), context);
    expect(ConnectionError.isInstance(mapped)).toBe(true);
    expect(mapped.retryable).toBe(false);
  });

  it.each([
    ['WRONGTYPE', 'WRONGTYPE Operation against a key holding the wrong kind of value'],
    ['NOSCRIPT', 'NOSCRIPT No matching script. Please use EVAL.'],
    ['a script error', 'ERR user_script:1: Script attempted to access a non local key'],
  ])('%s is a QueryError', (_name, message) => {
    const mapped = toStoreError(driverError(message), context);
    expect(QueryError.isInstance(mapped)).toBe(true);
    expect(mapped.retryable).toBe(false);
  });

  it('a conflict a script reports is a ConflictError', () => {
    const mapped = toStoreError(driverError('WHARF_CONFLICT the row changed'), context);
    expect(ConflictError.isInstance(mapped)).toBe(true);
  });

  it('keeps store errors as they are, and never shows a password', () => {
    const staging = new StagingError('lost');
    expect(toStoreError(staging, context)).toBe(staging);
    const error = driverError('WRONGPASS for redis://:hunter2@host:6379', {
      command: { name: 'hello', args: ['3', 'AUTH', 'default', 'hunter2'] },
    });
    const mapped = toStoreError(error, context);
    expect(StoreError.isInstance(mapped)).toBe(true);
    expect(mapped.message).not.toContain('hunter2');
    expect(JSON.stringify((error as unknown as { command: unknown }).command)).not.toContain(
      'hunter2',
    );
  });
});
