/**
 * What each write sends to the file system, counted from the requests the process sends: an
 * unpublished put written in place, any other through a temporary file and a rename, the
 * engine's directories kept instead of re-created, and a commit whose requests do not grow
 * with its number of data files.
 */
import { runFlow } from '@wharf/store-core';
import { Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { AdlsStore } from '../src/index.js';
import {
  adlsAccountKey,
  adlsUrl,
  bytes,
  freshFileSystem,
  patternBytes,
  quickRetries,
  rawPaths,
  recordRequests,
  type SentRequest,
  storageOn,
} from './helpers.js';

/** What a request did, e.g. `PUT file data/a`, `PATCH append data/a`, `PUT rename data/a`. */
function describeRequest(request: SentRequest, prefix: string): string {
  const path = request.path.startsWith(`${prefix}/`)
    ? request.path.slice(prefix.length + 1)
    : request.path;
  const what =
    request.renameSource !== undefined
      ? 'rename'
      : (request.query.get('action') ??
        request.query.get('resource') ??
        (request.query.has('recursive') ? 'directory' : 'file'));
  return `${request.method} ${what} ${path.replace(/_wharf\/tmp\/[0-9a-f-]{36}/, '_wharf/tmp/<uuid>')}`;
}

describe('requests of the ADLS storage', () => {
  it('writes an unpublished put in place, in parallel parts, and other puts through a temporary file and a rename', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, {
      prefix: 'w',
      partSize: 64 * 1024,
      concurrency: 2,
    });
    const body = patternBytes(200 * 1024);

    let recording = recordRequests();
    await storage.put('data/run-1/a.parquet', body, {
      unpublished: true,
      contentType: 'application/vnd.apache.parquet',
    });
    const inPlace = recording.stop().map((request) => describeRequest(request, 'w'));
    // Nothing under _wharf/tmp/, no rename, and no request for the missing directory
    // `data/run-1`: the create makes it.
    expect(inPlace.sort()).toEqual([
      'PATCH append data/run-1/a.parquet',
      'PATCH append data/run-1/a.parquet',
      'PATCH append data/run-1/a.parquet',
      'PATCH append data/run-1/a.parquet',
      'PATCH flush data/run-1/a.parquet',
      'PUT file data/run-1/a.parquet',
    ]);
    expect(Buffer.from((await storage.get('data/run-1/a.parquet')) as Uint8Array)).toEqual(
      Buffer.from(body),
    );
    const properties = await fileSystem.getFileClient('w/data/run-1/a.parquet').getProperties();
    expect(properties.contentType).toBe('application/vnd.apache.parquet');

    recording = recordRequests();
    await storage.put('data/run-1/b.parquet', bytes('published'));
    expect(recording.stop().map((request) => describeRequest(request, 'w'))).toEqual([
      'PUT file _wharf/tmp/<uuid>',
      'PATCH append _wharf/tmp/<uuid>',
      'PATCH flush _wharf/tmp/<uuid>',
      'PUT rename data/run-1/b.parquet',
    ]);
    expect(await storage.get('data/run-1/b.parquet')).toEqual(bytes('published'));

    // putIfAbsent keeps its conditional rename even when told the key is unpublished.
    recording = recordRequests();
    expect(
      await storage.putIfAbsent('data/run-1/c.parquet', bytes('c'), { unpublished: true }),
    ).toBe(true);
    expect(recording.stop().map((request) => describeRequest(request, 'w'))).toEqual([
      'PUT file _wharf/tmp/<uuid>',
      'PATCH append _wharf/tmp/<uuid>',
      'PATCH flush _wharf/tmp/<uuid>',
      'PUT rename data/run-1/c.parquet',
    ]);

    // An empty body is written whole by its create: one request, in place.
    recording = recordRequests();
    await storage.put('_wharf/runs/run-1', new Uint8Array(0));
    expect(recording.stop().map((request) => describeRequest(request, 'w'))).toEqual([
      'PUT file _wharf/runs/run-1',
    ]);
    expect(await storage.head('_wharf/runs/run-1')).toMatchObject({ size: 0 });
    expect(await rawPaths(fileSystem, 'w/_wharf/tmp')).toEqual([]);
  });

  it('keeps the engine directories when a delete empties them and removes the others', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: 'k' });
    const keys = [
      '_wharf/journal/run-1.json',
      '_wharf/runs/run-1',
      '_wharf/commits/00000000000000000001.json',
      '_wharf/staging/run-1/a.parquet',
      'data/run-1/a.parquet',
      'other/deep/x',
    ];
    for (const key of keys) await storage.put(key, bytes(key));

    const recording = recordRequests();
    await storage.delete(keys);
    const sent = recording.stop().map((request) => describeRequest(request, 'k'));
    // One delete per file, and one per directory that goes; none for the kept ones.
    expect(sent.filter((request) => request.startsWith('DELETE directory')).sort()).toEqual([
      'DELETE directory _wharf/staging/run-1',
      'DELETE directory data/run-1',
      'DELETE directory other',
      'DELETE directory other/deep',
    ]);
    expect(sent).toHaveLength(keys.length + 4);
    expect((await rawPaths(fileSystem, 'k')).map((path) => path.name).sort()).toEqual([
      'k/_wharf',
      'k/_wharf/commits',
      'k/_wharf/journal',
      'k/_wharf/runs',
      'k/_wharf/staging',
      'k/_wharf/tmp',
      'k/data',
    ]);
  });

  it('creates a missing engine directory before the rename once a listing found it missing', async () => {
    const fileSystem = await freshFileSystem();
    const storage = storageOn(fileSystem.name, { prefix: 'm' });
    const record = '_wharf/commits/00000000000000000001.json';
    for await (const entry of storage.list('_wharf/commits/')) throw new Error(entry.key);

    let recording = recordRequests();
    expect(await storage.putIfAbsent(record, bytes('{}'))).toBe(true);
    expect(recording.stop().map((request) => describeRequest(request, 'm'))).toEqual([
      'PUT file _wharf/tmp/<uuid>',
      'PATCH append _wharf/tmp/<uuid>',
      'PATCH flush _wharf/tmp/<uuid>',
      'PUT directory _wharf/commits',
      `PUT rename ${record}`,
    ]);

    // Not known to be missing: the rename is tried first, and only when it fails is the
    // directory created (then it stays).
    recording = recordRequests();
    await storage.put('_wharf/journal/run-1.json', bytes('{}'));
    expect(recording.stop().map((request) => describeRequest(request, 'm'))).toEqual([
      'PUT file _wharf/tmp/<uuid>',
      'PATCH append _wharf/tmp/<uuid>',
      'PATCH flush _wharf/tmp/<uuid>',
      'PUT rename _wharf/journal/run-1.json',
      'PUT directory _wharf/journal',
      'PUT rename _wharf/journal/run-1.json',
    ]);
    await storage.delete(['_wharf/journal/run-1.json']);
    recording = recordRequests();
    await storage.put('_wharf/journal/run-2.json', bytes('{}'));
    expect(recording.stop()).toHaveLength(4);
  });

  it('commits a full_drop with the same requests beyond its uploads for 4 data files as for 1', async () => {
    const table = (id: number) =>
      new Table({
        id: vectorFromArray([BigInt(id)], new Int64()),
        city: vectorFromArray([`city ${id}`], new Utf8()),
      });
    const beyondUploads: Record<string, number> = {};
    for (const files of [1, 4]) {
      const fileSystem = await freshFileSystem();
      const prefix = `datasets/files-${files}`;
      const store = new AdlsStore({
        url: adlsUrl,
        accountKey: adlsAccountKey,
        fileSystem: fileSystem.name,
        prefix,
        // One file per batch.
        encoderThreads: 0,
        targetFileBytes: 64,
        ...quickRetries,
      });
      await store.connect();
      for (const round of ['new dataset', 'next run']) {
        const recording = recordRequests();
        await runFlow(() => Array.from({ length: files }, (_, index) => table(index)), store, {
          runType: 'full_drop',
        });
        const sent = recording.stop();
        const dataFiles = new Set(
          sent
            .filter((request) => request.path.startsWith(`${prefix}/data/`))
            .map((request) => request.path),
        );
        expect(dataFiles.size, round).toBe(files);
        // Each data file: create, append, flush, as a plain upload of it — no rename.
        const uploads = sent.filter((request) => dataFiles.has(request.path));
        expect(uploads.map((request) => describeRequest(request, prefix).split(' ')[1])).toEqual(
          Array.from({ length: files }, () => ['file', 'append', 'flush']).flat(),
        );
        const others = sent
          .filter((request) => !dataFiles.has(request.path))
          .map((request) => describeRequest(request, prefix));
        if (round === 'next run') {
          // The engine's directories exist now: none is created or removed again.
          expect(others.filter((request) => request.includes(' directory '))).toEqual([]);
        }
        beyondUploads[`${round}, ${files} file(s)`] = others.length;
      }
      await store.close();
    }
    expect(beyondUploads['new dataset, 4 file(s)']).toBe(beyondUploads['new dataset, 1 file(s)']);
    expect(beyondUploads['next run, 4 file(s)']).toBe(beyondUploads['next run, 1 file(s)']);
    expect(beyondUploads['next run, 1 file(s)']).toBeLessThan(
      beyondUploads['new dataset, 1 file(s)'] as number,
    );
  });
});
