import { join } from 'node:path';
import {
  ConflictError,
  ConnectionError,
  IntegrityError,
  QueryError,
  runFlow,
  StoreError,
  ValidationError,
} from '@wharf/store-core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { toStoreError } from '../src/sqlite-errors.js';
import { openStore, temporaryDirectory, trips } from './helpers.js';

/** A real SqliteError with `code`, from the driver's own class. */
function sqliteError(code: string): Error {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE t (id INTEGER UNIQUE, name TEXT NOT NULL)');
    db.exec(`INSERT INTO t VALUES (1, 'a')`);
    db.exec(`INSERT INTO t VALUES (1, 'b')`);
  } catch (error) {
    const driverError = error as Error & { code: string };
    const Constructor = driverError.constructor as new (message: string, code: string) => Error;
    return new Constructor(`simulated ${code}`, code);
  } finally {
    db.close();
  }
  throw new Error('expected a constraint failure');
}

function isRawDriverError(error: unknown): boolean {
  return error instanceof Error && !StoreError.isInstance(error);
}

describe('toStoreError', () => {
  const context = { store: 'sqlite:t', operation: 'test' };
  it.each([
    ['SQLITE_CONSTRAINT_PRIMARYKEY', ConflictError, false],
    ['SQLITE_CONSTRAINT_UNIQUE', ConflictError, false],
    ['SQLITE_BUSY', ConflictError, true],
    ['SQLITE_BUSY_SNAPSHOT', ConflictError, true],
    ['SQLITE_LOCKED', ConflictError, true],
    ['SQLITE_CANTOPEN', ConnectionError, true],
    ['SQLITE_IOERR_WRITE', ConnectionError, true],
    ['SQLITE_CONSTRAINT_NOTNULL', ValidationError, false],
    ['SQLITE_CORRUPT', IntegrityError, false],
    ['SQLITE_ERROR', QueryError, false],
  ])('maps %s', (code, Expected, retryable) => {
    const cause = sqliteError(code);
    const mapped = toStoreError(cause, context);
    expect(Expected.isInstance(mapped)).toBe(true);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.cause).toBe(cause);
    expect(mapped.details).toMatchObject({ sqliteCode: code, operation: 'test' });
  });

  it('passes store errors through and wraps anything else', () => {
    const original = new ValidationError('already mapped');
    expect(toStoreError(original, context)).toBe(original);
    expect(QueryError.isInstance(toStoreError(new Error('odd'), context))).toBe(true);
    expect(
      ConnectionError.isInstance(toStoreError(new TypeError('x'), { ...context, opening: true })),
    ).toBe(true);
  });
});

describe('errors raised by the store', () => {
  it('a duplicate key is a ConflictError whose cause is the driver error', async () => {
    const store = await openStore({ key: 'id' });
    await store.insert({ id: 1n, name: 'a' });
    const error = await store.insert({ id: 1n, name: 'b' }).catch((thrown) => thrown);
    expect(ConflictError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(((error as Error).cause as { code: string }).code).toBe('SQLITE_CONSTRAINT_UNIQUE');
    await store.close();
  });

  it('a file in a missing directory is a retryable ConnectionError on connect()', async () => {
    const store = new SqliteStore({
      filename: join(temporaryDirectory(), 'missing', 'deeper', 'store.db'),
      table: 'trips',
    });
    const error = await store.connect().catch((thrown) => thrown);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as StoreError).retryable).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('a file that is not a database is a ConnectionError', async () => {
    const directory = temporaryDirectory();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(directory, 'junk.db'), 'this is not a database file at all'.repeat(200));
    const store = new SqliteStore({ filename: join(directory, 'junk.db'), table: 'trips' });
    const error = await store.connect().catch((thrown) => thrown);
    expect(ConnectionError.isInstance(error)).toBe(true);
  });

  it('a lock held past busyTimeoutMs is a retryable ConflictError', async () => {
    const filename = join(temporaryDirectory(), 'busy.db');
    const store = new SqliteStore({ filename, table: 'trips', key: 'id', busyTimeoutMs: 50 });
    await store.connect();
    await runFlow([trips(1, 3)], store, { runType: 'full_drop' });
    const other = new Database(filename);
    other.exec('BEGIN IMMEDIATE');
    try {
      const insert = await store.insert({ id: 9n }).catch((thrown) => thrown);
      expect(ConflictError.isInstance(insert)).toBe(true);
      expect((insert as StoreError).retryable).toBe(true);
      const load = await runFlow([trips(10, 2)], store, {
        runType: 'incremental',
        retries: 0,
      }).catch((thrown) => thrown);
      expect(ConflictError.isInstance(load)).toBe(true);
      expect((load as StoreError).retryable).toBe(true);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // The failed run's staging could not be removed while the lock was held: clean it now.
    await store.cleanupStaging();
    await runFlow([trips(10, 2)], store, { runType: 'incremental' });
    expect(await store.count()).toBe(5);
    await store.close();
  });

  it('no public method lets a raw driver error escape', async () => {
    const filename = join(temporaryDirectory(), 'raw.db');
    const store = new SqliteStore({ filename, table: 'trips', key: 'id', tenantColumn: 'city' });
    await store.connect();
    await runFlow([trips(1, 3)], store, { runType: 'full_drop' });
    // Break production behind the store's back: the stored schema now names a missing column.
    const other = new Database(filename);
    other.exec('ALTER TABLE trips DROP COLUMN fare');
    other.close();
    const attempts: [string, () => Promise<unknown>][] = [
      ['get', () => store.get(1n)],
      ['list', () => store.list()],
      ['count', () => store.count({ fare: 1 })],
      ['update', () => store.update(1n, { fare: 2 })],
      ['upsert', () => store.upsert({ id: 1n, fare: 2 })],
      ['insert', () => store.insert({ id: 7n, fare: 2 })],
      ['view list', () => store.forTenant('Lyon').list()],
      ['search', () => store.search({ column: 'fare', vector: [1], k: 1 })],
      [
        'read',
        async () => {
          for await (const _batch of store.read()) {
            // draining
          }
        },
      ],
      ['merge', () => runFlow([trips(1, 2)], store, { runType: 'merge', retries: 0 })],
    ];
    for (const [operation, attempt] of attempts) {
      const error = await attempt().then(
        () => undefined,
        (thrown) => thrown,
      );
      expect(error, operation).toBeDefined();
      expect(isRawDriverError(error), `${operation}: ${String(error)}`).toBe(false);
      expect(StoreError.isInstance(error), operation).toBe(true);
    }
    await store.close();
    const closed = await store.get(1n).catch((thrown) => thrown);
    expect(ConnectionError.isInstance(closed)).toBe(true);
  });
});

describe('identifiers and options', () => {
  it.each([
    '../x',
    'a/b',
    'a\\b',
    'a"b',
    "a'b",
    'x; DROP TABLE y',
    'a b',
    '',
    '_wharf_journal',
    'sqlite_master',
  ])('refuses the table name %j before any I/O', (table) => {
    expect(() => new SqliteStore({ filename: join(temporaryDirectory(), 'x.db'), table })).toThrow(
      ValidationError,
    );
  });

  it('refuses bad key and tenant column names and bad options', () => {
    const filename = join(temporaryDirectory(), 'x.db');
    expect(() => new SqliteStore({ filename, table: 't', key: 'a"b' })).toThrow(ValidationError);
    expect(() => new SqliteStore({ filename, table: 't', tenantColumn: 'x;y' })).toThrow(
      ValidationError,
    );
    expect(() => new SqliteStore({ filename: '', table: 't' })).toThrow(ValidationError);
    expect(
      () => new SqliteStore({ filename, table: 't', journalMode: 'wal; DROP' as never }),
    ).toThrow(ValidationError);
    expect(() => new SqliteStore({ filename, table: 't', busyTimeoutMs: -1 })).toThrow(
      ValidationError,
    );
  });

  it('refuses column names SQLite cannot tell apart', async () => {
    const { Table, vectorFromArray, Int64 } = await import('apache-arrow');
    const store = await openStore();
    const clash = new Table({
      id: vectorFromArray([1n], new Int64()),
      ID: vectorFromArray([2n], new Int64()),
    });
    await expect(runFlow([clash], store, { runType: 'full_drop', retries: 0 })).rejects.toSatisfy(
      (error) => ValidationError.isInstance(error) && /ID/.test((error as Error).message),
    );
    const shadowing = await openStore();
    const rowid = new Table({ rowid: vectorFromArray([1n], new Int64()) });
    await expect(
      runFlow([rowid], shadowing, { runType: 'full_drop', retries: 0 }),
    ).rejects.toSatisfy(
      (error) => ValidationError.isInstance(error) && /row id/.test((error as Error).message),
    );
    await shadowing.close();
    await store.close();
  });

  it('quotes column names that are not identifiers', async () => {
    const { Table, vectorFromArray, Utf8, Int64 } = await import('apache-arrow');
    const store = await openStore();
    const odd = new Table({
      id: vectorFromArray([1n], new Int64()),
      'weird "name"; DROP TABLE x; --': vectorFromArray(['kept'], new Utf8()),
    });
    await runFlow([odd], store, { runType: 'full_drop' });
    expect(await store.list()).toEqual([{ id: 1n, 'weird "name"; DROP TABLE x; --': 'kept' }]);
    const batches = [];
    for await (const batch of store.read()) batches.push(batch);
    expect(batches[0]?.getChild('weird "name"; DROP TABLE x; --')?.get(0)).toBe('kept');
    await store.close();
  });
});
