import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionError, runFlow, StoreError } from '@wharf/store-core';
import { ParquetStore, readParquetFile } from '@wharf/store-parquet';
import { Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'wharf-parquet-file-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('readParquetFile', () => {
  it('streams a committed file back with its types', async () => {
    const path = join(directory, 'trips');
    const store = new ParquetStore({ path, encoderThreads: 0 });
    const table = new Table({
      id: vectorFromArray([1n, 2n, 3n], new Int64()),
      city: vectorFromArray(['Oslo', 'Lyon', 'Rome'], new Utf8()),
    });
    await runFlow([table], store, { runType: 'full_drop' });
    await store.close();
    const [file] = (await readdir(path)).filter((name) => name.endsWith('.parquet'));
    let rows = 0;
    for await (const batch of readParquetFile(join(path, file!))) {
      rows += batch.numRows;
      expect(String(batch.schema.fields[0]!.type)).toBe('Int64');
    }
    expect(rows).toBe(3);
  });

  it('maps a missing file and a file that is not Parquet to store errors', async () => {
    const missing = await readParquetFile(join(directory, 'nope.parquet'))
      .next()
      .catch((error: unknown) => error);
    expect(ConnectionError.isInstance(missing)).toBe(true);
    const notParquet = join(directory, 'text.parquet');
    await writeFile(notParquet, 'this is not parquet');
    const bad = await readParquetFile(notParquet)
      .next()
      .catch((error: unknown) => error);
    expect(StoreError.isInstance(bad)).toBe(true);
    expect((bad as Error).message).toContain('text.parquet');
  });
});
