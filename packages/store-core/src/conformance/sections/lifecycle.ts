/**
 * Section 2, lifecycle: `connect()`, `close()`, `isConnected`, `health()` and
 * `Symbol.asyncDispose` behave as the contract says, and a closed store refuses work with a
 * `ConnectionError`.
 */
import type { HealthReport, Store } from '@wharf/store-core';
import { attempt, describeError, ensure, expectStoreError, fail } from '../assertions.js';
import { defineChecks, needStandardData } from '../check.js';
import { standardRows } from '../dataset.js';
import type { CheckHarness } from '../harness.js';
import { expectProduction, preferredRunType, tableFromRows, writeRun } from '../run-scenarios.js';

/** Reads isConnected afresh (a getter whose value changes between calls). */
function connected(store: Store): boolean {
  return store.isConnected;
}

const CLOSED_RULE = 'every operation on a closed store raises a ConnectionError';

async function expectHealthNotOk(store: Store, situation: string): Promise<void> {
  let health: HealthReport;
  try {
    health = await store.health();
  } catch (error) {
    fail(
      `health() ${situation} threw ${describeError(error)} — health() never throws; it reports 'down'`,
    );
  }
  ensure(
    health?.status !== 'ok',
    `health() ${situation} reports status 'ok' — a closed store is not healthy`,
  );
}

async function commitRows(harness: CheckHarness, store: Store, start: number, count: number) {
  const rows = standardRows(start, count);
  await writeRun(store, preferredRunType(harness.capabilities), [tableFromRows(harness, rows)]);
  return rows;
}

/** The checks of the lifecycle section. */
export const lifecycleChecks = defineChecks('lifecycle', [
  {
    slug: 'connect-close',
    title: 'connect() and close() set isConnected; health() is ok while connected',
    async run(harness) {
      const store = await harness.createStore();
      harness.activity = 'connecting';
      await store.connect();
      ensure(connected(store), 'isConnected is false after connect() resolved');
      const health = await store.health();
      ensure(
        health?.status === 'ok',
        `health() on a connected store reports ${JSON.stringify(health)}, expected status 'ok'`,
      );
      ensure(
        typeof health.latencyMs === 'number' && health.latencyMs >= 0,
        `health().latencyMs must be a non-negative number, got ${String(health.latencyMs)}`,
      );
      harness.activity = 'closing';
      await store.close();
      ensure(!connected(store), 'isConnected is still true after close() resolved');
      const again = await attempt(() => store.close());
      if (again !== undefined) {
        fail(`a second close() threw ${describeError(again)} — close() is idempotent`);
      }
      await expectHealthNotOk(store, 'after close()');
    },
  },
  {
    slug: 'connect-twice',
    title: 'connect() twice is harmless and the store still works',
    requires: needStandardData,
    async run(harness) {
      const store = await harness.createStore();
      await store.connect();
      const again = await attempt(() => store.connect());
      if (again !== undefined) {
        fail(`a second connect() threw ${describeError(again)} — connect() is idempotent`);
      }
      ensure(store.isConnected, 'isConnected is false after a second connect()');
      harness.activity = 'committing a run after connecting twice';
      const rows = await commitRows(harness, store, 1, 5);
      await expectProduction(
        harness,
        rows,
        'a run after connect() twice',
        'the store must work normally',
      );
    },
  },
  {
    slug: 'closed-store-refuses',
    title: 'write(), finish() and connect() after close() raise ConnectionError',
    requires: needStandardData,
    async run(harness) {
      const store = await harness.openStore();
      await store.configureForRun(preferredRunType(harness.capabilities));
      await store.close();
      const data = tableFromRows(harness, standardRows(1, 5));
      await expectStoreError(
        () => store.write(data),
        'ConnectionError',
        'write() after close()',
        CLOSED_RULE,
      );
      await expectStoreError(
        () => store.finish(),
        'ConnectionError',
        'finish() after close()',
        CLOSED_RULE,
      );
      await expectStoreError(
        () => store.connect(),
        'ConnectionError',
        'connect() after close()',
        `${CLOSED_RULE}; a closed store is not reopened — create a new one`,
      );
      await expectHealthNotOk(store, 'after close()');
      await expectProduction(
        harness,
        [],
        'after writes to a closed store',
        'a refused write must not land',
      );
    },
  },
  {
    slug: 'async-dispose',
    title: 'Symbol.asyncDispose closes the store and keeps committed data',
    requires: needStandardData,
    async run(harness) {
      const store = await harness.openStore();
      const rows = await commitRows(harness, store, 1, 10);
      harness.activity = 'calling store[Symbol.asyncDispose]()';
      await store[Symbol.asyncDispose]();
      ensure(
        store.isConnected === false,
        'isConnected is still true after store[Symbol.asyncDispose]() — `await using` must close the store',
      );
      await expectStoreError(
        () => store.write(tableFromRows(harness, standardRows(11, 5))),
        'ConnectionError',
        'write() after store[Symbol.asyncDispose]()',
        CLOSED_RULE,
      );
      await expectProduction(
        harness,
        rows,
        'after disposing the store',
        'disposal must not touch committed data',
      );
    },
  },
]);
