/**
 * Section 1, contract shape: the store has the contract's methods, passes `assertStore`,
 * declares well-formed capabilities, and its optional methods are callable and harmless. A
 * method of a capability it does not claim fails with a `ValidationError` naming it.
 */
import {
  ARROW_TYPE_NAMES,
  assertStore,
  BOOLEAN_CAPABILITIES,
  RUN_TYPES,
  STORE_METHODS,
  type Store,
  type StoreCapabilities,
} from '@wharf/store-core';
import { attempt, describeError, ensure, expectStoreError, fail, safeJson } from '../assertions.js';
import { defineChecks } from '../check.js';
import type { CheckHarness } from '../harness.js';
import { expectNoStaging, expectProduction } from '../run-scenarios.js';

/** The problems of a capabilities object, empty when it is well-formed. */
export function capabilityProblems(capabilities: StoreCapabilities): string[] {
  const problems: string[] = [];
  const value = capabilities as unknown as Record<string, unknown>;
  const runTypes = value.runTypes;
  if (!Array.isArray(runTypes) || runTypes.length === 0) {
    problems.push(
      `runTypes must be a non-empty array of ${RUN_TYPES.join(', ')}, got ${JSON.stringify(runTypes)}`,
    );
  } else {
    const unknown = runTypes.filter((runType) => !RUN_TYPES.includes(runType));
    if (unknown.length > 0)
      problems.push(`runTypes has unknown run types ${JSON.stringify(unknown)}`);
    if (new Set(runTypes).size !== runTypes.length)
      problems.push('runTypes lists a run type twice');
  }
  if (value.commit !== 'atomic' && value.commit !== 'recoverable') {
    problems.push(`commit must be 'atomic' or 'recoverable', got ${JSON.stringify(value.commit)}`);
  }
  for (const name of BOOLEAN_CAPABILITIES) {
    if (typeof value[name] !== 'boolean') {
      problems.push(`${name} must be a boolean, got ${JSON.stringify(value[name])}`);
    }
  }
  const arrowTypes = value.arrowTypes;
  if (!Array.isArray(arrowTypes)) {
    problems.push(
      `arrowTypes must be an array of Arrow type names, got ${JSON.stringify(arrowTypes)}`,
    );
  } else {
    const unknown = arrowTypes.filter((name) => !ARROW_TYPE_NAMES.includes(name));
    if (unknown.length > 0)
      problems.push(`arrowTypes has unknown names ${JSON.stringify(unknown)}`);
    if (new Set(arrowTypes).size !== arrowTypes.length)
      problems.push('arrowTypes lists a type twice');
  }
  if (value.tenants === true && value.records !== true) {
    problems.push(
      'tenants is claimed without records: tenant views are the record API limited to one tenant',
    );
  }
  if (value.softDelete === true && value.records !== true) {
    problems.push('softDelete is claimed without records: soft delete changes the record API');
  }
  return problems;
}

async function expectUnclaimed(
  operation: string,
  capability: string,
  action: () => unknown,
): Promise<void> {
  const error = await expectStoreError(
    action,
    'ValidationError',
    operation,
    `the store does not claim '${capability}', so the call must be refused rather than silently do nothing`,
  );
  ensure(
    error.message.includes(capability),
    `${operation} was refused with "${error.message}", which does not name the capability '${capability}' the store does not claim`,
  );
}

async function checkUnclaimedMethods(store: Store): Promise<void> {
  const capabilities = store.capabilities;
  if (!capabilities.records) {
    await expectUnclaimed('get(1) on a store without records', 'records', () => store.get(1));
    await expectUnclaimed('list() on a store without records', 'records', () => store.list());
  }
  if (!capabilities.tenants) {
    await expectUnclaimed('forTenant() on a store without tenants', 'tenants', () =>
      store.forTenant('acme'),
    );
  }
  if (!capabilities.softDelete) {
    await expectUnclaimed('restore(1) on a store without softDelete', 'softDelete', () =>
      store.restore(1),
    );
  }
  if (!capabilities.vectorSearch) {
    await expectUnclaimed('search() on a store without vectorSearch', 'vectorSearch', () =>
      store.search({ column: 'embedding', vector: [1, 0], k: 1 }),
    );
  }
  if (!capabilities.readBack) {
    await expectUnclaimed('read() on a store without readBack', 'readBack', async () => {
      for await (const _batch of store.read()) break;
    });
  }
  if (!capabilities.faultInjection) {
    await expectUnclaimed(
      'store.faults on a store without faultInjection',
      'faultInjection',
      () => store.faults,
    );
  }
}

async function harmless(harness: CheckHarness, operation: string, action: () => unknown) {
  harness.activity = `calling ${operation} on a fresh connected store`;
  const error = await attempt(action);
  if (error !== undefined) {
    fail(
      `${operation} on a fresh, connected store threw ${describeError(error)} — optional methods must be callable at any time between runs`,
    );
  }
}

/** The checks of the contract shape section. */
export const contractShapeChecks = defineChecks('contract-shape', [
  {
    slug: 'required-methods',
    title: 'required methods and properties are present',
    async run(harness) {
      const store = await harness.createStore();
      const candidate = store as unknown as Record<string | symbol, unknown>;
      for (const method of STORE_METHODS) {
        ensure(
          typeof candidate[method] === 'function',
          `store.${method} is ${typeof candidate[method]}, not a function — extend Store from @wharf/store-core and implement write() and finish()`,
        );
      }
      ensure(
        typeof candidate[Symbol.asyncDispose] === 'function',
        'store[Symbol.asyncDispose] is missing, so `await using store = …` cannot close it',
      );
      ensure(
        store.isConnected === false,
        `a new store reports isConnected ${String(store.isConnected)} before connect() — a constructor does no I/O`,
      );
      ensure(
        typeof store.name === 'string' && store.name.length > 0,
        `store.name must be a short non-empty description, got ${JSON.stringify(store.name)}`,
      );
      ensure(
        !store.name.includes(harness.secret),
        `store.name contains the credentials of the context ("${store.name}") — names appear in messages and logs`,
      );
    },
  },
  {
    slug: 'assert-store',
    title: 'assertStore() accepts the store',
    async run(harness) {
      const store = await harness.createStore();
      const error = await attempt(() => assertStore(store));
      if (error !== undefined) fail(`assertStore() rejected the store: ${describeError(error)}`);
    },
  },
  {
    slug: 'capabilities',
    title: 'capabilities are well-formed and stable',
    async run(harness) {
      const store = await harness.createStore();
      const problems = capabilityProblems(store.capabilities);
      ensure(
        problems.length === 0,
        () => `the declared capabilities are malformed: ${problems.join('; ')}`,
      );
      const declared = JSON.stringify(store.capabilities);
      const second = await harness.createStore();
      ensure(
        JSON.stringify(second.capabilities) === declared,
        `two stores from the same factory and context declare different capabilities: ${declared} vs ${JSON.stringify(second.capabilities)}`,
      );
      await store.connect();
      ensure(
        JSON.stringify(store.capabilities) === declared,
        `the capabilities changed on connect(): ${declared} before, ${JSON.stringify(store.capabilities)} after — the kit and the library read them before connecting`,
      );
    },
  },
  {
    slug: 'optional-methods',
    title: 'optional methods are harmless; unclaimed ones are refused',
    context: { key: ['id'] },
    async run(harness) {
      const store = await harness.openStore();
      for (const runType of store.capabilities.runTypes) {
        await harmless(harness, `configureForRun('${runType}')`, () =>
          store.configureForRun(runType),
        );
      }
      await harmless(harness, 'cleanupStaging()', () => store.cleanupStaging());
      await harmless(harness, 'resetRetrySensitiveState()', () => store.resetRetrySensitiveState());
      ensure(typeof store.setPool === 'function', 'store.setPool is not a function');
      harness.activity = 'calling recover() on a fresh store';
      const recovery = await store.recover();
      ensure(
        Array.isArray(recovery?.rolledForward) && Array.isArray(recovery?.discarded),
        `recover() must resolve to { rolledForward: [], discarded: [] }, got ${JSON.stringify(recovery)}`,
      );
      harness.activity = 'calling describe() on a fresh store';
      const description = await store.describe();
      ensure(
        typeof description === 'object' && description !== null && description.name === store.name,
        `describe() must resolve to a description naming the store ('${store.name}'), got ${JSON.stringify(description?.name)}`,
      );
      ensure(
        !safeJson(description).includes(harness.secret),
        'describe() shows the credentials of the context — a description is for tools and logs and never holds secrets',
      );
      harness.activity = 'reading metrics() and health()';
      const metrics = store.metrics();
      ensure(
        typeof metrics === 'object' && metrics !== null && typeof metrics.operations === 'object',
        `metrics() must return a snapshot object with operations, got ${JSON.stringify(metrics)}`,
      );
      const health = await store.health();
      ensure(
        health?.status === 'ok',
        `health() on a connected store reports ${JSON.stringify(health)}, expected status 'ok'`,
      );
      await expectProduction(
        harness,
        [],
        'after only optional calls on a fresh store',
        'optional methods must not write to production',
      );
      await expectNoStaging(harness, 'after only optional calls on a fresh store');
      await checkUnclaimedMethods(store);
    },
  },
]);
