/**
 * `wharf copy` between the embedded backends and from every file format, checked by reading
 * the targets back through their stores.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int64, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy, parseStoreUrl } from '../src/index.js';

let directory: string;
const quiet = { write: () => true };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'wharf-cli-embedded-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const sqlite = (table: string) => `sqlite:${join(directory, 'db.sqlite')}?table=${table}`;
const parquet = (name: string) => `parquet:${join(directory, name)}`;

/** The rows of a store URL, id → city, read back through the store. */
async function contents(url: string): Promise<Map<bigint, string>> {
  const store = await parseStoreUrl(url).open();
  await store.connect();
  const rows = new Map<bigint, string>();
  try {
    for await (const batch of store.read()) {
      const ids = batch.getChild('id')!;
      const cities = batch.getChild('city')!;
      for (let index = 0; index < batch.numRows; index += 1)
        rows.set(ids.get(index), cities.get(index));
    }
  } finally {
    await store.close();
  }
  return rows;
}

async function csv(name: string, ids: number[]): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, `id,city\n${ids.map((id) => `${id},city ${id}`).join('\n')}\n`);
  return path;
}

const run = (
  from: string,
  to: string,
  mode: 'full_drop' | 'incremental' | 'merge' = 'full_drop',
  key?: string[],
) => copy(from, to, { mode, ...(key ? { key } : {}), output: quiet, progress: quiet });

describe('wharf copy between embedded backends', () => {
  it('csv -> sqlite -> parquet -> sqlite, each exactly', async () => {
    await run(await csv('a.csv', [1, 2, 3]), sqlite('first'));
    await run(sqlite('first'), parquet('second'));
    await run(parquet('second'), sqlite('third'));
    const expected = new Map([
      [1n, 'city 1'],
      [2n, 'city 2'],
      [3n, 'city 3'],
    ]);
    expect(await contents(sqlite('first'))).toEqual(expected);
    expect(await contents(parquet('second'))).toEqual(expected);
    expect(await contents(sqlite('third'))).toEqual(expected);
  });

  it('appends and merges by key in both backends', async () => {
    for (const target of [sqlite('merged'), parquet('merged')]) {
      await run(await csv('base.csv', [1, 2]), target, 'full_drop', ['id']);
      await writeFile(join(directory, 'update.csv'), 'id,city\n2,Lille\n3,Rome\n');
      await run(join(directory, 'update.csv'), target, 'merge', ['id']);
      expect(await contents(target)).toEqual(
        new Map([
          [1n, 'city 1'],
          [2n, 'Lille'],
          [3n, 'Rome'],
        ]),
      );
    }
  });

  it('copies JSON Lines, Arrow IPC and Parquet files', async () => {
    const jsonl = join(directory, 'rows.jsonl');
    await writeFile(jsonl, '{"id":7,"city":"Bergen"}\n{"id":8,"city":"Turin"}\n');
    await run(jsonl, parquet('from_jsonl'));
    expect((await contents(parquet('from_jsonl'))).get(8n)).toBe('Turin');

    const arrow = join(directory, 'rows.arrow');
    const table = new Table({
      id: vectorFromArray([9n], new Int64()),
      city: vectorFromArray(['Porto'], new Utf8()),
    });
    await writeFile(arrow, tableToIPC(table, 'file'));
    await run(arrow, sqlite('from_arrow'));
    expect(await contents(sqlite('from_arrow'))).toEqual(new Map([[9n, 'Porto']]));

    const [file] = (await readdir(join(directory, 'from_jsonl'))).filter((name) =>
      name.endsWith('.parquet'),
    );
    await run(join(directory, 'from_jsonl', file!), sqlite('from_parquet'));
    expect((await contents(sqlite('from_parquet'))).size).toBe(2);
  });
});
