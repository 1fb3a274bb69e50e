import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFlow } from '@wharf/store-core';
import { ParquetStore } from '@wharf/store-parquet';
import { Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, expect, it } from 'vitest';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'wharf-parquet-describe-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const rows = (ids: number[]) =>
  new Table({
    id: vectorFromArray(ids.map(BigInt), new Int64()),
    city: vectorFromArray(
      ids.map((id) => `city ${id}`),
      new Utf8(),
    ),
  });

it('describes the current version and an abandoned run without recovering it', async () => {
  const path = join(directory, 'trips');
  const writer = new ParquetStore({ path, encoderThreads: 0 });
  const report = await runFlow([rows([1, 2, 3])], writer, { runType: 'full_drop' });
  writer.faults.arm({ at: 3, mode: 'crash' });
  await writer.configureForRun('incremental');
  await expect(
    (async () => {
      await writer.write(rows([4]));
      await writer.finish();
    })(),
  ).rejects.toThrow(/simulated crash/);

  const looker = new ParquetStore({ path, encoderThreads: 0 });
  await looker.connect({ recover: false });
  const description = await looker.describe();
  expect(description.rows).toBe(3);
  expect(description.schema?.fields.map((field) => field.name)).toEqual(['id', 'city']);
  expect(description.committedRuns).toEqual([report.runId]);
  expect(description.details).toMatchObject({ files: 1 });
  expect(description.staging?.runs).toMatchObject([{ runType: 'incremental', alive: false }]);
  await looker.close();

  const recovering = new ParquetStore({ path, encoderThreads: 0 });
  await recovering.connect();
  expect((await recovering.describe()).staging).toEqual({ runs: [], orphans: [] });
  await recovering.close();
  await writer.close();
});
