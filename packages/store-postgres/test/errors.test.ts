import { inspect } from 'node:util';
import {
  ConflictError,
  ConnectionError,
  IntegrityError,
  QueryError,
  StoreError,
  ValidationError,
} from '@wharf/store-core';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { toStoreError } from '../src/postgres-errors.js';
import { makeStore, serverUrl, uniqueTable } from './helpers.js';

const context = { store: 'postgres:public.t', operation: 'test' };

function driverError(code: string, message = `failure ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('error mapping', () => {
  it('maps SQLSTATEs and network failures to store errors, keeping the cause', () => {
    const cases: [Error, { isInstance(value: unknown): boolean }, boolean][] = [
      [driverError('23505'), ConflictError, false],
      [driverError('23502'), ValidationError, false],
      [driverError('22P02'), ValidationError, false],
      [driverError('22021'), ValidationError, false],
      [driverError('40001'), ConflictError, true],
      [driverError('40P01'), ConflictError, true],
      [driverError('08006'), ConnectionError, true],
      [driverError('57P01'), ConnectionError, true],
      [driverError('57P03'), ConnectionError, true],
      [driverError('53300'), ConnectionError, true],
      [driverError('28P01'), ConnectionError, false],
      [driverError('42P01'), QueryError, false],
      [driverError('42601'), QueryError, false],
      [driverError('23503'), IntegrityError, false],
      [driverError('23514'), IntegrityError, false],
      [driverError('XX000'), QueryError, false],
      [driverError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), ConnectionError, true],
      [driverError('ECONNRESET', 'read ECONNRESET'), ConnectionError, true],
      [driverError('ETIMEDOUT', 'connect ETIMEDOUT'), ConnectionError, true],
      [new Error('Connection terminated unexpectedly'), ConnectionError, true],
      [new Error('something else'), QueryError, false],
    ];
    for (const [error, Expected, retryable] of cases) {
      const mapped = toStoreError(error, context);
      expect(Expected.isInstance(mapped), error.message).toBe(true);
      expect(mapped.retryable, error.message).toBe(retryable);
      expect(mapped.cause).toBe(error);
    }
    const aggregate = Object.assign(new AggregateError([driverError('ECONNREFUSED')], ''), {});
    expect(ConnectionError.isInstance(toStoreError(aggregate, context))).toBe(true);
    const already = new ConflictError('x');
    expect(toStoreError(already, context)).toBe(already);
  });

  it('raises store errors, never raw driver errors, from real failures', async () => {
    const store = makeStore({ table: uniqueTable('errors'), key: 'id' });
    await store.connect();
    await store.insert({ id: 1n, name: 'one' });
    const duplicate = await store
      .insert({ id: 1n, name: 'again' })
      .catch((error: unknown) => error);
    expect(ConflictError.isInstance(duplicate)).toBe(true);
    expect((duplicate as StoreError).cause).toMatchObject({ code: '23505' });
    const missingKey = await store
      .insert({ id: null, name: 'none' })
      .catch((error: unknown) => error);
    expect(ValidationError.isInstance(missingKey)).toBe(true);

    await store.configureForRun('incremental');
    await store.write(
      new Table({
        id: vectorFromArray([2n]),
        name: vectorFromArray(['nul \u0000 byte'], new Utf8()),
      }),
    );
    const refused = await store.finish().catch((error: unknown) => error);
    expect(ValidationError.isInstance(refused)).toBe(true);
    await store.cleanupStaging();
    expect(await store.count()).toBe(1);
  });

  it('reports an unreachable server as a retryable ConnectionError', async () => {
    const url = new URL(serverUrl());
    url.port = '1';
    const store = makeStore({
      table: uniqueTable('down'),
      connectionString: url.toString(),
      pool: { connectionTimeoutMs: 2000 },
    });
    const error = await store.connect().catch((caught: unknown) => caught);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as StoreError).retryable).toBe(true);
    expect((error as StoreError).cause).toBeDefined();
    expect((await store.health()).status).toBe('down');
  });
});

describe('secrets', () => {
  const password = 'pw-Zq7-never-shown';

  function expectHidden(error: unknown): void {
    expect(StoreError.isInstance(error)).toBe(true);
    const shown = [
      (error as Error).message,
      String(error),
      JSON.stringify((error as StoreError).details),
      inspect(error, { depth: 8 }),
      (error as Error).stack ?? '',
    ].join('\n');
    expect(shown).not.toContain(password);
  }

  it('keeps the password of an unreachable URL out of every message', async () => {
    const url = new URL(serverUrl());
    url.port = '1';
    url.password = password;
    const store = makeStore({ table: uniqueTable('secret'), connectionString: url.toString() });
    const error = await store.connect().catch((caught: unknown) => caught);
    expectHidden(error);
    expect(store.name).not.toContain(password);
  });

  it('keeps it out of a message the server produces, and out of a malformed URL', async () => {
    const url = new URL(serverUrl());
    url.password = password;
    url.pathname = `/${password}`;
    const store = makeStore({ table: uniqueTable('secret'), connectionString: url.toString() });
    const error = await store.connect().catch((caught: unknown) => caught);
    expectHidden(error);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('does not exist');

    const malformed = makeStore({
      table: uniqueTable('secret'),
      connectionString: `postgres://postgres:${password}@127.0.0.1:notaport/postgres`,
    });
    expectHidden(await malformed.connect().catch((caught: unknown) => caught));

    const configured = makeStore({
      table: uniqueTable('secret'),
      connectionString: undefined,
      connection: { host: '127.0.0.1', port: 1, password },
    });
    expectHidden(await configured.connect().catch((caught: unknown) => caught));
  });
});
