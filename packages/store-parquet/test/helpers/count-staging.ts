/**
 * The staging probe: counts what a dataset's hidden sibling folder holds besides versions —
 * staged files (at least one per run folder), journal entries and temporary files — by
 * listing folders, without the store.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

async function names(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Staging artefacts of the dataset `name` in `parent`. */
export async function countStaging(parent: string, name: string): Promise<number> {
  const root = join(parent, `.${name}.wharf`);
  let count = 0;
  for (const run of await names(join(root, 'staging'))) {
    count += Math.max(1, (await names(join(root, 'staging', run))).length);
  }
  count += (await names(join(root, 'journal'))).length;
  return count;
}
