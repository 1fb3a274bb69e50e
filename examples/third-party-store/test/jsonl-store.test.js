import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFlow, ValidationError } from '@wharf/store-core';
import { Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JsonLinesStore } from '../src/index.js';

let directory;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'acme-jsonl-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const trips = (ids) =>
  new Table({
    id: vectorFromArray(ids.map(BigInt), new Int64()),
    city: vectorFromArray(
      ids.map((id) => `city ${id}`),
      new Utf8(),
    ),
  });

it('lands runs in one JSON Lines file and reads them back with their types', async () => {
  const store = new JsonLinesStore({ directory, table: 'trips' });
  await runFlow(() => [trips([1, 2])], store, { runType: 'full_drop' });
  await runFlow(() => [trips([3])], store, { runType: 'incremental' });
  const text = await readFile(join(directory, 'trips.jsonl'), 'utf8');
  expect(text.trim().split('\n').slice(1)).toEqual([
    '{"id":"1","city":"city 1"}',
    '{"id":"2","city":"city 2"}',
    '{"id":"3","city":"city 3"}',
  ]);
  const batches = [];
  for await (const batch of store.read()) batches.push(batch);
  expect(String(batches[0].schema.fields[0].type)).toBe('Int64');
  expect(batches[0].getChild('id').toArray()).toEqual(new BigInt64Array([1n, 2n, 3n]));
  await store.close();
});

it('refuses table names that could escape the directory', () => {
  expect(() => new JsonLinesStore({ directory, table: '../etc' })).toThrow(ValidationError);
});
