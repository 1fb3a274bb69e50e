import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(PACKAGE, 'README.md'), 'utf8');

/** The body of the README section titled `title` (up to the next `##` heading). */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, `README has a '## ${title}' section`).toBeGreaterThan(-1);
  const rest = README.slice(start + title.length + 5);
  const end = rest.search(/\n## /);
  return end === -1 ? rest : rest.slice(0, end);
}

/** The `| name | value |` rows of the capability table. */
function capabilityTable(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of section('Capabilities').split('\n')) {
    const match = /^\| `(\w+)` \| (.+) \|$/.exec(line.trim());
    if (match) rows.set(match[1]!, match[2]!);
  }
  return rows;
}

function names(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

describe('the README', () => {
  it('lists exactly the capabilities the store declares', () => {
    const store = new SqliteStore({ filename: join(PACKAGE, 'never-opened.db'), table: 'trips' });
    const declared = store.capabilities;
    const table = capabilityTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(declared).sort());
    for (const [name, value] of Object.entries(declared)) {
      const cell = table.get(name)!;
      if (Array.isArray(value)) {
        expect(names(cell).sort(), name).toEqual([...value].sort());
      } else if (typeof value === 'boolean') {
        expect(cell.startsWith(value ? 'yes' : 'no'), `${name}: ${cell}`).toBe(true);
      } else {
        expect(names(cell), name).toEqual([value]);
      }
    }
    const memory = new SqliteStore({ filename: ':memory:', table: 'trips' });
    expect(memory.capabilities.multiProcess).toBe(false);
    expect(table.get('multiProcess')).toMatch(/no for `:memory:`/);
  });

  it('has an example that runs and prints what its comments say', () => {
    const code = /```js\n([\s\S]*?)```/.exec(section('Example'))?.[1];
    expect(code).toBeDefined();
    // Inside the package, `@wharf/store-sqlite` resolves to the package itself (its dist).
    const directory = join(PACKAGE, 'test', `.example-${process.pid}`);
    mkdirSync(directory, { recursive: true });
    try {
      writeFileSync(join(directory, 'example.mjs'), code!);
      const output = execFileSync(process.execPath, ['example.mjs'], {
        cwd: directory,
        encoding: 'utf8',
      });
      const expected = [...code!.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map(
        (match) => match[1],
      );
      expect(output.trim().split('\n')).toEqual(expected);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
