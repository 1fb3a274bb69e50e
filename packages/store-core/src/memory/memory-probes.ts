/**
 * Probes that read a directory-backed memory store's files without going through the store:
 * the independent inspector of the conformance kit's memory run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table } from 'apache-arrow';
import { decodeState } from './memory-state.js';
import { DirectoryStorage } from './memory-storage.js';

/** What production holds for `table` in `directory` (an empty table when never committed). */
export async function readMemoryProduction(directory: string, table: string): Promise<Table> {
  const path = join(directory, table, 'production.bin');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Table();
    throw error;
  }
  const state = decodeState(bytes, path);
  return state.schema ? new Table(state.schema, state.batches) : new Table();
}

/** How many staged parts and journal entries `table` has in `directory`. */
export function countMemoryStaging(directory: string, table: string): Promise<number> {
  return new DirectoryStorage(directory).countStaging(table);
}
