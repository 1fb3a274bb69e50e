/**
 * Section 8, errors: every error a store raises is a `StoreError` with a known code and a
 * `retryable` flag; an unreachable backend raises a retryable `ConnectionError` that keeps the
 * driver's error as `cause`; and no error shows the credentials the kit planted.
 */
import { ConnectionError, ERROR_CODES, type Store, StoreError } from '@wharf/store-core';
import { attempt, describeError, ensure, fail, safeJson, truncate } from '../assertions.js';
import { defineChecks, needStandardData } from '../check.js';
import { asRecord, standardRow, standardRows } from '../dataset.js';
import type { CheckHarness } from '../harness.js';
import { preferredRunType, tableFromRows, writeRun } from '../run-scenarios.js';

const KNOWN_CODES: readonly string[] = Object.values(ERROR_CODES);

interface CollectedError {
  readonly operation: string;
  readonly error: unknown;
}

/** Runs the calls that must fail on any store and returns what each threw. */
async function provokeErrors(harness: CheckHarness, store: Store): Promise<CollectedError[]> {
  const collected: CollectedError[] = [];
  const provoke = async (operation: string, action: () => unknown) => {
    harness.activity = `calling ${operation}`;
    const error = await attempt(action);
    if (error !== undefined) collected.push({ operation, error });
    else collected.push({ operation, error: new Error(`${operation} did not fail`) });
  };
  const claimed = store.capabilities.runTypes[0] ?? 'incremental';
  await provoke('write(a plain object)', () => store.write({} as never));
  await provoke('write(null)', () => store.write(null as never));
  await provoke("configureForRun('bogus')", () => store.configureForRun('bogus' as never));
  await provoke(`configureForRun('${claimed}', { runId: '../x' })`, () =>
    store.configureForRun(claimed, { runId: '../x' }),
  );
  if (store.capabilities.records) {
    await provoke('update() of a missing key', () => store.update(999_999n, { name: 'x' }));
    await provoke('insert() of an existing key', () =>
      store.insert(asRecord(standardRow(1, 1), harness.fields)),
    );
  } else {
    await provoke('get() without the records capability', () => store.get(1));
  }
  await store.close();
  await provoke('write() after close()', () =>
    store.write(tableFromRows(harness, standardRows(100, 1))),
  );
  await provoke('finish() after close()', () => store.finish());
  await provoke('connect() after close()', () => store.connect());
  return collected;
}

/** Where `secret` shows in `error`: message, String(), details, stack or any cause. */
function secretLeaks(error: unknown, secret: string, depth = 0): string[] {
  if (depth > 5 || error === null || error === undefined) return [];
  const places: string[] = [];
  if (typeof error !== 'object') {
    return String(error).includes(secret) ? ['the thrown value'] : [];
  }
  const record = error as {
    message?: unknown;
    stack?: unknown;
    details?: unknown;
    cause?: unknown;
  };
  const prefix = depth === 0 ? '' : `cause${depth > 1 ? ` (depth ${depth})` : ''} `;
  if (typeof record.message === 'string' && record.message.includes(secret)) {
    places.push(`${prefix}message ("${truncate(record.message, 160)}")`);
  }
  if (String(error).includes(secret)) places.push(`${prefix}String(error)`);
  if (typeof record.stack === 'string' && record.stack.includes(secret))
    places.push(`${prefix}stack`);
  if (record.details !== undefined) {
    const details = safeJson(record.details);
    if (details.includes(secret)) places.push(`${prefix}details (${truncate(details, 160)})`);
  }
  return [...new Set([...places, ...secretLeaks(record.cause, secret, depth + 1)])];
}

/** Makes the `unreachable` store fail and returns what it threw (or fails the check). */
async function unreachableError(
  harness: CheckHarness,
): Promise<{ error: unknown; operation: string }> {
  harness.activity = 'creating a store for context.unreachable';
  let store: Store;
  try {
    store = await harness.createStore({ unreachable: true });
  } catch (error) {
    fail(
      `createStore() threw for context.unreachable (${describeError(error)}) — the factory must return a store pointed at an unreachable server or location; the error must come from connect() or the first write`,
    );
  }
  harness.activity = 'connecting a store pointed at an unreachable backend';
  const connectError = await attempt(() => store.connect());
  if (connectError !== undefined) return { error: connectError, operation: 'connect()' };
  harness.activity = 'writing to a store pointed at an unreachable backend';
  const writeError = await attempt(() =>
    writeRun(store, preferredRunType(harness.capabilities), [
      tableFromRows(harness, standardRows(1, 5)),
    ]),
  );
  if (writeError !== undefined)
    return { error: writeError, operation: 'the first write and commit' };
  fail(
    'context.unreachable was set, but connect(), write() and finish() all succeeded — the factory must point the store at an unreachable server or location (a closed port on 127.0.0.1, a missing bucket) so the kit can check the ConnectionError',
  );
}

/** The checks of the errors section. */
export const errorsChecks = defineChecks('errors', [
  {
    slug: 'store-errors-only',
    title: 'every error raised is a StoreError with a known code',
    requires: needStandardData,
    context: { key: ['id'] },
    async run(harness) {
      const store = await harness.openStore();
      if (store.capabilities.records) {
        await writeRun(store, preferredRunType(harness.capabilities), [
          tableFromRows(harness, standardRows(1, 3)),
        ]);
      }
      for (const { operation, error } of await provokeErrors(harness, store)) {
        if (error instanceof Error && error.message === `${operation} did not fail`) {
          fail(`${operation} succeeded; it must fail with a StoreError`);
        }
        ensure(
          StoreError.isInstance(error),
          () =>
            `${operation} threw ${describeError(error)} — every error a store raises must be a StoreError (raw driver errors never escape; wrap them and keep them as cause)`,
        );
        ensure(
          KNOWN_CODES.includes(error.code),
          `${operation} threw a StoreError with code ${JSON.stringify(error.code)}, which is not one of ${KNOWN_CODES.join(', ')}`,
        );
        ensure(
          typeof error.retryable === 'boolean',
          `${operation} threw a StoreError whose retryable is ${String(error.retryable)}, not a boolean`,
        );
        ensure(
          typeof error.message === 'string' && error.message.length > 0,
          `${operation} threw a StoreError with an empty message`,
        );
      }
    },
  },
  {
    slug: 'unreachable',
    title: 'an unreachable backend raises a retryable ConnectionError with the cause kept',
    requires: needStandardData,
    async run(harness) {
      const { error, operation } = await unreachableError(harness);
      ensure(
        ConnectionError.isInstance(error),
        () =>
          `${operation} on an unreachable backend threw ${describeError(error)} — it must be a ConnectionError (infrastructure failure)`,
      );
      ensure(
        error.retryable === true,
        `${operation} on an unreachable backend threw a ConnectionError with retryable=false — an unreachable backend may come back, so the retry runner must be allowed to retry ("${truncate(error.message, 200)}")`,
      );
      ensure(
        error.cause !== undefined && error.cause !== null,
        `${operation} on an unreachable backend threw a ConnectionError without a cause — keep the driver's error as cause ("${truncate(error.message, 200)}")`,
      );
    },
  },
  {
    slug: 'secret-redacted',
    title: 'no error message, details or cause shows the credentials',
    requires: needStandardData,
    context: { key: ['id'] },
    async run(harness) {
      const collected: CollectedError[] = [];
      // A factory that cannot make an unreachable store fails errors/unreachable, not this check.
      await attempt(async () => {
        const { error, operation } = await unreachableError(harness);
        collected.push({ operation: `${operation} on an unreachable backend`, error });
      });
      const store = await harness.openStore();
      if (store.capabilities.records) {
        await writeRun(store, preferredRunType(harness.capabilities), [
          tableFromRows(harness, standardRows(1, 3)),
        ]);
      }
      collected.push(...(await provokeErrors(harness, store)));
      for (const { operation, error } of collected) {
        const places = secretLeaks(error, harness.secret);
        ensure(
          places.length === 0,
          () =>
            `the error of ${operation} shows the secret credentials of the context in its ${places.join(', ')} — messages never contain credentials: pass secrets to the StoreError (options.secrets) or redact them`,
        );
      }
    },
  },
]);
