import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectDataset } from '@wharf/dataset-inspector';
import { describeConformance } from '@wharf/store-core/conformance';
// @ts-expect-error: a plain JavaScript module, shared with the kit's child processes.
import { createStore } from './fixtures/conformance-factory.mjs';
import { countStaging } from './helpers/count-staging.js';

await describeConformance({
  name: '@wharf/store-parquet',
  createStore,
  inspect: (context) => inspectDataset(join(context.directory, context.table)),
  inspectStaging: (context) => countStaging(context.directory, context.table),
  spawn: { module: fileURLToPath(new URL('./fixtures/conformance-factory.mjs', import.meta.url)) },
});
