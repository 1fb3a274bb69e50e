import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ParquetStore } from '@wharf/store-parquet';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from './helpers/data.js';

const readme = () => readFile(new URL('../README.md', import.meta.url), 'utf8');

/** The body of the first fenced block of `language` in `text`. */
function block(text: string, language: string): string {
  const fence = '```';
  const opening = `${fence}${language}\n`;
  const start = text.indexOf(opening);
  const end = start < 0 ? -1 : text.indexOf(fence, start + opening.length);
  if (start < 0 || end < 0) throw new Error(`README has no ${language} block`);
  return text.slice(start + opening.length, end);
}

describe('README', () => {
  it('lists exactly the capabilities the store declares', async () => {
    const documented = JSON.parse(block(await readme(), 'json')) as unknown;
    expect(documented).toEqual(new ParquetStore({ path: '/tmp/readme-dataset' }).capabilities);
  });

  it('shows the example that runs (test/fixtures/readme-example.mjs), and it prints what it says', async () => {
    const example = fileURLToPath(new URL('./fixtures/readme-example.mjs', import.meta.url));
    expect(block(await readme(), 'js')).toBe(await readFile(example, 'utf8'));
    // The example makes its folder under os.tmpdir(): point that at a folder the test removes.
    const { stdout } = await promisify(execFile)(process.execPath, [example], {
      env: { ...process.env, TMPDIR: await temporaryDirectory() },
    });
    expect(stdout).toBe("3 1\n[ 'Oslo', 'Lyon', 'Rome' ]\n");
  });

  it('documents a default for every option', async () => {
    const text = await readme();
    for (const option of [
      'compression',
      'rowGroupRows',
      'targetFileBytes',
      'fileNames',
      'runType',
      'key',
      'adoptExisting',
      'keepVersions',
      'encoderThreads',
      'dictionaryEncoding',
      'lockTimeoutMs',
      'staleRunAfterMs',
    ]) {
      expect(text).toContain(`| \`${option}\` |`);
    }
  });
});
