import { spawnSync } from 'node:child_process';
import { mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  CommitError,
  ConflictError,
  ConnectionError,
  IntegrityError,
  StagingError,
  type StoreError,
  ValidationError,
} from '@wharf/store-core';
import { ParquetStore, type ParquetStoreOptions } from '@wharf/store-parquet';
import {
  DenseUnion,
  Field,
  Int32,
  IntervalMonthDayNano,
  makeData,
  makeVector,
  Table,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { toStoreError } from '../src/parquet-errors.js';
import { readAll, rows, temporaryDirectory } from './helpers/data.js';

function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

const context = { store: 'parquet:x', operation: 'stage', action: 'writing' } as const;

describe('error mapping', () => {
  it.each([
    ['ENOENT', ConnectionError, true],
    ['EMFILE', ConnectionError, true],
    ['EBUSY', ConnectionError, true],
    ['EACCES', ConnectionError, false],
    ['EPERM', ConnectionError, false],
    ['EROFS', ConnectionError, false],
    ['ENOSPC', StagingError, false],
    ['EDQUOT', StagingError, false],
    ['ENOTDIR', ValidationError, false],
    ['ELOOP', ValidationError, false],
    ['EEXIST', ConflictError, false],
    ['EIO', StagingError, false],
  ] as const)('%s becomes %o (retryable: %s), keeping the cause', (code, Class, retryable) => {
    const cause = fsError(code);
    const error = toStoreError(cause, context);
    expect(Class.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(retryable);
    expect(error.cause).toBe(cause);
    expect(error.message).toContain(code);
  });

  it('a generic failure while publishing is a CommitError', () => {
    expect(
      CommitError.isInstance(toStoreError(fsError('EIO'), { ...context, operation: 'publish' })),
    ).toBe(true);
  });

  it('parquet-wasm errors: encoding → ValidationError, decoding → IntegrityError, a trap → StagingError', () => {
    const wasmError = new Error('Parquet error: Invalid Parquet file. Corrupt footer');
    expect(
      ValidationError.isInstance(toStoreError(wasmError, { ...context, source: 'encode' })),
    ).toBe(true);
    expect(
      IntegrityError.isInstance(toStoreError(wasmError, { ...context, source: 'decode' })),
    ).toBe(true);
    const trap = Object.assign(new Error('unreachable'), { name: 'RuntimeError' });
    const mapped = toStoreError(trap, { ...context, source: 'encode' });
    expect(StagingError.isInstance(mapped)).toBe(true);
    expect(mapped.cause).toBe(trap);
  });

  it('a StoreError passes through unchanged', () => {
    const error = new ConflictError('taken');
    expect(toStoreError(error, context)).toBe(error);
  });
});

describe('errors of the store', () => {
  it.each<[string, ParquetStoreOptions]>([
    ['a path with ..', { path: '/tmp/a/../b' }],
    ['a name with a slash', { directory: '/tmp', name: 'a/b' }],
    ['an empty name', { directory: '/tmp', name: '' }],
    ['a hidden name', { directory: '/tmp', name: '.hidden' }],
    ['a name with quotes', { directory: '/tmp', name: "a'b" }],
    ['path and name together', { path: '/tmp/a', name: 'b' } as never],
    ['an unknown compression', { path: '/tmp/a', compression: 'lz4' as never }],
    ['zero rows per row group', { path: '/tmp/a', rowGroupRows: 0 }],
    ['a fractional file size', { path: '/tmp/a', targetFileBytes: 1.5 }],
    ['negative encoder threads', { path: '/tmp/a', encoderThreads: -1 }],
    ['an unknown file naming', { path: '/tmp/a', fileNames: 'random' as never }],
  ])('refuses %s at construction with a ValidationError', (_label, options) => {
    expect(() => new ParquetStore(options)).toThrow(ValidationError);
  });

  it('a missing parent folder is a retryable ConnectionError on connect, with the cause kept', async () => {
    const directory = await temporaryDirectory();
    const store = new ParquetStore({ path: join(directory, 'missing', 'trips') });
    const error = await store.connect().catch((caught: unknown) => caught);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as StoreError).retryable).toBe(true);
    expect(((error as StoreError).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('refuses a folder another tool made, unless adoptExisting is set', async () => {
    const directory = await temporaryDirectory();
    await mkdir(join(directory, 'theirs'));
    const store = new ParquetStore({ path: join(directory, 'theirs') });
    await expect(store.connect()).rejects.toThrow(/adoptExisting/);
    await expect(store.connect()).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses a regular file at the path, and a symlink that points elsewhere', async () => {
    const directory = await temporaryDirectory();
    await writeFile(join(directory, 'file'), 'x');
    await expect(
      new ParquetStore({ path: join(directory, 'file') }).connect(),
    ).rejects.toBeInstanceOf(ValidationError);
    await mkdir(join(directory, 'elsewhere'));
    await symlink('elsewhere', join(directory, 'linked'));
    const error = await new ParquetStore({ path: join(directory, 'linked') })
      .connect()
      .catch((caught: unknown) => caught);
    expect(IntegrityError.isInstance(error)).toBe(true);
  });

  it('refuses Arrow types it cannot round-trip, production unchanged', async () => {
    const directory = await temporaryDirectory();
    await using store = new ParquetStore({ path: join(directory, 'typed') });
    await store.connect();
    const union = new Table({
      u: makeVector(
        makeData({
          type: new DenseUnion([0], [new Field('a', new Int32())]),
          length: 1,
          nullCount: 0,
          typeIds: new Int8Array([0]),
          valueOffsets: new Int32Array([0]),
          children: [makeData({ type: new Int32(), length: 1, data: new Int32Array([7]) })],
        }),
      ),
    });
    await expect(store.write(union)).rejects.toBeInstanceOf(ValidationError);
    const interval = new Table({
      i: makeVector(
        makeData({
          type: new IntervalMonthDayNano(),
          length: 1,
          nullCount: 0,
          data: new Int32Array([1, 2, 3, 0]),
        }),
      ),
    });
    await expect(store.write(interval)).rejects.toBeInstanceOf(ValidationError);
  });

  it('a corrupt file in production makes read() fail with an IntegrityError', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'corrupt');
    await using store = new ParquetStore({ path });
    await store.connect();
    await store.write(rows(1, 10));
    await store.finish();
    const version = await realpath(path);
    const manifest = JSON.parse(await readFile(join(version, '_wharf_manifest.json'), 'utf8')) as {
      files: { name: string }[];
    };
    const file = join(version, manifest.files[0]!.name);
    const { rm } = await import('node:fs/promises');
    await rm(file);
    await writeFile(file, 'not parquet at all, not even close');
    const error = await readAll(store.read()).catch((caught: unknown) => caught);
    expect(IntegrityError.isInstance(error)).toBe(true);
    expect((error as StoreError).cause).toBeDefined();
  });

  it('every operation after close() is a ConnectionError', async () => {
    const directory = await temporaryDirectory();
    const store = new ParquetStore({ path: join(directory, 'closed') });
    await store.connect();
    await store.close();
    await expect(store.write(rows(1, 1))).rejects.toBeInstanceOf(ConnectionError);
    await expect(store.finish()).rejects.toBeInstanceOf(ConnectionError);
    await expect(readAll(store.read())).rejects.toBeInstanceOf(ConnectionError);
    await expect(store.connect()).rejects.toBeInstanceOf(ConnectionError);
  });
});

describe('the dataset lock', () => {
  it('breaks a lock left by a process that no longer exists', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'locked');
    await using store = new ParquetStore({ path, lockTimeoutMs: 2_000 });
    await store.connect();
    await store.write(rows(1, 3));
    await store.finish();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(join(directory, '.locked.wharf', 'lock'), `${hostname()} ${dead} token`);
    await store.write(rows(4, 3));
    await expect(store.finish()).resolves.toMatchObject({ rows: 3 });
  });

  it('waits for a live holder, then fails with a retryable ConflictError, production unchanged', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'busy');
    await using store = new ParquetStore({ path, lockTimeoutMs: 300 });
    await store.connect();
    await store.write(rows(1, 3));
    await store.finish();
    await writeFile(join(directory, '.busy.wharf', 'lock'), `${hostname()} ${process.pid} other`);
    await store.write(rows(4, 3));
    const error = await store.finish().catch((caught: unknown) => caught);
    expect(ConflictError.isInstance(error)).toBe(true);
    expect((error as StoreError).retryable).toBe(true);
    await store.cleanupStaging();
    expect((await readAll(store.read())).reduce((sum, batch) => sum + batch.numRows, 0)).toBe(3);
  });
});
