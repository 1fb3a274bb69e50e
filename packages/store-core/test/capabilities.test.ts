import { describe, expect, it } from 'vitest';
import {
  assertStore,
  type CommitReport,
  ConnectionError,
  Store,
  type StoreCapabilities,
  ValidationError,
} from '../src/index.js';

/** A store that claims as little as possible: only incremental runs, nothing optional. */
class MinimalStore extends Store {
  readonly name = 'minimal:test';
  readonly capabilities: StoreCapabilities = {
    runTypes: ['incremental'],
    commit: 'atomic',
    readBack: false,
    records: false,
    tenants: false,
    softDelete: false,
    vectorSearch: false,
    faultInjection: false,
    multiProcess: false,
    arrowTypes: ['int64'],
  };
  async write(): Promise<void> {
    this.assertOpen('write');
  }
  async finish(): Promise<CommitReport> {
    this.assertOpen('finish');
    return {
      runId: 'r',
      runType: 'incremental',
      rows: 0,
      bytes: 0,
      parts: 0,
      durationMs: 0,
      committedAt: new Date().toISOString(),
      alreadyCommitted: false,
    };
  }
}

async function rejection(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('capabilities', () => {
  it('rejects every call that needs an unclaimed capability, naming it', async () => {
    const store = new MinimalStore();
    await store.connect();
    const cases: [string, () => unknown][] = [
      ['records', () => store.get(1)],
      ['records', () => store.insert({ id: 1 })],
      ['records', () => store.list()],
      ['records', () => store.count()],
      ['softDelete', () => store.restore(1)],
      ['vectorSearch', () => store.search({ column: 'v', vector: [1], k: 1 })],
      ['tenants', () => store.forTenant('a')],
      ['readBack', () => store.read()],
      ['faultInjection', () => store.faults],
      ['runTypes.merge', () => store.configureForRun('merge')],
      ['runTypes.full_drop', () => store.configureForRun('full_drop')],
    ];
    for (const [capability, call] of cases) {
      const error = await rejection(call);
      expect(ValidationError.isInstance(error), capability).toBe(true);
      expect((error as ValidationError).message).toContain(capability.replace('runTypes.', ''));
    }
    await expect(store.configureForRun('incremental')).resolves.toBeUndefined();
  });

  it('keeps the optional methods harmless and the lifecycle strict', async () => {
    const store = new MinimalStore();
    await expect(store.write()).rejects.toThrow(/before connect/);
    await store.connect();
    await store.connect();
    expect(store.isConnected).toBe(true);
    await store.cleanupStaging();
    await store.resetRetrySensitiveState();
    store.setPool({});
    expect((await store.health()).status).toBe('ok');
    await store[Symbol.asyncDispose]();
    expect(store.isConnected).toBe(false);
    await store.close();
    const error = await rejection(() => store.finish());
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((await store.health()).status).toBe('down');
    await expect(store.connect()).rejects.toThrow(/closed/);
  });
});

describe('assertStore', () => {
  it('accepts a store and names what a fake one is missing', () => {
    expect(() => assertStore(new MinimalStore())).not.toThrow();
    expect(() => assertStore({ write() {} })).toThrow(/missing finish\(\)/);
    expect(() => assertStore(null)).toThrow(ValidationError);
    const { capabilities: _dropped, ...noCapabilities } = Object.fromEntries(
      Object.getOwnPropertyNames(Store.prototype).map((name) => [name, () => {}]),
    );
    expect(() =>
      assertStore({ ...noCapabilities, write() {}, finish() {}, isConnected: false }),
    ).toThrow(/capabilities/);
  });
});
