import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRedis } from '@wharf/test-servers';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

async function section(title: string): Promise<string> {
  const text = await readFile(readmePath, 'utf8');
  const start = text.indexOf(`## ${title}\n`);
  expect(start, `README section '${title}'`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

describe('README', () => {
  it('lists exactly the capabilities the store declares', async () => {
    const table = (await section('Capabilities'))
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| capability'))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const listed = Object.fromEntries(table.map(([, name, value]) => [name, value]));
    const { capabilities } = new RedisStore({ url: 'redis://127.0.0.1:1', table: 'readme' });
    const expected = Object.fromEntries(
      Object.entries(capabilities).map(([name, value]) => [
        name,
        Array.isArray(value)
          ? value.join(', ')
          : value === true
            ? 'yes'
            : value === false
              ? 'no'
              : String(value),
      ]),
    );
    expect(listed).toEqual(expected);
  });

  it('runs the example against a throwaway server and prints what it says', async () => {
    const example = /```js\n([\s\S]*?)```/.exec(await section('Example'))?.[1];
    expect(example).toBeDefined();
    const expected = [...example!.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map(
      (match) => match[1],
    );
    expect(expected.length).toBeGreaterThan(0);
    const file = fileURLToPath(
      new URL(`./fixtures/readme-example-${randomBytes(4).toString('hex')}.mjs`, import.meta.url),
    );
    await using server = await startRedis({ allowExisting: false });
    await writeFile(file, example!);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        env: { ...process.env, REDIS_URL: server.url },
      });
      expect(stdout.trim().split('\n')).toEqual(expected);
    } finally {
      await rm(file, { force: true });
    }
  });
});
