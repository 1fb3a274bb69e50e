/**
 * What a commit costs in requests to the object storage, which writes may skip a service's
 * temporary file (`unpublished`), and commits built on a record read when the run began.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ObjectLayout, ObjectParquetStore } from '../dist/object.js';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { fileObjectStorage } from './fixtures/file-object-storage.mjs';
import { idsOf, range, readAll, rows, temporaryDirectory } from './helpers/data.js';
import { isDataKey, type StorageCall, spyStorage } from './helpers/object-spy.js';

async function bucket(): Promise<string> {
  const path = join(await temporaryDirectory(), 'bucket');
  await mkdir(path);
  return path;
}

function store(root: string, layout: ObjectLayout = 'commits', keepCommits = 5) {
  const spy = spyStorage(fileObjectStorage(root));
  const target = new ObjectParquetStore({
    name: 'file:test',
    storage: spy.storage,
    settings: { layout, keepCommits, key: ['id'], encoderThreads: 0, targetFileBytes: 1 },
  });
  return { spy, target };
}

/** The calls of one run, data-file uploads and the moves of the folder layout left out. */
function shape(calls: readonly StorageCall[]): string[] {
  return calls
    .filter((call) => !(call.method === 'put' && isDataKey(call.key)))
    .filter((call) => !['head', 'copy', 'rename'].includes(call.method))
    .filter((call) => !(call.method === 'delete' && isDataKey(call.key)))
    .map((call) => `${call.method} ${call.key.replace(/[0-9a-f-]{36}/g, '<run>')}`);
}

describe('object storage: requests per commit', () => {
  it.each(['commits', 'folder'] as const)(
    'layout %s: a commit lists _wharf/commits/ twice and reads nothing back',
    async (layout) => {
      const root = await bucket();
      const { spy, target } = store(root, layout);
      await using _ = target;
      await target.connect();
      for (const start of [1, 11]) {
        spy.calls.length = 0;
        await target.configureForRun('incremental');
        await target.write(rows(start, 5));
        await target.write(rows(start + 5, 5));
        await target.finish();
        const version = start === 1 ? 1 : 2;
        const record = `_wharf/commits/0000000000000000000${version}`;
        expect(shape(spy.calls).sort()).toEqual(
          [
            'put _wharf/journal/<run>.json',
            'put _wharf/runs/<run>',
            'list _wharf/commits/',
            'put _wharf/journal/<run>.json',
            `putIfAbsent ${record}.json`,
            'list _wharf/commits/',
            ...(layout === 'folder' ? [`put ${record}.applied`] : []),
            'delete _wharf/journal/<run>.json,_wharf/runs/<run>',
          ].sort(),
        );
      }
      expect(idsOf(await readAll(target.read()))).toEqual(range(1, 20));
    },
  );

  it('only data files are written unpublished: staged files and a merge rewrite, never a record, journal entry or marker', async () => {
    for (const layout of ['commits', 'folder'] as const) {
      const root = await bucket();
      const { spy, target } = store(root, layout);
      await using _ = target;
      await target.connect();
      await target.configureForRun('incremental');
      await target.write(rows(1, 5));
      await target.finish();
      await target.configureForRun('merge');
      await target.write(rows(4, 5, 1));
      await target.finish();
      const writes = spy.calls.filter((call) => call.method.startsWith('put'));
      const unpublished = writes.filter((call) => call.options?.unpublished === true);
      // Two staged files and the rewrite of the first without ids 4 and 5.
      expect(unpublished.map((call) => call.method)).toEqual(['put', 'put', 'put']);
      expect(unpublished.every((call) => isDataKey(call.key))).toBe(true);
      expect(writes.filter((call) => isDataKey(call.key))).toHaveLength(3);
      expect(idsOf(await readAll(target.read()))).toEqual(range(1, 8));
    }
  });
});

describe('object storage: a commit built on the record read when the run began', () => {
  it("is built again on another writer's newer commit", async () => {
    const root = await bucket();
    const { target: slow } = store(root);
    const { target: quick } = store(root);
    await using _slow = slow;
    await using _quick = quick;
    await slow.connect();
    await quick.connect();
    await slow.configureForRun('incremental');
    await slow.write(rows(1, 5));
    await quick.configureForRun('incremental');
    await quick.write(rows(6, 5));
    await quick.finish();
    await slow.finish();
    expect(idsOf(await readAll(slow.read()))).toEqual(range(1, 10));
  });

  it('is removed as a dead branch when its version number was used and pruned meanwhile', async () => {
    const root = await bucket();
    // No record kept besides the current one: three quick commits prune versions 1 and 2.
    const { spy, target: slow } = store(root, 'commits', 0);
    const { target: quick } = store(root, 'commits', 0);
    await using _slow = slow;
    await using _quick = quick;
    await slow.connect();
    await quick.connect();
    await slow.configureForRun('incremental');
    await slow.write(rows(1, 5));
    for (const start of [6, 11, 16]) {
      await quick.configureForRun('incremental');
      await quick.write(rows(start, 5));
      await quick.finish();
    }
    const report = await slow.finish();
    expect(report.alreadyCommitted).toBe(false);
    // Version 1 was free again: created, found below version 3 with no version 2, removed.
    expect(
      spy.calls.filter((call) => call.method === 'putIfAbsent').map((call) => call.key),
    ).toEqual([
      '_wharf/commits/00000000000000000001.json',
      '_wharf/commits/00000000000000000004.json',
    ]);
    expect(idsOf(await readAll(quick.read()))).toEqual(range(1, 20));
  });
});
