import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { serverUrl } from './helpers.js';

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
    expect(documented).toEqual(new PostgresStore({ table: 'readme' }).capabilities);
  });

  it('shows the example that runs (test/fixtures/readme-example.mjs), and it prints what it says', async () => {
    const example = fileURLToPath(new URL('./fixtures/readme-example.mjs', import.meta.url));
    expect(block(await readme(), 'js')).toBe(await readFile(example, 'utf8'));
    const { stdout } = await promisify(execFile)(process.execPath, [example], {
      env: { ...process.env, DATABASE_URL: serverUrl() },
    });
    expect(stdout).toBe("3 1\n{ id: 2n, city: 'Lyon' }\n");
  });

  it('documents a default for every option', async () => {
    const text = await readme();
    for (const option of [
      'table',
      'connectionString',
      'connection',
      'pgSchema',
      'key',
      'tenantColumn',
      'softDelete',
      'schema',
      'schemaEvolution',
      'runType',
      'unloggedStaging',
      'fullDropMode',
      'copyStreams',
      'pool',
      'partRows',
      'partBytes',
      'readBatchRows',
      'staleRunAfterMs',
    ]) {
      expect(text).toContain(`| \`${option}\` |`);
    }
  });
});
