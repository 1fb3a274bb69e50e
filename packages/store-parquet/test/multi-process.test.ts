import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectDataset } from '@wharf/dataset-inspector';
import { describe, expect, it } from 'vitest';
import { idsOf, range, temporaryDirectory } from './helpers/data.js';

const writer = fileURLToPath(new URL('./fixtures/concurrent-writer.mjs', import.meta.url));

function run(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

describe('several processes', () => {
  it('commit into one dataset at once without losing or duplicating a row or a file number', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'shared');
    const processes = 4;
    const commits = 6;
    const rows = 25;
    const codes = await Promise.all(
      range(0, processes).map((index) =>
        run([path, String(1 + index * commits * rows), String(commits), String(rows)]),
      ),
    );
    expect(codes).toEqual(range(0, processes).map(() => 0));
    expect(idsOf(await inspectDataset(path))).toEqual(range(1, processes * commits * rows));
    const files = (await readdir(path)).filter((name) => name.endsWith('.parquet')).sort();
    expect(files).toEqual(
      range(1, processes * commits).map((number) => `${String(number).padStart(20, '0')}.parquet`),
    );
  });
});
