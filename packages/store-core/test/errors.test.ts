import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  CommitError,
  ConflictError,
  ConnectionError,
  ERROR_CLASSES,
  ERROR_CODES,
  isRetryable,
  NotFoundError,
  redact,
  StoreError,
  ValidationError,
} from '../src/index.js';

describe('StoreError', () => {
  it('gives every class a stable code, its retryable default and the cause', () => {
    const cause = new Error('socket hang up');
    const error = new ConnectionError('lost the server', { cause });
    expect(error.code).toBe('WHARF_CONNECTION');
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('ConnectionError');
    expect(error).toBeInstanceOf(StoreError);
    expect(new ConflictError('dup').retryable).toBe(false);
    expect(new ConflictError('race', { retryable: true }).retryable).toBe(true);
    expect(Object.keys(ERROR_CLASSES).sort()).toEqual(Object.values(ERROR_CODES).sort());
    for (const [code, ErrorClass] of Object.entries(ERROR_CLASSES)) {
      expect(new ErrorClass('x').code).toBe(code);
    }
  });

  it('recognises errors of another installed copy of store-core', () => {
    // The built CommonJS bundle is a second, separate copy of every class.
    const other = createRequire(import.meta.url)(
      '../dist/index.cjs',
    ) as typeof import('../src/index.js');
    expect(other.StoreError).not.toBe(StoreError);
    const foreign = new other.NotFoundError('no such row');
    expect(foreign instanceof StoreError).toBe(false);
    expect(StoreError.isInstance(foreign)).toBe(true);
    expect(NotFoundError.isInstance(foreign)).toBe(true);
    expect(ConflictError.isInstance(foreign)).toBe(false);
    expect(other.StoreError.isInstance(new CommitError('x'))).toBe(true);
    expect(isRetryable(new other.ConnectionError('down'))).toBe(true);
  });

  it('rejects values that are not store errors', () => {
    expect(StoreError.isInstance(new Error('plain'))).toBe(false);
    expect(StoreError.isInstance(null)).toBe(false);
    expect(StoreError.isInstance({ code: 'WHARF_CONNECTION' })).toBe(false);
    expect(isRetryable(new Error('plain'))).toBe(false);
  });

  it('redacts credentials from messages', () => {
    const error = new ConnectionError(
      'cannot reach postgres://loader:s3cret@db.internal:5432/prod?sslmode=require&password=hunter2',
      { secrets: ['tok_live_123'] },
    );
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('postgres://loader:***@db.internal:5432/prod');
    expect(
      new ValidationError('key tok_live_123 refused', { secrets: ['tok_live_123'] }).message,
    ).toBe('key *** refused');
    expect(redact('redis://:pw@localhost:6379')).toBe('redis://:***@localhost:6379');
    expect(redact('https://account.blob.core.windows.net/c?sv=1&sig=abcDEF%3D')).toContain(
      'sig=***',
    );
  });
});
