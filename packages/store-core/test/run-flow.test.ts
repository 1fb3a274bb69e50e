import { describe, expect, it } from 'vitest';
import { MemoryStore, runFlow, ValidationError } from '../src/index.js';
import { trips, uniqueTable } from './helpers.js';

const source = () => [trips(0, 5), trips(5, 5), trips(10, 5)];
const fast = { backoff: { initialMs: 1, maxMs: 2 } };

async function storeWithFault(at: number | undefined) {
  const store = new MemoryStore({ table: uniqueTable(), key: 'id' });
  await store.connect();
  if (at !== undefined) store.faults.arm({ at, mode: 'fail' });
  return store;
}

// Steps of one run of `source` into a fresh MemoryStore: 1 journal:begin, 2 begin,
// 3 stagePart, 4 journal:commit, 5 publish, 6 discard, 7 journal:remove.
describe('runFlow', () => {
  it('retries a failure while writing and lands the data exactly once', async () => {
    const store = await storeWithFault(3);
    const retries: number[] = [];
    const report = await runFlow(source, store, {
      ...fast,
      onRetry: (_error, attempt) => retries.push(attempt),
    });
    expect(report.attempts).toBe(2);
    expect(retries).toEqual([1]);
    expect(report.rows).toBe(15);
    expect(await store.count()).toBe(15);
  });

  it('retries a failure inside finish() (the publish step) exactly once', async () => {
    const store = await storeWithFault(5);
    const report = await runFlow(source, store, fast);
    expect(report.attempts).toBe(2);
    expect(report.alreadyCommitted).toBe(false);
    expect(await store.count()).toBe(15);
  });

  it('does not apply a run twice when only the cleanup after publishing failed', async () => {
    const store = await storeWithFault(6);
    const report = await runFlow(source, store, fast);
    expect(report.attempts).toBe(2);
    expect(report.alreadyCommitted).toBe(true);
    expect(await store.count()).toBe(15);
  });

  it('rethrows a non-retryable error unchanged and leaves production and staging clean', async () => {
    const store = await storeWithFault(undefined);
    await runFlow([trips(0, 3)], store, { runType: 'full_drop' });
    const bad = () => [trips(100, 2), { not: 'arrow' }] as never;
    const error = await runFlow(bad, store, fast).catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(await store.count()).toBe(3);
    expect(await store.recover()).toEqual({ rolledForward: [], discarded: [] });
  });

  it('gives up after the configured retries with the last error', async () => {
    const store = await storeWithFault(undefined);
    let attempts = 0;
    const failing = () => {
      attempts += 1;
      store.faults.arm({ at: 1, mode: 'fail' });
      return source();
    };
    await expect(runFlow(failing, store, { ...fast, retries: 2 })).rejects.toThrow(
      /injected failure/,
    );
    expect(attempts).toBe(3);
    expect(await store.count()).toBe(0);
  });

  it('does not replay a one-shot source', async () => {
    const store = await storeWithFault(3);
    function* once() {
      yield trips(0, 5);
    }
    await expect(runFlow(once(), store, fast)).rejects.toThrow(/injected failure/);
    expect(await store.count()).toBe(0);
  });

  it('stops on abort, cleaning staging', async () => {
    const store = await storeWithFault(undefined);
    const controller = new AbortController();
    async function* slow() {
      yield trips(0, 5);
      controller.abort(new Error('user pressed Ctrl-C'));
      yield trips(5, 5);
    }
    await expect(runFlow(slow, store, { signal: controller.signal })).rejects.toThrow(/Ctrl-C/);
    expect(await store.count()).toBe(0);
    expect(await store.recover()).toEqual({ rolledForward: [], discarded: [] });
  });

  it('reports progress per batch with the attempt number', async () => {
    const store = await storeWithFault(3);
    const seen: string[] = [];
    await runFlow(source, store, {
      ...fast,
      onProgress: (progress) => seen.push(`${progress.attempt}:${progress.rows}`),
    });
    expect(seen).toEqual(['1:5', '1:10', '1:15', '2:5', '2:10', '2:15']);
  });
});
