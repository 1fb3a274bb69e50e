/** The kit's options for the reference store and its broken variants. */
import type { ConformanceContext, ConformanceOptions } from '../../src/conformance/runner.js';
import {
  inspectReference,
  inspectReferenceStaging,
  type ReferenceStore,
  type ReferenceStoreOptions,
} from './reference-store.js';

/** A reference store class or one of its broken variants. */
export type ReferenceStoreClass = new (options: ReferenceStoreOptions) => ReferenceStore;

/** The reference store's options for a conformance context. */
export function referenceStoreOptions(context: ConformanceContext): ReferenceStoreOptions {
  return {
    table: context.table,
    ...(context.key ? { key: context.key } : {}),
    ...(context.tenantColumn ? { tenantColumn: context.tenantColumn } : {}),
    ...(context.softDelete ? { softDelete: true } : {}),
    secret: context.secret,
    ...(context.unreachable ? { unreachable: true } : {}),
  };
}

/** Conformance options that build `Store` and inspect the reference maps. */
export function optionsFor(Store: ReferenceStoreClass): ConformanceOptions {
  return {
    name: Store.name,
    createStore: (context) => new Store(referenceStoreOptions(context)),
    inspect: (context) => inspectReference(context.table),
    inspectStaging: (context) => inspectReferenceStaging(context.table),
    largeRows: 20_000,
  };
}
