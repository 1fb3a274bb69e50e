/**
 * The conformance kit for a Parquet store on object storage, in both layouts: the store's
 * factory module picks the layout from `WHARF_KIT_LAYOUT`, and the independent inspector reads
 * what the check's dataset holds through the caller's raw reads, per FORMAT.md.
 */
import type { Store } from '@wharf/store-core';
import { type ConformanceContext, describeConformance } from '@wharf/store-core/conformance';
import { countObjectStaging, inspectObjectDataset, type ObjectReader } from './object-datasets.js';

/** The layouts every object-storage store is checked in. */
export const OBJECT_LAYOUTS = ['commits', 'folder'] as const;

/** What {@link describeObjectConformance} needs. */
export interface ObjectConformanceOptions {
  /** Shown in the report, e.g. `@wharf/store-gcs`; the layout is appended. */
  readonly name: string;
  /** The factory (exported by `factoryModule`); it reads `WHARF_KIT_LAYOUT`. */
  createStore(context: ConformanceContext): Store | Promise<Store>;
  /** The absolute path of the factory's module, for the kit's child processes. */
  readonly factoryModule: string;
  /** Environment the factory needs (server address, bucket), set here and for children. */
  readonly env: Readonly<Record<string, string>>;
  /** Raw reads of one check's dataset prefix, without the store. */
  reader(context: ConformanceContext): ObjectReader;
}

/** Registers the kit's checks for both layouts (inside a vitest file). */
export async function describeObjectConformance(options: ObjectConformanceOptions): Promise<void> {
  Object.assign(process.env, options.env);
  for (const layout of OBJECT_LAYOUTS) {
    await describeConformance({
      name: `${options.name} (layout '${layout}')`,
      createStore: (context) => {
        process.env.WHARF_KIT_LAYOUT = layout;
        return options.createStore(context);
      },
      inspect: (context) => inspectObjectDataset(options.reader(context), layout),
      inspectStaging: (context) => countObjectStaging(options.reader(context)),
      spawn: { module: options.factoryModule, env: { ...options.env, WHARF_KIT_LAYOUT: layout } },
    });
  }
}
