import { isRetryable, runFlow } from '@wharf/store-core';
import { type RedisServer, startRedis } from '@wharf/test-servers';
import type { Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { range, rows, uniquePrefix } from './helpers.js';
import { countStaging, probeClient, readProductionRows } from './redis-probe.js';

describe('a server restart in the middle of a load', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis({ allowExisting: false });
  });
  afterAll(() => server.stop());

  async function production(prefix: string): Promise<{ ids: number[]; staging: number }> {
    const probe = probeClient({ kind: 'standalone', url: server.url });
    try {
      const { rows: found } = await readProductionRows(probe, prefix, 'items');
      const staging = await countStaging(probe, prefix, 'items');
      return { ids: found.map((row) => Number(row.id)), staging };
    } finally {
      probe.disconnect();
    }
  }

  for (const when of ['between batches', 'while a part is being staged'] as const) {
    it(`fails the attempt with a retryable error and lands exactly once (${when})`, async () => {
      const prefix = uniquePrefix();
      await using store = new RedisStore({
        url: server.url,
        table: 'items',
        prefix,
        key: 'id',
        partRows: 500,
      });
      let restarted = false;
      const errors: unknown[] = [];
      // Ten batches; the fifth is large enough (100 parts) to be still staging when the
      // restart, started just before it is written, takes the server down.
      const sizes = [1000, 1000, 1000, 1000, 50_000, 1000, 1000, 1000, 1000, 1000];
      const total = sizes.reduce((sum, size) => sum + size, 0);
      async function* withRestart(): AsyncGenerator<Table> {
        let start = 1;
        for (const [batch, size] of sizes.entries()) {
          if (!restarted && batch === 4) {
            restarted = true;
            if (when === 'between batches') await server.restart();
            else setTimeout(() => void server.restart(), 1);
          }
          yield rows(start, size);
          start += size;
        }
      }
      const report = await runFlow(() => withRestart(), store, {
        runType: 'incremental',
        retries: 5,
        backoff: { initialMs: 100, factor: 2, maxMs: 1000, jitter: 0 },
        onRetry: (error) => errors.push(error),
      });
      expect(restarted).toBe(true);
      expect(report.attempts).toBeGreaterThan(1);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(isRetryable(error)).toBe(true);
        expect(['WHARF_CONNECTION', 'WHARF_STAGING']).toContain((error as { code: string }).code);
      }
      const { ids, staging } = await production(prefix);
      expect(staging).toBe(0);
      expect(ids.length).toBe(total);
      expect(ids.sort((left, right) => left - right)).toEqual(range(1, total));
      expect(await store.count()).toBe(total);
    });
  }
});
