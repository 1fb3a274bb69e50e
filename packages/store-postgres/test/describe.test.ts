import { runFlow } from '@wharf/store-core';
import { expect, it } from 'vitest';
import { makeStore, rows, uniqueTable } from './helpers.js';

it('describes production and an abandoned run without recovering it', async () => {
  const table = uniqueTable('described');
  const writer = makeStore({ table });
  const report = await runFlow([rows(0, 3)], writer, { runType: 'full_drop' });
  writer.faults.arm({ at: 3, mode: 'crash' });
  await writer.configureForRun('incremental');
  await expect(
    (async () => {
      await writer.write(rows(3, 1));
      await writer.finish();
    })(),
  ).rejects.toThrow(/simulated crash/);

  const looker = makeStore({ table });
  await looker.connect({ recover: false });
  const description = await looker.describe();
  expect(description.rows).toBe(3);
  expect(description.schema?.fields.length).toBeGreaterThan(0);
  expect(description.committedRuns).toEqual([report.runId]);
  expect(description.staging?.runs).toMatchObject([{ runType: 'incremental', alive: false }]);
  expect(JSON.stringify(description.details)).not.toMatch(/password/i);
  await looker.close();

  const recovering = makeStore({ table });
  await recovering.connect();
  expect((await recovering.describe()).staging).toEqual({ runs: [], orphans: [] });
  await recovering.close();
  await writer.close();
});
