import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFlow } from '@wharf/store-core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { readAll, temporaryDirectory, trips } from './helpers.js';
import { countStagingArtefacts } from './sqlite-probes.js';

const WRITER = fileURLToPath(new URL('./fixtures/concurrent-writer.mjs', import.meta.url));

interface Summary {
  writer: number;
  loads: number;
  inserted: number;
  conflicts: number;
  unexpected: string[];
}

function runWriter(
  filename: string,
  table: string,
  writer: number,
  rounds: number,
): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(WRITER, [filename, table, String(writer), String(rounds)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let output = '';
    let errors = '';
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr!.on('data', (chunk) => {
      errors += String(chunk);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`writer ${writer} exited with ${code}: ${errors}`));
        return;
      }
      resolve(JSON.parse(output.trim().split('\n').at(-1)!) as Summary);
    });
  });
}

describe('several processes', () => {
  it('load and insert into one table at once without corrupting it or losing a row', async () => {
    const filename = join(temporaryDirectory(), 'shared.db');
    const table = 'shared';
    const rounds = 6;
    const summaries = await Promise.all(
      [0, 1, 2].map((writer) => runWriter(filename, table, writer, rounds)),
    );
    for (const summary of summaries) {
      expect(summary.unexpected, `writer ${summary.writer}`).toEqual([]);
      expect(summary.loads).toBe(rounds);
    }
    // Every contested key was inserted exactly once; the others lost with a ConflictError.
    const inserted = summaries.reduce((sum, summary) => sum + summary.inserted, 0);
    const conflicts = summaries.reduce((sum, summary) => sum + summary.conflicts, 0);
    expect(inserted).toBe(rounds * 10);
    expect(conflicts).toBe(rounds * 10 * 2);

    const db = new Database(filename, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const { count } = db.prepare('SELECT count(*) AS count FROM shared').get() as { count: number };
    const { keys } = db.prepare('SELECT count(DISTINCT id) AS keys FROM shared').get() as {
      keys: number;
    };
    db.close();
    expect(count).toBe(3 * rounds * 200 + rounds * 10);
    expect(keys).toBe(count);
    expect(countStagingArtefacts(filename, table)).toBe(0);
  });

  it('a reader sees one snapshot while another connection replaces the table', async () => {
    const filename = join(temporaryDirectory(), 'snapshot.db');
    const reader = new SqliteStore({ filename, table: 'trips', readBatchRows: 10 });
    const writer = new SqliteStore({ filename, table: 'trips' });
    await reader.connect();
    await writer.connect();
    await runFlow([trips(1, 50)], writer, { runType: 'full_drop' });
    const ids: number[] = [];
    let replaced = false;
    for await (const batch of reader.read()) {
      ids.push(...Array.from(batch.getChild('id')!, Number));
      if (!replaced) {
        await runFlow([trips(1000, 5)], writer, { runType: 'full_drop' });
        replaced = true;
      }
    }
    expect(ids).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect((await readAll(reader)).numRows).toBe(5);
    await reader.close();
    await writer.close();
  });

  it('shares a better-sqlite3 handle given with setPool and leaves it open', async () => {
    const filename = join(temporaryDirectory(), 'pool.db');
    const database = new Database(filename);
    const store = new SqliteStore({ filename, table: 'trips' });
    store.setPool(database);
    await store.connect();
    await runFlow([trips(1, 3)], store, { runType: 'full_drop' });
    await store.close();
    expect(database.open).toBe(true);
    expect(
      (database.prepare('SELECT count(*) AS count FROM trips').get() as { count: number }).count,
    ).toBe(3);
    database.close();
    expect(() => store.setPool({})).toThrow(/better-sqlite3/);
  });

  it('works on a private in-memory database', async () => {
    const store = new SqliteStore({ filename: ':memory:', table: 'trips', key: 'id' });
    expect(store.capabilities.multiProcess).toBe(false);
    await store.connect();
    await runFlow([trips(1, 4)], store, { runType: 'incremental' });
    expect((await readAll(store)).numRows).toBe(4);
    expect(await store.get(2n)).toMatchObject({ city: 'Oslo' });
    const health = await store.health();
    expect(health.status).toBe('ok');
    await store.close();
    expect((await store.health()).status).toBe('down');
  });
});
