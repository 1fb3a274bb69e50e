import { runFlow } from '@wharf/store-core';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { makeStore, rows, targets, uniquePrefix } from './helpers.js';
import { probeClient, type Target } from './redis-probe.js';

describe.each(targets())('lifecycle ($kind)', (target: Target) => {
  it('uses a client handed to setPool() and leaves it open on close()', async () => {
    const client = probeClient(target);
    try {
      // ioredis' defaults (commands resent after a reconnect, an offline queue), unlike the
      // store's own connections.
      const store = new RedisStore({
        table: 'items',
        prefix: uniquePrefix(),
        key: 'id',
        pipelineBatch: 100,
      });
      store.setPool(client);
      await runFlow([rows(1, 1000), rows(1, 150, 1)], store, { runType: 'incremental' });
      expect(await store.count()).toBe(1000);
      expect(await store.get(141)).toMatchObject({ name: 'row-141-v1' });
      expect(await store.get(160)).toMatchObject({ name: 'row-160' });
      expect(() => store.setPool(client)).toThrow(/before connect/);
      await store.close();
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('refuses something that is not an ioredis client', () => {
    const store = new RedisStore({ table: 'items', url: 'redis://127.0.0.1:1' });
    expect(() => store.setPool({})).toThrow(expect.objectContaining({ code: 'WHARF_VALIDATION' }));
  });

  it('reports health and describes production and staging', async () => {
    const store = makeStore(target, { key: 'id' });
    expect((await store.health()).status).toBe('down');
    await store.connect();
    const health = await store.health();
    expect(health).toMatchObject({ status: 'ok', details: { mode: target.kind } });
    await runFlow([rows(1, 7)], store, { runType: 'incremental', runId: 'described' });
    const description = await store.describe();
    expect(description).toMatchObject({
      name: 'redis:items',
      rows: 7,
      committedRuns: ['described'],
      staging: { runs: [], orphans: [] },
    });
    expect(description.schema?.fields.map((field) => field.name)).toEqual([
      'id',
      'tenant',
      'name',
      'value',
      'flag',
      'at',
    ]);
    await store.close();
    expect((await store.health()).status).toBe('down');
    await expect(store.count()).rejects.toMatchObject({ code: 'WHARF_CONNECTION' });
  });
});

describe('lifecycle without a server', () => {
  it('fails connect() with a ConnectionError naming what is missing', async () => {
    const store = new RedisStore({ table: 'items' });
    await expect(store.connect()).rejects.toMatchObject({
      code: 'WHARF_CONNECTION',
      message: expect.stringContaining('setPool'),
    });
  });

  it('validates options before any I/O', () => {
    expect(() => new RedisStore({ table: 'bad-name', url: 'redis://x' })).toThrow(/table name/);
    expect(() => new RedisStore({ table: 't', prefix: '{x}', url: 'redis://x' })).toThrow(/prefix/);
    expect(() => new RedisStore({ table: 't', ttlSeconds: -1, url: 'redis://x' })).toThrow(
      /ttlSeconds/,
    );
    expect(() => new RedisStore({ table: 't', pipelineBatch: 0, url: 'redis://x' })).toThrow(
      /pipelineBatch/,
    );
    expect(
      () => new RedisStore({ table: 't', url: 'redis://x', cluster: { nodes: ['h:1'] } }),
    ).toThrow(/either url or cluster/);
  });
});
