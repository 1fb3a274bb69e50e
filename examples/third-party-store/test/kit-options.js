/**
 * The conformance kit's options for JsonLinesStore, shared by the vitest run and by
 * `wharf conformance ./test/kit-options.js`. The probes read the files directly, never through
 * the store: a store that writes the wrong thing cannot also read it back "right".
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSchema } from '@wharf/store-core';
import { JsonLinesStore } from '../src/index.js';
import { fromJson } from '../src/jsonl-codec.js';

/** A fresh store for a kit context. */
export async function createStore(context) {
  let directory = context.directory;
  if (context.unreachable) {
    // A file where the store expects its directory: every access fails.
    directory = join(context.directory, 'not-a-directory');
    await writeFile(directory, '');
    directory = join(directory, 'store');
  }
  return new JsonLinesStore({ directory, table: context.table });
}

/** Production's rows, parsed straight from the file (strings back to bigints and special floats). */
async function inspect(context) {
  let text;
  try {
    text = await readFile(join(context.directory, `${context.table}.jsonl`), 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  const [first, ...lines] = text.split('\n').filter((line) => line !== '');
  const { schema } = JSON.parse(first).$wharf;
  const fields = schema ? decodeSchema(schema).fields : [];
  return lines.map((line) => {
    const row = JSON.parse(line);
    for (const field of fields) row[field.name] = fromJson(row[field.name], field.type);
    return row;
  });
}

/** Staged part files plus journal entries of the table. */
async function inspectStaging(context) {
  const names = async (path) => readdir(path).catch(() => []);
  let count = 0;
  const staging = join(context.directory, `.${context.table}.staging`);
  for (const run of await names(staging))
    count += Math.max(1, (await names(join(staging, run))).length);
  return count + (await names(join(context.directory, `.${context.table}.journal`))).length;
}

export const conformance = {
  name: '@acme/store-jsonl',
  createStore,
  inspect,
  inspectStaging,
  spawn: { module: fileURLToPath(import.meta.url) },
};
