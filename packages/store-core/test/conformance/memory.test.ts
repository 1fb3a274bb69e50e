/**
 * The kit's own run against the reference MemoryStore, with its state in the check's directory
 * so that the cross-process sections can share it with child processes.
 */
import { fileURLToPath } from 'node:url';
import { countMemoryStaging, readMemoryProduction } from '@wharf/store-core';
import { describeConformance } from '../../src/conformance/index.js';
import { createStore } from './fixtures/memory-store-factory.mjs';

await describeConformance({
  name: 'MemoryStore',
  createStore,
  inspect: (context) => readMemoryProduction(context.directory, context.table),
  inspectStaging: (context) => countMemoryStaging(context.directory, context.table),
  spawn: { module: fileURLToPath(new URL('./fixtures/memory-store-factory.mjs', import.meta.url)) },
});
