import {
  ConnectionError,
  NotFoundError,
  type StoreError,
  ValidationError,
} from '@wharf/store-core';
import { describe, expect, it } from 'vitest';
import { createAdlsStorage } from '../src/index.js';
import {
  adlsAccountKey,
  adlsUrl,
  bytes,
  freshFileSystem,
  listAll,
  patternBytes,
  rawPaths,
  rejectionOf,
  storageOn,
} from './helpers.js';

describe('createAdlsStorage on the ADLS test server', () => {
  it('puts, gets and heads objects; absent keys are undefined', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: '/datasets/trips/' });
    const before = Date.now();
    await storage.put('data/one.parquet', bytes('hello'), { contentType: 'application/x-parquet' });

    expect(await storage.get('data/one.parquet')).toEqual(bytes('hello'));
    const head = await storage.head('data/one.parquet');
    expect(head).toMatchObject({ key: 'data/one.parquet', size: 5 });
    expect(head?.lastModified.getTime()).toBeGreaterThan(before - 5_000);
    const properties = await fileSystem
      .getFileClient('datasets/trips/data/one.parquet')
      .getProperties();
    expect(properties.contentType).toBe('application/x-parquet');

    await storage.put('data/one.parquet', bytes('replaced'));
    expect(await storage.get('data/one.parquet')).toEqual(bytes('replaced'));
    await storage.put('empty', new Uint8Array(0));
    expect(await storage.get('empty')).toEqual(new Uint8Array(0));
    expect(await storage.head('empty')).toMatchObject({ size: 0 });

    expect(await storage.get('data/missing.parquet')).toBeUndefined();
    expect(await storage.head('data/missing.parquet')).toBeUndefined();
    expect(await storage.get('nowhere/at/all')).toBeUndefined();
    // A directory is not an object.
    expect(await storage.head('data')).toBeUndefined();
    expect(await storage.get('data')).toBeUndefined();
  });

  it('round-trips a body larger than a part, and reads byte ranges of it', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: 'big' });
    const body = patternBytes(12 * 1024 * 1024 + 13);
    await storage.put('data/large.bin', body);

    const read = await storage.get('data/large.bin');
    expect(read?.length).toBe(body.length);
    expect(Buffer.from(read as Uint8Array).equals(Buffer.from(body))).toBe(true);
    expect(await storage.head('data/large.bin')).toMatchObject({ size: body.length });

    expect(await storage.getRange('data/large.bin', 0, 16)).toEqual(body.subarray(0, 16));
    const middle = 8 * 1024 * 1024 - 10;
    expect(await storage.getRange('data/large.bin', middle, middle + 20)).toEqual(
      body.subarray(middle, middle + 20),
    );
    expect(await storage.getRange('data/large.bin', body.length - 8, body.length)).toEqual(
      body.subarray(-8),
    );
    expect(await storage.getRange('data/large.bin', 100, 100)).toEqual(new Uint8Array(0));

    expect(await rejectionOf(storage.getRange('data/absent.bin', 0, 10))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await rejectionOf(storage.getRange('data/absent.bin', 5, 5))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await rejectionOf(storage.getRange('data/large.bin', 10, 5))).toBeInstanceOf(
      ValidationError,
    );
    expect(
      await rejectionOf(storage.getRange('data/large.bin', body.length + 10, body.length + 20)),
    ).toBeInstanceOf(ValidationError);
  });

  it('never shows a reader an empty or partial object while a large write is in flight', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { partSize: 32 * 1024, concurrency: 2 });
    const first = patternBytes(512 * 1024, 1);
    const second = patternBytes(512 * 1024, 2);
    const seen = new Set<string>();
    let writing = true;
    const readers = (async () => {
      while (writing) {
        const [head, body] = await Promise.all([storage.head('obj'), storage.get('obj')]);
        if (head !== undefined) seen.add(`head:${head.size}`);
        if (body === undefined) seen.add('get:absent');
        else if (Buffer.from(body).equals(Buffer.from(first))) seen.add('get:first');
        else if (Buffer.from(body).equals(Buffer.from(second))) seen.add('get:second');
        else seen.add(`get:partial ${body.length}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    expect(await storage.putIfAbsent('obj', first)).toBe(true);
    await storage.put('obj', second);
    writing = false;
    await readers;
    for (const observation of seen) {
      expect(['head:524288', 'get:absent', 'get:first', 'get:second']).toContain(observation);
    }
    expect(await storage.get('obj')).toEqual(second);
  });

  it('lists every object below a prefix, page after page, relative to the store prefix', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: 'lake/trips', listPageSize: 7 });
    const keys = Array.from(
      { length: 40 },
      (_, index) => `data/run-${index % 3}/${String(index).padStart(3, '0')}.parquet`,
    );
    await Promise.all(keys.map((key, index) => storage.put(key, patternBytes(index + 1))));
    await storage.put('_wharf/commits/00000000000000000001.json', bytes('{}'));

    const all = await listAll(storage);
    expect(all.map((entry) => entry.key).sort()).toEqual(
      [...keys, '_wharf/commits/00000000000000000001.json'].sort(),
    );
    const data = await listAll(storage, 'data/');
    expect(data).toHaveLength(40);
    for (const entry of data) {
      const index = Number(entry.key.slice(-11, -8));
      expect(entry.size).toBe(index + 1);
      expect(entry.lastModified).toBeInstanceOf(Date);
    }
    expect((await listAll(storage, 'data/run-1/')).map((entry) => entry.key).sort()).toEqual(
      keys.filter((key) => key.startsWith('data/run-1/')).sort(),
    );
    // A prefix that ends inside a name: every key that starts with it.
    expect((await listAll(storage, 'data/run-2/03')).map((entry) => entry.key).sort()).toEqual([
      'data/run-2/032.parquet',
      'data/run-2/035.parquet',
      'data/run-2/038.parquet',
    ]);
    expect(await listAll(storage, 'nothing/here/')).toEqual([]);
    expect(await listAll(storage, '_wharf/commits/')).toHaveLength(1);
  });

  it('keeps sibling prefixes apart (a/b versus a/bc)', async () => {
    const fileSystem = await freshFileSystem();
    const ab = storageOn(fileSystem.name, { prefix: 'a/b' });
    const abc = storageOn(fileSystem.name, { prefix: 'a/bc' });
    const root = storageOn(fileSystem.name);
    await ab.put('x/1', bytes('ab1'));
    await ab.put('2', bytes('ab2'));
    await abc.put('x/1', bytes('abc1'));
    await root.put('a/b-file', bytes('sibling file'));

    expect((await listAll(ab)).map((entry) => entry.key).sort()).toEqual(['2', 'x/1']);
    expect((await listAll(abc)).map((entry) => entry.key)).toEqual(['x/1']);
    expect(await ab.get('x/1')).toEqual(bytes('ab1'));
    expect(await abc.get('x/1')).toEqual(bytes('abc1'));
    expect((await listAll(root, 'a/')).map((entry) => entry.key).sort()).toEqual([
      'a/b-file',
      'a/b/2',
      'a/b/x/1',
      'a/bc/x/1',
    ]);
    expect((await listAll(root, 'a/b')).map((entry) => entry.key).sort()).toEqual([
      'a/b-file',
      'a/b/2',
      'a/b/x/1',
      'a/bc/x/1',
    ]);
    await ab.delete(['x/1', '2']);
    expect(await listAll(ab)).toEqual([]);
    expect(await abc.get('x/1')).toEqual(bytes('abc1'));
  });

  it('deletes many keys at once, ignores missing ones, and leaves no empty run directories', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: 'store', concurrency: 4 });
    const keys = Array.from({ length: 30 }, (_, index) => `data/run-${index % 2}/${index}.bin`);
    await Promise.all(keys.map((key) => storage.put(key, bytes(key))));
    await storage.put('keep/me', bytes('kept'));

    await storage.delete([...keys, 'data/never.bin', 'no/such/dir/file', keys[0] as string]);
    await storage.delete([]);
    await storage.delete(['already/gone']);

    expect((await listAll(storage)).map((entry) => entry.key)).toEqual(['keep/me']);
    const left = (await rawPaths(fileSystem, 'store')).map((path) => path.name).sort();
    // The emptied run directories are gone; the engine's fixed ones (`data`, the temporary
    // directory) stay.
    expect(left).toEqual([
      'store/_wharf',
      'store/_wharf/tmp',
      'store/data',
      'store/keep',
      'store/keep/me',
    ]);
  });

  it('copies on the service side of the storage, keeping the source', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: 'c' });
    await storage.put('_wharf/staging/run/a.parquet', bytes('parquet bytes'), {
      contentType: 'application/x-parquet',
    });
    await storage.put('b.parquet', bytes('old'));
    await storage.copy('_wharf/staging/run/a.parquet', 'b.parquet');
    await storage.copy('_wharf/staging/run/a.parquet', 'deep/new/dir/c.parquet');

    expect(await storage.get('b.parquet')).toEqual(bytes('parquet bytes'));
    expect(await storage.get('deep/new/dir/c.parquet')).toEqual(bytes('parquet bytes'));
    expect(await storage.get('_wharf/staging/run/a.parquet')).toEqual(bytes('parquet bytes'));
    expect((await fileSystem.getFileClient('c/b.parquet').getProperties()).contentType).toBe(
      'application/x-parquet',
    );
    const missing = await rejectionOf(storage.copy('nope', 'b.parquet'));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(await storage.get('b.parquet')).toEqual(bytes('parquet bytes'));
  });

  it('renames atomically, replacing the target and creating its directory', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: 'r' });
    expect(storage.rename).toBeTypeOf('function');
    const rename = storage.rename?.bind(storage) as (from: string, to: string) => Promise<void>;
    await storage.put('_wharf/staging/run-1/a.parquet', bytes('A'));
    await storage.put('_wharf/staging/run-1/b.parquet', bytes('B'));
    await storage.put('b.parquet', bytes('old B'));

    await rename('_wharf/staging/run-1/a.parquet', 'year=2024/month=01/a.parquet');
    await rename('_wharf/staging/run-1/b.parquet', 'b.parquet');

    expect(await storage.get('year=2024/month=01/a.parquet')).toEqual(bytes('A'));
    expect(await storage.get('b.parquet')).toEqual(bytes('B'));
    expect(await storage.head('_wharf/staging/run-1/a.parquet')).toBeUndefined();
    // The emptied staging directory of the run goes at the next delete (not one request per
    // renamed file); `_wharf/staging` itself stays.
    expect(await rawPaths(fileSystem, 'r/_wharf/staging')).toEqual([
      { name: 'r/_wharf/staging/run-1', isDirectory: true },
    ]);
    await storage.delete([]);
    expect(await rawPaths(fileSystem, 'r/_wharf/staging')).toEqual([]);
    expect(await fileSystem.getDirectoryClient('r/_wharf/staging').exists()).toBe(true);
    expect(await rejectionOf(rename('_wharf/staging/run-1/a.parquet', 'x'))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it('handles keys with spaces, percent signs, question marks, hashes and non-ASCII', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: 'odd-names' });
    const keys = ['a b/c d.txt', '100%/x%20y', 'what?/really#yes', 'städte/Zürich ✓'];
    for (const key of keys) {
      await storage.put(key, bytes(key));
      expect(await storage.putIfAbsent(`${key}.commit`, bytes(key))).toBe(true);
      expect(await storage.putIfAbsent(`${key}.commit`, bytes('again'))).toBe(false);
    }
    for (const key of keys) {
      expect(await storage.get(key)).toEqual(bytes(key));
      expect(await storage.get(`${key}.commit`)).toEqual(bytes(key));
    }
    expect((await listAll(storage)).map((entry) => entry.key).sort()).toEqual(
      [...keys, ...keys.map((key) => `${key}.commit`)].sort(),
    );
    await storage.rename?.('what?/really#yes', 'moved/what?#');
    expect(await storage.get('moved/what?#')).toEqual(bytes('what?/really#yes'));
    await storage.delete([...keys, ...keys.map((key) => `${key}.commit`), 'moved/what?#']);
    expect(await listAll(storage)).toEqual([]);
  });

  it('creates only when absent: true, then false, and the first body stays', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: 'commits' });
    const key = '_wharf/commits/00000000000000000001.json';
    expect(
      await storage.putIfAbsent(key, bytes('{"v":1}'), { contentType: 'application/json' }),
    ).toBe(true);
    expect(await storage.putIfAbsent(key, bytes('{"v":"other"}'))).toBe(false);
    expect(await storage.get(key)).toEqual(bytes('{"v":1}'));
    expect(await rawPaths(fileSystem, 'commits/_wharf/tmp')).toEqual([]);
  });

  it('lets exactly one of 8 concurrent putIfAbsent calls on one key win', async () => {
    const fileSystem = await freshFileSystem();
    const storages = Array.from({ length: 8 }, () =>
      storageOn(fileSystem.name, { prefix: 'race' }),
    );
    for (let round = 0; round < 5; round += 1) {
      const key = `_wharf/commits/${String(round).padStart(20, '0')}.json`;
      const results = await Promise.all(
        storages.map((storage, index) =>
          storage.putIfAbsent(key, bytes(`writer ${index}, round ${round}`)),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await storages[0]?.get(key)).toEqual(bytes(`writer ${winner}, round ${round}`));
    }
    // The losers removed their temporary files.
    expect(await rawPaths(fileSystem, 'race/_wharf/tmp')).toEqual([]);
    expect(await listAll(storages[0] as (typeof storages)[number])).toHaveLength(5);
  });

  it('reports a missing file system as a NotFoundError naming it, from every operation', async () => {
    const storage = storageOn('no-such-filesystem', { prefix: 'x' });
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['probe', () => storage.probe()],
      ['put', () => storage.put('k', bytes('v'))],
      ['putIfAbsent', () => storage.putIfAbsent('k', bytes('v'))],
      ['get', () => storage.get('k')],
      ['getRange', () => storage.getRange('k', 0, 1)],
      ['head', () => storage.head('k')],
      ['list', () => listAll(storage, 'data/')],
      ['delete', () => storage.delete(['k'])],
      ['copy', () => storage.copy('k', 'l')],
      ['rename', () => storage.rename?.('k', 'l') as Promise<void>],
    ];
    for (const [name, call] of calls) {
      const error = await rejectionOf(call());
      expect(error, name).toBeInstanceOf(NotFoundError);
      expect((error as StoreError).retryable, name).toBe(false);
      expect(error.message, name).toContain('no-such-filesystem');
      expect(error.message, name).toMatch(/^abfss:\/\/no-such-filesystem@127\.0\.0\.1:\d+\/x: /);
      expect((error as { cause?: { statusCode?: number } }).cause?.statusCode, name).toBe(404);
    }
    const fileSystem = await freshFileSystem();
    await expect(storageOn(fileSystem.name).probe()).resolves.toBeUndefined();
  });

  it('reports an unreachable endpoint as a retryable ConnectionError with the SDK error as cause', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const storage = createAdlsStorage({
      url: `http://127.0.0.1:${port}/devstoreaccount1`,
      accountKey: adlsAccountKey,
      fileSystem: 'anything',
      maxRetries: 1,
      retryDelayMs: 1,
      maxRetryDelayMs: 2,
    });
    for (const call of [
      () => storage.probe(),
      () => storage.get('k'),
      () => storage.put('k', bytes('v')),
    ]) {
      const error = await rejectionOf(call());
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as StoreError).retryable).toBe(true);
      expect(error.message).toMatch(/ECONNREFUSED/);
      expect((error.cause as { name?: string; code?: string }).name).toBe('RestError');
      expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
    }
  });

  it('refuses calls after close()', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name);
    await storage.close();
    const error = await rejectionOf(storage.get('k'));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as StoreError).retryable).toBe(false);
  });

  it('describes its location without credentials', () => {
    const storage = storageOn('lake', { prefix: 'trips/' });
    expect(storage.url).toMatch(/^abfss:\/\/lake@127\.0\.0\.1:\d+\/trips$/);
    expect(storage.describe()).toEqual({
      url: storage.url,
      account: 'devstoreaccount1',
      fileSystem: 'lake',
      prefix: 'trips',
      endpoint: adlsUrl,
      auth: 'shared-key',
    });
    const cloud = createAdlsStorage({ account: 'mylake', fileSystem: 'data', accountKey: 'a2V5' });
    expect(cloud.url).toBe('abfss://data@mylake.dfs.core.windows.net/');
    expect(cloud.describe()).toMatchObject({ endpoint: 'https://mylake.dfs.core.windows.net' });
  });
});
