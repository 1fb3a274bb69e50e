import { lstat, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectDataset } from '@wharf/dataset-inspector';
import { SimulatedCrash } from '@wharf/store-core';
import { ParquetStore } from '@wharf/store-parquet';
import { describe, expect, it } from 'vitest';
import { countStaging } from './helpers/count-staging.js';
import { idsOf, range, readAll, rows, temporaryDirectory } from './helpers/data.js';

/** The step index of `name` in a run of two parts, found by a dry run on another dataset. */
async function stepOf(directory: string, name: string): Promise<number> {
  const probe = new ParquetStore({
    directory,
    name: 'probe',
    targetFileBytes: 1,
    encoderThreads: 0,
  });
  await probe.connect();
  probe.faults.reset();
  await probe.write(rows(1, 5));
  await probe.write(rows(6, 5));
  await probe.finish();
  const step = probe.faults.trace.find((candidate) => candidate.name === name);
  await probe.close();
  if (!step) throw new Error(`no step ${name}`);
  return step.index;
}

describe('crash recovery', () => {
  it.each([
    ['publish:switch', 'before the switch'],
    ['publish:collect', 'after the switch'],
    ['discard', 'after the commit, before the staging is removed'],
  ])('a crash at %s (%s) is completed by the next store, once', async (step) => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'crashing');
    const options = { directory, name: 'crashing', targetFileBytes: 1, encoderThreads: 0 };
    const at = await stepOf(directory, step);

    const store = new ParquetStore(options);
    await store.connect();
    store.faults.arm({ at, mode: 'crash' });
    const error = await (async () => {
      await store.write(rows(1, 5));
      await store.write(rows(6, 5));
      await store.finish();
    })().catch((caught: unknown) => caught);
    expect(SimulatedCrash.isInstance(error)).toBe(true);

    await using fresh = new ParquetStore(options);
    await fresh.connect();
    expect(idsOf(await inspectDataset(path))).toEqual(range(1, 10));
    expect(idsOf(await readAll(fresh.read()))).toEqual(range(1, 10));
    expect(await countStaging(directory, 'crashing')).toBe(0);
    const versions = await readdir(join(directory, '.crashing.wharf', 'versions'));
    expect(versions.length).toBeLessThanOrEqual(2);
  });

  it('a crash while staging is undone by the next store: production unchanged, nothing left', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'undone');
    const options = { directory, name: 'undone', targetFileBytes: 1, encoderThreads: 0 };
    {
      await using store = new ParquetStore(options);
      await store.connect();
      await store.write(rows(1, 3));
      await store.finish();
    }
    const store = new ParquetStore(options);
    await store.connect();
    store.faults.arm({ at: 4, mode: 'crash' });
    await store.write(rows(10, 5));
    await expect(store.write(rows(20, 5))).rejects.toThrow(/simulated crash/);
    expect(await countStaging(directory, 'undone')).toBeGreaterThan(0);

    await using fresh = new ParquetStore(options);
    await fresh.connect();
    expect(idsOf(await inspectDataset(path))).toEqual([1, 2, 3]);
    expect(await countStaging(directory, 'undone')).toBe(0);
  });

  it('a journal entry whose write was cut short long ago is removed by the next connect', async () => {
    const directory = await temporaryDirectory();
    const journal = join(directory, '.cut.wharf', 'journal');
    await mkdir(journal, { recursive: true });
    const old = join(journal, 'run-1.json.0f4c.tmp');
    const recent = join(journal, 'run-2.json.9a1b.tmp');
    await writeFile(old, '{"runId":');
    await writeFile(recent, '{"runId":');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, hourAgo, hourAgo);
    await using store = new ParquetStore({ directory, name: 'cut' });
    await store.connect();
    // The recent one may belong to a writer in another process, still at work.
    expect(await readdir(journal)).toEqual(['run-2.json.9a1b.tmp']);
  });

  it('close() without finish() removes the staged files', async () => {
    const directory = await temporaryDirectory();
    const store = new ParquetStore({ directory, name: 'abandoned', targetFileBytes: 1 });
    await store.connect();
    await store.write(rows(1, 5));
    expect(await countStaging(directory, 'abandoned')).toBeGreaterThan(0);
    await store.close();
    expect(await countStaging(directory, 'abandoned')).toBe(0);
    await expect(lstat(join(directory, 'abandoned'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('health() reports the current version', async () => {
    const directory = await temporaryDirectory();
    await using store = new ParquetStore({ directory, name: 'healthy' });
    expect((await store.health()).status).toBe('down');
    await store.connect();
    await store.write(rows(1, 5));
    await store.finish();
    const health = await store.health();
    expect(health).toMatchObject({
      status: 'ok',
      details: { version: '00000000000000000001', files: 1 },
    });
  });
});
