import { ConnectionError, runFlow, type StoreError } from '@wharf/store-core';
import { type PostgresServer, startPostgres } from '@wharf/test-servers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { rows, uniqueTable } from './helpers.js';

let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres({ allowExisting: false });
});

afterAll(async () => {
  await server?.stop();
});

async function query<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('a server restart in the middle of a load', () => {
  for (const mode of ['fast', 'immediate'] as const) {
    it(`fails the load with a retryable ConnectionError and runFlow lands it exactly once (${mode})`, async () => {
      const table = uniqueTable('restart');
      const store = new PostgresStore({
        connectionString: server.url,
        table,
        key: 'id',
        partRows: 1000,
      });
      try {
        await store.connect();
        const errors: StoreError[] = [];
        let restarted = false;
        let batchesWritten = 0;
        async function* batches() {
          for (let batch = 0; batch < 8; batch += 1) {
            if (batch === 4 && !restarted) {
              restarted = true;
              await server.restart({ mode });
            }
            batchesWritten += 1;
            yield rows(batch * 1000 + 1, 1000);
          }
        }
        const report = await runFlow(() => batches(), store, {
          runType: 'incremental',
          retries: 5,
          backoff: { initialMs: 100, maxMs: 1000 },
          onRetry: (error) => errors.push(error),
        });
        expect(restarted).toBe(true);
        expect(errors.length).toBeGreaterThanOrEqual(1);
        expect(ConnectionError.isInstance(errors[0])).toBe(true);
        expect(errors[0]?.retryable).toBe(true);
        expect(report.attempts).toBe(errors.length + 1);
        expect(batchesWritten).toBeGreaterThan(8);
        const [counts] = await query<{ rows: string; ids: string }>(
          `SELECT count(*) AS rows, count(DISTINCT id) AS ids FROM ${table}`,
        );
        expect(counts).toEqual({ rows: '8000', ids: '8000' });
        const leftovers = await query(
          `SELECT 1 FROM pg_tables WHERE tablename LIKE 'wharf\\_stage\\_%'`,
        );
        expect(leftovers).toEqual([]);
        expect(await query(`SELECT 1 FROM wharf_journal WHERE table_name = '${table}'`)).toEqual(
          [],
        );
        expect(await store.count()).toBe(8000);
      } finally {
        await store.close();
      }
    });
  }
});
