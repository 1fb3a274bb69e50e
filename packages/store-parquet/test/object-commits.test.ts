/**
 * The object-storage engine's commit records: pruning keeps `keepCommits` records and every
 * file they reference, a `full_drop`'s old files outlive it until their records are pruned,
 * and a folder-layout commit that crashed half-applied is finished by the next store.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectDataset } from '@wharf/dataset-inspector';
import { type RunType, SimulatedCrash } from '@wharf/store-core';
import { describe, expect, it } from 'vitest';
import { type ObjectLayout, ObjectParquetStore } from '../dist/object.js';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { fileObjectStorage } from './fixtures/file-object-storage.mjs';
import { idsOf, range, readAll, rows, temporaryDirectory } from './helpers/data.js';

async function bucket(): Promise<string> {
  const path = join(await temporaryDirectory(), 'bucket');
  await mkdir(path);
  return path;
}

function store(root: string, layout: ObjectLayout = 'commits', keepCommits = 2) {
  return new ObjectParquetStore({
    name: 'file:test',
    storage: fileObjectStorage(root),
    // Each write() is staged as its own part (and file).
    settings: { layout, keepCommits, encoderThreads: 0, targetFileBytes: 1 },
  });
}

async function commit(target: ObjectParquetStore, runType: RunType, start: number, count = 5) {
  await target.configureForRun(runType);
  await target.write(rows(start, count));
  return target.finish();
}

async function names(path: string): Promise<string[]> {
  return (await readdir(path, { recursive: true }).catch(() => [] as string[])).sort();
}

describe('object storage: commit records', () => {
  it('keeps keepCommits records besides the current one, and every file a kept record lists', async () => {
    const root = await bucket();
    await using target = store(root);
    await target.connect();
    for (let round = 0; round < 6; round += 1) await commit(target, 'incremental', 1 + round * 5);
    const records = (await names(join(root, '_wharf', 'commits'))).filter((name) =>
      name.endsWith('.json'),
    );
    expect(records).toEqual([
      '00000000000000000004.json',
      '00000000000000000005.json',
      '00000000000000000006.json',
    ]);
    expect(idsOf(await readAll(target.read()))).toEqual(range(1, 30));

    // A full_drop replaces the files; the old ones stay while a kept record lists them.
    await commit(target, 'full_drop', 100);
    const before = (await names(join(root, 'data'))).filter((name) => name.endsWith('.parquet'));
    expect(before).toHaveLength(7);
    await commit(target, 'incremental', 200);
    await commit(target, 'incremental', 300);
    const after = (await names(join(root, 'data'))).filter((name) => name.endsWith('.parquet'));
    expect(after).toHaveLength(3);
    expect(idsOf(await readAll(target.read()))).toEqual([
      ...range(100, 5),
      ...range(200, 5),
      ...range(300, 5),
    ]);
    expect(await names(join(root, '_wharf', 'journal'))).toEqual([]);
    expect(await names(join(root, '_wharf', 'runs'))).toEqual([]);
  });

  it('a folder-layout commit that crashed between two moves is finished by the next store', async () => {
    const root = await bucket();
    {
      await using first = store(root, 'folder');
      await first.connect();
      await commit(first, 'incremental', 1);
    }
    // The step of the second move, from a dry run of the same commit on another bucket.
    const probe = store(await bucket(), 'folder');
    await probe.connect();
    await commit(probe, 'incremental', 1);
    probe.faults.reset();
    await probe.configureForRun('full_drop');
    await probe.write(rows(10, 5));
    await probe.write(rows(15, 5));
    await probe.finish();
    const moves = probe.faults.trace.filter((step) => step.name === 'publish:move');
    await probe.close();
    expect(moves).toHaveLength(2);

    const crashing = store(root, 'folder');
    await crashing.connect();
    crashing.faults.reset();
    crashing.faults.arm({ at: moves[1]!.index, mode: 'crash' });
    await crashing.configureForRun('full_drop');
    await crashing.write(rows(10, 5));
    await crashing.write(rows(15, 5));
    const error = await crashing.finish().catch((caught: unknown) => caught);
    expect(SimulatedCrash.isInstance(error)).toBe(true);
    // Half-applied: a glob reader sees the old rows and the first moved file.
    expect(idsOf(await inspectDataset(root))).toEqual([...range(1, 5), ...range(10, 5)]);

    await using fresh = store(root, 'folder');
    await fresh.connect();
    expect(idsOf(await inspectDataset(root))).toEqual(range(10, 10));
    expect(idsOf(await readAll(fresh.read()))).toEqual(range(10, 10));
    const staged = await names(join(root, '_wharf', 'staging'));
    expect(staged.filter((name) => name.endsWith('.parquet'))).toEqual([]);
    expect(await names(join(root, '_wharf', 'journal'))).toEqual([]);
  });
});
