import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countMemoryStaging, readMemoryProduction } from '@wharf/store-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built command, run as a user runs it (turbo builds before testing).
const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const wharf = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'wharf-cli-bin-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('the wharf command', () => {
  it('prints usage and exits 2 without a command', () => {
    const result = wharf();
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('wharf copy <from> <to>');
  });

  it('copies a CSV file and inspects the result', async () => {
    const csv = join(directory, 'trips.csv');
    await writeFile(csv, 'id,city\n1,Oslo\n2,Lyon\n');
    const target = `memory:trips?directory=${directory}`;
    const copied = wharf('copy', csv, target, '--mode', 'full_drop');
    expect(copied.status, copied.stderr).toBe(0);
    expect(copied.stdout).toMatch(/rows\s+2/);
    const inspected = wharf('inspect', target);
    expect(inspected.status, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(/rows\s+2/);
  });

  it('fails in one line naming the URL without its password, and shows causes with --verbose', () => {
    const missing = wharf(
      'copy',
      join(directory, 'nope.csv'),
      'postgres://loader:hunter2@127.0.0.1:1/db?table=t',
    );
    expect(missing.status).toBe(1);
    expect(missing.stderr).not.toContain('hunter2');
    expect(missing.stderr.trim().split('\n')).toHaveLength(2); // the failure and the --verbose hint
    const bad = wharf('copy', 'a.csv', 'ftp://x', '--verbose');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/unknown store scheme 'ftp:'/);
  });

  it('names the unreachable server in one line, without its password', async () => {
    const csv = join(directory, 'one.csv');
    await writeFile(csv, 'id\n1\n');
    const result = wharf('copy', csv, 'postgres://loader:hunter2@127.0.0.1:1/db?table=t');
    expect(result.status).toBe(1);
    const [line, hint] = result.stderr.trim().split('\n');
    expect(line).toContain(`copy ${csv} -> postgres://loader:***@127.0.0.1:1/db?table=t: `);
    expect(line).toMatch(/WHARF_CONNECTION, retryable/);
    expect(hint).toMatch(/--verbose/);
    expect(result.stderr).not.toContain('hunter2');
    const verbose = wharf(
      'copy',
      csv,
      'postgres://loader:hunter2@127.0.0.1:1/db?table=t',
      '--verbose',
    );
    expect(verbose.stderr).toMatch(/caused by/);
    expect(verbose.stderr).not.toContain('hunter2');
  });

  it('aborts on Ctrl-C: exit 130, nothing committed, staging cleaned', async () => {
    const csv = join(directory, 'big.csv');
    const lines = ['id,name'];
    for (let id = 0; id < 1_500_000; id += 1) lines.push(`${id},name ${id}`);
    await writeFile(csv, `${lines.join('\n')}\n`);
    const target = `memory:interrupted?directory=${directory}`;
    const child = spawn(process.execPath, [bin, 'copy', csv, target, '--batch-rows', '20000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // One Ctrl-C at the first progress line, while the copy is under way.
      if (!interrupted && stderr.includes('rows/s')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toContain('rows/s');
    expect(code).toBe(130);
    expect(stderr).toMatch(/copy aborted; production unchanged, staging cleaned/);
    expect((await readMemoryProduction(directory, 'interrupted')).numRows).toBe(0);
    expect(await countMemoryStaging(directory, 'interrupted')).toBe(0);
  });

  it('runs the conformance kit on a module, prints the matrix and writes the JSON report', async () => {
    const json = join(directory, 'report.json');
    const result = wharf('conformance', fixture('memory-kit.mjs'), '--json', json);
    expect(result.status, result.stdout.slice(-2000)).toBe(0);
    expect(result.stdout).toMatch(/pass\s+fault-sweep\/crash-incremental/);
    expect(result.stdout).toMatch(/87 passed, 0 failed, 0 not claimed/);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.summary).toEqual({ passed: 87, failed: 0, notClaimed: 0 });
  });

  it('exits non-zero on a store that breaks an invariant', () => {
    const result = wharf('conformance', fixture('leaky-kit.mjs'));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FAIL\s+fault-sweep\/fail-incremental/);
    expect(result.stdout).toMatch(/staging/i);
  });
});
