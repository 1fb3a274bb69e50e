import { runFlow, SimulatedCrash, StoreError } from '@wharf/store-core';
import { makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStore } from '../src/index.js';
import { idsOf, makeStore, range, rows, targets } from './helpers.js';
import { countStaging, probeClient, readProductionRows, type Target } from './redis-probe.js';

describe.each(targets())('staged writes ($kind)', (target: Target) => {
  const probe = probeClient(target);
  afterAll(() => probe.disconnect());

  async function production(store: RedisStore) {
    const [prefix, table] = store.keyTag.slice(1, -1).split(':') as [string, string];
    return (await readProductionRows(probe, prefix, table)).rows;
  }
  async function staging(store: RedisStore) {
    const [prefix, table] = store.keyTag.slice(1, -1).split(':') as [string, string];
    return countStaging(probe, prefix, table);
  }

  beforeAll(async () => {
    await probe.ping();
  });

  it('shows nothing before finish() and everything after it, leaving no staging', async () => {
    await using store = makeStore(target, { key: 'id', partRows: 100 });
    await store.connect();
    await store.configureForRun('incremental');
    await store.write(rows(1, 250));
    expect(await production(store)).toEqual([]);
    expect(await store.count()).toBe(0);
    const report = await store.finish();
    expect(report).toMatchObject({ rows: 250, parts: 3, alreadyCommitted: false });
    expect(idsOf(await production(store))).toEqual(range(1, 250));
    expect(await staging(store)).toBe(0);
  });

  it('full_drop replaces production in one step and removes the old version', async () => {
    await using store = makeStore(target, { key: 'id' });
    await store.connect();
    await runFlow([rows(1, 50)], store, { runType: 'full_drop' });
    const writer = makeStore(target, {
      key: 'id',
      prefix: store.keyTag.slice(1, -1).split(':')[0],
    });
    await writer.connect();
    await writer.configureForRun('full_drop');
    await writer.write(rows(100, 20));
    expect(idsOf(await production(store))).toEqual(range(1, 50));
    await writer.finish();
    expect(idsOf(await production(store))).toEqual(range(100, 20));
    expect(await staging(store)).toBe(0);
    await writer.close();
  });

  it('incremental appends, merge upserts by key, both over an existing production', async () => {
    await using store = makeStore(target, { key: 'id' });
    await store.connect();
    await runFlow([rows(1, 10)], store, { runType: 'full_drop' });
    await runFlow([rows(11, 5)], store, { runType: 'incremental' });
    expect(idsOf(await production(store))).toEqual(range(1, 15));
    await runFlow([rows(5, 10, 1)], store, { runType: 'merge' });
    const after = await production(store);
    expect(idsOf(after)).toEqual(range(1, 15));
    expect(after.find((row) => row.id === 6n)?.name).toBe('row-6-v1');
    expect(after.find((row) => row.id === 2n)?.name).toBe('row-2');
    expect(await staging(store)).toBe(0);
  });

  it('keeps duplicates of a key-less load and its order', async () => {
    await using store = makeStore(target, { partRows: 7 });
    await store.connect();
    await runFlow([rows(1, 20), rows(1, 20)], store, { runType: 'incremental' });
    await runFlow([rows(21, 5)], store, { runType: 'incremental' });
    const ids = (await production(store)).map((row) => Number(row.id));
    expect(ids).toEqual([...range(1, 20), ...range(1, 20), ...range(21, 5)]);
    const read: number[] = [];
    for await (const batch of store.read({ columns: ['id'] })) {
      for (const value of batch.getChild('id')!) read.push(Number(value));
    }
    expect(read).toEqual(ids);
  });

  it('a key repeated within a run keeps its last row, whole', async () => {
    await using store = makeStore(target, { key: 'id', partRows: 3 });
    await store.connect();
    await store.configureForRun('incremental');
    await store.write(rows(1, 5));
    await store.write(rows(1, 5, 2));
    await store.finish();
    const after = await production(store);
    expect(idsOf(after)).toEqual(range(1, 5));
    expect(after.every((row) => String(row.name ?? 'row-x-v2').endsWith('-v2'))).toBe(true);
  });

  it('a key staged again in the same chunk, in a chunk in flight or in a later part keeps its last row, whole', async () => {
    await using store = makeStore(target, { key: 'id', pipelineBatch: 3, pipelineDepth: 4 });
    await store.connect();
    await runFlow([rows(1, 40)], store, { runType: 'full_drop' });
    await store.configureForRun('merge');
    // Ids 1-20 again, then 1-20 with names removed for the even ids, in one batch: every id
    // comes twice within the run, across chunks of 3 rows, some within one chunk.
    const again = rows(1, 20, 1);
    const last = new Table({
      id: again.getChild('id')!,
      tenant: again.getChild('tenant')!,
      name: vectorFromArray(
        range(1, 20).map((id) => (id % 2 === 0 ? null : `last-${id}`)),
        new Utf8(),
      ),
      value: again.getChild('value')!,
      flag: again.getChild('flag')!,
      at: again.getChild('at')!,
    });
    await store.write(new Table([...again.batches, ...last.batches]).slice(0, 40));
    const duplicates = new Table({
      id: makeVector(BigInt64Array.from([30n, 31n, 30n, 31n, 30n])),
      name: vectorFromArray(['a', 'b', null, 'c', 'final'], new Utf8()),
    });
    await store.write(duplicates);
    await store.finish();
    const after = await production(store);
    expect(idsOf(after)).toEqual(range(1, 40));
    for (const id of range(1, 20)) {
      const row = after.find((candidate) => candidate.id === BigInt(id))!;
      expect(row.name, `row ${id}`).toBe(id % 2 === 0 ? null : `last-${id}`);
    }
    expect(after.find((row) => row.id === 30n)).toMatchObject({ name: 'final', value: null });
    expect(after.find((row) => row.id === 31n)).toMatchObject({ name: 'c', value: null });
    expect(await staging(store)).toBe(0);
  });

  it('writes no row once the staging of the run is gone from Redis, and cleans up what was staged', async () => {
    await using store = makeStore(target, { key: 'id', partRows: 10 });
    await store.connect();
    await runFlow([rows(1, 5)], store, { runType: 'incremental' });
    await store.configureForRun('incremental', { runId: 'vanishing' });
    await store.write(rows(100, 10));
    const entry = JSON.parse((await probe.hget(`${store.keyTag}:staging`, 'vanishing'))!) as {
      version: string;
    };
    // What a flushed or restarted server does to the run: its staging entry is gone.
    await probe.hdel(`${store.keyTag}:staging`, 'vanishing');
    const failure = await store.write(rows(200, 10)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'WHARF_STAGING', retryable: true });
    const index = `${store.keyTag}:v${entry.version}:index`;
    expect(await probe.zcard(index)).toBe(10);
    expect(await probe.exists(`${store.keyTag}:v${entry.version}:row:p03200`)).toBe(0);
    await store.cleanupStaging();
    expect(await staging(store)).toBe(0);
    expect(idsOf(await production(store))).toEqual(range(1, 5));
  });

  it('commits a run id once: a rerun with the same id changes nothing', async () => {
    await using store = makeStore(target, { key: 'id' });
    await store.connect();
    await store.configureForRun('incremental', { runId: 'run-1' });
    await store.write(rows(1, 10));
    expect((await store.finish()).alreadyCommitted).toBe(false);
    await store.configureForRun('merge', { runId: 'run-1' });
    await store.write(rows(1, 10, 3));
    expect((await store.finish()).alreadyCommitted).toBe(true);
    expect((await production(store)).every((row) => !String(row.name).endsWith('-v3'))).toBe(true);
    expect(await staging(store)).toBe(0);
  });

  it('publishes large runs atomically by building a new version, with production changing meanwhile', async () => {
    await using store = makeStore(target, { key: 'id', maxScriptRows: 50, partRows: 200 });
    await store.connect();
    await runFlow([rows(1, 300)], store, { runType: 'full_drop' });
    await store.delete(3);
    await store.configureForRun('merge');
    await store.write(rows(200, 400, 1));
    const writes = (async () => {
      for (let id = 10_000; id < 10_040; id += 1)
        await store.upsert({ id: BigInt(id), name: 'live' });
    })();
    await Promise.all([writes, store.finish()]);
    const after = await production(store);
    const ids = new Set(after.map((row) => Number(row.id)));
    for (const id of [...range(1, 599), ...range(10_000, 40)]) {
      if (id !== 3) expect(ids.has(id), `row ${id}`).toBe(true);
    }
    expect(ids.has(3)).toBe(false);
    expect(after.find((row) => row.id === 250n)?.name).toBe('row-250-v1');
    expect(await staging(store)).toBe(0);
    expect(await store.count()).toBe(599 - 1 + 40);
  });

  it('a run into an empty production switches to the staged version', async () => {
    await using store = makeStore(target, { key: 'id', maxScriptRows: 10 });
    await store.connect();
    await runFlow([rows(1, 100)], store, { runType: 'incremental' });
    expect(idsOf(await production(store))).toEqual(range(1, 100));
    await runFlow([rows(101, 100)], store, { runType: 'incremental' });
    expect(idsOf(await production(store))).toEqual(range(1, 200));
    expect(await staging(store)).toBe(0);
  });

  for (const maxScriptRows of [1000, 10]) {
    it(`a run that began on an empty production still lands whole when rows arrive meanwhile (maxScriptRows ${maxScriptRows})`, async () => {
      const schema = rows(1, 1).schema;
      await using store = makeStore(target, { key: 'id', maxScriptRows, partRows: 20, schema });
      await store.connect();
      await store.configureForRun('merge');
      await store.write(rows(1, 50));
      await store.insert({ id: 1000n, name: 'meanwhile' });
      await store.insert({ id: 10n, name: 'replaced by the run' });
      await store.finish();
      const after = await production(store);
      expect(idsOf(after)).toEqual([...range(1, 50), 1000]);
      expect(after.find((row) => row.id === 10n)?.name).toBe('row-10');
      expect(await staging(store)).toBe(0);
    });
  }

  it('a crash at any step of a run into an empty production is recovered exactly once', async () => {
    const options = { key: 'id', partRows: 20, maxScriptRows: 30 };
    const dry = makeStore(target, options);
    await dry.connect();
    dry.faults.reset();
    await runFlow([rows(1, 50)], dry, { runType: 'incremental' });
    const steps = dry.faults.steps;
    await dry.close();
    for (let step = 1; step <= steps; step += 1) {
      const store = makeStore(target, options);
      const prefix = store.keyTag.slice(1, -1).split(':')[0]!;
      await store.connect();
      store.faults.arm({ at: step, mode: 'crash' });
      const runId = `empty-${step}`;
      await (async () => {
        await store.configureForRun('incremental', { runId });
        await store.write(rows(1, 50));
        await store.finish();
      })().catch(() => undefined);
      expect([[], range(1, 50)], `step ${step}`).toContainEqual(idsOf(await production(store)));
      await using rerun = makeStore(target, { ...options, prefix });
      await runFlow([rows(1, 50)], rerun, { runType: 'incremental', runId });
      expect(idsOf(await production(store)), `step ${step}`).toEqual(range(1, 50));
      expect(await staging(store), `step ${step}`).toBe(0);
      await store.close().catch(() => undefined);
    }
  });

  it('an empty run commits and changes nothing', async () => {
    await using store = makeStore(target, { key: 'id' });
    await store.connect();
    await runFlow([rows(1, 5)], store, { runType: 'incremental' });
    await store.configureForRun('incremental');
    expect((await store.finish()).rows).toBe(0);
    expect(idsOf(await production(store))).toEqual(range(1, 5));
    expect(await staging(store)).toBe(0);
  });

  it('cleanupStaging() and close() without finish() leave production as it was and nothing staged', async () => {
    const store = makeStore(target, { key: 'id', partRows: 10 });
    await store.connect();
    await runFlow([rows(1, 5)], store, { runType: 'incremental' });
    await store.configureForRun('merge');
    await store.write(rows(1, 30, 1));
    await store.cleanupStaging();
    expect(await staging(store)).toBe(0);
    await store.configureForRun('full_drop');
    await store.write(rows(50, 30));
    await store.close();
    expect(idsOf(await production(store))).toEqual(range(1, 5));
    expect(await staging(store)).toBe(0);
  });

  for (const runType of ['full_drop', 'incremental', 'merge'] as const) {
    it(`${runType}: a crash at any step leaves production before or after; recovery finishes it exactly once`, async () => {
      const options = { key: 'id', partRows: 20, maxScriptRows: 30 };
      const run = rows(30, 50, 1);
      const before = range(1, 40);
      const after = runType === 'full_drop' ? range(30, 50) : range(1, 79);
      const seeded = async () => {
        const store = makeStore(target, options);
        await store.connect();
        await runFlow([rows(1, 40)], store, { runType: 'full_drop' });
        return store;
      };
      const dry = await seeded();
      dry.faults.reset();
      await dry.configureForRun(runType);
      await dry.write(run);
      await dry.finish();
      const steps = dry.faults.steps;
      await dry.close();
      expect(steps).toBeGreaterThan(6);
      for (let step = 1; step <= steps; step += 1) {
        const store = await seeded();
        const prefix = store.keyTag.slice(1, -1).split(':')[0]!;
        const runId = `crash-${step}`;
        store.faults.arm({ at: step, mode: 'crash' });
        const outcome = await (async () => {
          await store.configureForRun(runType, { runId });
          await store.write(run);
          await store.finish();
        })().catch((error: unknown) => error);
        expect(SimulatedCrash.isInstance(outcome), `step ${step}: ${String(outcome)}`).toBe(true);
        expect([before, after], `step ${step}`).toContainEqual(idsOf(await production(store)));
        await using rerun = makeStore(target, { ...options, prefix });
        await rerun.connect();
        expect([before, after], `step ${step}`).toContainEqual(idsOf(await production(store)));
        await rerun.configureForRun(runType, { runId });
        await rerun.write(run);
        await rerun.finish();
        expect(idsOf(await production(store)), `step ${step}`).toEqual(after);
        expect(await staging(store), `step ${step}`).toBe(0);
        await store.close().catch(() => undefined);
      }
    });
  }

  it('raises typed errors, never a raw driver error', async () => {
    await using store = makeStore(target, { key: 'id' });
    await store.connect();
    await runFlow([rows(1, 5)], store, { runType: 'full_drop' });
    const current = await probe.get(`${store.keyTag}:current`);
    await probe.del(`${store.keyTag}:v${current}:index`);
    await probe.set(`${store.keyTag}:v${current}:index`, 'not a sorted set');
    const error = await store.list().catch((caught: unknown) => caught);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'WHARF_QUERY', retryable: false });
    expect((error as Error).message).toMatch(/WRONGTYPE/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
