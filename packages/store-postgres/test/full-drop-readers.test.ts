import { runFlow } from '@wharf/store-core';
import { Field, Int64, Schema, Table, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeStore, probe, uniqueTable } from './helpers.js';

const SCHEMA = new Schema([
  new Field('id', new Int64(), false),
  new Field('generation', new Int64(), false),
]);
const ROWS = 3000;

function generation(number: number): Table {
  const ids = Array.from({ length: ROWS }, (_, index) => BigInt(index));
  return new Table(SCHEMA, {
    id: vectorFromArray(ids, new Int64()),
    generation: vectorFromArray(
      ids.map(() => BigInt(number)),
      new Int64(),
    ),
  } as never);
}

describe('full_drop and concurrent readers', () => {
  it('shows a reader the old rows or the new, never a mix or an empty table, over many commits', async () => {
    const table = uniqueTable('swap');
    const store = makeStore({ table, key: 'id', schema: SCHEMA });
    await store.connect();
    await runFlow([generation(0)], store, { runType: 'full_drop' });

    let publishing = true;
    const seen = new Set<string>();
    const violations: string[] = [];
    let reads = 0;
    const reader = (async () => {
      const client = await probe().connect();
      try {
        while (publishing) {
          const result = await client.query<{ rows: string; low: string; high: string }>(
            `SELECT count(*) AS rows, min(generation) AS low, max(generation) AS high FROM ${table}`,
          );
          const { rows, low, high } = result.rows[0]!;
          reads += 1;
          seen.add(low);
          if (Number(rows) !== ROWS || low !== high)
            violations.push(`${rows} rows, generations ${low}…${high}`);
        }
      } finally {
        client.release();
      }
    })();
    try {
      for (let number = 1; number <= 25; number += 1) {
        await runFlow([generation(number)], store, { runType: 'full_drop' });
      }
    } finally {
      publishing = false;
      await reader;
    }
    expect(violations).toEqual([]);
    expect(reads).toBeGreaterThan(25);
    expect(seen.size).toBeGreaterThan(2);
  });

  it("with fullDropMode 'delete', a REPEATABLE READ reader keeps seeing its snapshot's rows", async () => {
    const table = uniqueTable('mvcc');
    const store = makeStore({ table, schema: SCHEMA, fullDropMode: 'delete' });
    await store.connect();
    await runFlow([generation(0)], store, { runType: 'full_drop' });
    const client = await probe().connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await client.query('SELECT 1');
      await runFlow([generation(1)], store, { runType: 'full_drop' });
      const inside = await client.query(
        `SELECT count(*)::int AS rows, max(generation)::int AS generation FROM ${table}`,
      );
      expect(inside.rows[0]).toEqual({ rows: ROWS, generation: 0 });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  });

  it("with fullDropMode 'truncate' (the default), a REPEATABLE READ snapshot older than the commit sees the table empty", async () => {
    const table = uniqueTable('trunc');
    const store = makeStore({ table, schema: SCHEMA });
    await store.connect();
    await runFlow([generation(0)], store, { runType: 'full_drop' });
    const client = await probe().connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await client.query('SELECT 1');
      await runFlow([generation(1)], store, { runType: 'full_drop' });
      const inside = await client.query(`SELECT count(*)::int AS rows FROM ${table}`);
      expect(inside.rows[0]).toEqual({ rows: 0 });
      await client.query('COMMIT');
      const after = await client.query(`SELECT count(*)::int AS rows FROM ${table}`);
      expect(after.rows[0]).toEqual({ rows: ROWS });
    } finally {
      client.release();
    }
  });
});
