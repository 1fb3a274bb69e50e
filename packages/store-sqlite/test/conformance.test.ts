import { fileURLToPath } from 'node:url';
import { describeConformance } from '@wharf/store-core/conformance';
import { createStore, databaseFile } from './fixtures/conformance-factory.mjs';
import { countStagingArtefacts, readProductionRows } from './sqlite-probes.js';

await describeConformance({
  name: '@wharf/store-sqlite',
  createStore,
  inspect: async (context) => readProductionRows(databaseFile(context), context.table),
  inspectStaging: async (context) => countStagingArtefacts(databaseFile(context), context.table),
  spawn: {
    module: fileURLToPath(new URL('./fixtures/conformance-factory.mjs', import.meta.url)),
  },
});
