import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectDataset } from '@wharf/dataset-inspector';
import { runFlow } from '@wharf/store-core';
import { ParquetStore } from '@wharf/store-parquet';
import { describe, expect, it } from 'vitest';
import { idsOf, range, rows, temporaryDirectory } from './helpers/data.js';

const sequence = (from: number, to: number) =>
  range(from, to - from + 1).map((number) => `${String(number).padStart(20, '0')}.parquet`);

async function parquetNames(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).filter((name) => name.endsWith('.parquet')).sort();
  } catch {
    return [];
  }
}

async function stagedNames(directory: string, name: string): Promise<string[]> {
  const staging = join(directory, `.${name}.wharf`, 'staging');
  const names: string[] = [];
  for (const run of await readdir(staging)) names.push(...(await parquetNames(join(staging, run))));
  return names.sort();
}

/** One file per written batch: every write stages a part at once. */
function sequenceStore(directory: string, name: string): ParquetStore {
  return new ParquetStore({
    directory,
    name,
    fileNames: 'sequence',
    targetFileBytes: 1,
    encoderThreads: 0,
  });
}

describe('sequence-numbered files', () => {
  it('names files with 20 digits, consecutive over commits of every run type', async () => {
    const directory = await temporaryDirectory();
    await using store = sequenceStore(directory, 'landing');
    await store.connect();
    await runFlow([rows(1, 10), rows(11, 10)], store, { runType: 'incremental' });
    expect(await parquetNames(join(directory, 'landing'))).toEqual(sequence(1, 2));
    await runFlow([rows(21, 10)], store, { runType: 'incremental' });
    expect(await parquetNames(join(directory, 'landing'))).toEqual(sequence(1, 3));
    await runFlow([rows(31, 10), rows(41, 10)], store, { runType: 'full_drop' });
    // full_drop replaces the files but never reuses a number.
    expect(await parquetNames(join(directory, 'landing'))).toEqual(sequence(4, 5));
  });

  it('a retry after an injected failure leaves no gap and no duplicate number', async () => {
    const directory = await temporaryDirectory();
    await using store = sequenceStore(directory, 'retried');
    await store.connect();
    await runFlow([rows(1, 10), rows(11, 10), rows(21, 10)], store, { runType: 'incremental' });
    expect(await parquetNames(join(directory, 'retried'))).toEqual(sequence(1, 3));

    // A dry run to find the third stagePart of a run, then fail there.
    store.faults.reset();
    const source = () => [rows(100, 10), rows(110, 10), rows(120, 10), rows(130, 10)];
    const probe = sequenceStore(directory, 'probe');
    await probe.connect();
    probe.faults.reset();
    await runFlow(source, probe, { runType: 'incremental' });
    const stagePartSteps = probe.faults.trace.filter((step) => step.name === 'stagePart');
    await probe.close();

    store.faults.arm({ at: stagePartSteps[2]!.index, mode: 'fail' });
    const retries: string[] = [];
    const report = await runFlow(source, store, {
      runType: 'incremental',
      backoff: { initialMs: 1, maxMs: 1, jitter: 0 },
      onRetry: (error) => retries.push(error.message),
    });
    expect(report.attempts).toBe(2);
    expect(retries[0]).toContain('injected failure');
    expect(await parquetNames(join(directory, 'retried'))).toEqual(sequence(1, 7));
    expect(idsOf(await inspectDataset(join(directory, 'retried')))).toEqual([
      ...range(1, 30),
      ...range(100, 40),
    ]);
  });

  it('resetRetrySensitiveState() rewinds the counter to the last committed number', async () => {
    const directory = await temporaryDirectory();
    await using store = sequenceStore(directory, 'rewind');
    await store.connect();
    await store.write(rows(1, 5));
    await store.finish();

    await store.write(rows(10, 5));
    await store.write(rows(20, 5));
    expect(await stagedNames(directory, 'rewind')).toEqual(sequence(2, 3));
    await store.cleanupStaging();
    await store.resetRetrySensitiveState();
    await store.write(rows(10, 5));
    await store.write(rows(20, 5));
    expect(await stagedNames(directory, 'rewind')).toEqual(sequence(2, 3));
    await store.finish();
    expect(await parquetNames(join(directory, 'rewind'))).toEqual(sequence(1, 3));
  });

  it('without the reset, publishing renumbers the files so that production still has no gap', async () => {
    const directory = await temporaryDirectory();
    await using store = sequenceStore(directory, 'norewind');
    await store.connect();
    await store.write(rows(1, 5));
    await store.finish();
    await store.write(rows(10, 5));
    await store.cleanupStaging();
    await store.write(rows(20, 5));
    expect(await stagedNames(directory, 'norewind')).toEqual(sequence(3, 3));
    await store.finish();
    expect(await parquetNames(join(directory, 'norewind'))).toEqual(sequence(1, 2));
  });

  it('a new store continues after the last committed number', async () => {
    const directory = await temporaryDirectory();
    {
      await using store = sequenceStore(directory, 'continued');
      await store.connect();
      await store.write(rows(1, 5));
      await store.write(rows(6, 5));
      await store.finish();
    }
    await using again = sequenceStore(directory, 'continued');
    await again.connect();
    await again.write(rows(11, 5));
    await again.finish();
    expect(await parquetNames(join(directory, 'continued'))).toEqual(sequence(1, 3));
  });

  it('a failure after the switch is retried as already committed, without new numbers', async () => {
    const directory = await temporaryDirectory();
    await using store = sequenceStore(directory, 'acked');
    await store.connect();
    const probe = sequenceStore(directory, 'acked_probe');
    await probe.connect();
    probe.faults.reset();
    await runFlow([rows(1, 5)], probe, { runType: 'incremental' });
    const collect = probe.faults.trace.find((step) => step.name === 'publish:collect')!;
    await probe.close();

    store.faults.arm({ at: collect.index, mode: 'fail' });
    const report = await runFlow([rows(1, 5)], store, {
      runType: 'incremental',
      backoff: { initialMs: 1, maxMs: 1, jitter: 0 },
    });
    expect(report).toMatchObject({ attempts: 2, alreadyCommitted: true });
    expect(await parquetNames(join(directory, 'acked'))).toEqual(sequence(1, 1));
  });
});
