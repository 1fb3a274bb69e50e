import { runFlow, ValidationError } from '@wharf/store-core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { rows, serverUrl, uniqueTable } from './helpers.js';

describe('a shared pool', () => {
  it('serves several stores, and close() gives connections back without ending it', async () => {
    const pool = new pg.Pool({ connectionString: serverUrl(), max: 3 });
    try {
      const tables = [uniqueTable('shared'), uniqueTable('shared')];
      const stores = tables.map((table) => {
        const store = new PostgresStore({ table, key: 'id' });
        store.setPool(pool);
        return store;
      });
      await Promise.all(
        stores.map((store, index) =>
          runFlow([rows(index * 100 + 1, 50)], store, { runType: 'incremental' }),
        ),
      );
      expect(await stores[0]!.count()).toBe(50);
      expect(await stores[1]!.get(101n)).toMatchObject({ id: 101n });
      for (const store of stores) await store.close();
      const result = await pool.query(`SELECT count(*)::int AS rows FROM ${tables[0]}`);
      expect(result.rows[0]).toEqual({ rows: 50 });
      expect(pool.totalCount).toBeLessThanOrEqual(3);
      const late = new PostgresStore({ table: tables[0]!, connectionString: serverUrl() });
      await late.connect();
      expect(() => late.setPool(pool)).toThrow(ValidationError);
      expect(() => new PostgresStore({ table: 'x' }).setPool({} as never)).toThrow(ValidationError);
      await late.close();
    } finally {
      await pool.end();
    }
  });
});
